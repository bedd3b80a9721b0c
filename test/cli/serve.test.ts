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
    // It joined the cluster and scheduled the instance's retention job.
    const db = t.db().db;
    const member = await db.selectFrom('cluster_nodes').selectAll().executeTakeFirstOrThrow();
    expect(member).toMatchObject({ stopped_at: null, url: doc.url });
    expect(JSON.parse(member.roles)).toEqual(
      expect.arrayContaining(['ingest', 'maintenance', 'checks', 'alerts']),
    );
    const deadline = Date.now() + 20_000;
    while (!(await db.selectFrom('jobs').select('id').where('kind', '=', 'retention').executeTakeFirst())) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    stop.abort();
    const r = await running;
    expect(r.code).toBe(0);
    await expect(fetch(`${doc.url}/healthz`)).rejects.toThrow();
    // A clean stop is recorded, so no other node takes this one for dead.
    const after = await db.selectFrom('cluster_nodes').select('stopped_at').executeTakeFirstOrThrow();
    expect(after.stopped_at).not.toBeNull();
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
