import { sql, type Kysely } from 'kysely';
import { rebuildSamplesHourly } from '../../metrics/rollup.js';
import type { DbKind } from '../dialect.js';

/**
 * Hourly rollup of every series (issue 9): raw `samples` are kept ~35 days, the hourly and daily
 * rollups 13 months, so a dashboard keeps hour resolution over the whole history. One row per series
 * and hour (`hour`: the hour's start, ms UTC), the same columns as `samples_daily`, stored in key order
 * (SQLite WITHOUT ROWID; on PostgreSQL a plain key: including the six values in it, as `samples_daily`
 * does, would store every row twice for the reads of old ranges only, and this is the largest table). Backfilled from the raw samples: one
 * INSERT…SELECT per 1,000 series, grouped in the samples' key order (`rebuildSamplesHourly`).
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = kind === 'sqlite' ? 'integer' : 'bigint';
  const real = kind === 'sqlite' ? 'real' : 'double precision';
  const tail = kind === 'sqlite' ? sql`without rowid` : sql``;
  await sql`create table samples_hourly (
    series_id ${sql.raw(big)} not null references series (id) on delete cascade,
    hour ${sql.raw(big)} not null,
    min ${sql.raw(real)} not null,
    max ${sql.raw(real)} not null,
    last ${sql.raw(real)} not null,
    last_ts ${sql.raw(big)} not null,
    sum ${sql.raw(real)} not null,
    count integer not null,
    constraint samples_hourly_pk primary key (series_id, hour)
  ) ${tail}`.execute(db);
  // Fresh statistics for the backfill's plan (a database restored from a dump has none until autovacuum).
  if (kind === 'postgres') await sql`analyze samples`.execute(db);
  await rebuildSamplesHourly(db);
}
