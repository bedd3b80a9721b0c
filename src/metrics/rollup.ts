/**
 * The daily rollup of samples (`samples_daily`): per series and day, min, max, the newest value and its
 * time, sum and count. The sample writers keep it in the same transaction as the samples, so a dashboard
 * asking for 90 days of 1,000 installations reads 90 rows per series instead of ~2,200 raw samples.
 *
 * A day starts at midnight Moscow time (`ROLLUP_OFFSET_MIN`), the zone the dashboards draw daily buckets
 * in (`bucketStarts` in src/dashboards/range.ts); `day` is that instant in ms UTC.
 */
import { sql, type QueryExecutorProvider } from 'kysely';
import type { Db } from '../db/database.js';
import type { DbKind } from '../db/dialect.js';

export const DAY_MS = 86_400_000;
/** Minutes east of UTC of the rollup's calendar days (Moscow). */
export const ROLLUP_OFFSET_MIN = 180;
const OFFSET_MS = ROLLUP_OFFSET_MIN * 60_000;

/** Start (ms UTC) of the rollup day that holds `ts`. */
export function rollupDay(ts: number): number {
  return Math.floor((ts + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;
}

export interface WrittenSample {
  series_id: number;
  ts: number;
  value: number;
}

const CHUNK = 400;
const keyOf = (seriesId: number, ts: number) => `${seriesId}:${ts}`;

/**
 * The values that the given (series, instant) pairs already have, before they are written again (a
 * re-processed report, a repeated observation). One indexed range read per chunk of series.
 */
export async function previousValues(db: Db, rows: readonly WrittenSample[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (rows.length === 0) return out;
  const wanted = new Set(rows.map((r) => keyOf(r.series_id, r.ts)));
  let minTs = Infinity;
  let maxTs = -Infinity;
  for (const r of rows) {
    if (r.ts < minTs) minTs = r.ts;
    if (r.ts > maxTs) maxTs = r.ts;
  }
  const ids = [...new Set(rows.map((r) => r.series_id))];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const found = await db
      .selectFrom('samples')
      .select(['series_id', 'ts', 'value'])
      .where('series_id', 'in', ids.slice(i, i + CHUNK))
      .where('ts', '>=', minTs)
      .where('ts', '<=', maxTs)
      .execute();
    for (const f of found) {
      const k = keyOf(f.series_id, f.ts);
      if (wanted.has(k)) out.set(k, Number(f.value));
    }
  }
  return out;
}

/**
 * Folds samples just written into samples_daily. A sample new to its series is added with one upsert
 * per chunk (min/max/last/sum/count combine in SQL, so concurrent writers of one day do not lose each
 * other's samples); a sample that replaced a different value makes its day be recomputed from the raw
 * samples; one that wrote the same value again changes nothing.
 */
export async function rollupWritten(
  db: Db,
  kind: DbKind,
  written: readonly WrittenSample[],
  previous: ReadonlyMap<string, number>,
): Promise<void> {
  const recompute = new Map<string, { seriesId: number; day: number }>();
  for (const w of written) {
    const prev = previous.get(keyOf(w.series_id, w.ts));
    if (prev !== undefined && prev !== w.value) {
      const day = rollupDay(w.ts);
      recompute.set(keyOf(w.series_id, day), { seriesId: w.series_id, day });
    }
  }
  const days = new Map<
    string,
    {
      series_id: number;
      day: number;
      min: number;
      max: number;
      last: number;
      last_ts: number;
      sum: number;
      count: number;
    }
  >();
  for (const w of written) {
    if (previous.has(keyOf(w.series_id, w.ts))) continue;
    const day = rollupDay(w.ts);
    const k = keyOf(w.series_id, day);
    if (recompute.has(k)) continue;
    const d = days.get(k);
    if (!d) {
      days.set(k, {
        series_id: w.series_id,
        day,
        min: w.value,
        max: w.value,
        last: w.value,
        last_ts: w.ts,
        sum: w.value,
        count: 1,
      });
      continue;
    }
    d.min = Math.min(d.min, w.value);
    d.max = Math.max(d.max, w.value);
    if (w.ts >= d.last_ts) {
      d.last = w.value;
      d.last_ts = w.ts;
    }
    d.sum += w.value;
    d.count += 1;
  }
  const rows = [...days.values()];
  const least = sql.raw(kind === 'sqlite' ? 'min' : 'least');
  const greatest = sql.raw(kind === 'sqlite' ? 'max' : 'greatest');
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto('samples_daily')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['series_id', 'day']).doUpdateSet({
          min: sql<number>`${least}(${sql.ref('samples_daily.min')}, ${sql.ref('excluded.min')})`,
          max: sql<number>`${greatest}(${sql.ref('samples_daily.max')}, ${sql.ref('excluded.max')})`,
          last: sql<number>`case when ${sql.ref('excluded.last_ts')} >= ${sql.ref('samples_daily.last_ts')}
            then ${sql.ref('excluded.last')} else ${sql.ref('samples_daily.last')} end`,
          last_ts: sql<number>`${greatest}(${sql.ref('samples_daily.last_ts')}, ${sql.ref('excluded.last_ts')})`,
          sum: sql<number>`${sql.ref('samples_daily.sum')} + ${sql.ref('excluded.sum')}`,
          count: sql<number>`${sql.ref('samples_daily.count')} + ${sql.ref('excluded.count')}`,
        }),
      )
      .execute();
  }
  for (const r of recompute.values()) {
    await rebuildSamplesDaily(db, { seriesIds: [r.seriesId], from: r.day, to: r.day + DAY_MS });
  }
}

