/**
 * The rollups of samples, kept by the sample writers in the same transaction as the samples:
 * - `samples_daily`: per series and day, min, max, the newest value and its time, sum and count, so a
 *   dashboard asking for 90 days of 1,000 installations reads 90 rows per series instead of ~2,200 raw
 *   samples. A day starts at midnight Moscow time (`ROLLUP_OFFSET_MIN`), the zone the dashboards draw
 *   daily buckets in (`bucketStarts` in src/dashboards/range.ts); `day` is that instant in ms UTC.
 * - `samples_hourly`: the same per UTC hour. Raw samples are kept only `rawRetentionMs` (~35 days), the
 *   rollups 13 months, so reads of ranges older than the raw window go here (`sampleSource`).
 */
import { PostgresAdapter, sql, type QueryExecutorProvider, type RawBuilder } from 'kysely';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { DbKind } from '../db/dialect.js';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
/** Raw samples are kept this long unless configured (SMART_RAW_RETENTION_DAYS). */
export const DEFAULT_RAW_RETENTION_MS = 35 * DAY_MS;
/** Minutes east of UTC of the rollup's calendar days (Moscow). */
export const ROLLUP_OFFSET_MIN = 180;
const OFFSET_MS = ROLLUP_OFFSET_MIN * 60_000;

/** Start (ms UTC) of the rollup day that holds `ts`. */
export function rollupDay(ts: number): number {
  return Math.floor((ts + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;
}

/** Start (ms UTC) of the hour that holds `ts`. */
export function rollupHour(ts: number): number {
  return Math.floor(ts / HOUR_MS) * HOUR_MS;
}

/** The instant before which raw samples may already have been deleted by retention. */
export function rawCutoff(ctx: Pick<AppContext, 'clock' | 'rawRetentionMs'>): number {
  return ctx.clock.now() - (ctx.rawRetentionMs ?? DEFAULT_RAW_RETENTION_MS);
}

/**
 * Where a read of samples over a range starting at `from` goes: the raw samples when the range lies
 * wholly inside the raw window, the hourly rollup when it reaches back before it (raw rows may be gone).
 */
export function sampleSource(
  ctx: Pick<AppContext, 'clock' | 'rawRetentionMs'>,
  from: number,
): 'raw' | 'hourly' {
  return from < rawCutoff(ctx) ? 'hourly' : 'raw';
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
 *
 * Before `rawCutoffMs` retention may have deleted the raw row of a sample the rollups still hold: a
 * report sent again weeks later would otherwise be counted twice in them. Such a sample counts as held
 * (with its own value, so nothing is recomputed) when its hour has lost raw rows and could contain it:
 * its time is not after the hour's newest and its value lies between the hour's lowest and highest.
 */
export async function previousValues(
  db: Db,
  rows: readonly WrittenSample[],
  rawCutoffMs = -Infinity,
): Promise<Map<string, number>> {
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
  const late = rows.filter((r) => r.ts < rawCutoffMs && !out.has(keyOf(r.series_id, r.ts)));
  if (late.length > 0)
    for (const r of await heldByHours(db, late)) out.set(keyOf(r.series_id, r.ts), r.value);
  return out;
}

/** Of samples whose raw rows are missing, those their hours may already hold (see previousValues). */
async function heldByHours(db: Db, late: readonly WrittenSample[]): Promise<WrittenSample[]> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of late) {
    lo = Math.min(lo, rollupHour(r.ts));
    hi = Math.max(hi, rollupHour(r.ts));
  }
  const ids = [...new Set(late.map((r) => r.series_id))];
  const hours = new Map<string, { min: number; max: number; lastTs: number; trimmed: boolean }>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const found = await sql<{
      series_id: number;
      hour: number;
      min: number;
      max: number;
      last_ts: number;
      trimmed: number;
    }>`
      select h.series_id, h.hour, h.min, h.max, h.last_ts,
        case when h.count > (select count(*) from samples s where s.series_id = h.series_id
          and s.ts >= h.hour and s.ts < h.hour + ${sql.lit(HOUR_MS)}) then 1 else 0 end as trimmed
      from samples_hourly h
      where h.series_id in (${sql.join(ids.slice(i, i + CHUNK))}) and h.hour >= ${lo} and h.hour <= ${hi}`.execute(
      db,
    );
    for (const h of found.rows)
      hours.set(keyOf(Number(h.series_id), Number(h.hour)), {
        min: Number(h.min),
        max: Number(h.max),
        lastTs: Number(h.last_ts),
        trimmed: Number(h.trimmed) === 1,
      });
  }
  return late.filter((r) => {
    const h = hours.get(keyOf(r.series_id, rollupHour(r.ts)));
    return h !== undefined && h.trimmed && r.ts <= h.lastTs && r.value >= h.min && r.value <= h.max;
  });
}

