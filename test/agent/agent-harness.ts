import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AgentLog } from '../../src/agent/runner.js';
import type { Timers } from '../../src/agent/timers.js';

/** A clock the test moves by hand; due callbacks run in time order and are awaited one by one. */
export class FakeTimers implements Timers {
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => unknown }>();
  constructor(public t = Date.UTC(2026, 10, 2, 9, 0, 0)) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => unknown, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  /** Moves time forward by ms, running (and awaiting) every callback that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => unknown }] | undefined;
      for (const e of this.pending)
        if (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[0] < next[0])) next = e;
      if (!next || next[1].at > end) break;
      this.pending.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      await next[1].fn();
    }
    this.t = end;
  }
}

export interface MemoryLog extends AgentLog {
  lines: string[];
}

export function memoryLog(): MemoryLog {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeConfig(dir: string, cfg: Record<string, unknown>, name = 'agent.json'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 });
  return file;
}

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/**
 * A TCP gate in front of the server: `down()` closes the port (connection refused, as for a server
 * that is off), `up()` opens it again on the same port, `loseAnswers(n)` forwards the next n
 * requests but cuts the connection instead of passing the answer back.
 */
export class Gate {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private lose = 0;
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  loseAnswers(n: number): void {
    this.lose = n;
  }

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      const upstream = net.connect(this.target.port, this.target.host);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      const cut = this.lose > 0;
      if (cut) this.lose -= 1;
      client.pipe(upstream);
      if (cut) {
        upstream.once('data', () => {
          client.destroy();
          upstream.destroy();
        });
      } else {
        upstream.pipe(client);
      }
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

/**
 * A forward proxy that wants `Proxy-Authorization: Basic user:password`: it tunnels CONNECT and
 * forwards absolute-URL requests, and answers 407 to anyone else.
 */
export class AuthProxy {
  private server: http.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  readonly seen: { method: string; target: string; authorized: boolean }[] = [];
  port = 0;
  constructor(
    private readonly user: string,
    private readonly password: string,
  ) {}

  private authorized(h: string | undefined): boolean {
    const expected = `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`;
    return h === expected;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const ok = this.authorized(req.headers['proxy-authorization']);
      this.seen.push({ method: req.method ?? '', target: req.url ?? '', authorized: ok });
      if (!ok) {
        res.writeHead(407, { 'proxy-authenticate': 'Basic realm="proxy"' }).end();
        return;
      }
      const u = new URL(req.url ?? '');
      const headers = { ...req.headers };
      delete headers['proxy-authorization'];
      const up = http.request(
        { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: req.method, headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('connect', (req, client, head) => {
      const ok = this.authorized(req.headers['proxy-authorization']);
      this.seen.push({ method: 'CONNECT', target: req.url ?? '', authorized: ok });
      if (!ok) {
        client.end(
          'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\n\r\n',
        );
        return;
      }
      const [host, port] = (req.url ?? '').split(':');
      const up = net.connect(Number(port), host as string, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) up.write(head);
        up.pipe(client);
        client.pipe(up);
      });
      this.sockets.add(up);
      up.on('close', () => this.sockets.delete(up));
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  url(user = this.user, password = this.password): string {
    return `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const s = this.server;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
