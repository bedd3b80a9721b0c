/**
 * "Kodeks аналитика" (spec §3.2): eleven panels, one series per installation (legend: the host).
 *
 * Sources and definitions (docs/architecture.md, "Dashboards"; docs/api.md, "Installations"):
 * - usedLicences: `sysinfo_licences_in_use`, max per bucket;
 * - licenceHeadroom: `sysinfo_licences_free` (seats − in use, per report), min per bucket;
 * - regLicences: `sysinfo_seats`, the newest value of the bucket;
 * - inactive60d: `sysinfo_users_inactive_60d` (counted per report), newest value of the bucket; with the
 *   domain variable, the sum of the chosen domains' series;
 * - the month-to-date counters (dbRequests, countedDocs, savedDocs, docOrService, printedDocs): sums of
 *   the usage rollup from the 1st of the month (local day of the ПК) through the day;
 *   docOrService = searches + counted documents + service uses (spec §3.2.9);
 * - kassistRequests: kAssist requests of the last 30 days through the day (the raw counter summed over a
 *   trailing month: it rises and falls without a monthly reset, as in spec §3.2.4);
 * - failedSearches: empty searches of the search log per bucket.
 * The usage panels are daily (the ПК counts per day), so their step is at least a day; the ПК's local
 * day D is drawn on the axis day D. A counter bucket has a value only when the installation produced a
 * report on one of its days (failedSearches: or the log has searches of it); otherwise it is a gap.
 *
 * Each panel keeps the `limit` (default 50) series with the highest value at the end of the range (the
 * legend's "current"; for failedSearches, the empty searches of the range's last 30 days at most), and
 * `total` says how many had data. Ranking reads one value per installation: the installations' current
 * state (one query; samples are asked only for ranges in the past) and one grouped query over at most
 * 31 days of the usage rollup. Only the kept installations are then read bucket by bucket.
 */
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../context.js';
import { idIn, stringAgg } from '../db/dialect.js';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import type { Actor } from '../tenancy/scope.js';
import {
  DEFAULT_RANGE_MS,
  DEFAULT_SERIES_LIMIT,
  type Aligned,
  type AlignedSeries,
  type KodeksAnalyticsOut,
  type KodeksAnalyticsPanel,
  type KodeksAnalyticsQuery,
} from './contract.js';
import { bucketStarts, chooseStep, resolveRange, type Range } from './range.js';
import {
  bucketAggregates,
  chunks,
  fillBuckets,
  latestIn,
  rank,
  seriesFor,
  type BucketAgg,
} from './series-read.js';
import { visibleInstallations, type InstallationSubject } from './subjects.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const OFFSET_MS = ROLLUP_OFFSET_MIN * 60_000;

/** At most this many buckets per panel. */
export const ANALYTICS_MAX_POINTS = 200;
/** Ranges longer than this are drawn by day (from the daily rollup); shorter ones hourly or coarser. */
export const ANALYTICS_RAW_MAX_MS = 8 * DAY;
export const ANALYTICS_DEFAULT_LIMIT = DEFAULT_SERIES_LIMIT;

export const ANALYTICS_METRICS = {
  used: 'sysinfo_licences_in_use',
  free: 'sysinfo_licences_free',
  seats: 'sysinfo_seats',
  inactive: 'sysinfo_users_inactive_60d',
  /** Written by every sysinfo report. */
  reports: 'sysinfo_users',
} as const;

/** The step of the licence panels for a range (the usage panels use at least a day). */
export function analyticsStep(range: Range): number {
  return chooseStep(range, ANALYTICS_MAX_POINTS, range.to - range.from > ANALYTICS_RAW_MAX_MS ? DAY : HOUR);
}

