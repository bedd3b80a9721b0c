/**
 * «Статистика в разрезе MS ActiveDirectory» (spec installations §3.9): one series per AD domain of the
 * users (`НеОпределён` for users without one), summed over the visible installations (the spec asks
 * for one client; several are summed), month to date from the 1st of each installation's local month.
 *
 * Source: `installation_usage_domain_daily` (the users' daily counters grouped by the domain the user
 * had when the day was last recomputed, and the searches of the log by the searcher's domain). Panels:
 * documents covered by the licence, free documents, printed, saved, DB requests, and the activity
 * (counted documents + searches, as the KodeksUserActivityIsLow points, except that the rollup does not
 * split searches by type, so every search counts). The licence contribution per domain is only known
 * for the present (the newest report's sessions holding a licence): `licences`.
 *
 * Daily points; a point is the month to date at the last day of the bucket on which one of the
 * installations produced a report, null when none did. An installation's local day D is drawn on the
 * axis day D. From `AD_STATS_MONTHLY_FROM_MS` on, a point per month instead (at the 1st, Moscow
 * midnight): the month's total, the current month to date, from `user_usage_monthly` — weekly points of
 * a month-to-date sawtooth say less, and would sum every daily row of the range. Series are ordered by their last value,
 * highest first (ties by domain), `limit` of them; `total` counts the domains with data.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { idIn } from '../db/dialect.js';
import { UNDEFINED_DOMAIN } from '../ingest/parse/snapshot.js';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import type { Actor } from '../tenancy/scope.js';
import { DEFAULT_SERIES_LIMIT, type Aligned, type AlignedSeries } from './contract.js';
import {
  AD_STATS_DEFAULT_RANGE_MS,
  AD_STATS_PANELS,
  type AdStatsOut,
  type AdStatsPanel,
  type AdStatsQuery,
} from './contract-search.js';
import { lastValue } from './rank.js';
import { bucketStarts, chooseStep, resolveRange } from './range.js';
import { addDays, axisDate } from './search-queries.js';
import { visibleInstallations } from './subjects.js';

const DAY = 86_400_000;
const MIN = 60_000;
/** Ranges at least this long are drawn a point per month. */
export const AD_STATS_MONTHLY_FROM_MS = 200 * DAY;

const COLUMNS: Record<AdStatsPanel, string> = {
  docsLicensed: 'sum(docs_licensed)',
  docsFree: 'sum(docs_free)',
  printed: 'sum(printed)',
  saved: 'sum(saved)',
  activity: 'sum(docs_counted + searches)',
  dbRequests: 'sum(db_requests)',
};

export async function adStats(
  ctx: AppContext,
  actor: Actor,
  q: AdStatsQuery,
  now: number,
): Promise<AdStatsOut> {
  const range = resolveRange(q, now, AD_STATS_DEFAULT_RANGE_MS);
  const limit = q.limit ?? DEFAULT_SERIES_LIMIT;
  const domains = q.domain && q.domain.length > 0 ? [...new Set(q.domain)] : null;
  const step = chooseStep(range, 200, DAY);
  const starts = bucketStarts(range, step, ROLLUP_OFFSET_MIN);
  const panels = {} as Record<AdStatsPanel, Aligned>;
  for (const p of AD_STATS_PANELS) panels[p] = { step, timestamps: starts, series: [], total: 0 };
  const ids = (await visibleInstallations(ctx, actor, q)).map((s) => s.id);
  if (ids.length === 0) return { from: range.from, to: range.to, panels, licences: [] };

  if (range.to - range.from >= AD_STATS_MONTHLY_FROM_MS) {
    const [monthly, licences] = await Promise.all([
      monthlyPanels(ctx, ids, range, domains, limit),
      licencesInUse(ctx, ids, domains),
    ]);
    return { from: range.from, to: range.to, panels: monthly, licences };
  }

  const toDay = axisDate(range.to);
  const firstDay = axisDate(starts[0]!);
  const lo = `${firstDay.slice(0, 8)}01`;
  const onlyDomains = domains ? sql`and domain in (${sql.join(domains)})` : sql``;
  const [usage, reported, licences] = await Promise.all([
    sql<Record<AdStatsPanel, number> & { domain: string; day: string }>`
      select domain, day, ${sql.join(AD_STATS_PANELS.map((p) => sql`${sql.raw(COLUMNS[p])} as ${sql.ref(p)}`))}
      from installation_usage_domain_daily
      where ${idIn(ctx.dbKind, 'installation_id', ids)} ${onlyDomains} and day >= ${lo} and day <= ${toDay}
      group by domain, day`.execute(ctx.db),
    sql<{ day: string }>`
      select distinct day from installation_usage_daily
      where ${idIn(ctx.dbKind, 'installation_id', ids)} and reported = 1 and day >= ${firstDay} and day <= ${toDay}`.execute(
      ctx.db,
    ),
    licencesInUse(ctx, ids, domains),
  ]);

  const days: string[] = [];
  for (let d = lo; d <= toDay; d = addDays(d, 1)) days.push(d);
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const reportedDays = new Set(reported.rows.map((r) => r.day));
  // Per bucket, the index of its last reported day (−1: none).
  const bucketDay = starts.map((st) => {
    for (let k = step / DAY - 1; k >= 0; k -= 1) {
      const day = axisDate(st + k * DAY);
      if (day <= toDay && reportedDays.has(day)) return dayIndex.get(day) ?? -1;
    }
    return -1;
  });

  const byDomain = new Map<string, Record<AdStatsPanel, Float64Array>>();
  for (const r of usage.rows) {
    const i = dayIndex.get(r.day);
    if (i === undefined) continue;
    let x = byDomain.get(r.domain);
    if (!x) {
      x = {} as Record<AdStatsPanel, Float64Array>;
      for (const p of AD_STATS_PANELS) x[p] = new Float64Array(days.length);
      byDomain.set(r.domain, x);
    }
    for (const p of AD_STATS_PANELS) x[p][i] = Number(r[p]);
  }

  const monthStarts = days.map((d) => d.endsWith('-01'));
  for (const p of AD_STATS_PANELS) {
    const series: AlignedSeries[] = [];
    for (const [domain, x] of byDomain) {
      const acc = new Float64Array(days.length);
      let run = 0;
      for (let i = 0; i < days.length; i += 1) {
        if (monthStarts[i]) run = 0;
        run += x[p][i]!;
        acc[i] = run;
      }
      series.push({
        key: `d:${domain}`,
        label: domain,
        values: bucketDay.map((i) => (i < 0 ? null : acc[i]!)),
      });
    }
    panels[p] = ranked(series, step, starts, limit);
  }
  return { from: range.from, to: range.to, panels, licences };
}

