import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../dialect.js';

/**
 * The refused logons by time. «Для менеджеров» reads the log only for the parts of the range's end days
 * (the days inside come from the daily and monthly rows); for a thousand installations PostgreSQL's
 * planner scanned the month's partition whole rather than seek a long id list in the key (installation,
 * time): 6–8 ms for what this index finds in 0.05 ms. PostgreSQL only (on every partition, and on those
 * made later), as 0019: SQLite keeps the key's seeks.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  if (kind !== 'postgres') return;
  await sql`create index refused_logons_at on refused_logons (at)`.execute(db);
}