/** A rollup table: its key column and the bucket of a sample's time, in JS and in SQL. */
interface Grain {
  table: 'samples_daily' | 'samples_hourly';
  key: 'day' | 'hour';
  of(ts: number): number;
  size: number;
  sql(ts: RawBuilder<unknown>): RawBuilder<number>;
}

const DAILY: Grain = {
  table: 'samples_daily',
  key: 'day',
  of: rollupDay,
  size: DAY_MS,
  sql: (ts) =>
    sql<number>`((${ts} + ${sql.lit(OFFSET_MS)}) / ${sql.lit(DAY_MS)}) * ${sql.lit(DAY_MS)} - ${sql.lit(OFFSET_MS)}`,
};

const HOURLY: Grain = {
  table: 'samples_hourly',
  key: 'hour',
  of: rollupHour,
  size: HOUR_MS,
  sql: (ts) => sql<number>`(${ts} / ${sql.lit(HOUR_MS)}) * ${sql.lit(HOUR_MS)}`,
};

interface Folded {
  series_id: number;
  bucket: number;
  min: number;
  max: number;
  last: number;
  last_ts: number;
  sum: number;
  count: number;
}

/** The buckets (`series:bucket` → series, bucket) that changed samples make be recomputed. */
function recomputeSet(
  grain: Grain,
  written: readonly WrittenSample[],
  previous: ReadonlyMap<string, number>,
): Map<string, { seriesId: number; bucket: number }> {
  const out = new Map<string, { seriesId: number; bucket: number }>();
  for (const w of written) {
    const prev = previous.get(keyOf(w.series_id, w.ts));
    if (prev !== undefined && prev !== w.value) {
      const bucket = grain.of(w.ts);
      out.set(keyOf(w.series_id, bucket), { seriesId: w.series_id, bucket });
    }
  }
  return out;
}