/** Series ordered by their last value, highest first (ties by domain), `limit` of them. */
function ranked(series: AlignedSeries[], step: number, timestamps: number[], limit: number): Aligned {
  const withLast = series.map((s) => ({ s, last: lastValue(s.values) }));
  withLast.sort(
    (a, b) =>
      (b.last ?? -Infinity) - (a.last ?? -Infinity) ||
      (a.s.label < b.s.label ? -1 : a.s.label > b.s.label ? 1 : 0),
  );
  return { step, timestamps, series: withLast.slice(0, limit).map((w) => w.s), total: series.length };
}

const MONTHLY_COLUMNS: Record<AdStatsPanel, string> = {
  docsLicensed: 'sum(m.docs_licensed)',
  docsFree: 'sum(m.docs_free)',
  printed: 'sum(m.printed)',
  saved: 'sum(m.saved)',
  activity: 'sum(m.docs_counted + m.searches)',
  dbRequests: 'sum(m.db_requests)',
};

/** A point per month the range touches: the month's total per domain (null for a month without data). */
async function monthlyPanels(
  ctx: AppContext,
  ids: number[],
  range: { from: number; to: number },
  domains: string[] | null,
  limit: number,
): Promise<Record<AdStatsPanel, Aligned>> {
  const first = axisDate(range.from).slice(0, 7);
  const last = axisDate(range.to).slice(0, 7);
  const months: string[] = [];
  for (let m = first; m <= last;) {
    months.push(m);
    const d = new Date(`${m}-01T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() + 1);
    m = d.toISOString().slice(0, 7);
  }
  const timestamps = months.map((m) => Date.parse(`${m}-01T00:00:00Z`) - ROLLUP_OFFSET_MIN * MIN);
  const index = new Map(months.map((m, i) => [m, i]));
  // A literal, not a parameter: PostgreSQL matches the GROUP BY expression to the selected one by text.
  const domain = sql`coalesce(u.domain, ${sql.lit(UNDEFINED_DOMAIN)})`;
  const rows = await sql<Record<AdStatsPanel, number> & { domain: string; month: string }>`
    select ${domain} as domain, m.month,
      ${sql.join(AD_STATS_PANELS.map((p) => sql`${sql.raw(MONTHLY_COLUMNS[p])} as ${sql.ref(p)}`))}
    from user_usage_monthly m
    left join installation_users u on u.installation_id = m.installation_id and u.login = m.login
    where ${idIn(ctx.dbKind, 'm.installation_id', ids)} and m.month >= ${first} and m.month <= ${last}
      ${domains ? sql`and ${domain} in (${sql.join(domains)})` : sql``}
    group by ${domain}, m.month`.execute(ctx.db);
  const byDomain = new Map<string, Record<AdStatsPanel, (number | null)[]>>();
  for (const r of rows.rows) {
    let x = byDomain.get(r.domain);
    if (!x) {
      x = {} as Record<AdStatsPanel, (number | null)[]>;
      for (const p of AD_STATS_PANELS) x[p] = months.map(() => null);
      byDomain.set(r.domain, x);
    }
    for (const p of AD_STATS_PANELS) x[p][index.get(r.month)!] = Number(r[p]);
  }
  const step = 30 * DAY;
  const panels = {} as Record<AdStatsPanel, Aligned>;
  for (const p of AD_STATS_PANELS)
    panels[p] = ranked(
      [...byDomain].map(([d, x]) => ({ key: `d:${d}`, label: d, values: x[p] })),
      step,
      timestamps,
      limit,
    );
  return panels;
}

/** The licences held now per domain of the session (the newest reports' sessions). */
async function licencesInUse(
  ctx: AppContext,
  ids: number[],
  domains: string[] | null,
): Promise<{ domain: string; inUse: number }[]> {
  const sessions = await sql<{ domain: string; n: number }>`
    select domain, count(*) as n from installation_sessions
    where ${idIn(ctx.dbKind, 'installation_id', ids)} and holds_licence = 1
    group by domain`.execute(ctx.db);
  const licences = new Map<string, number>();
  for (const r of sessions.rows) {
    const domain = r.domain.trim() === '' ? UNDEFINED_DOMAIN : r.domain;
    if (domains && !domains.includes(domain)) continue;
    licences.set(domain, (licences.get(domain) ?? 0) + Number(r.n));
  }
  return [...licences]
    .map(([domain, inUse]) => ({ domain, inUse }))
    .sort((a, b) => b.inUse - a.inUse || (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
}
