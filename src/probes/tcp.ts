/** TCP connect check: is the port monitor listening (spec §2.4 `tcp`, KodeksTcpStatus). */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface TcpResult {
  /** 'unknown' only when the probe was aborted. */
  outcome: 'ok' | 'failed' | 'unknown';
  latencyMs: number;
  /** errno: 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND' … */
  code?: string;
  detail?: string;
}

/** Opens and closes one connection; never throws. The timeout covers the name lookup too. */
export function tcpConnect(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<TcpResult> {
  const t0 = performance.now();
  const ms = (): number => Math.round((performance.now() - t0) * 10) / 10;
  if (signal?.aborted) return Promise.resolve({ outcome: 'unknown', latencyMs: 0, detail: 'aborted' });
  let socket: Socket;
  try {
    socket = connect({ host, port });
  } catch (e) {
    // A bad port or host is refused synchronously.
    const err = e as NodeJS.ErrnoException;
    return Promise.resolve({
      outcome: 'failed',
      latencyMs: 0,
      code: err.code ?? 'ERROR',
      detail: err.message,
    });
  }
  return new Promise<TcpResult>((resolve) => {
    let settled = false;
    const finish = (r: TcpResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = (): void => finish({ outcome: 'unknown', latencyMs: ms(), detail: 'aborted' });
    const timer = setTimeout(
      () =>
        finish({
          outcome: 'failed',
          latencyMs: ms(),
          code: 'ETIMEDOUT',
          detail: `no connection within ${timeoutMs} ms`,
        }),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ outcome: 'ok', latencyMs: ms() }));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      finish({ outcome: 'failed', latencyMs: ms(), code: e.code ?? 'ERROR', detail: e.message }),
    );
  });
}
