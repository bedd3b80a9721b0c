/**
 * The dashboards read through `AppContext.reads` (the SQLite read threads in production) and nothing else
 * does: the routes are given `readContext(ctx)`. Both engines: on PostgreSQL `reads` is simply unused by
 * the runtime, but a context that has one is honoured the same way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { loginAs } from './harness.js';

/** Counts the statements run through the Kysely it is added to. */
function counter(): KyselyPlugin & { n: number } {
  const c = {
    n: 0,
    transformQuery: (a: Parameters<KyselyPlugin['transformQuery']>[0]) => {
      c.n += 1;
      return a.node;
    },
    transformResult: async (a: Parameters<KyselyPlugin['transformResult']>[0]) => a.result,
  };
  return c;
}

describe.each(DB_KINDS)('dashboard reads (%s)', (kind) => {
  let t: TestContext;
  let server: RunningServer;
  let dataDir: string;
  let w: DealerWorld;
  const reads = counter();

  beforeAll(async () => {
    t = await openTestContext(kind);
    w = await buildDealerWorld(t.ctx, 'dr');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-dr-'));
    const config = loadConfig({ SMART_DATA_DIR: dataDir, SMART_LOG_LEVEL: 'silent' });
    const ctx = { ...t.ctx, reads: t.ctx.db.withPlugin(reads) };
    server = await startServer(
      { ctx, config, close: async () => {} },
      { host: '127.0.0.1', port: 0, logger: false },
    );
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a dashboard reads through them, the other routes do not', async () => {
    const c = await loginAs(server.url, w.users.admin.login, TEST_PASSWORD);
    const before = reads.n;
    expect((await c.get('/api/clients')).status).toBe(200);
    expect(reads.n).toBe(before);
    const r = await c.get('/api/dashboards/for-managers');
    expect(r.status).toBe(200);
    expect(reads.n).toBeGreaterThan(before);
    const afterDashboard = reads.n;
    expect((await c.get('/api/installations')).status).toBe(200);
    expect(reads.n).toBe(afterDashboard);
  });
});
