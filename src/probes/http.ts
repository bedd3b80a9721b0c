/**
 * A minimal HTTP(S) client for the probes, on node:http and node:https rather than fetch: thousands of
 * probes a minute on two cores need keep-alive agents we control, a hard deadline over the whole
 * exchange, a capped body and no decompression work. It never throws: failures come back as errno
 * codes for the checks to report.
 */
import { Agent as HttpAgent, request as plainRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as tlsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import iconv from 'iconv-lite';

export interface HttpAgents {
  http?: HttpAgent;
  https?: HttpsAgent;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** One deadline for connect + headers + body. */
  timeoutMs: number;
  agents?: HttpAgents;
  /** Bytes of body kept; the rest is dropped and `truncated` set. Default 256 KB. */
  maxBodyBytes?: number;
  /**
   * Check the server certificate. Default false: ПК installations mostly serve self-signed or expired
   * certificates on internal addresses, and a probe asks "does the ПК answer", not "is its TLS set up
   * right". Nothing secret goes over it except the smartlogin password, which that ПК already knows.
   */
  verifyTls?: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse {
  ok: true;
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  truncated: boolean;
  /** Request start to the end of the body. */
  latencyMs: number;
}

export interface HttpFailure {
  ok: false;
  url: URL;
  /** errno or Node error code: 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'DEPTH_ZERO_SELF_SIGNED_CERT' … */
  code: string;
  detail: string;
  latencyMs: number;
}

export type HttpResult = HttpResponse | HttpFailure;

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
const USER_AGENT = 'SMART-probe/0.1';

/**
 * Shared keep-alive agents: the few requests of one probe (main page, login, signed-in page) reuse one
 * connection. Idle sockets are dropped after 4 s, before a typical server's 5 s keep-alive ends.
 */
export const defaultAgents: Required<HttpAgents> = {
  http: new HttpAgent({ keepAlive: true, timeout: 4_000 }),
  https: new HttpsAgent({ keepAlive: true, timeout: 4_000 }),
};

function elapsed(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}

/** Charset from Content-Type, else from an HTML <meta> in the first 2 KB, else UTF-8. */
export function decodeBody(body: Buffer, contentType: string | undefined): string {
  const fromHeader = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  const fromMeta = fromHeader
    ? undefined
    : /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(body.subarray(0, 2048).toString('latin1'))?.[1];
  const charset = (fromHeader ?? fromMeta ?? 'utf-8').toLowerCase();
  if (charset === 'utf-8' || charset === 'utf8' || !iconv.encodingExists(charset))
    return body.toString('utf8');
  return iconv.decode(body, charset);
}

function once(url: URL, o: HttpRequestOptions): Promise<{ result: HttpResult; reusedSocket: boolean }> {
  const t0 = performance.now();
  const https = url.protocol === 'https:';
  const agents = o.agents ?? defaultAgents;
  const agent = https ? (agents.https ?? defaultAgents.https) : (agents.http ?? defaultAgents.http);
  const cap = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const body = o.form ? Buffer.from(new URLSearchParams(o.form).toString(), 'utf8') : undefined;
  const headers: Record<string, string> = {
    'User-Agent': USER_AGENT,
    Accept: 'text/html,*/*;q=0.8',
    'Accept-Encoding': 'identity',
    ...o.headers,
  };
  if (body) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers['Content-Length'] = String(body.length);
  }

  return new Promise((resolve) => {
    let settled = false;
    const send = https ? tlsRequest : plainRequest;
    const req = send(url, {
      method: o.method ?? 'GET',
      headers,
      agent,
      ...(https ? { rejectUnauthorized: o.verifyTls ?? false } : {}),
    });
    const finish = (result: HttpResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve({ result, reusedSocket: req.reusedSocket });
    };
    const fail = (code: string, detail: string): void => {
      finish({ ok: false, url, code, detail, latencyMs: elapsed(t0) });
      req.destroy();
    };
    const onAbort = (): void => fail('ABORT_ERR', 'aborted');
    const timer = setTimeout(
      () => fail('ETIMEDOUT', `no complete answer within ${o.timeoutMs} ms`),
      o.timeoutMs,
    );
    o.signal?.addEventListener('abort', onAbort, { once: true });

    req.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? 'ERROR', e.message));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const done = (): void => {
        const buf = Buffer.concat(chunks);
        finish({
          ok: true,
          url,
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: decodeBody(buf, res.headers['content-type']),
          truncated,
          latencyMs: elapsed(t0),
        });
      };
      res.on('data', (c: Buffer) => {
        if (settled) return;
        if (size + c.length <= cap) {
          size += c.length;
          chunks.push(c);
          return;
        }
        // Enough for the markers; the rest of a huge page is not worth the memory or the wait.
        chunks.push(c.subarray(0, cap - size));
        size = cap;
        truncated = true;
        done();
        res.destroy();
      });
      res.on('end', done);
      res.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? 'ERROR', e.message));
      res.on('close', () => {
        if (!res.complete) fail('ECONNRESET', 'connection closed before the end of the body');
      });
    });
    req.end(body);
  });
}

/**
 * One request, no redirects followed. A reset on a reused keep-alive socket (the server closed it while
 * idle) is retried once on a fresh connection, as the Node docs advise: it says nothing about the server.
 */
export async function httpRequest(url: URL | string, opts: HttpRequestOptions): Promise<HttpResult> {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return {
      ok: false,
      url: new URL('http://invalid.invalid/'),
      code: 'ERR_INVALID_URL',
      detail: String(url),
      latencyMs: 0,
    };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return {
      ok: false,
      url: u,
      code: 'ERR_INVALID_URL',
      detail: `unsupported protocol ${u.protocol}`,
      latencyMs: 0,
    };
  if (opts.signal?.aborted) return { ok: false, url: u, code: 'ABORT_ERR', detail: 'aborted', latencyMs: 0 };
  const first = await once(u, opts);
  if (!first.result.ok && first.reusedSocket && first.result.code === 'ECONNRESET' && !opts.signal?.aborted)
    return (await once(u, opts)).result;
  return first.result;
}