/** Calendar date (`YYYY-MM-DD`) of an instant on the dashboards' axis (Moscow). */
function axisDate(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

const monthStart = (date: string) => `${date.slice(0, 8)}01`;

type SamplePanel = 'usedLicences' | 'licenceHeadroom' | 'regLicences' | 'inactive60d';
type UsagePanel = Exclude<KodeksAnalyticsPanel, SamplePanel>;

const SAMPLE_PANELS: { panel: SamplePanel; metric: string; pick: (r: BucketAgg) => number }[] = [
  { panel: 'usedLicences', metric: ANALYTICS_METRICS.used, pick: (r) => r.max },
  { panel: 'licenceHeadroom', metric: ANALYTICS_METRICS.free, pick: (r) => r.min },
  { panel: 'regLicences', metric: ANALYTICS_METRICS.seats, pick: (r) => r.last },
  { panel: 'inactive60d', metric: ANALYTICS_METRICS.inactive, pick: (r) => r.last },
];

interface DayUsage {
  db: number;
  docs: number;
  saved: number;
  printed: number;
  dos: number;
  kassist: number;
  empty: number;
  /** All searches of the day (a day with searches in the log is known even without a report). */
  searches: number;
}

/** How each usage panel reads a day: a month-to-date sum, a trailing 30-day sum, or the day alone. */
const USAGE_PANELS: { panel: UsagePanel; field: keyof DayUsage; kind: 'mtd' | 'trailing30' | 'day' }[] = [
  { panel: 'failedSearches', field: 'empty', kind: 'day' },
  { panel: 'kassistRequests', field: 'kassist', kind: 'trailing30' },
  { panel: 'dbRequests', field: 'db', kind: 'mtd' },
  { panel: 'countedDocs', field: 'docs', kind: 'mtd' },
  { panel: 'savedDocs', field: 'saved', kind: 'mtd' },
  { panel: 'docOrService', field: 'dos', kind: 'mtd' },
  { panel: 'printedDocs', field: 'printed', kind: 'mtd' },
];

const seriesOf = (s: InstallationSubject, values: (number | null)[]): AlignedSeries => ({
  key: `i:${s.id}`,
  label: s.host,
  installationId: s.id,
  clientId: s.clientId,
  values,
});

export async function kodeksAnalytics(
  ctx: AppContext,
  actor: Actor,
  q: KodeksAnalyticsQuery,
  now: number,
): Promise<KodeksAnalyticsOut> {
  const range = resolveRange(q, now, DEFAULT_RANGE_MS.kodeksAnalytics);
  const limit = q.limit ?? ANALYTICS_DEFAULT_LIMIT;
  const domains = q.domain && q.domain.length > 0 ? [...new Set(q.domain)] : null;
  let subjects = await visibleInstallations(ctx, actor, q);
  if (domains && subjects.length > 0) {
    const keep = await withUsersIn(
      ctx,
      subjects.map((s) => s.id),
      domains,
    );
    subjects = subjects.filter((s) => keep.has(s.id));
  }
  const byId = new Map(subjects.map((s) => [s.id, s]));

  const step = analyticsStep(range);
  const starts = bucketStarts(range, step, ROLLUP_OFFSET_MIN);
  const uStep = Math.max(step, DAY);
  const uStarts = uStep === step ? starts : bucketStarts(range, uStep, ROLLUP_OFFSET_MIN);
  const empty = (st: number, ts: number[]): Aligned => ({ step: st, timestamps: ts, series: [], total: 0 });
  const panels = {} as Record<KodeksAnalyticsPanel, Aligned>;
  for (const p of SAMPLE_PANELS) panels[p.panel] = empty(step, starts);
  for (const p of USAGE_PANELS) panels[p.panel] = empty(uStep, uStarts);
  if (subjects.length === 0) return { from: range.from, to: range.to, panels };

  // ---- ranking: one value per installation and panel, at the end of the range
  const current = await currentValues(ctx, [...byId.keys()], range, domains);
  const reporting = [...current.keys()];
  const kept = new Map<KodeksAnalyticsPanel, InstallationSubject[]>();
  const keep = (panel: KodeksAnalyticsPanel, values: [number, number | null][]) => {
    const entries: { id: number; label: string; value: number; s: InstallationSubject }[] = [];
    for (const [id, v] of values) {
      if (v === null) continue;
      const s = byId.get(id)!;
      entries.push({ id, label: s.host, value: v, s });
    }
    rank(entries);
    panels[panel].total = entries.length;
    kept.set(
      panel,
      entries.slice(0, limit).map((e) => e.s),
    );
  };
  for (const p of SAMPLE_PANELS)
    keep(
      p.panel,
      reporting.map((id) => [id, current.get(id)![p.panel]]),
    );

  const toDay = axisDate(range.to);
  const firstDay = axisDate(uStarts[0]!);
  if (reporting.length > 0) {
    const d30 = addDays(toDay, -29);
    const rankRows = await usageRanking(ctx, reporting, domains, {
      toDay,
      month: monthStart(toDay),
      d30,
      emptyFrom: firstDay > d30 ? firstDay : d30,
    });
    for (const p of USAGE_PANELS)
      keep(
        p.panel,
        reporting.map((id) => [id, rankRows.get(id)?.[p.field] ?? 0]),
      );
  }

  // ---- what is drawn: the kept installations' buckets and days
  const sampleKept = new Set<number>();
  for (const p of SAMPLE_PANELS) for (const s of kept.get(p.panel) ?? []) sampleKept.add(s.id);
  const usageKept = new Set<number>();
  for (const p of USAGE_PANELS) for (const s of kept.get(p.panel) ?? []) usageKept.add(s.id);
  const series = await seriesFor(
    ctx,
    [...sampleKept],
    SAMPLE_PANELS.map((p) => p.metric),
    domains ? [{}, ...domains.map((domain) => ({ domain }))] : [{}],
  );
  const idsOf = new Map<string, number[]>();
  for (const x of series) {
    const panel = SAMPLE_PANELS.find((p) => p.metric === x.metric)!.panel;
    // inactive60d with domains: the chosen domains' series; everything else: the installation's series
    const wanted =
      panel === 'inactive60d' && domains ? x.labels.domain !== undefined : x.labels.domain === undefined;
    if (!wanted) continue;
    const k = `${panel}\u0000${x.installationId}`;
    idsOf.set(k, [...(idsOf.get(k) ?? []), x.id]);
  }
  const detailIds = new Set<number>();
  for (const p of SAMPLE_PANELS)
    for (const s of kept.get(p.panel) ?? [])
      for (const id of idsOf.get(`${p.panel}\u0000${s.id}`) ?? []) detailIds.add(id);
  // Days needed: the month start and the 30 days before the first bucket, through the end of the range.
  const dLo = [monthStart(firstDay), addDays(firstDay, -29)].sort()[0]!;

  const days: string[] = [];
  for (let d = dLo; d <= toDay; d = addDays(d, 1)) days.push(d);
  const [buckets, usage] = await Promise.all([
    bucketAggregates(ctx, [...detailIds], starts[0]!, step, range.to, step >= DAY ? 'daily' : 'raw'),
    usageDays(ctx, [...usageKept], domains, days),
  ]);

  for (const p of SAMPLE_PANELS) {
    panels[p.panel].series = (kept.get(p.panel) ?? []).map((s) => {
      const parts = (idsOf.get(`${p.panel}\u0000${s.id}`) ?? []).map((id) =>
        fillBuckets(starts, buckets.get(id), p.pick),
      );
      const values = starts.map((_, i) => {
        let sum: number | null = null;
        for (const v of parts) if (v[i] !== null && v[i] !== undefined) sum = (sum ?? 0) + v[i]!;
        return sum;
      });
      return seriesOf(s, values);
    });
  }

  const dayIndex = new Map(days.map((d, i) => [d, i]));
  // Per bucket, the indexes of its days (a day outside the loaded span has none).
  const bucketDays = uStarts.map((st) => {
    const out: number[] = [];
    for (let k = 0; k < uStep / DAY; k += 1) {
      const i = dayIndex.get(axisDate(st + k * DAY));
      if (i !== undefined) out.push(i);
    }
    return out;
  });
  const monthStarts = days.map((d) => d.endsWith('-01'));
  for (const p of USAGE_PANELS) {
    panels[p.panel].series = (kept.get(p.panel) ?? []).map((s) =>
      seriesOf(s, usageValues(p, monthStarts, bucketDays, usage.get(s.id))),
    );
  }
  return { from: range.from, to: range.to, panels };
}

/** Installations (of `ids`) with at least one user account in one of `domains`. */
async function withUsersIn(ctx: AppContext, ids: number[], domains: string[]): Promise<Set<number>> {
  const out = new Set<number>();
  const parts = await Promise.all(
    chunks(ids).map((chunk) =>
      ctx.db
        .selectFrom('installation_users')
        .select('installation_id')
        .distinct()
        .where('installation_id', 'in', chunk)
        .where('domain', 'in', domains)
        .execute(),
    ),
  );
  for (const r of parts.flat()) out.add(r.installation_id);
  return out;
}

type Current = Record<SamplePanel, number | null>;

/**
 * Per installation that reported in the range, the newest seats, licences in use, headroom and inactive
 * accounts in it. The installation's current state holds the newest report's numbers: when that report
 * lies in the range (a range ending now), they are the newest samples of the range, all read in one
 * query. Otherwise (a range in the past, a number the newest report lacked, inactive accounts per
 * domain) the samples are asked, one index seek per series.
 */
async function currentValues(
  ctx: AppContext,
  ids: number[],
  range: Range,
  domains: string[] | null,
): Promise<Map<number, Current>> {
  const out = new Map<number, Current>();
  const ask: number[] = [];
  const states = await Promise.all(
    chunks(ids).map((chunk) =>
      ctx.db
        .selectFrom('installation_state')
        .select(['installation_id', 'report_at', 'seats', 'licences_in_use', 'users_inactive_60d'])
        .where('installation_id', 'in', chunk)
        .execute(),
    ),
  );
  for (const r of states.flat()) {
    const at = r.report_at === null ? null : Number(r.report_at);
    if (at !== null && at < range.from) continue; // its newest report is older than the range: no data
    if (at === null || at > range.to || r.seats === null || r.licences_in_use === null) {
      ask.push(r.installation_id);
      continue;
    }
    out.set(r.installation_id, {
      usedLicences: r.licences_in_use,
      regLicences: r.seats,
      licenceHeadroom: r.seats - r.licences_in_use,
      inactive60d: r.users_inactive_60d,
    });
  }
  // Per-domain inactive counts are only in the samples, and so is the total of a state stored before
  // the column existed (until the installation's next report).
  const inactiveToo = [...out].filter(([, c]) => domains || c.inactive60d === null).map(([id]) => id);
  if (ask.length === 0 && inactiveToo.length === 0) return out;
  const inactiveLabels = domains ? domains.map((domain) => ({ domain })) : [{}];
  const [asked, inactive] = await Promise.all([
    seriesFor(
      ctx,
      ask,
      [ANALYTICS_METRICS.used, ANALYTICS_METRICS.free, ANALYTICS_METRICS.seats, ANALYTICS_METRICS.reports],
      [{}],
    ),
    seriesFor(ctx, [...ask, ...inactiveToo], [ANALYTICS_METRICS.inactive], inactiveLabels),
  ]);
  const all = [...asked, ...inactive];
  const latest = await latestIn(
    ctx,
    all.map((x) => x.id),
    range.from,
    range.to,
  );
  const reported = new Set<number>();
  const found = new Map<number, Current>();
  const inactiveSums = new Map<number, number>();
  for (const x of all) {
    const v = latest.get(x.id);
    if (!v) continue;
    const id = x.installationId;
    if (x.metric === ANALYTICS_METRICS.inactive) {
      inactiveSums.set(id, (inactiveSums.get(id) ?? 0) + v.value);
      continue;
    }
    const c = found.get(id) ?? {
      usedLicences: null,
      licenceHeadroom: null,
      regLicences: null,
      inactive60d: null,
    };
    found.set(id, c);
    if (x.metric === ANALYTICS_METRICS.reports) reported.add(id);
    else if (x.metric === ANALYTICS_METRICS.used) c.usedLicences = v.value;
    else if (x.metric === ANALYTICS_METRICS.free) c.licenceHeadroom = v.value;
    else c.regLicences = v.value;
  }
  for (const [id, c] of found) if (reported.has(id)) out.set(id, c);
  const fromSamples = new Set([...ask, ...inactiveToo]);
  for (const [id, c] of out) {
    // asked installations, and with domains every one: the samples' (chosen domains') inactive count
    if (fromSamples.has(id)) c.inactive60d = inactiveSums.get(id) ?? null;
  }
  return out;
}

/** One usage panel's values for one installation, from its days (`monthStarts`: a day is the 1st). */
function usageValues(
  p: (typeof USAGE_PANELS)[number],
  monthStarts: readonly boolean[],
  bucketDays: readonly (readonly number[])[],
  u: InstallationDays | undefined,
): (number | null)[] {
  if (!u) return bucketDays.map(() => null);
  const x = u[p.field];
  let acc: Float64Array = x;
  if (p.kind === 'mtd') {
    acc = new Float64Array(x.length);
    let run = 0;
    for (let i = 0; i < x.length; i += 1) {
      if (monthStarts[i]) run = 0;
      run += x[i]!;
      acc[i] = run;
    }
  } else if (p.kind === 'trailing30') {
    acc = new Float64Array(x.length);
    let run = 0;
    for (let i = 0; i < x.length; i += 1) {
      run += x[i]! - (i >= 30 ? x[i - 30]! : 0);
      acc[i] = run;
    }
  }
  return bucketDays.map((idx) => {
    if (p.kind === 'day') {
      let sum: number | null = null;
      for (const i of idx) if (u.reported[i] || u.searches[i]! > 0) sum = (sum ?? 0) + acc[i]!;
      return sum;
    }
    for (let k = idx.length - 1; k >= 0; k -= 1) if (u.reported[idx[k]!]) return acc[idx[k]!]!;
    return null;
  });
}

const SUMS = sql.join([
  sql`sum(db_requests) as db`,
  sql`sum(docs_counted) as docs`,
  sql`sum(saved) as saved`,
  sql`sum(printed) as printed`,
  sql`sum(searches + docs_counted + services) as dos`,
  sql`sum(kassist_requests) as kassist`,
  sql`sum(empty_searches) as empty`,
  sql`sum(searches) as searches`,
]);

const dayUsage = (r: DayUsage): DayUsage => ({
  db: Number(r.db),
  docs: Number(r.docs),
  saved: Number(r.saved),
  printed: Number(r.printed),
  dos: Number(r.dos),
  kassist: Number(r.kassist),
  empty: Number(r.empty),
  searches: Number(r.searches ?? 0),
});

/** The columns of a day's usage, in the order `packedDays` joins them after the day and `reported`. */
const DAY_COLUMNS = ['db', 'docs', 'saved', 'printed', 'dos', 'kassist', 'empty', 'searches'] as const;
/** Fields per packed day: the day, `reported`, the columns. */
const DAY_STRIDE = 2 + DAY_COLUMNS.length;

/**
 * One row per installation, its days packed as `day,reported,db,…,day,reported,…`: 13 months of 200 installations
 * are 80,000 day rows, and materialising them as row objects took five times as long as reading them
 * (300 ms against 55 ms on SQLite).
 */
function packedDays(ctx: AppContext, from: RawBuilder<unknown>, reported: RawBuilder<unknown>) {
  const text = (e: RawBuilder<unknown>) => sql`cast(${e} as text)`;
  const cols = [sql`day`, reported, ...DAY_COLUMNS.map((c) => sql`coalesce(${sql.ref(c)}, 0)`)].map(text);
  const entry = sql<string>`${sql.join(cols, sql` || ',' || `)}`;
  return sql<{ installation_id: number; days: string }>`
    select installation_id, ${stringAgg(ctx.dbKind, entry, ',')} as days from ${from} t group by installation_id`.execute(
    ctx.db,
  );
}

/** One installation's usage, a value per day of the span (0 on a day without a row). */
type InstallationDays = Record<(typeof DAY_COLUMNS)[number], Float64Array> & { reported: Uint8Array };

function emptyDays(n: number): InstallationDays {
  const out = { reported: new Uint8Array(n) } as InstallationDays;
  for (const c of DAY_COLUMNS) out[c] = new Float64Array(n);
  return out;
}

/** Parses `packedDays` rows into the days of `dayIndex`: the numbers (`values`) and/or the report marks. */
function unpackDays(
  rows: readonly { installation_id: number; days: string }[],
  dayIndex: ReadonlyMap<string, number>,
  out: Map<number, InstallationDays>,
  take: { values: boolean; reported: boolean },
): void {
  for (const r of rows) {
    const id = Number(r.installation_id);
    let u = out.get(id);
    if (!u) out.set(id, (u = emptyDays(dayIndex.size)));
    // Every day is the same number of fields, so one split of the whole text and a stride.
    const f = String(r.days).split(',');
    for (let at = 0; at + DAY_STRIDE <= f.length; at += DAY_STRIDE) {
      const i = dayIndex.get(f[at]!);
      if (i === undefined) continue;
      if (take.reported && Number(f[at + 1]) > 0) u.reported[i] = 1;
      if (take.values)
        for (let k = 0; k < DAY_COLUMNS.length; k += 1) u[DAY_COLUMNS[k]!][i] = Number(f[at + 2 + k]);
    }
  }
}

/**
 * Per installation, the usage of each day of `days` (local days of the ПК, ascending; of the chosen
 * domains' users, or all) and the days a report was produced on.
 */
async function usageDays(
  ctx: AppContext,
  ids: number[],
  domains: string[] | null,
  days: readonly string[],
): Promise<Map<number, InstallationDays>> {
  const out = new Map<number, InstallationDays>();
  if (ids.length === 0 || days.length === 0) return out;
  const lo = days[0]!;
  const hi = days[days.length - 1]!;
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const totals = packedDays(
    ctx,
    sql`(select installation_id, day, reported, db_requests as db, docs_counted as docs, saved, printed,
      searches + docs_counted + services as dos, kassist_requests as kassist, empty_searches as empty, searches
      from installation_usage_daily
      where ${idIn(ctx.dbKind, 'installation_id', ids)} and day >= ${lo} and day <= ${hi})`,
    sql`reported`,
  );
  if (!domains) {
    unpackDays((await totals).rows, dayIndex, out, { values: true, reported: true });
    return out;
  }
  const [all, chosen] = await Promise.all([
    totals,
    packedDays(
      ctx,
      sql`(select installation_id, day, ${SUMS}
        from installation_usage_domain_daily
        where ${idIn(ctx.dbKind, 'installation_id', ids)} and domain in (${sql.join(domains)})
          and day >= ${lo} and day <= ${hi}
        group by installation_id, day)`,
      sql`0`,
    ),
  ]);
  // The reports are the installation's; the numbers are the chosen domains' users'.
  unpackDays(all.rows, dayIndex, out, { values: false, reported: true });
  unpackDays(chosen.rows, dayIndex, out, { values: true, reported: false });
  return out;
}

/**
 * The value each usage panel ranks by, per installation, at the end of the range (`toDay`): the month to
 * date, kAssist over 30 days, empty searches over the range's last 30 days at most. One grouped query
 * over at most 31 days of the rollup.
 */
async function usageRanking(
  ctx: AppContext,
  ids: number[],
  domains: string[] | null,
  d: { toDay: string; month: string; d30: string; emptyFrom: string },
): Promise<Map<number, DayUsage>> {
  const out = new Map<number, DayUsage>();
  const lo = d.month < d.d30 ? d.month : d.d30;
  const inMonth = (col: string) => sql`sum(case when day >= ${d.month} then ${sql.ref(col)} else 0 end)`;
  const from = domains
    ? sql`installation_usage_domain_daily where domain in (${sql.join(domains)}) and`
    : sql`installation_usage_daily where`;
  const parts = await Promise.all(
    chunks(ids).map((chunk) =>
      sql<{ installation_id: number } & DayUsage>`
          select installation_id,
            ${inMonth('db_requests')} as db,
            ${inMonth('docs_counted')} as docs,
            ${inMonth('saved')} as saved,
            ${inMonth('printed')} as printed,
            sum(case when day >= ${d.month} then searches + docs_counted + services else 0 end) as dos,
            sum(case when day >= ${d.d30} then kassist_requests else 0 end) as kassist,
            sum(case when day >= ${d.emptyFrom} then empty_searches else 0 end) as empty,
            0 as searches
          from ${from} installation_id in (${sql.join(chunk)}) and day >= ${lo} and day <= ${d.toDay}
          group by installation_id`.execute(ctx.db),
    ),
  );
  for (const p of parts) for (const r of p.rows) out.set(Number(r.installation_id), dayUsage(r));
  return out;
}
