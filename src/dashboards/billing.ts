/**
 * «Биллинг Онлайн. Статистика» (spec online §4.1): the table of the latest remainders of every online
 * access (from `online_state`, written by the poller), its footer means, the four «Осталось» graphs
 * (series `online_remaining {kind}`), the average «% исп. док» over all accesses and per manager (series
 * `online_used_pct {kind: docs}`, averaged over the accesses that have a value in each bucket), and
 * «Проблемы с получением статистики» (`onlineProblems`).
 *
 * Samples are reduced to buckets in SQL (one row per series and bucket): the smallest remainder and the
 * largest percentage in a bucket, which is the latest reading within a billing month. The poller reads
 * hourly; a bucket narrower than that repeats the previous reading for up to two hours (a longer silence
 * is a gap: collection failed).
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { stringAgg } from '../db/dialect.js';
import { onlineProblems } from '../online/queries.js';
import { ONLINE_SERIES } from '../online/poller.js';
import type { OnlineKind } from '../online/types.js';
import { sampleSource } from '../metrics/rollup.js';
import { canonicalLabels } from '../metrics/series.js';
import type { Actor } from '../tenancy/scope.js';
import {
  DEFAULT_RANGE_MS,
  DEFAULT_SERIES_LIMIT,
  type Aligned,
  type AlignedSeries,
  type BillingRow,
  type BillingStatsOut,
  type ProblemRow,
  type RangeQuery,
} from './contract.js';
import { alignPoints, bucketStarts, chooseStep, resolveRange } from './range.js';
import { accessLabel, chunked, rankByLast, round2 } from './rank.js';
import { visibleOnlineAccesses, type OnlineSubject } from './subjects.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * From this range on, the average-percentage graphs show a point per day (the day's highest %, i.e.
 * its last reading within the billing month) read from the daily rollup: averaging every access's
 * hourly readings over weeks means reading them all (1,500 accesses × 30 days = a million samples).
 */
export const BILLING_PCT_DAILY_FROM_MS = 10 * DAY;
/** An hourly reading stands for up to two hours in narrower buckets. */
export const BILLING_CARRY_MS = 2 * HOUR;

/** The numeric columns of the table, in the order of the footer. */
export const BILLING_MEAN_COLUMNS = [
  'docsRemaining',
  'docsUsedPct',
  'searchRemaining',
  'searchUsedPct',
  'printRemaining',
  'exportRemaining',
] as const;

/** % of a limit used, unrounded (the poller's `usedPercent`); null without a reading. */
function usedPct(limit: number | null, remaining: number | null): number | null {
  if (limit === null || remaining === null) return null;
  return limit === 0 ? 0 : ((limit - remaining) / limit) * 100;
}

const round2OrNull = (v: number | null): number | null => (v === null ? null : round2(v));

