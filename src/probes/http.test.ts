import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  Agent as HttpAgent,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBody, httpRequest } from './http.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const routes = new Map<string, Handler>();
const connections = new Set<Socket>();
/** Requests served per socket, to script failures on a reused connection. */
const served = new WeakMap<Socket, number>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    served.set(req.socket, (served.get(req.socket) ?? 0) + 1);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const h = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (h) h(req, res, body);
      else res.writeHead(404).end('nope');
    });
  });
  server.on('connection', (s: Socket) => connections.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  routes.set('/hello', (_q, res) =>
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('Привет'),
  );
  routes.set('/cp1251', (_q, res) =>
    res
      .writeHead(200, { 'Content-Type': 'text/html; charset=windows-1251' })
      .end(iconv.encode('Ключ не найден', 'cp1251')),
  );
  routes.set('/meta', (_q, res) =>
    res
      .writeHead(200, { 'Content-Type': 'text/html' })
      .end(
        Buffer.concat([
          Buffer.from('<meta charset="windows-1251">'),
          iconv.encode('Режим обслуживания', 'cp1251'),
        ]),
      ),
  );
  routes.set('/big', (_q, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    for (let i = 0; i < 16; i++) res.write(chunk);
    res.end();
  });
  routes.set('/exact', (_q, res) => res.writeHead(200).end(Buffer.alloc(1000, 'b')));
  routes.set('/never', () => undefined);
  routes.set('/stall-body', (_q, res) => {
    res.writeHead(200, { 'Content-Length': '100' });
    res.write('partial');
  });
  routes.set('/hangup', (req) => req.socket.destroy());
  routes.set('/form', (req, res, body) =>
    res
      .writeHead(200, { 'Content-Type': 'text/plain' })
      .end(`${req.method} ${req.headers['content-type']} ${body}`),
  );
  routes.set('/headers', (req, res) =>
    res
      .writeHead(302, { Location: '/x', 'Set-Cookie': ['a=1; Path=/', 'b=2'] })
      .end(String(req.headers.cookie)),
  );
  // Serves the first request of a connection; drops the connection on the second, as a server that
  // closed an idle keep-alive socket the moment the client reused it.
  routes.set('/flaky-reuse', (req, res) => {
    if ((served.get(req.socket) ?? 0) > 1) req.socket.destroy();
    else res.writeHead(200).end('fresh');
  });
});
afterAll(async () => {
  for (const s of connections) s.destroy();
  await new Promise((r) => server.close(r));
});

