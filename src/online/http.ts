/**
 * One HTTP exchange with a ДЦ server on node:http/node:https, with explicit timeouts and a body cap,
 * and the mapping of whatever goes wrong onto the error texts of spec §2.5:
 *
 * | What happened                                                        | error                | code             |
 * |----------------------------------------------------------------------|----------------------|------------------|
 * | Login answers 401, or a 2xx page with "Неверный логин или пароль"    | `LoginPasswordError` | 401              |
 * | No TCP connection / no status line within `connectTimeoutMs`         | `ConnectionTimeout`  | `CONNECT_TIMEOUT` (or the OS's `ETIMEDOUT`) |
 * | Headers came, then the body stalled for `readTimeoutMs`              | `ReadTimeOut`        | `READ_TIMEOUT`   |
 * | Any other 4xx (403, 400 …; a 404 at login is LoginPasswordError)    | `OtherErrorCode400+` | the status       |
 * | 5xx                                                                  | `HTTPError`          | the status       |
 * | Refused, reset, unknown host, unreachable, TLS failure               | `ConnectionError`    | the errno        |
 * | Malformed page or JSON, bad redirect, no session, body over the cap, unexpected status, bad URL, aborted | `RequestException` | a string code or the status |
 *
 * The login-specific rule (401 → LoginPasswordError) lives in client.ts; this module gives the rest.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import iconv from 'iconv-lite';
import type { OnlineErrorKind } from './types.js';

/** A failure on its way to becoming an OnlineFailure (the caller adds the latency). */
export class OnlineError extends Error {
  constructor(
    readonly kind: OnlineErrorKind,
    readonly code: number | string,
    message: string,
  ) {
    super(message);
    this.name = 'OnlineError';
  }
}

/** Errnos of a connection that could not be made or was cut: ConnectionError. */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
]);

/** TLS handshake and certificate failures (requests calls them SSLError, a ConnectionError). */
function isTlsError(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('CERT_') ||
    code.startsWith('UNABLE_TO_') ||
    code.startsWith('DEPTH_ZERO_') ||
    code.startsWith('SELF_SIGNED_') ||
    code === 'HOSTNAME_MISMATCH' ||
    code === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
    code === 'EPROTO'
  );
}

