/**
 * Webhook channel: POST the message's JSON payload to the target URL. 2xx is delivered; 408, 429 and
 * 5xx are worth retrying (honouring Retry-After); any other answer will not change on a retry.
 */
import { discardBody, excerpt, networkFailure, parseRetryAfter, readBounded, sendDeadline } from './http.js';
import type { ChannelSender, OutgoingMessage, SendResult } from './types.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_ERROR_BODY_BYTES = 4 * 1024;

export interface WebhookSenderOptions {
  timeoutMs?: number;
}

/** The body sent when the message has no payload, so a webhook is never posted an empty document. */
function defaultPayload(msg: OutgoingMessage): unknown {
  return { id: msg.id, subject: msg.subject, text: msg.text };
}

function targetUrl(target: string): URL | null {
  try {
    const u = new URL(target);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/** The URL without credentials or query, for error messages (either may hold a secret). */
function safeUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export function createWebhookSender(opts: WebhookSenderOptions = {}): ChannelSender {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const send = async (msg: OutgoingMessage, signal?: AbortSignal): Promise<SendResult> => {
    const url = targetUrl(msg.target);
    if (!url) return { ok: false, permanent: true, error: 'the webhook URL is not a valid http(s) URL' };
    let body: string;
    try {
      body = JSON.stringify(msg.payload === undefined ? defaultPayload(msg) : msg.payload);
    } catch (err) {
      return { ok: false, permanent: true, error: `payload is not JSON-serialisable: ${String(err)}` };
    }
    const deadline = sendDeadline(timeoutMs, signal);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'SMART-alerts',
          // Lets a receiver drop the duplicates that at-least-once delivery can produce.
          'X-Smart-Message-Id': String(msg.id),
        },
        body,
        signal: deadline.signal,
        // A redirect would turn the POST into a GET or post alerts somewhere unconfigured.
        redirect: 'manual',
      });
      const status = res.status;
      if (status >= 200 && status < 300) {
        await discardBody(res);
        return { ok: true, detail: `HTTP ${status}` };
      }
      const text = excerpt(await readBounded(res, MAX_ERROR_BODY_BYTES));
      const error = `HTTP ${status} from ${safeUrl(url)}${text ? `: ${text}` : ''}`;
      if (status === 408 || status === 429 || status >= 500) {
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        return {
          ok: false,
          permanent: false,
          error,
          code: status,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        };
      }
      if (status >= 300 && status < 400) {
        const where = res.headers.get('location');
        return {
          ok: false,
          permanent: true,
          error: `${error} (redirect to ${where ?? '?'} not followed)`,
          code: status,
        };
      }
      return { ok: false, permanent: true, error, code: status };
    } catch (err) {
      const r = networkFailure(err, deadline, timeoutMs);
      return r.ok ? r : { ...r, error: `${safeUrl(url)}: ${r.error}` };
    } finally {
      deadline.dispose();
    }
  };

  return { kind: 'webhook', send };
}