export interface RebuildFilter {
  /** Only these series (default all). */
  seriesIds?: readonly number[];
  /** Only days starting in [from, to) (ms; both rollup-day starts). */
  from?: number;
  to?: number;
}

/**
 * Recomputes samples_daily from the raw samples (all of it, or some series and days): the migration's
 * backfill, the repair of a day whose sample was overwritten, and what a benchmark calls after loading
 * samples in bulk. Plain SQL that runs on both engines.
 */
export async function rebuildSamplesDaily(db: QueryExecutorProvider, f: RebuildFilter = {}): Promise<void> {
  const ids = f.seriesIds;
  if (ids && ids.length === 0) return;
  if (!ids) {
    // Everything: in slices of series ids, so each GROUP BY sorts a slice in memory, not the whole table.
    const { rows } = await sql<{ lo: number | null; hi: number | null }>`
      select min(id) as lo, max(id) as hi from series`.execute(db);
    const lo = rows[0]?.lo;
    const hi = rows[0]?.hi;
    if (lo === null || lo === undefined || hi === null || hi === undefined) {
      await sql`delete from samples_daily`.execute(db);
      return;
    }
    await sql`delete from samples_daily where series_id < ${Number(lo)} or series_id > ${Number(hi)}`.execute(
      db,
    );
    for (let a = Number(lo); a <= Number(hi); a += REBUILD_SLICE) {
      await rebuildSlice(db, { ...f, range: [a, a + REBUILD_SLICE] });
    }
    return;
  }
  await rebuildSlice(db, f);
}

const REBUILD_SLICE = 1000;

async function rebuildSlice(
  db: QueryExecutorProvider,
  f: RebuildFilter & { range?: [number, number] },
): Promise<void> {
  const ids = f.seriesIds;
  const conds = [];
  if (ids) conds.push(sql`series_id in (${sql.join([...ids])})`);
  if (f.range) conds.push(sql`series_id >= ${f.range[0]} and series_id < ${f.range[1]}`);
  if (f.from !== undefined) conds.push(sql`ts >= ${f.from}`);
  if (f.to !== undefined) conds.push(sql`ts < ${f.to}`);
  const where = conds.length ? sql`where ${sql.join(conds, sql` and `)}` : sql``;
  const dayConds = [];
  if (ids) dayConds.push(sql`series_id in (${sql.join([...ids])})`);
  if (f.range) dayConds.push(sql`series_id >= ${f.range[0]} and series_id < ${f.range[1]}`);
  if (f.from !== undefined) dayConds.push(sql`day >= ${f.from}`);
  if (f.to !== undefined) dayConds.push(sql`day < ${f.to}`);
  const dayWhere = dayConds.length ? sql`where ${sql.join(dayConds, sql` and `)}` : sql``;
  const day = sql`((ts + ${sql.lit(OFFSET_MS)}) / ${sql.lit(DAY_MS)}) * ${sql.lit(DAY_MS)} - ${sql.lit(OFFSET_MS)}`;
  await sql`delete from samples_daily ${dayWhere}`.execute(db);
  await sql`insert into samples_daily (series_id, day, "min", "max", "last", last_ts, "sum", "count")
    select g.series_id, g.day, g.mn, g.mx,
      (select s2.value from samples s2 where s2.series_id = g.series_id and s2.ts = g.lts), g.lts, g.sm, g.n
    from (
      select series_id, ${day} as day, min(value) as mn, max(value) as mx, max(ts) as lts,
        sum(value) as sm, count(*) as n
      from samples ${where}
      group by series_id, ${day}
    ) g`.execute(db);
}