/** Maps a socket-level error (not a timeout of ours) onto the taxonomy. */
export function mapNetworkError(e: unknown): OnlineError {
  if (e instanceof OnlineError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : 'UNKNOWN';
  const message = err instanceof Error ? err.message : String(e);
  if (code === 'ETIMEDOUT') return new OnlineError('ConnectionTimeout', code, message);
  if (CONNECTION_ERRNOS.has(code) || isTlsError(code))
    return new OnlineError('ConnectionError', code, message);
  return new OnlineError('RequestException', code, message);
}

/** A 4xx or 5xx status as a failure (the login's 401 is handled by the caller first). */
export function statusError(status: number, what: string): OnlineError | null {
  if (status >= 500) return new OnlineError('HTTPError', status, `${what}: HTTP ${status}`);
  if (status >= 400) return new OnlineError('OtherErrorCode400+', status, `${what}: HTTP ${status}`);
  return null;
}

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ExchangeOptions {
  method: 'GET' | 'POST';
  /** A form body (`application/x-www-form-urlencoded`). */
  form?: Record<string, string>;
  cookie?: string;
  accept: string;
  /** Largest body accepted, after decompression. */
  maxBytes: number;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  signal?: AbortSignal;
  /** Used in messages: 'login', 'profile' … */
  what: string;
}

const USER_AGENT = 'SMART-online/0.1 (read-only monitor)';

/** A keep-alive agent for the few requests of one read; destroy it when done. */
export function makeAgent(url: URL): HttpAgent | HttpsAgent {
  return url.protocol === 'https:'
    ? new HttpsAgent({ keepAlive: true, maxSockets: 1 })
    : new HttpAgent({ keepAlive: true, maxSockets: 1 });
}

/**
 * Sends one request and reads the whole body. Resolves with any status; rejects with an OnlineError
 * for timeouts, network errors, an oversized body or an abort. Redirects are not followed.
 *
 * A request sent on a kept-alive socket that the server closed meanwhile fails with ECONNRESET before
 * any response; such a request is sent once more on a fresh socket (the documented Node.js remedy).
 */
export async function exchange(
  url: URL,
  agent: HttpAgent | HttpsAgent,
  o: ExchangeOptions,
): Promise<HttpReply> {
  try {
    return await exchangeOnce(url, agent, o);
  } catch (e) {
    if (e instanceof StaleSocket) return exchangeOnce(url, agent, o);
    throw e;
  }
}

/** A reused keep-alive socket was found closed before the request got any answer. */
class StaleSocket extends OnlineError {}

function exchangeOnce(url: URL, agent: HttpAgent | HttpsAgent, o: ExchangeOptions): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    if (o.signal?.aborted)
      return reject(new OnlineError('RequestException', 'ABORTED', `${o.what}: aborted`));
    const body = o.form ? Buffer.from(new URLSearchParams(o.form).toString(), 'utf8') : undefined;
    const headers: Record<string, string | number> = {
      Accept: o.accept,
      'Accept-Encoding': 'identity',
      'User-Agent': USER_AGENT,
    };
    if (o.cookie) headers.Cookie = o.cookie;
    if (body) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = body.length;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: o.method, headers, agent });

    let done = false;
    let gotResponse = false;
    let readTimer: NodeJS.Timeout | undefined;
    let decoder: Transform | undefined;
    const onAbort = (): void => fail(new OnlineError('RequestException', 'ABORTED', `${o.what}: aborted`));
    const cleanup = (): void => {
      done = true;
      clearTimeout(connectTimer);
      clearTimeout(readTimer);
      o.signal?.removeEventListener('abort', onAbort);
    };
    function fail(e: OnlineError): void {
      if (done) return;
      cleanup();
      req.destroy();
      decoder?.destroy();
      reject(e);
    }
    const connectTimer = setTimeout(
      () =>
        fail(
          new OnlineError(
            'ConnectionTimeout',
            'CONNECT_TIMEOUT',
            `${o.what}: no response within ${o.connectTimeoutMs} ms`,
          ),
        ),
      o.connectTimeoutMs,
    );
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => {
      const mapped = mapNetworkError(e);
      if (o.method === 'GET' && req.reusedSocket && mapped.code === 'ECONNRESET' && !gotResponse)
        fail(new StaleSocket(mapped.kind, mapped.code, mapped.message));
      else fail(mapped);
    });

    req.on('response', (res) => {
      gotResponse = true;
      clearTimeout(connectTimer);
      if (done) {
        res.destroy();
        return;
      }
      const status = res.statusCode ?? 0;
      const armRead = (): void => {
        clearTimeout(readTimer);
        readTimer = setTimeout(
          () =>
            fail(
              new OnlineError(
                'ReadTimeOut',
                'READ_TIMEOUT',
                `${o.what}: HTTP ${status} headers came, then no data for ${o.readTimeoutMs} ms`,
              ),
            ),
          o.readTimeoutMs,
        );
      };
      armRead();
      const tooLarge = (): OnlineError =>
        new OnlineError('RequestException', 'TOO_LARGE', `${o.what}: body exceeds ${o.maxBytes} bytes`);
      const declared = Number(res.headers['content-length']);
      const encoding = String(res.headers['content-encoding'] ?? 'identity')
        .trim()
        .toLowerCase();
      if (encoding === 'identity' && Number.isFinite(declared) && declared > o.maxBytes)
        return fail(tooLarge());

      if (encoding === 'gzip' || encoding === 'x-gzip') decoder = createGunzip();
      else if (encoding === 'deflate') decoder = createInflate();
      else if (encoding === 'br') decoder = createBrotliDecompress();
      else if (encoding !== 'identity' && encoding !== '')
        return fail(
          new OnlineError(
            'RequestException',
            'BAD_ENCODING',
            `${o.what}: unsupported Content-Encoding ${encoding}`,
          ),
        );

      const chunks: Buffer[] = [];
      let size = 0;
      const onChunk = (c: Buffer): void => {
        if (done) return;
        size += c.length;
        if (size > o.maxBytes) return fail(tooLarge());
        chunks.push(c);
      };
      const onEnd = (): void => {
        if (done) return;
        cleanup();
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
      };
      res.on('data', armRead);
      res.on('error', (e) => fail(mapNetworkError(e)));
      res.on('close', () => {
        if (!res.complete)
          fail(new OnlineError('ConnectionError', 'ECONNRESET', `${o.what}: connection closed mid-body`));
      });
      if (decoder) {
        decoder.on('data', onChunk);
        decoder.on('end', onEnd);
        decoder.on('error', (e) =>
          fail(new OnlineError('RequestException', 'BAD_ENCODING', `${o.what}: ${e.message}`)),
        );
        res.pipe(decoder);
      } else {
        res.on('data', onChunk);
        res.on('end', onEnd);
      }
    });
    req.end(body);
  });
}

/** The charset of a reply: Content-Type, else an HTML `<meta>` in the first 2 KB, else UTF-8. */
export function decodeText(reply: HttpReply, what: string): string {
  const fromHeader = /charset\s*=\s*["']?([\w.:-]+)/i.exec(String(reply.headers['content-type'] ?? ''))?.[1];
  const head = reply.body.subarray(0, 2048).toString('latin1');
  const fromMeta = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1];
  const charset = (fromHeader ?? fromMeta ?? 'utf-8').toLowerCase();
  if (charset === 'utf-8' || charset === 'utf8') return reply.body.toString('utf8').replace(/^\uFEFF/, '');
  if (!iconv.encodingExists(charset))
    throw new OnlineError('RequestException', 'BAD_CHARSET', `${what}: unknown charset ${charset}`);
  return iconv.decode(reply.body, charset);
}

/** `name=value` pairs of the Set-Cookie headers. */
export function setCookies(headers: IncomingHttpHeaders): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of headers['set-cookie'] ?? []) {
    const pair = line.split(';', 1)[0] ?? '';
    const i = pair.indexOf('=');
    if (i > 0) out.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
  }
  return out;
}