describe('httpRequest', () => {
  it('GETs a page with its status, headers, text and latency', async () => {
    const r = await httpRequest(`${base}/hello`, { timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: true, status: 200, body: 'Привет', truncated: false });
    if (!r.ok) return;
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(await httpRequest(`${base}/missing`, { timeoutMs: 2000 })).toMatchObject({
      ok: true,
      status: 404,
    });
  });

  it('decodes windows-1251 from the header or from a <meta>', async () => {
    expect(await httpRequest(`${base}/cp1251`, { timeoutMs: 2000 })).toMatchObject({
      body: 'Ключ не найден',
    });
    expect(await httpRequest(`${base}/meta`, { timeoutMs: 2000 })).toMatchObject({
      body: '<meta charset="windows-1251">Режим обслуживания',
    });
    expect(decodeBody(Buffer.from('ok'), 'text/html; charset=x-no-such')).toBe('ok');
  });

  it('keeps at most maxBodyBytes of the body', async () => {
    const big = await httpRequest(`${base}/big`, { timeoutMs: 2000 });
    expect(big).toMatchObject({ ok: true, status: 200, truncated: true });
    if (big.ok) expect(big.body.length).toBe(256 * 1024);
    const exact = await httpRequest(`${base}/exact`, { timeoutMs: 2000, maxBodyBytes: 1000 });
    expect(exact).toMatchObject({ ok: true, truncated: false });
    if (exact.ok) expect(exact.body.length).toBe(1000);
    expect(await httpRequest(`${base}/exact`, { timeoutMs: 2000, maxBodyBytes: 999 })).toMatchObject({
      truncated: true,
    });
  });

  it('one deadline covers the headers and the body', async () => {
    const t0 = Date.now();
    expect(await httpRequest(`${base}/never`, { timeoutMs: 300 })).toMatchObject({
      ok: false,
      code: 'ETIMEDOUT',
    });
    expect(await httpRequest(`${base}/stall-body`, { timeoutMs: 300 })).toMatchObject({
      ok: false,
      code: 'ETIMEDOUT',
    });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('errors come back as codes', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await httpRequest(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 })).toMatchObject({
      ok: false,
      code: 'ECONNREFUSED',
    });
    expect(await httpRequest(`${base}/hangup`, { timeoutMs: 2000 })).toMatchObject({
      ok: false,
      code: 'ECONNRESET',
    });
    expect(await httpRequest('ftp://127.0.0.1/', { timeoutMs: 2000 })).toMatchObject({
      code: 'ERR_INVALID_URL',
    });
    expect(await httpRequest('not a url', { timeoutMs: 2000 })).toMatchObject({ code: 'ERR_INVALID_URL' });
  });

  it('POSTs a form and sends headers; redirects are not followed', async () => {
    const r = await httpRequest(`${base}/form`, {
      method: 'POST',
      form: { login: 'smartlogin', password: 'п&=' },
      timeoutMs: 2000,
    });
    expect(r).toMatchObject({
      ok: true,
      body: 'POST application/x-www-form-urlencoded login=smartlogin&password=%D0%BF%26%3D',
    });
    const h = await httpRequest(`${base}/headers`, { headers: { Cookie: 'KodeksData=1' }, timeoutMs: 2000 });
    expect(h).toMatchObject({ ok: true, status: 302, body: 'KodeksData=1' });
    if (h.ok) expect(h.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
  });

  it('reuses one keep-alive connection, and retries once when a reused one is dropped', async () => {
    const agent = new HttpAgent({ keepAlive: true });
    const before = connections.size;
    for (let i = 0; i < 3; i++)
      expect(await httpRequest(`${base}/hello`, { timeoutMs: 2000, agents: { http: agent } })).toMatchObject({
        ok: true,
      });
    expect(connections.size - before).toBe(1);
    // The kept connection now serves its 4th request: dropped, then retried on a new one.
    expect(
      await httpRequest(`${base}/flaky-reuse`, { timeoutMs: 2000, agents: { http: agent } }),
    ).toMatchObject({
      ok: true,
      body: 'fresh',
    });
    expect(connections.size - before).toBe(2);
    agent.destroy();
  });

  it('an abort is reported as ABORT_ERR', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await httpRequest(`${base}/never`, { timeoutMs: 5000, signal: ac.signal })).toMatchObject({
      ok: false,
      code: 'ABORT_ERR',
    });
    expect(await httpRequest(`${base}/hello`, { timeoutMs: 5000, signal: ac.signal })).toMatchObject({
      code: 'ABORT_ERR',
    });
  });
});

const openssl = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

describe.skipIf(!openssl)('https', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smart-probe-tls-'));
  let url: string;
  let tls: ReturnType<typeof createTlsServer>;

  beforeAll(async () => {
    // A self-signed certificate, as most ПК installations have.
    execFileSync(
      openssl!,
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    tls = createTlsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_q, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('защищено'),
    );
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    tls.closeAllConnections();
    await new Promise((r) => tls.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a self-signed certificate unless asked to verify', async () => {
    expect(await httpRequest(url, { timeoutMs: 2000 })).toMatchObject({
      ok: true,
      status: 200,
      body: 'защищено',
    });
    expect(await httpRequest(url, { timeoutMs: 2000, verifyTls: true })).toMatchObject({
      ok: false,
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });
});
