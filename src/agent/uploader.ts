import { fetch, FormData, type Dispatcher } from 'undici';
import { AGENT_VERSION, USER_AGENT } from './version.js';
import { describeNetError } from './net.js';

export interface ServerTarget {
  url: string;
  dealer: string;
  token: string;
}

export type UploadOutcome =
  { ok: true; path: string } | { ok: false; transient: boolean; status?: number; reason: string };

/** Headers every request to the server carries. The token goes in a header, never in the URL. */
export function serverHeaders(t: ServerTarget): Record<string, string> {
  return {
    authorization: `Bearer ${t.token}`,
    dealer: t.dealer,
    upload: 'yes',
    'user-agent': USER_AGENT,
    'x-smart-agent-version': AGENT_VERSION,
  };
}

/** Explains a non-200 answer of the server. */
export function describeServerAnswer(status: number, body: string): { transient: boolean; reason: string } {
  let message = body.slice(0, 300);
  try {
    const j = JSON.parse(body) as { error?: { message?: string }; message?: string };
    message = j.error?.message ?? j.message ?? message;
  } catch {
    // Not JSON: keep the text.
  }
  if (status === 401) {
    return { transient: false, reason: `the server refused the dealer or token (401): ${message}` };
  }
  if (status === 403) return { transient: false, reason: `the server refused this upload (403): ${message}` };
  if (status === 408 || status === 429 || status >= 500) {
    return { transient: true, reason: `the server is busy or failing (${status}): ${message}` };
  }
  if (status === 404) {
    return {
      transient: false,
      reason: 'the server has no upload endpoint at this URL (404): check serverUrl',
    };
  }
  return { transient: false, reason: `the server refused the file (${status}): ${message}` };
}

/**
 * `POST /upload`, multipart field `file`, as the existing scripts do. Sending the same bytes twice is
 * safe: the server records a report once per content (sha256) and answers 200 again.
 */
export async function uploadFile(
  t: ServerTarget,
  dispatcher: Dispatcher,
  fileName: string,
  data: Buffer,
  timeoutMs = 300_000,
): Promise<UploadOutcome> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(data)]), fileName);
  let res;
  try {
    res = await fetch(`${t.url}/upload`, {
      method: 'POST',
      headers: serverHeaders(t),
      body: form,
      dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const f = describeNetError(e);
    return {
      ok: false,
      transient: f.transient,
      reason: `the server at ${t.url} is not reachable: ${f.reason}`,
    };
  }
  const text = await res.text().catch(() => '');
  if (res.status === 200) {
    try {
      const j = JSON.parse(text) as { ok?: boolean; path?: string };
      if (j.ok === true) return { ok: true, path: j.path ?? '' };
    } catch {
      // Falls through: a 200 that is not our answer (a captive portal, a wrong host).
    }
    return {
      ok: false,
      transient: true,
      status: 200,
      reason: `the server answered 200 but not with {"ok":true}: is serverUrl pointing at SMART? (${text.slice(0, 100)})`,
    };
  }
  return { ok: false, status: res.status, ...describeServerAnswer(res.status, text) };
}
