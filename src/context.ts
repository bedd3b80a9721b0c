import type { Db } from './db/database.js';
import type { DbKind } from './db/dialect.js';
import type { Clock } from './lib/clock.js';
import type { SecretBox } from './lib/secrets.js';

/** The side effects every service needs, passed in (never imported) so tests can swap them. */
export interface AppContext {
  db: Db;
  dbKind: DbKind;
  clock: Clock;
  secrets: SecretBox;
  /**
   * How long raw samples are kept (SMART_RAW_RETENTION_DAYS; default 35 days). Reads of older ranges go to
   * the hourly rollup (src/metrics/rollup.ts).
   */
  rawRetentionMs?: number;
  /**
   * Where the dashboards read (readContext): on a SQLite file, worker threads with read-only connections
   * (src/db/sqlite-read-pool.ts), so a heavy dashboard neither blocks the event loop nor waits for one
   * statement at a time; absent, they read through `db`.
   */
  reads?: Db;
}

/** The context a read-only service (a dashboard) runs with: `db` is the read pool when there is one. */
export function readContext(ctx: AppContext): AppContext {
  return ctx.reads ? { ...ctx, db: ctx.reads } : ctx;
}