/** Bucketed samples of one metric of online accesses: access id → values on `starts`. */
export async function loadBucketed(
  ctx: AppContext,
  accessIds: readonly number[],
  metric: string,
  labels: Record<string, string>,
  starts: readonly number[],
  step: number,
  to: number,
  reduce: 'min' | 'max',
): Promise<Map<number, (number | null)[]>> {
  const out = new Map<number, (number | null)[]>();
  if (starts.length === 0 || accessIds.length === 0) return out;
  const seriesOf = new Map<number, number>();
  for (const part of chunked(accessIds)) {
    const rows = await ctx.db
      .selectFrom('series')
      .select(['id', 'online_access_id'])
      .where('metric', '=', metric)
      .where('labels', '=', canonicalLabels(labels))
      .where('online_access_id', 'in', part)
      .execute();
    for (const r of rows) if (r.online_access_id !== null) seriesOf.set(Number(r.id), r.online_access_id);
  }
  // Buckets counted from an origin early enough that the reading carried into the first one is loaded.
  const origin = starts[0]! - Math.ceil(BILLING_CARRY_MS / step) * step;
  // Whole days and weeks: the daily rollup (a day's min / max is of its readings), no raw samples; before
  // the raw window, the hourly rollup (a sub-hour bucket gets the hour's min / max at the hour's start).
  const daily = step >= DAY;
  const src = daily
    ? { table: 'samples_daily', ts: 'day', value: reduce === 'min' ? 'min' : 'max' }
    : sampleSource(ctx, origin) === 'hourly'
      ? { table: 'samples_hourly', ts: 'hour', value: reduce === 'min' ? 'min' : 'max' }
      : { table: 'samples', ts: 'ts', value: 'value' };
  const bucket = sql<number>`(${sql.ref(src.ts)} - ${sql.lit(origin)}) / ${sql.lit(step)}`;
  const agg = sql<number>`${sql.raw(reduce)}(${sql.ref(src.value)})`;
  const points = new Map<number, [number, number][]>();
  // One row per series, its buckets packed as `bucket:value,…` (thousands of series × hundreds of
  // buckets would otherwise be that many rows to materialise).
  const entry = sql<string>`cast(t.b as text) || ':' || cast(t.v as text)`;
  for (const part of chunked([...seriesOf.keys()], 2000)) {
    const rows = await sql<{ sid: number; buckets: string }>`
      select t.sid, ${stringAgg(ctx.dbKind, entry, ',')} as buckets from (
        ${
          step === DAY
            ? // A rollup row is a bucket already: nothing to group.
              sql`select series_id as sid, ${bucket} as b, ${sql.ref(src.value)} as v from samples_daily
                where series_id in (${sql.join(part)}) and day >= ${origin} and day <= ${to}`
            : sql`select series_id as sid, ${bucket} as b, ${agg} as v from ${sql.table(src.table)}
                where series_id in (${sql.join(part)}) and ${sql.ref(src.ts)} >= ${origin}
                  and ${sql.ref(src.ts)} <= ${to}
                group by series_id, ${bucket}
                -- In index order: PostgreSQL then aggregates as it reads instead of hashing (and spilling).
                order by series_id, ${bucket}`
        }
      ) t group by t.sid`.execute(ctx.db);
    for (const r of rows.rows) {
      const list: [number, number][] = [];
      for (const item of String(r.buckets).split(',')) {
        const c = item.indexOf(':');
        list.push([origin + Number(item.slice(0, c)) * step, Number(item.slice(c + 1))]);
      }
      points.set(Number(r.sid), list);
    }
  }
  for (const [sid, accessId] of seriesOf) {
    const list = (points.get(sid) ?? []).sort((a, b) => a[0] - b[0]);
    out.set(accessId, alignPoints(starts, step, list, 'last', BILLING_CARRY_MS));
  }
  return out;
}

/** The mean over the arrays that have a value at each index (null where none has). */
export function meanAt(arrays: readonly (readonly (number | null)[])[], n: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 0; i < n; i += 1) {
    let sum = 0;
    let count = 0;
    for (const a of arrays) {
      const v = a[i];
      if (v !== null && v !== undefined) {
        sum += v;
        count += 1;
      }
    }
    out.push(count > 0 ? round2(sum / count) : null);
  }
  return out;
}

function mean(values: readonly (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null);
  return xs.length === 0 ? null : round2(xs.reduce((a, b) => a + b, 0) / xs.length);
}

