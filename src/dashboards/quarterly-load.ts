/**
 * The reads behind «Квартальная аналитика»: one quarter's figures per installation, online access or
 * client, from the rollups only (never the per-user tables). Each read is one query per chunk of
 * subjects grouped by the subject in key order, so what comes back is a row per subject whatever the
 * history holds.
 *
 * - installations: `installation_usage_daily` (days reported, the first day with data, DB requests,
 *   activity points = documents counted + searches, empty searches, the busiest day's users with DB
 *   requests); days on which every
 *   licence was occupied from the daily rollup of `sysinfo_licences_free` (its minimum ≤ 0); refused
 *   logons (the sysinfo's journal of logons refused for lack of licences);
 * - online accesses: `online_usage_monthly` (per month: units spent over the four limits, the document
 *   limit and what was left of it at the month's last reading); empty searches of `online_search_log`;
 * - both: downtime hours from `availability_daily`; clients: incidents from `alert_instances`.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { chunked } from './rank.js';
import { monthWeight, type QuarterSpan } from './quarterly-periods.js';

const CHUNK = 2000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface InstallationFigures {
  /** Days a sysinfo report was produced on. */
  reportedDays: number;
  /** The first local day (`YYYY-MM-DD`) with a report or usage in the quarter. */
  firstDay: string | null;
  dbRequests: number;
  /** Documents counted + searches (the Стандарт's activity points). */
  activity: number;
  emptySearches: number;
  /** Users with DB requests on the quarter's busiest day. */
  peakUsers: number;
  /** Days on which the lowest count of free licences was ≤ 0. */
  daysAtLicenceLimit: number;
  refusedLogons: number;
  /** null: the ПК's interface was not probed in the quarter. */
  downtimeHours: number | null;
}

export interface OnlineFigures {
  /** Months with a reading. */
  months: number;
  /** Units spent over the four limits. */
  used: number;
  /** Mean % of the document limit used per month (a month in progress by its elapsed share). */
  docsUsedPct: number | null;
  /** Months whose last reading had no document left. */
  docsExhaustedMonths: number;
  emptySearches: number;
  downtimeHours: number | null;
}

const num = (v: unknown) => Number(v ?? 0);

function emptyInstallation(): InstallationFigures {
  return {
    reportedDays: 0,
    firstDay: null,
    dbRequests: 0,
    activity: 0,
    emptySearches: 0,
    peakUsers: 0,
    daysAtLicenceLimit: 0,
    refusedLogons: 0,
    downtimeHours: null,
  };
}

/**
 * Hours a check failed per subject in the quarter: each UTC day's failed share × 24 hours (today's ×
 * the hours elapsed). Subjects without counts in the quarter are absent.
 */
async function downtime(
  ctx: AppContext,
  kind: 'installation' | 'online',
  check: string,
  ids: readonly number[],
  q: QuarterSpan,
  now: number,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const today = Math.floor(now / DAY) * DAY;
  const share = sql`cast(total - ok as double precision) / total`;
  for (const part of chunked(ids, CHUNK)) {
    const r = await sql<{ id: number; hours: number }>`
      select subject_id as id,
        sum(case when day = ${sql.lit(today)} then ${share} * ${sql.lit((now - today) / HOUR)}
          else ${share} * 24 end) as hours
      from availability_daily
      where subject_kind = ${kind} and check_name = ${check} and subject_id in (${sql.join(part)})
        and day >= ${q.utcFrom} and day < ${q.utcTo} and total > 0
      group by subject_id`.execute(ctx.db);
    for (const x of r.rows) out.set(Number(x.id), num(x.hours));
  }
  return out;
}

