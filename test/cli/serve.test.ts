import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../helpers/db.js';
import { createCliEnv, smart, waitFor, type CliEnv } from './run.js';

describe.each(DB_KINDS)('smart serve (%s)', (kind) => {
  let t: CliEnv;
  beforeAll(async () => {
    t = await createCliEnv(kind);
  });
  afterAll(() => t.close());

  it('migrates, listens on --host/--port, answers /healthz and stops cleanly on abort', async () => {
    const stop = new AbortController();
    let out = '';
    const running = smart(t.env, ['serve', '--host', '127.0.0.1', '--port', '0', '--json'], {
      signal: stop.signal,
      onStdout: (all) => (out = all),
    });
    const doc = JSON.parse((await waitFor(() => out, /^\{[\s\S]*\}\n$/))[0]) as { url: string };
    expect(doc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${doc.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    // The schema is in place: serve migrated a fresh database.
    const tables = await t.db().db.selectFrom('dealers').selectAll().execute();
    expect(tables).toEqual([]);
    stop.abort();
    const r = await running;
    expect(r.code).toBe(0);
    await expect(fetch(`${doc.url}/healthz`)).rejects.toThrow();
  });

  it('SMART_PORT is used when --port is not given; a taken port is a clear error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await smart({ ...t.env, SMART_HOST: '127.0.0.1', SMART_PORT: String(port) }, ['serve']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    } finally {
      blocker.close();
    }
  });

  it('rejects a bad --port before opening anything', async () => {
    const r = await smart(t.env, ['serve', '--port', '70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected a port 0–65535');
  });
});
