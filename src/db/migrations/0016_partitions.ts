import type { Kysely } from 'kysely';
import { convertToPartitioned, PARTITIONED_TABLES } from '../../retention/partitions.js';
import type { DbKind } from '../dialect.js';

/**
 * PostgreSQL: the large time tables become PARTITION BY RANGE on their time column, one partition per
 * Moscow month plus a DEFAULT partition (src/retention/partitions.ts), so that retention drops a month
 * as a whole instead of deleting millions of rows. Primary keys without the time column gain it
 * (`search_log`, `check_events`, `online_search_log`: `(id)` → `(id, at)`); every conflict target of
 * these tables already contains it. Existing rows are copied. SQLite: nothing (rows are deleted in
 * batches there).
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  if (kind !== 'postgres') return;
  const now = Date.now();
  for (const t of PARTITIONED_TABLES) await convertToPartitioned(db, t, now);
}
