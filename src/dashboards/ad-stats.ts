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
 * Daily points (weekly, Monday, from about 200 days on); a point is the month to date at the last day
 * of the bucket on which one of the installations produced a report, null when none did. An
 * installation's local day D is drawn on the axis day D. Series are ordered by their last value,
 * highest first (ties by domain), `limit` of them; `total` counts the domains with data.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
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

  const toDay = axisDate(range.to);
  const firstDay = axisDate(starts[0]!);
  const lo = `${firstDay.slice(0, 8)}01`;
  const onlyDomains = domains ? sql`and domain in (${sql.join(domains)})` : sql``;
  const [usage, reported, sessions] = await Promise.all([
    sql<Record<AdStatsPanel, number> & { domain: string; day: string }>`
      select domain, day, ${sql.join(AD_STATS_PANELS.map((p) => sql`${sql.raw(COLUMNS[p])} as ${sql.ref(p)}`))}
      from installation_usage_domain_daily
      where installation_id in (${sql.join(ids)}) ${onlyDomains} and day >= ${lo} and day <= ${toDay}
      group by domain, day`.execute(ctx.db),
    sql<{ day: string }>`
      select distinct day from installation_usage_daily
      where installation_id in (${sql.join(ids)}) and reported = 1 and day >= ${firstDay} and day <= ${toDay}`.execute(
      ctx.db,
    ),
    sql<{ domain: string; n: number }>`
      select domain, count(*) as n from installation_sessions
      where installation_id in (${sql.join(ids)}) and holds_licence = 1
      group by domain`.execute(ctx.db),
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
    const withLast = series.map((s) => ({ s, last: lastValue(s.values) }));
    withLast.sort(
      (a, b) =>
        (b.last ?? -Infinity) - (a.last ?? -Infinity) ||
        (a.s.label < b.s.label ? -1 : a.s.label > b.s.label ? 1 : 0),
    );
    panels[p] = {
      step,
      timestamps: starts,
      series: withLast.slice(0, limit).map((w) => w.s),
      total: series.length,
    };
  }

  const licences = new Map<string, number>();
  for (const r of sessions.rows) {
    const domain = r.domain.trim() === '' ? UNDEFINED_DOMAIN : r.domain;
    if (domains && !domains.includes(domain)) continue;
    licences.set(domain, (licences.get(domain) ?? 0) + Number(r.n));
  }
  return {
    from: range.from,
    to: range.to,
    panels,
    licences: [...licences]
      .map(([domain, inUse]) => ({ domain, inUse }))
      .sort((a, b) => b.inUse - a.inUse || (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0)),
  };
}