export async function billingStats(
  ctx: AppContext,
  actor: Actor,
  q: RangeQuery,
  now: number,
): Promise<BillingStatsOut> {
  const range = resolveRange(q, now, DEFAULT_RANGE_MS.billingStats);
  const step = chooseStep(range);
  const starts = bucketStarts(range, step);
  const accesses = await visibleOnlineAccesses(ctx, actor, q);
  const ids = accesses.map((a) => a.id);
  const byId = new Map(accesses.map((a) => [a.id, a]));

  const states = new Map<
    number,
    {
      read_at: number | null;
      docs_limit: number | null;
      docs_remaining: number | null;
      search_limit: number | null;
      search_remaining: number | null;
      print_remaining: number | null;
      export_remaining: number | null;
    }
  >();
  const managersOf = new Map<number, { id: number; name: string }[]>();
  for (const part of chunked(ids)) {
    const [rows, links] = await Promise.all([
      ctx.db
        .selectFrom('online_state')
        .select([
          'online_access_id',
          'read_at',
          'docs_limit',
          'docs_remaining',
          'search_limit',
          'search_remaining',
          'print_remaining',
          'export_remaining',
        ])
        .where('online_access_id', 'in', part)
        .execute(),
      ctx.db
        .selectFrom('online_access_managers as l')
        .innerJoin('managers as m', 'm.id', 'l.manager_id')
        .select(['l.online_access_id', 'm.id', 'm.name'])
        .where('l.online_access_id', 'in', part)
        .execute(),
    ]);
    for (const r of rows) states.set(r.online_access_id, r);
    for (const l of links) {
      const list = managersOf.get(l.online_access_id) ?? [];
      list.push({ id: Number(l.id), name: l.name });
      managersOf.set(l.online_access_id, list);
    }
  }

  // Means are of the exact values; the table shows them rounded.
  const exact = new Map<number, { docsUsedPct: number | null; searchUsedPct: number | null }>();
  const table: BillingRow[] = accesses.map((a) => {
    const s = states.get(a.id);
    const docsUsed = usedPct(s?.docs_limit ?? null, s?.docs_remaining ?? null);
    const searchUsed = usedPct(s?.search_limit ?? null, s?.search_remaining ?? null);
    exact.set(a.id, { docsUsedPct: docsUsed, searchUsedPct: searchUsed });
    return {
      onlineAccessId: a.id,
      clientId: a.clientId,
      client: a.client,
      login: a.login,
      host: a.host,
      catalog: a.catalog,
      docsRemaining: s?.docs_remaining ?? null,
      docsUsedPct: round2OrNull(docsUsed),
      searchRemaining: s?.search_remaining ?? null,
      searchUsedPct: round2OrNull(searchUsed),
      printRemaining: s?.print_remaining ?? null,
      exportRemaining: s?.export_remaining ?? null,
      managers: (managersOf.get(a.id) ?? []).map((m) => m.name).sort((x, y) => x.localeCompare(y)),
      readAt: s?.read_at ?? null,
    };
  });
  // As the spec's screenshot: the fewest documents left first; never read last.
  table.sort((x, y) => {
    if (x.docsRemaining === null && y.docsRemaining !== null) return 1;
    if (y.docsRemaining === null && x.docsRemaining !== null) return -1;
    if (x.docsRemaining !== null && y.docsRemaining !== null && x.docsRemaining !== y.docsRemaining)
      return x.docsRemaining - y.docsRemaining;
    return (
      x.client.localeCompare(y.client) ||
      x.login.localeCompare(y.login) ||
      x.onlineAccessId - y.onlineAccessId
    );
  });
  const meanOut: Record<string, number | null> = {};
  for (const col of BILLING_MEAN_COLUMNS) {
    meanOut[col] = mean(
      table.map((r) =>
        col === 'docsUsedPct' || col === 'searchUsedPct' ? exact.get(r.onlineAccessId)![col] : r[col],
      ),
    );
  }

  const limit = q.limit ?? DEFAULT_SERIES_LIMIT;
  const aligned = (series: AlignedSeries[], total: number, at = { step, starts }): Aligned => ({
    step: at.step,
    timestamps: at.starts,
    series,
    total,
  });
  const pctStep = range.to - range.from >= BILLING_PCT_DAILY_FROM_MS ? Math.max(step, DAY) : step;
  const pctAt = { step: pctStep, starts: pctStep === step ? starts : bucketStarts(range, pctStep) };
  const seriesOf = (a: OnlineSubject, values: (number | null)[]): AlignedSeries => ({
    key: `o:${a.id}`,
    label: accessLabel(a),
    onlineAccessId: a.id,
    clientId: a.clientId,
    values,
  });

  // «Осталось …»: the accesses with the least left now first (the legend's Last), `limit` of them.
  const remainingOf = (k: OnlineKind, id: number): number | null => {
    const s = states.get(id);
    if (!s) return null;
    if (k === 'docs') return s.docs_remaining;
    if (k === 'search') return s.search_remaining;
    if (k === 'print') return s.print_remaining;
    return s.export_remaining;
  };
  const remainingPanel = async (k: OnlineKind): Promise<Aligned> => {
    const ranked = accesses
      .map((a) => ({ a, v: remainingOf(k, a.id) }))
      .filter((x): x is { a: OnlineSubject; v: number } => x.v !== null)
      .sort((x, y) => x.v - y.v || accessLabel(x.a).localeCompare(accessLabel(y.a)) || x.a.id - y.a.id);
    const kept = ranked.slice(0, limit);
    const values = await loadBucketed(
      ctx,
      kept.map((x) => x.a.id),
      ONLINE_SERIES.remaining,
      { kind: k },
      starts,
      step,
      range.to,
      'min',
    );
    const empty = new Array<number | null>(starts.length).fill(null);
    return aligned(
      kept.map((x) => seriesOf(x.a, values.get(x.a.id) ?? empty)),
      ranked.length,
    );
  };

  // The four graphs and the percentages are independent reads (concurrent on PostgreSQL's pool).
  const [docs, search, print, exportPanel, pct] = await Promise.all([
    remainingPanel('docs'),
    remainingPanel('search'),
    remainingPanel('print'),
    remainingPanel('export'),
    // Average % of the document limit used: over all accesses, and per manager of the accesses.
    loadBucketed(ctx, ids, ONLINE_SERIES.usedPct, { kind: 'docs' }, pctAt.starts, pctStep, range.to, 'max'),
  ]);
  const avgAll = meanAt([...pct.values()], pctAt.starts.length);
  const avgDocsUsedPct = avgAll.some((v) => v !== null)
    ? aligned([{ key: 'all', label: 'Процент', values: avgAll }], 1, pctAt)
    : aligned([], 0, pctAt);
  const managers = new Map<number, { name: string; accessIds: number[] }>();
  for (const a of accesses) {
    for (const m of managersOf.get(a.id) ?? []) {
      const e = managers.get(m.id) ?? { name: m.name, accessIds: [] };
      e.accessIds.push(a.id);
      managers.set(m.id, e);
    }
  }
  const perManager: AlignedSeries[] = [];
  for (const [id, m] of managers) {
    const values = meanAt(
      m.accessIds.map((a) => pct.get(a)).filter((v): v is (number | null)[] => v !== undefined),
      pctAt.starts.length,
    );
    if (values.every((v) => v === null)) continue;
    perManager.push({ key: `m:${id}`, label: m.name, values });
  }
  const rankedManagers = rankByLast(perManager, limit);

  const visible = new Set(ids);
  const problems: ProblemRow[] = (await onlineProblems(ctx, actor, q.dealerId))
    .filter((p) => visible.has(p.accessId))
    .map((p) => ({
      onlineAccessId: p.accessId,
      client: byId.get(p.accessId)?.client ?? p.client,
      address: p.host,
      catalog: p.folder,
      login: p.login,
      error: p.error,
      since: p.since,
      managers: p.managers,
    }));

  return {
    ...range,
    table,
    mean: meanOut,
    remaining: { docs, search, print, export: exportPanel },
    avgDocsUsedPct,
    avgDocsUsedPctByManager: aligned(rankedManagers.series, rankedManagers.total, pctAt),
    problems,
  };
}
