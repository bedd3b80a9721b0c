/** Helpers shared by the HTTP-based senders (Telegram, webhook). */
import type { SendResult } from './types.js';

/** A deadline for one send, combined with the caller's signal (shutdown). */
export interface SendDeadline {
  signal: AbortSignal;
  /** Why the send was cut short, once it was. */
  abortCause(): 'timeout' | 'caller' | null;
  dispose(): void;
}

export function sendDeadline(timeoutMs: number, caller?: AbortSignal): SendDeadline {
  const timeout = new AbortController();
  // A plain timer rather than AbortSignal.timeout, so it can be cleared and never keeps the process alive.
  const timer = setTimeout(
    () => timeout.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')),
    timeoutMs,
  );
  timer.unref();
  const signal = caller ? AbortSignal.any([timeout.signal, caller]) : timeout.signal;
  return {
    signal,
    abortCause: () => (caller?.aborted ? 'caller' : timeout.signal.aborted ? 'timeout' : null),
    dispose: () => clearTimeout(timer),
  };
}

/**
 * Reads at most `limit` bytes of a response body and drops the rest, so a misbehaving endpoint cannot
 * make us buffer megabytes of HTML. Errors while reading end the read quietly.
 */
export async function readBounded(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (done || !value) break;
      const room = limit - size;
      if (value.length >= room) {
        chunks.push(Buffer.from(value.subarray(0, room)));
        size = limit;
        await reader.cancel().catch(() => undefined);
        break;
      }
      chunks.push(Buffer.from(value));
      size += value.length;
    }
  } catch {
    // a reset or a timeout mid-body: what arrived is enough for a diagnostic
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Drops a response body without reading it, so the connection can be reused or closed. */
export async function discardBody(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

/** The code of a fetch failure: undici wraps the socket error (ECONNREFUSED, UND_ERR_SOCKET …) as `cause`. */
function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function errorMessage(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 4; depth++) {
    if (e instanceof Error) {
      if (e.message && !parts.includes(e.message)) parts.push(e.message);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(': ') || 'unknown error';
}

/**
 * A request that got no HTTP answer. Always transient: the far end may be back in a minute, and a
 * timed-out request may even have been delivered (at-least-once is the contract).
 */
export function networkFailure(err: unknown, deadline: SendDeadline, timeoutMs: number): SendResult {
  const cause = deadline.abortCause();
  if (cause === 'caller') return { ok: false, permanent: false, error: 'send aborted', code: 'EABORT' };
  if (cause === 'timeout')
    return { ok: false, permanent: false, error: `timed out after ${timeoutMs} ms`, code: 'ETIMEDOUT' };
  const code = errorCode(err);
  return { ok: false, permanent: false, error: errorMessage(err), ...(code ? { code } : {}) };
}

/** Retry-After as a delay in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** A short, single-line excerpt of a response body for error messages. */
export function excerpt(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
