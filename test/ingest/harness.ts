import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { DbKind } from '../../src/db/dialect.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createParsePool } from '../../src/ingest/parse-pool.js';
import { createIngest, type Ingest } from '../../src/ingest/service.js';
import type { Runtime } from '../../src/runtime.js';
import { openTestContext, type TestContext } from '../helpers/db.js';

/** A real server with the agent endpoints and a real parser pool, over a fresh test database. */
export interface IngestServer {
  t: TestContext;
  runtime: Runtime;
  ingest: Ingest;
  server: RunningServer;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startIngestServer(
  kind: DbKind,
  env: Record<string, string> = {},
): Promise<IngestServer> {
  const t = await openTestContext(kind);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-ingest-'));
  const config: Config = loadConfig({
    SMART_DATA_DIR: dataDir,
    SMART_LOG_LEVEL: 'silent',
    SMART_NODE_ID: 'test',
    ...env,
  });
  const runtime: Runtime = { ctx: t.ctx, config, close: async () => {} };
  const pool = createParsePool({ maxThreads: 2 });
  const ingest = createIngest(t.ctx, config, {
    parse: pool.parse,
    closeParser: pool.close,
    processor: { pollMs: 200 },
  });
  ingest.processor.start();
  const server = await startServer(runtime, { host: '127.0.0.1', port: 0, logger: false, ingest });
  return {
    t,
    runtime,
    ingest,
    server,
    url: server.url,
    dataDir,
    close: async () => {
      await server.close();
      await ingest.close();
      await t.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until every report in the ledger has left the received/processing states. */
export async function settled(s: IngestServer, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await s.t.ctx.db
      .selectFrom('reports')
      .select('id')
      .where('status', 'in', ['received', 'processing'])
      .execute();
    if (open.length === 0) return;
    if (Date.now() > until) throw new Error(`${open.length} reports still not processed`);
    s.ingest.processor.kick();
    await new Promise((r) => setTimeout(r, 50));
  }
}
