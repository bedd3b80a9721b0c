import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetryAfter } from './http.js';
import type { OutgoingMessage } from './types.js';
import { createWebhookSender } from './webhook.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let srv: Server;
let base: string;
const received: Received[] = [];
/** Path → how to answer; the default is 204. */
const answers = new Map<string, (res: ServerResponse) => void>();

beforeAll(async () => {
  srv = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ method: req.method ?? '', path, headers: req.headers, body });
      const answer = answers.get(path.split('?')[0]!);
      if (answer) answer(res);
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  answers.set('/created', (res) =>
    res.writeHead(201, { 'Content-Type': 'application/json' }).end('{"id":1}'),
  );
  answers.set('/boom', (res) => res.writeHead(500, { 'Retry-After': '5' }).end('database is down'));
  answers.set('/busy', (res) => res.writeHead(429, { 'Retry-After': '12' }).end());
  answers.set('/slow-down', (res) => res.writeHead(503).end());
  answers.set('/timeout', (res) => res.writeHead(408).end());
  answers.set('/missing', (res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such hook'));
  answers.set('/forbidden', (res) => res.writeHead(403).end());
  answers.set('/moved', (res) => res.writeHead(301, { Location: 'https://elsewhere.example/' }).end());
  answers.set('/hang', () => undefined);
});
afterAll(async () => {
  srv.closeAllConnections();
  await new Promise<void>((r) => srv.close(() => r()));
});

const sender = createWebhookSender({ timeoutMs: 2_000 });
const msg = (path: string, over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  id: 77,
  kind: 'webhook',
  target: `${base}${path}`,
  subject: 'SMART alert',
  text: 'ключ защиты не найден',
  payload: { alert: 'key', installation: 'sim0001', state: 'firing', details: ['ключ', 2007] },
  ...over,
});

describe('webhook sender ↔ local HTTP server', () => {
  it('POSTs the payload as JSON and takes 2xx as delivered', async () => {
    const r = await sender.send(msg('/hook?token=abc'));
    expect(r).toEqual({ ok: true, detail: 'HTTP 204' });
    const got = received.at(-1)!;
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/hook?token=abc');
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(got.headers['x-smart-message-id']).toBe('77');
    expect(JSON.parse(got.body)).toEqual(msg('/').payload);
    expect(await sender.send(msg('/created'))).toEqual({ ok: true, detail: 'HTTP 201' });
  });

  it('posts id, subject and text when the message has no payload', async () => {
    await sender.send(msg('/hook', { payload: undefined }));
    expect(JSON.parse(received.at(-1)!.body)).toEqual({
      id: 77,
      subject: 'SMART alert',
      text: 'ключ защиты не найден',
    });
  });

  it('reports 500 as transient, honouring Retry-After', async () => {
    const r = await sender.send(msg('/boom'));
    expect(r).toMatchObject({ ok: false, permanent: false, code: 500, retryAfterMs: 5_000 });
    if (!r.ok) expect(r.error).toContain('database is down');
  });

  it('reports 429, 503 and 408 as transient', async () => {
    expect(await sender.send(msg('/busy'))).toMatchObject({
      ok: false,
      permanent: false,
      code: 429,
      retryAfterMs: 12_000,
    });
    const r503 = await sender.send(msg('/slow-down'));
    expect(r503).toMatchObject({ ok: false, permanent: false, code: 503 });
    expect(r503).not.toHaveProperty('retryAfterMs');
    expect(await sender.send(msg('/timeout'))).toMatchObject({ ok: false, permanent: false, code: 408 });
  });

  it('reports 404 and 403 as permanent', async () => {
    const r = await sender.send(msg('/missing'));
    expect(r).toMatchObject({ ok: false, permanent: true, code: 404 });
    if (!r.ok) expect(r.error).toContain('no such hook');
    expect(await sender.send(msg('/forbidden'))).toMatchObject({ ok: false, permanent: true, code: 403 });
  });

  it('does not follow a redirect', async () => {
    const before = received.length;
    const r = await sender.send(msg('/moved'));
    expect(r).toMatchObject({ ok: false, permanent: true, code: 301 });
    expect(received.length).toBe(before + 1);
  });

  it('reports a timeout as transient', async () => {
    const quick = createWebhookSender({ timeoutMs: 200 });
    expect(await quick.send(msg('/hang'))).toMatchObject({ ok: false, permanent: false, code: 'ETIMEDOUT' });
  });

  it('reports a refused connection as transient, without the query in the error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await sender.send(msg('', { target: `http://127.0.0.1:${port}/hook?secret=s3cr3t` }));
    expect(r).toMatchObject({ ok: false, permanent: false, code: 'ECONNREFUSED' });
    expect(JSON.stringify(r)).not.toContain('s3cr3t');
  });

  it('refuses URLs that are not http(s), and payloads that are not JSON', async () => {
    for (const target of ['ftp://example.org/x', 'file:///etc/passwd', 'not a url'])
      expect(await sender.send(msg('', { target }))).toMatchObject({ ok: false, permanent: true });
    expect(await sender.send(msg('/hook', { payload: { n: 1n } }))).toMatchObject({
      ok: false,
      permanent: true,
    });
  });

  it('reports a caller abort as transient EABORT', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await sender.send(msg('/hang'), ac.signal)).toMatchObject({
      ok: false,
      permanent: false,
      code: 'EABORT',
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.UTC(2026, 3, 20, 9);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now - 30_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
