import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../dialect.js';

/**
 * Raw `samples` stored for range reads of one series (docs/architecture.md, "Dashboards").
 *
 * A dashboard reads a few hundred consecutive samples of each of hundreds of series. Written hour by
 * hour, one series' rows are spread over as many table pages as hours, and the key alone does not
 * hold the value: every sample cost a second lookup (SQLite: by rowid; PostgreSQL: in the heap).
 * - SQLite: the table becomes WITHOUT ROWID, stored in (series_id, ts) order with the value in the key's
 *   b-tree (the same layout `samples_daily` has). The rows are copied once, in key order.
 * - PostgreSQL: the key INCLUDEs the value, so reads are index-only scans.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  if (kind === 'sqlite') {
    await sql`create table samples_clustered (
      series_id integer not null references series (id) on delete cascade,
      ts integer not null,
      value real not null,
      constraint samples_pk primary key (series_id, ts)
    ) without rowid`.execute(db);
    await sql`insert into samples_clustered (series_id, ts, value)
      select series_id, ts, value from samples order by series_id, ts`.execute(db);
    await sql`drop table samples`.execute(db);
    await sql`alter table samples_clustered rename to samples`.execute(db);
    return;
  }
  await sql`alter table samples drop constraint samples_pk`.execute(db);
  await sql`alter table samples add constraint samples_pk primary key (series_id, ts) include (value)`.execute(
    db,
  );
}
