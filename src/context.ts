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
}