export async function loadInstallationQuarter(
  ctx: AppContext,
  ids: readonly number[],
  q: QuarterSpan,
  downtimeCheck: string,
  now: number,
): Promise<Map<number, InstallationFigures>> {
  const out = new Map<number, InstallationFigures>();
  const of = (id: unknown) => {
    const k = Number(id);
    let f = out.get(k);
    if (!f) out.set(k, (f = emptyInstallation()));
    return f;
  };
  for (const part of chunked(ids, CHUNK)) {
    const list = sql.join(part);
    const [usage, limit, refused] = await Promise.all([
      sql<{
        id: number;
        first: string;
        reported: number;
        db: number;
        activity: number;
        empty: number;
        peak: number;
      }>`
        select installation_id as id, min(day) as first, sum(reported) as reported, sum(db_requests) as db,
          sum(docs_counted + searches) as activity, sum(empty_searches) as empty, max(active_users) as peak
        from installation_usage_daily
        where installation_id in (${list}) and day >= ${q.firstDay} and day < ${q.nextFirstDay}
        group by installation_id`.execute(ctx.db),
      sql<{ id: number; n: number }>`
        select se.installation_id as id, count(*) as n
        from series se
        join samples_daily sd on sd.series_id = se.id
        where se.installation_id in (${list}) and se.metric = 'sysinfo_licences_free' and se.labels = '{}'
          and sd.day >= ${q.from} and sd.day < ${q.to} and sd.min <= 0
        group by se.installation_id`.execute(ctx.db),
      sql<{ id: number; n: number }>`
        select installation_id as id, count(*) as n
        from refused_logons
        where installation_id in (${list}) and at >= ${q.from} and at < ${q.to}
        group by installation_id`.execute(ctx.db),
    ]);
    for (const x of usage.rows) {
      const f = of(x.id);
      f.reportedDays = num(x.reported);
      f.firstDay = String(x.first);
      f.dbRequests = num(x.db);
      f.activity = num(x.activity);
      f.emptySearches = num(x.empty);
      f.peakUsers = num(x.peak);
    }
    for (const x of limit.rows) of(x.id).daysAtLicenceLimit = num(x.n);
    for (const x of refused.rows) of(x.id).refusedLogons = num(x.n);
  }
  for (const [id, hours] of await downtime(ctx, 'installation', downtimeCheck, ids, q, now)) {
    of(id).downtimeHours = hours;
  }
  return out;
}

export async function loadOnlineQuarter(
  ctx: AppContext,
  ids: readonly number[],
  q: QuarterSpan,
  downtimeCheck: string,
  now: number,
): Promise<Map<number, OnlineFigures>> {
  const out = new Map<number, OnlineFigures>();
  const acc = new Map<number, { pctSum: number; weights: number }>();
  const of = (id: unknown) => {
    const k = Number(id);
    let f = out.get(k);
    if (!f) {
      f = {
        months: 0,
        used: 0,
        docsUsedPct: null,
        docsExhaustedMonths: 0,
        emptySearches: 0,
        downtimeHours: null,
      };
      out.set(k, f);
    }
    return f;
  };
  const lo = q.months[0]!;
  const hi = q.nextFirstDay.slice(0, 7);
  for (const part of chunked(ids, CHUNK)) {
    const list = sql.join(part);
    const [months, empty] = await Promise.all([
      sql<{ id: number; month: string; used: number; dl: number | null; dr: number | null }>`
        select online_access_id as id, month,
          sum(case when limit_units > remaining then limit_units - remaining else 0 end) as used,
          max(case when kind = 'docs' then limit_units end) as dl,
          max(case when kind = 'docs' then remaining end) as dr
        from online_usage_monthly
        where online_access_id in (${list}) and month >= ${lo} and month < ${hi}
        group by online_access_id, month`.execute(ctx.db),
      sql<{ id: number; n: number }>`
        select online_access_id as id, count(*) as n
        from online_search_log
        where online_access_id in (${list}) and day >= ${q.firstDay} and day < ${q.nextFirstDay}
          and status = 'empty'
        group by online_access_id`.execute(ctx.db),
    ]);
    for (const x of months.rows) {
      const f = of(x.id);
      f.months += 1;
      f.used += num(x.used);
      const limit = x.dl === null ? null : Number(x.dl);
      const left = x.dr === null ? null : Number(x.dr);
      if (limit !== null && limit > 0 && left !== null) {
        if (left <= 0) f.docsExhaustedMonths += 1;
        const a = acc.get(Number(x.id)) ?? { pctSum: 0, weights: 0 };
        a.pctSum += Math.min(100, Math.max(0, ((limit - left) / limit) * 100));
        // A month in progress counts by its elapsed share, at least a day's worth.
        a.weights += Math.max(1 / 31, monthWeight(String(x.month), now));
        acc.set(Number(x.id), a);
      }
    }
    for (const x of empty.rows) of(x.id).emptySearches = num(x.n);
  }
  for (const [id, a] of acc) of(id).docsUsedPct = Math.min(100, a.pctSum / a.weights);
  for (const [id, hours] of await downtime(ctx, 'online', downtimeCheck, ids, q, now)) {
    of(id).downtimeHours = hours;
  }
  return out;
}

/** Alert instances of the given names about the clients' installations and accesses fired in the quarter. */
export async function loadIncidentsQuarter(
  ctx: AppContext,
  clientIds: readonly number[],
  names: readonly string[],
  q: QuarterSpan,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (names.length === 0) return out;
  for (const part of chunked(clientIds, CHUNK)) {
    const r = await sql<{ id: number; n: number }>`
      select client_id as id, count(*) as n
      from alert_instances
      where client_id in (${sql.join(part)}) and subject_kind in ('installation', 'online')
        and name in (${sql.join(names)}) and fired_at >= ${q.from} and fired_at < ${q.to}
      group by client_id`.execute(ctx.db);
    for (const x of r.rows) out.set(Number(x.id), num(x.n));
  }
  return out;
}