/** Samples new to their series folded per bucket, except buckets that are recomputed anyway. */
function fold(
  grain: Grain,
  written: readonly WrittenSample[],
  previous: ReadonlyMap<string, number>,
  recompute: ReadonlyMap<string, unknown>,
): Folded[] {
  const buckets = new Map<string, Folded>();
  for (const w of written) {
    if (previous.has(keyOf(w.series_id, w.ts))) continue;
    const bucket = grain.of(w.ts);
    const k = keyOf(w.series_id, bucket);
    if (recompute.has(k)) continue;
    const d = buckets.get(k);
    if (!d) {
      buckets.set(k, {
        series_id: w.series_id,
        bucket,
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
  return [...buckets.values()];
}

/** One multi-row upsert per chunk; the values combine in SQL so concurrent writers lose nothing. */
async function upsertFolded(db: Db, kind: DbKind, grain: Grain, rows: readonly Folded[]): Promise<void> {
  const t = grain.table;
  const least = sql.raw(kind === 'sqlite' ? 'min' : 'least');
  const greatest = sql.raw(kind === 'sqlite' ? 'max' : 'greatest');
  const mine = (c: string) => sql.ref(`${t}.${c}`);
  const theirs = (c: string) => sql.ref(`excluded.${c}`);
  // In key order: two reports of one installation stored at once then lock their common rows in the same
  // order, instead of deadlocking on PostgreSQL.
  const sorted = [...rows].sort((a, b) => a.series_id - b.series_id || a.bucket - b.bucket);
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const values = sorted.slice(i, i + CHUNK).map(({ bucket, ...r }) => ({ ...r, [grain.key]: bucket }));
    await db
      .insertInto(t)
      .values(values as never)
      .onConflict((oc) =>
        oc.columns(['series_id', grain.key] as never).doUpdateSet({
          min: sql<number>`${least}(${mine('min')}, ${theirs('min')})`,
          max: sql<number>`${greatest}(${mine('max')}, ${theirs('max')})`,
          last: sql<number>`case when ${theirs('last_ts')} >= ${mine('last_ts')}
            then ${theirs('last')} else ${mine('last')} end`,
          last_ts: sql<number>`${greatest}(${mine('last_ts')}, ${theirs('last_ts')})`,
          sum: sql<number>`${mine('sum')} + ${theirs('sum')}`,
          count: sql<number>`${mine('count')} + ${theirs('count')}`,
        } as never),
      )
      .execute();
  }
}

/** Series per bucket start, so the recompute of one report's buckets is one statement per bucket. */
function byBucket(set: ReadonlyMap<string, { seriesId: number; bucket: number }>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const { seriesId, bucket } of set.values()) {
    const ids = out.get(bucket);
    if (ids) ids.push(seriesId);
    else out.set(bucket, [seriesId]);
  }
  return out;
}

/**
 * Folds samples just written into samples_hourly and samples_daily. A sample new to its series is added
 * with one upsert per chunk and table (min/max/last/sum/count combine in SQL, so concurrent writers of
 * one bucket do not lose each other's samples); a sample that replaced a different value makes its hour
 * be recomputed from the raw samples and then its day from the hours (the day's early raw samples may
 * already be gone); one that wrote the same value again changes nothing.
 */
export async function rollupWritten(
  db: Db,
  kind: DbKind,
  written: readonly WrittenSample[],
  previous: ReadonlyMap<string, number>,
): Promise<void> {
  const hours = recomputeSet(HOURLY, written, previous);
  const days = recomputeSet(DAILY, written, previous);
  await upsertFolded(db, kind, HOURLY, fold(HOURLY, written, previous, hours));
  await upsertFolded(db, kind, DAILY, fold(DAILY, written, previous, days));
  for (const [hour, ids] of byBucket(hours)) {
    await rebuildSlice(db, HOURLY, { seriesIds: ids, from: hour, to: hour + HOUR_MS });
  }
  for (const [day, ids] of byBucket(days)) {
    await rebuildDailyFromHourly(db, { seriesIds: ids, from: day, to: day + DAY_MS });
  }
}

export interface RebuildFilter {
  /** Only these series (default all). */
  seriesIds?: readonly number[];
  /** Only buckets starting in [from, to) (ms; both bucket starts of the table rebuilt). */
  from?: number;
  to?: number;
}

/**
 * Recomputes samples_daily from the raw samples (all of it, or some series and days): migration 0006's
 * backfill, and what a benchmark calls after loading samples in bulk. Plain SQL that runs on both engines.
 */
export function rebuildSamplesDaily(db: QueryExecutorProvider, f: RebuildFilter = {}): Promise<void> {
  return rebuild(db, DAILY, f);
}

/**
 * Recomputes samples_hourly from the raw samples, like `rebuildSamplesDaily`: migration 0015's backfill,
 * the repair of an hour whose sample was overwritten, and a bulk loader's.
 */
export function rebuildSamplesHourly(db: QueryExecutorProvider, f: RebuildFilter = {}): Promise<void> {
  return rebuild(db, HOURLY, f);
}

/** Both rollups of samples from the raw samples (a bulk loader's one call). */
export async function rebuildSampleRollups(db: QueryExecutorProvider, f: RebuildFilter = {}): Promise<void> {
  await rebuildSamplesHourly(db, f);
  await rebuildSamplesDaily(db, f);
}

async function rebuild(db: QueryExecutorProvider, grain: Grain, f: RebuildFilter): Promise<void> {
  const ids = f.seriesIds;
  if (ids && ids.length === 0) return;
  if (!ids) {
    // Everything: in slices of series ids, so each GROUP BY sorts a slice in memory, not the whole table.
    const { rows } = await sql<{ lo: number | null; hi: number | null }>`
      select min(id) as lo, max(id) as hi from series`.execute(db);
    const lo = rows[0]?.lo;
    const hi = rows[0]?.hi;
    const table = sql.table(grain.table);
    if (lo === null || lo === undefined || hi === null || hi === undefined) {
      await sql`delete from ${table}`.execute(db);
      return;
    }
    await sql`delete from ${table} where series_id < ${Number(lo)} or series_id > ${Number(hi)}`.execute(db);
    for (let a = Number(lo); a <= Number(hi); a += REBUILD_SLICE) {
      await rebuildSlice(db, grain, { ...f, range: [a, a + REBUILD_SLICE] });
    }
    return;
  }
  await rebuildSlice(db, grain, f);
}

const REBUILD_SLICE = 1000;

/** `where` over series ids (a list and/or a range) and [from, to) of a time column. */
function filterWhere(f: RebuildFilter & { range?: [number, number] }, time: string): RawBuilder<unknown> {
  const conds = [];
  if (f.seriesIds) conds.push(sql`series_id in (${sql.join([...f.seriesIds])})`);
  if (f.range) conds.push(sql`series_id >= ${f.range[0]} and series_id < ${f.range[1]}`);
  if (f.from !== undefined) conds.push(sql`${sql.ref(time)} >= ${f.from}`);
  if (f.to !== undefined) conds.push(sql`${sql.ref(time)} < ${f.to}`);
  return conds.length ? sql`where ${sql.join(conds, sql` and `)}` : sql``;
}

/**
 * One slice: delete its rollup rows, then one INSERT…SELECT grouped in key order. The newest value of
 * each bucket: on PostgreSQL the greatest (time, value) pair, found in the same pass (a ms time is exact
 * in a double; a series has one sample per time), 2.3 times faster than looking each bucket's newest
 * sample up; on SQLite that look-up, one step along the clustered samples' key.
 */
async function rebuildSlice(
  db: QueryExecutorProvider,
  grain: Grain,
  f: RebuildFilter & { range?: [number, number] },
): Promise<void> {
  const table = sql.table(grain.table);
  const bucket = grain.sql(sql`ts`);
  await sql`delete from ${table} ${filterWhere(f, grain.key)}`.execute(db);
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`insert into ${table} (series_id, ${sql.ref(grain.key)}, "min", "max", "last", last_ts, "sum", "count")
      select series_id, ${bucket}, min(value), max(value), (max(array[ts::double precision, value]))[2],
        max(ts), sum(value), count(*)
      from samples ${filterWhere(f, 'ts')}
      group by series_id, ${bucket}`.execute(db);
    return;
  }
  await sql`insert into ${table} (series_id, ${sql.ref(grain.key)}, "min", "max", "last", last_ts, "sum", "count")
    select g.series_id, g.b, g.mn, g.mx,
      (select s2.value from samples s2 where s2.series_id = g.series_id and s2.ts = g.lts), g.lts, g.sm, g.n
    from (
      select series_id, ${bucket} as b, min(value) as mn, max(value) as mx, max(ts) as lts,
        sum(value) as sm, count(*) as n
      from samples ${filterWhere(f, 'ts')}
      group by series_id, ${bucket}
    ) g`.execute(db);
}

/** Recomputes some days of samples_daily from samples_hourly (a Moscow day is 24 whole UTC hours). */
async function rebuildDailyFromHourly(db: QueryExecutorProvider, f: RebuildFilter): Promise<void> {
  const day = DAILY.sql(sql`hour`);
  await sql`delete from samples_daily ${filterWhere(f, 'day')}`.execute(db);
  await sql`insert into samples_daily (series_id, day, "min", "max", "last", last_ts, "sum", "count")
    select g.series_id, g.day, g.mn, g.mx,
      (select h2."last" from samples_hourly h2 where h2.series_id = g.series_id and h2.hour = g.lh),
      g.lts, g.sm, g.n
    from (
      select series_id, ${day} as day, min("min") as mn, max("max") as mx, max(hour) as lh,
        max(last_ts) as lts, sum("sum") as sm, sum("count") as n
      from samples_hourly ${filterWhere(f, 'hour')}
      group by series_id, ${day}
    ) g`.execute(db);
}
