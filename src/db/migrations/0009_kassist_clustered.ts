import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../dialect.js';

/**
 * `kassist_links_daily` stored for range reads, as `samples_daily` is (migration 0006): «kAssist.
 * Аналитика» sums a range of days of every visible installation — 400,000 rows for 1,000 installations
 * over 13 months — and with a rowid table (SQLite) or a key without the counters (PostgreSQL) each row
 * cost a second lookup. SQLite: the table becomes WITHOUT ROWID (rows in key order, counters in the key's
 * b-tree), copied once in key order. PostgreSQL: the key INCLUDEs the counters (index-only scans).
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  if (kind === 'sqlite') {
    await sql`create table kassist_links_daily_clustered (
      installation_id integer not null references installations (id) on delete cascade,
      day text not null,
      unique_added integer not null,
      no_match integer not null,
      added integer not null,
      active_verified integer not null,
      constraint kassist_links_daily_pk primary key (installation_id, day)
    ) without rowid`.execute(db);
    await sql`insert into kassist_links_daily_clustered
      select installation_id, day, unique_added, no_match, added, active_verified
      from kassist_links_daily order by installation_id, day`.execute(db);
    await sql`drop table kassist_links_daily`.execute(db);
    await sql`alter table kassist_links_daily_clustered rename to kassist_links_daily`.execute(db);
    return;
  }
  await sql`alter table kassist_links_daily drop constraint kassist_links_daily_pk`.execute(db);
  await sql`alter table kassist_links_daily add constraint kassist_links_daily_pk
    primary key (installation_id, day) include (unique_added, no_match, added, active_verified)`.execute(db);
}
