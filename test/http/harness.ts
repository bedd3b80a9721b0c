import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { DbKind } from '../../src/db/dialect.js';
import { openSqliteReadPool } from '../../src/db/sqlite-read-pool.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import type { Runtime } from '../../src/runtime.js';
import { openTestContext, type TestContext } from '../helpers/db.js';

/** A real server on a loopback port over a fresh test database of the given kind. */
export interface TestServer {
  t: TestContext;
  runtime: Runtime;
  server: RunningServer;
  url: string;
  close(): Promise<void>;
}

export async function startTestServer(kind: DbKind, env: Record<string, string> = {}): Promise<TestServer> {
  const t = await openTestContext(kind);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-http-'));
  const config: Config = loadConfig({ SMART_DATA_DIR: dataDir, SMART_LOG_LEVEL: 'silent', ...env });
  // The test context owns the database; the runtime only borrows it. On SQLite the dashboards read on
  // worker threads, as they do in production (two threads, so reads also run side by side).
  const reads = kind === 'sqlite' ? openSqliteReadPool(t.url.slice('sqlite:'.length), { threads: 2 }) : null;
  const runtime: Runtime = { ctx: reads ? { ...t.ctx, reads } : t.ctx, config, close: async () => {} };
  const server = await startServer(runtime, { host: '127.0.0.1', port: 0, logger: false });
  return {
    t,
    runtime,
    server,
    url: server.url,
    close: async () => {
      await server.close();
      await reads?.destroy();
      await t.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Res {
  status: number;
  text: string;
  headers: Headers;
  /** The parsed body; undefined when it is not JSON. */
  json: unknown;
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body, sent as is (with `type` as Content-Type). */
  raw?: string | Buffer | FormData;
  type?: string;
  headers?: Record<string, string>;
}

/** A caller: anonymous, a session cookie, or a bearer token. */
export class Client {
  constructor(
    readonly base: string,
    readonly auth: { cookie?: string; token?: string } = {},
  ) {}

  async req(method: string, url: string, opts: RequestOptions = {}): Promise<Res> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.auth.cookie) headers.cookie = this.auth.cookie;
    if (this.auth.token) headers.authorization = `Bearer ${this.auth.token}`;
    let body: RequestInit['body'];
    if (opts.raw !== undefined) {
      body = opts.raw instanceof Buffer ? new Uint8Array(opts.raw) : opts.raw;
      if (opts.type) headers['content-type'] = opts.type;
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const r = await fetch(this.base + url, { method, headers, body });
    const text = await r.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.status, text, headers: r.headers, json };
  }

  get(url: string) {
    return this.req('GET', url);
  }
  post(url: string, body?: unknown) {
    return this.req('POST', url, { body });
  }
  patch(url: string, body: unknown) {
    return this.req('PATCH', url, { body });
  }
  del(url: string) {
    return this.req('DELETE', url);
  }
}

/** Logs in over HTTP and returns a client carrying the session cookie. */
export async function loginAs(base: string, login: string, password: string): Promise<Client> {
  const r = await new Client(base).post('/api/login', { login, password });
  if (r.status !== 200) throw new Error(`login ${login} failed: ${r.status} ${r.text}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] as string;
  return new Client(base, { cookie });
}

/** The body of a JSON answer, typed by the caller. */
export function body<T>(r: Res): T {
  return r.json as T;
}
