/**
 * Reading series for the dashboards without scanning more than a panel draws:
 * - `latestIn`: the newest sample of each series in a window, one index seek per series (ranking);
 * - `bucketAggregates`: per series and bucket, max / min / min of judged values / newest value, from
 *   the raw samples (sub-day steps, short ranges) or the daily rollup (a day or more).
 * Raw samples are kept only ~35 days: what lies before that (`sampleSource`) is read from the hourly
 * rollup instead, which gives the same answer for buckets of an hour or more.
 * Callers pass series they have already scoped (series of visible installations).
 */
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../context.js';
import { idIn } from '../db/dialect.js';
import { HOUR_MS, rawCutoff, rollupDay, rollupHour, sampleSource } from '../metrics/rollup.js';
import { periodFigures } from './period-cache.js';
import { canonicalLabels, type Labels } from '../metrics/series.js';

export interface SeriesRow {
  id: number;
  installationId: number;
  metric: string;
  labels: Labels;
}

const CHUNK = 900;

export function chunks<T>(xs: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** The series of these metrics of these installations (only those with one of `labels`, if given). */
export async function seriesFor(
  ctx: AppContext,
  installationIds: readonly number[],
  metrics: readonly string[],
  labels?: readonly Labels[],
): Promise<SeriesRow[]> {
  if (installationIds.length === 0 || metrics.length === 0 || labels?.length === 0) return [];
  const texts = labels?.map(canonicalLabels);
  const parts = await Promise.all(
    chunks(installationIds).map((ids) => {
      let q = ctx.db
        .selectFrom('series')
        .select(['id', 'installation_id', 'metric', 'labels'])
        .where(idIn(ctx.dbKind, 'installation_id', ids))
        .where('metric', 'in', [...metrics]);
      if (texts) q = q.where('labels', 'in', texts);
      return q.execute();
    }),
  );
  return parts.flat().map((r) => ({
    id: r.id,
    installationId: r.installation_id!,
    metric: r.metric,
    labels: JSON.parse(r.labels) as Labels,
  }));
}

export interface Point {
  ts: number;
  value: number;
}

/**
 * The newest sample of each series with `from <= ts <= to` (series without one are absent). Before the
 * raw window, from the hourly rollup: the newest hour whose last sample lies in the range.
 */
export async function latestIn(
  ctx: AppContext,
  seriesIds: readonly number[],
  from: number,
  to: number,
): Promise<Map<number, Point>> {
  if (seriesIds.length === 0) return new Map();
  if (sampleSource(ctx, from) === 'raw') return latestRaw(ctx, seriesIds, from, to);
  const cutoff = rawCutoff(ctx);
  const out = to >= cutoff ? await latestRaw(ctx, seriesIds, cutoff, to) : new Map<number, Point>();
  const rest = seriesIds.filter((id) => !out.has(id));
  if (rest.length === 0) return out;
  const until = Math.min(to, cutoff - 1);
  const parts = await Promise.all(
    chunks(rest).map((ids) =>
      sql<{ series_id: number; ts: number; value: number }>`
          select l.series_id, x.last_ts as ts, x.last as value
          from (
            select s.id as series_id,
              (select y.hour from samples_hourly y where y.series_id = s.id
                and y.hour >= ${rollupHour(from)} and y.hour <= ${until}
                and y.last_ts >= ${from} and y.last_ts <= ${until}
                order by y.hour desc limit 1) as lh
            from series s where ${idIn(ctx.dbKind, 's.id', ids)}
          ) l
          join samples_hourly x on x.series_id = l.series_id and x.hour = l.lh`.execute(ctx.db),
    ),
  );
  for (const p of parts)
    for (const r of p.rows) out.set(Number(r.series_id), { ts: Number(r.ts), value: Number(r.value) });
  return out;
}

async function latestRaw(
  ctx: AppContext,
  seriesIds: readonly number[],
  from: number,
  to: number,
): Promise<Map<number, Point>> {
  const out = new Map<number, Point>();
  const parts = await Promise.all(
    chunks(seriesIds).map((ids) =>
      // PostgreSQL takes the time and the value in one seek (the key includes the value); SQLite has no
      // LATERAL, so it seeks the time, then the row.
      ctx.dbKind === 'postgres'
        ? sql<{ series_id: number; ts: number; value: number }>`
          select s.id as series_id, y.ts, y.value
          from series s
          cross join lateral (
            select ts, value from samples where series_id = s.id and ts >= ${from} and ts <= ${to}
            order by ts desc limit 1
          ) y
          where ${idIn(ctx.dbKind, 's.id', ids)}`.execute(ctx.db)
        : sql<{ series_id: number; ts: number; value: number }>`
          select l.series_id, l.lts as ts, x.value
          from (
            select s.id as series_id,
              (select y.ts from samples y where y.series_id = s.id and y.ts >= ${from} and y.ts <= ${to}
                order by y.ts desc limit 1) as lts
            from series s where ${idIn(ctx.dbKind, 's.id', ids)}
          ) l
          join samples x on x.series_id = l.series_id and x.ts = l.lts`.execute(ctx.db),
    ),
  );
  for (const p of parts)
    for (const r of p.rows) out.set(Number(r.series_id), { ts: Number(r.ts), value: Number(r.value) });
  return out;
}

export interface BucketAgg {
  /** Index of the bucket (from the first bucket start). */
  b: number;
  max: number;
  min: number;
  /**
   * Min over values >= 0 (a check's 1/0, ignoring −1 "not judged"); null when none. From the daily
   * rollup it is exact only with `judged: true`.
   */
  minJudged: number | null;
  /** The bucket's newest value and its time. */
  last: number;
  lastTs: number;
}

const DAY = 86_400_000;

/**
 * Per series, the buckets `[base + b·step, base + (b+1)·step)` up to `to` that hold samples.
 * - `raw`: the samples themselves, reduced here (sub-day steps over short ranges: a bounded read); the
 *   buckets before the raw window from the hourly rollup, its rows reduced the same way (a sub-hour
 *   bucket gets the whole hour, in the bucket of the hour's newest sample);
 * - `daily`: the daily rollup, for steps of whole days and a `base` on a rollup-day start; a day's row is
 *   a bucket when the step is a day, and weekly buckets are grouped in SQL. "Min of judged values" comes
 *   from the rollup's min/max when they decide it, and from the day's samples when they do not (a day
 *   with both "not judged" and "ok" samples: rare, read one by one).
 */
export async function bucketAggregates(
  ctx: AppContext,
  seriesIds: readonly number[],
  base: number,
  step: number,
  to: number,
  source: 'raw' | 'daily',
  opts: {
    /** Decide `minJudged` (checks). */
    judged?: boolean;
    /** Fill `lastTs` (to carry a step function across empty buckets); from the rollup only on request. */
    lastTs?: boolean;
  } = {},
): Promise<Map<number, BucketAgg[]>> {
  const out = new Map<number, BucketAgg[]>();
  if (seriesIds.length === 0) return out;
  const add = (id: number, agg: BucketAgg) => {
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    list.push(agg);
  };
  const undecidedBuckets: { id: number; agg: BucketAgg }[] = [];
  if (source === 'raw') {
    // Buckets from `split` on are read from the samples, earlier ones from the hourly rollup.
    const split = sampleSource(ctx, base) === 'hourly' ? rawSplit(rawCutoff(ctx), base, step) : base;
    const [hourly, parts] = await Promise.all([
      split > base
        ? Promise.all(
            chunks(seriesIds).map((ids) =>
              ctx.db
                .selectFrom('samples_hourly')
                .select(['series_id', 'hour', 'min', 'max', 'last', 'last_ts'])
                .where(idIn(ctx.dbKind, 'series_id', ids))
                .where('hour', '>=', rollupHour(base))
                .where('hour', '<', split)
                .where('hour', '<=', to)
                .execute(),
            ),
          )
        : [],
      split <= to
        ? Promise.all(
            chunks(seriesIds).map((ids) =>
              ctx.db
                .selectFrom('samples')
                .select(['series_id', 'ts', 'value'])
                .where(idIn(ctx.dbKind, 'series_id', ids))
                .where('ts', '>=', split)
                .where('ts', '<=', to)
                .execute(),
            ),
          )
        : [],
    ]);
    const by = new Map<string, { id: number; agg: BucketAgg; amb: boolean }>();
    const fold = (id: number, b: number, min: number, max: number, last: number, lastTs: number) => {
      const judged = judgedMin(min, max);
      const amb = min < 0 && max > 0;
      const k = `${id}:${b}`;
      const e = by.get(k);
      if (!e) {
        by.set(k, { id, agg: { b, max, min, minJudged: judged, last, lastTs }, amb });
        return;
      }
      const a = e.agg;
      if (max > a.max) a.max = max;
      if (min < a.min) a.min = min;
      if (judged !== null && (a.minJudged === null || judged < a.minJudged)) a.minJudged = judged;
      if (lastTs >= a.lastTs) {
        a.last = last;
        a.lastTs = lastTs;
      }
      e.amb ||= amb;
    };
    for (const p of hourly) {
      for (const r of p) {
        const hour = Number(r.hour);
        const lastTs = Number(r.last_ts);
        const b = Math.floor(((step >= HOUR_MS ? Math.max(hour, base) : lastTs) - base) / step);
        if (b >= 0) fold(r.series_id, b, Number(r.min), Number(r.max), Number(r.last), lastTs);
      }
    }
    for (const p of parts) {
      for (const r of p) {
        const v = Number(r.value);
        fold(r.series_id, Math.floor((Number(r.ts) - base) / step), v, v, v, Number(r.ts));
      }
    }
    for (const e of by.values()) {
      // An hour with both "not judged" and judged samples hides its lowest judged value.
      if (opts.judged && e.amb && e.agg.minJudged !== 0) undecidedBuckets.push(e);
      add(e.id, e.agg);
    }
  } else {
    type Row = {
      series_id: number;
      b: number;
      mx: number;
      mn: number;
      /** min over days whose judged min the rollup decides (checks only) */
      mnk?: number | null;
      /** days it does not decide: both −1 and 1 seen (checks only) */
      amb?: number;
      lts?: number;
      last: number;
    };
    // Literals, not parameters: PostgreSQL matches the GROUP BY expression to the selected one by text.
    const b0 = sql.lit(base);
    const st = sql.lit(step);
    const known = sql`case when "min" >= 0 then "min" when "max" = 0 then 0 end`;
    const undecided = sql`case when "min" < 0 and "max" > 0 then 1 else 0 end`;
    // Only what the caller uses travels: every column of ~20,000 rows costs parsing on the client.
    const extra = (judged: RawBuilder<unknown>, time: RawBuilder<unknown>) => {
      const cols = [...(opts.judged ? [judged] : []), ...(opts.lastTs ? [time] : [])];
      return cols.length ? sql`, ${sql.join(cols, sql`, `)}` : sql``;
    };
    const parts = await Promise.all(
      chunks(seriesIds).map((ids) =>
        step === DAY
          ? sql<Row>`
            select series_id, (day - ${b0}) / ${st} as b, "max" as mx, "min" as mn, "last" as last
              ${extra(sql`${known} as mnk, ${undecided} as amb`, sql`last_ts as lts`)}
            from samples_daily
            where ${idIn(ctx.dbKind, 'series_id', ids)} and day >= ${base} and day <= ${to}`.execute(ctx.db)
          : sql<Row>`
            select a.series_id, a.b, a.mx, a.mn, d.last ${extra(sql`a.mnk, a.amb`, sql`d.last_ts as lts`)}
            from (
              select series_id, (day - ${b0}) / ${st} as b, max("max") as mx, min("min") as mn,
                ${opts.judged ? sql`min(${known})` : sql`null`} as mnk,
                ${opts.judged ? sql`sum(${undecided})` : sql`0`} as amb, max(day) as lday
              from samples_daily
              where ${idIn(ctx.dbKind, 'series_id', ids)} and day >= ${base} and day <= ${to}
              group by series_id, (day - ${b0}) / ${st}
            ) a
            join samples_daily d on d.series_id = a.series_id and d.day = a.lday`.execute(ctx.db),
      ),
    );
    for (const p of parts) {
      for (const r of p.rows) {
        const id = Number(r.series_id);
        const mnk = r.mnk === null || r.mnk === undefined ? null : Number(r.mnk);
        const agg: BucketAgg = {
          b: Number(r.b),
          max: Number(r.mx),
          min: Number(r.mn),
          minJudged: mnk,
          last: Number(r.last),
          lastTs: r.lts === undefined ? NaN : Number(r.lts),
        };
        if (opts.judged && Number(r.amb) > 0 && mnk !== 0) undecidedBuckets.push({ id, agg });
        add(id, agg);
      }
    }
  }
  // Buckets the rollup cannot decide: the samples' lowest judged value, one query per bucket start;
  // before the raw window also the hours that decide it (the samples may be gone).
  const byBucket = new Map<number, { id: number; agg: BucketAgg }[]>();
  for (const u of undecidedBuckets) byBucket.set(u.agg.b, [...(byBucket.get(u.agg.b) ?? []), u]);
  await Promise.all(
    [...byBucket].map(async ([b, list]) => {
      const from = base + b * step;
      const ids = list.map((u) => u.id);
      const [rows, hours] = await Promise.all([
        ctx.db
          .selectFrom('samples')
          .select((eb) => ['series_id', eb.fn.min<number>('value').as('v')])
          .where(idIn(ctx.dbKind, 'series_id', ids))
          .where('ts', '>=', from)
          .where('ts', '<', from + step)
          .where('value', '>=', 0)
          .groupBy('series_id')
          .execute(),
        source === 'daily' && sampleSource(ctx, from) === 'hourly'
          ? ctx.db
              .selectFrom('samples_hourly')
              .select(['series_id', 'min', 'max'])
              .where(idIn(ctx.dbKind, 'series_id', ids))
              .where('hour', '>=', from)
              .where('hour', '<', from + step)
              .where('max', '>=', 0)
              .execute()
          : [],
      ]);
      const min = new Map<number, number>();
      const lower = (id: number, v: number | null) => {
        if (v !== null && !(v >= (min.get(id) ?? Infinity))) min.set(id, v);
      };
      for (const r of rows) lower(Number(r.series_id), Number(r.v));
      for (const r of hours) lower(Number(r.series_id), judgedMin(Number(r.min), Number(r.max)));
      for (const { id, agg } of list) {
        const v = min.get(id);
        if (v !== undefined && (agg.minJudged === null || v < agg.minJudged)) agg.minJudged = v;
      }
    }),
  );
  for (const list of out.values()) list.sort((x, y) => x.b - y.b);
  return out;
}

/**
 * bucketAggregates from the daily rollup (source 'daily'), the buckets that ended before today's rollup
 * day kept per database and series (period-cache.ts): a 13 months' panel reads only the buckets from
 * today's on again, not a year of daily rows per series on every request. The closed buckets are read
 * as bucketAggregates reads them, up to their end; late samples reach them when the slot expires.
 */
export async function dailyBucketsKept(
  ctx: AppContext,
  seriesIds: readonly number[],
  base: number,
  step: number,
  to: number,
  now: number,
  opts: { judged?: boolean; lastTs?: boolean } = {},
): Promise<Map<number, BucketAgg[]>> {
  // Buckets [0, closed) end at or before the start of today's rollup day (and of the range's end).
  const closed = Math.floor((Math.min(rollupDay(now), to + 1) - base) / step);
  if (closed <= 0 || seriesIds.length === 0)
    return bucketAggregates(ctx, seriesIds, base, step, to, 'daily', opts);
  const cut = base + closed * step;
  const key = `${base}|${step}|${cut}|${opts.judged ? 1 : 0}${opts.lastTs ? 1 : 0}`;
  const [kept, open] = await Promise.all([
    periodFigures(ctx.db, 'dailyBuckets', { key, to: cut }, seriesIds, now, (ids) =>
      bucketAggregates(ctx, ids, base, step, cut - 1, 'daily', opts),
    ),
    cut <= to ? bucketAggregates(ctx, seriesIds, cut, step, to, 'daily', opts) : null,
  ]);
  const out = new Map<number, BucketAgg[]>();
  for (const id of seriesIds) {
    // New arrays and objects: the kept ones are shared by every request.
    const list = (kept.get(id) ?? []).map((a) => ({ ...a }));
    for (const a of open?.get(id) ?? []) list.push({ ...a, b: a.b + closed });
    if (list.length > 0) out.set(id, list);
  }
  return out;
}

/** The lowest judged (>= 0) value a rollup row's min and max prove, or null when they do not. */
function judgedMin(min: number, max: number): number | null {
  if (min >= 0) return min;
  return max === 0 ? 0 : null;
}

/**
 * The first instant at or after `cutoff` that starts both a bucket and an hour: the buckets before it
 * are read whole from the hourly rollup (Infinity when none does within a day: read all from it).
 */
export function rawSplit(cutoff: number, base: number, step: number): number {
  let t = cutoff;
  for (let i = 0; i < 24; i += 1) {
    const hour = Math.ceil(t / HOUR_MS) * HOUR_MS;
    const bucket = base + Math.max(0, Math.ceil((hour - base) / step)) * step;
    if (bucket % HOUR_MS === 0) return bucket;
    t = bucket;
  }
  return Infinity;
}

export interface FillOptions {
  /** A step function: an empty bucket within `carryMs` of the previous sample repeats its value. */
  carryMs?: number;
  /** The newest sample before the first bucket (carried into it). */
  seed?: Point;
  /** What a carried sample value shows as (e.g. −1 "not judged" → null). */
  carried?: (v: number) => number | null;
}

/** Bucket aggregates as one value per bucket start; `null` is a gap. */
export function fillBuckets(
  starts: readonly number[],
  rows: readonly BucketAgg[] | undefined,
  pick: (r: BucketAgg) => number | null,
  opts: FillOptions = {},
): (number | null)[] {
  const out = new Array<number | null>(starts.length).fill(null);
  const carryMs = opts.carryMs ?? 0;
  const carried = opts.carried ?? ((v: number) => v);
  let prev: Point | undefined = opts.seed;
  let j = 0;
  const list = rows ?? [];
  for (let i = 0; i < starts.length; i += 1) {
    while (j < list.length && list[j]!.b < i) j += 1;
    const r = list[j];
    if (r && r.b === i) {
      out[i] = pick(r);
      prev = { ts: r.lastTs, value: r.last };
      j += 1;
    } else if (carryMs > 0 && prev && starts[i]! - prev.ts <= carryMs) {
      out[i] = carried(prev.value);
    }
  }
  return out;
}

/** Ranks entries by value (descending unless `compare` says otherwise), then label, then id. */
export function rank<T extends { value: number; label: string; id: number }>(
  entries: T[],
  compare: (a: number, b: number) => number = (a, b) => b - a,
): T[] {
  return entries.sort(
    (a, b) =>
      compare(a.value, b.value) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) || a.id - b.id,
  );
}
