import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../dialect.js';

/**
 * The empty searches by time: «Для менеджеров» shows the newest empty searches of every visible
 * installation. Through the log's key (installation, time) that is a seek per installation and a
 * filter over every search of the window (5,000 rows in three hours for a thousand installations, 7 %
 * of them empty); this index holds only the empty ones, newest last, so the newest are read directly.
 * PostgreSQL only, made on every month's partition (and on those made later): SQLite's planner keeps
 * the key's seeks for this query whatever the statistics, so there it would only cost writes.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  if (kind !== 'postgres') return;
  await sql`create index search_log_empty_at on search_log (at) where status = 'empty'`.execute(db);
}
