/**
 * The reads behind the renewal tables and the ЛПР report, from rollups only (the all-clients tables
 * of a manager must stay cheap): per installation and local month `user_usage_monthly` (documents,
 * saves, prints, intelligent searches), `installation_usage_daily` (months a report was produced) and
 * `refused_logons_daily` (logons refused for want of a free workplace, per local day);
 * per online access and billing month `online_usage_monthly` (the month's last reading) and the daily
 * sample rollup for the day a remainder first reached 0; per subject and UTC day `availability_daily`.
 * Each read covers December of the year before too: January's change is against it.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { chunked } from '../dashboards/rank.js';
import { canonicalLabels } from '../metrics/series.js';
import { ONLINE_SERIES } from '../online/poller.js';
import { ONLINE_KINDS, type OnlineKind } from '../online/types.js';
import { monthBefore, moscowMonthDay, yearSpan } from './months.js';

const num = (v: unknown) => Number(v ?? 0);

export interface InstallationMonth {
  docsRequested: number;
  docsSaved: number;
  docsPrinted: number;
  /** Logons refused for lack of a free licence. */
  refused: number;
  /** Intelligent searches + documents requested (the spec's «Активность пользователей»). */
  activity: number;
  searches: number;
  emptySearches: number;
}

const emptyMonth = (): InstallationMonth => ({
  docsRequested: 0,
  docsSaved: 0,
  docsPrinted: 0,
  refused: 0,
  activity: 0,
  searches: 0,
  emptySearches: 0,
});

/** Per installation, the months (of the year and the December before) that have data. */
export async function loadInstallationMonths(
  ctx: AppContext,
  ids: readonly number[],
  year: number,
): Promise<Map<number, Map<string, InstallationMonth>>> {
  const out = new Map<number, Map<string, InstallationMonth>>();
  const lo = monthBefore(year);
  const hi = `${year}-12`;
  const at = (id: unknown, month: string) => {
    const k = Number(id);
    let m = out.get(k);
    if (!m) out.set(k, (m = new Map()));
    let e = m.get(month);
    if (!e) m.set(month, (e = emptyMonth()));
    return e;
  };
  const present = new Set<string>();
  for (const part of chunked(ids, 1000)) {
    const list = sql.join(part);
    const [usage, reported, refused] = await Promise.all([
      sql<{
        id: number;
        month: string;
        docs: number;
        saved: number;
        printed: number;
        smart: number;
        searches: number;
        empty: number;
        db: number;
      }>`
        select installation_id as id, month, sum(docs_counted) as docs, sum(saved) as saved,
          sum(db_requests) as db,
          sum(printed) as printed, sum(intelligent_searches) as smart, sum(searches) as searches,
          sum(empty_searches) as empty
        from user_usage_monthly
        where installation_id in (${list}) and month >= ${lo} and month <= ${hi}
        group by installation_id, month`.execute(ctx.db),
      sql<{ id: number; month: string }>`
        select installation_id as id, substr(day, 1, 7) as month
        from installation_usage_daily
        where installation_id in (${list}) and day >= ${`${lo}-01`} and day <= ${`${hi}-31`} and reported = 1
        group by installation_id, substr(day, 1, 7)`.execute(ctx.db),
      sql<{ id: number; month: string; n: number }>`
        select installation_id as id, substr(day, 1, 7) as month, sum(licence_refusals) as n
        from refused_logons_daily
        where installation_id in (${list}) and day >= ${`${lo}-01`} and day <= ${`${hi}-31`}
          and licence_refusals > 0
        group by installation_id, substr(day, 1, 7)`.execute(ctx.db),
    ]);
    for (const x of reported.rows) present.add(`${Number(x.id)}|${String(x.month)}`);
    for (const x of usage.rows) {
      if (num(x.docs) + num(x.db) + num(x.saved) + num(x.printed) > 0)
        present.add(`${Number(x.id)}|${String(x.month)}`);
      const e = at(x.id, String(x.month));
      e.docsRequested = num(x.docs);
      e.docsSaved = num(x.saved);
      e.docsPrinted = num(x.printed);
      e.activity = num(x.smart) + num(x.docs);
      e.searches = num(x.searches);
      e.emptySearches = num(x.empty);
    }
    for (const x of refused.rows) at(x.id, String(x.month)).refused = num(x.n);
  }
  // A month is known when a report was produced in it or it has usage counters (a report early on the
  // 1st carries the last day of the month before); searches or refusals alone, which a report's log
  // carries back into a month never reported, do not make one.
  for (const [id, m] of out) {
    for (const month of m.keys()) if (!present.has(`${id}|${month}`)) m.delete(month);
  }
  return out;
}

export interface SeatMonth {
  /** Seats in the licence (the month's highest). */
  seats: number | null;
  /** The most licences in use at once in the month. */
  maxInUse: number | null;
}

/** Per installation and Moscow month of the year, seats and the licences in use at most. */
export async function loadSeatMonths(
  ctx: AppContext,
  ids: readonly number[],
  year: number,
): Promise<Map<number, Map<string, SeatMonth>>> {
  const out = new Map<number, Map<string, SeatMonth>>();
  if (ids.length === 0) return out;
  const span = yearSpan(year);
  const r = await sql<{ id: number; metric: string; day: number; max: number }>`
    select se.installation_id as id, se.metric, sd.day, sd.max
    from series se
    join samples_daily sd on sd.series_id = se.id
    where se.installation_id in (${sql.join([...ids])}) and se.labels = '{}'
      and se.metric in ('sysinfo_seats', 'sysinfo_licences_in_use')
      and sd.day >= ${span.yearFrom} and sd.day < ${span.to}`.execute(ctx.db);
  for (const x of r.rows) {
    const id = Number(x.id);
    const { month } = moscowMonthDay(Number(x.day) + 3_600_000);
    let m = out.get(id);
    if (!m) out.set(id, (m = new Map()));
    const e = m.get(month) ?? { seats: null, maxInUse: null };
    const v = num(x.max);
    if (x.metric === 'sysinfo_seats') e.seats = Math.max(e.seats ?? 0, v);
    else e.maxInUse = Math.max(e.maxInUse ?? 0, v);
    m.set(month, e);
  }
  return out;
}

export interface OnlineMonth {
  limit: number;
  remaining: number;
  /** Moscow day of the month the remainder first read 0, if it did. */
  exhaustedDay: number | null;
}

/** Per online access, month and limit kind: the month's last reading and the first day at 0. */
export async function loadOnlineMonths(
  ctx: AppContext,
  ids: readonly number[],
  year: number,
): Promise<Map<number, Map<string, Map<OnlineKind, OnlineMonth>>>> {
  const out = new Map<number, Map<string, Map<OnlineKind, OnlineMonth>>>();
  const lo = monthBefore(year);
  const hi = `${year}-12`;
  const span = yearSpan(year);
  const labelKind = new Map(ONLINE_KINDS.map((k) => [canonicalLabels({ kind: k }), k]));
  const zeroDay = new Map<string, number>();
  for (const part of chunked(ids, 1000)) {
    const list = sql.join(part);
    const [months, zeros] = await Promise.all([
      sql<{ id: number; month: string; kind: string; limit_units: number; remaining: number }>`
        select online_access_id as id, month, kind, limit_units, remaining
        from online_usage_monthly
        where online_access_id in (${list}) and month >= ${lo} and month <= ${hi}`.execute(ctx.db),
      sql<{ id: number; labels: string; day: number }>`
        select se.online_access_id as id, se.labels, sd.day
        from series se
        join samples_daily sd on sd.series_id = se.id
        where se.online_access_id in (${list}) and se.metric = ${ONLINE_SERIES.remaining}
          and sd.min <= 0 and sd.day >= ${span.from} and sd.day < ${span.to}`.execute(ctx.db),
    ]);
    for (const x of zeros.rows) {
      const kind = labelKind.get(String(x.labels));
      if (!kind) continue;
      // The rollup's day starts at Moscow midnight: an hour in is safely inside it.
      const { month, day } = moscowMonthDay(Number(x.day) + 3_600_000);
      const k = `${Number(x.id)}|${month}|${kind}`;
      const seen = zeroDay.get(k);
      if (seen === undefined || day < seen) zeroDay.set(k, day);
    }
    for (const x of months.rows) {
      const kind = x.kind as OnlineKind;
      if (!ONLINE_KINDS.includes(kind)) continue;
      const id = Number(x.id);
      const month = String(x.month);
      let m = out.get(id);
      if (!m) out.set(id, (m = new Map()));
      let byKind = m.get(month);
      if (!byKind) m.set(month, (byKind = new Map()));
      const remaining = num(x.remaining);
      byKind.set(kind, {
        limit: num(x.limit_units),
        remaining,
        // null when no daily sample read 0 (the month-end remainder still shows an exhaustion).
        exhaustedDay: zeroDay.get(`${id}|${month}|${kind}`) ?? null,
      });
    }
  }
  return out;
}

export interface AvailabilityMonth {
  ok: number;
  total: number;
}

/** Per subject and UTC month of the year, the check's ok and total counts. */
export async function loadAvailabilityMonths(
  ctx: AppContext,
  kind: 'installation' | 'online',
  check: string,
  ids: readonly number[],
  year: number,
): Promise<Map<number, Map<string, AvailabilityMonth>>> {
  const out = new Map<number, Map<string, AvailabilityMonth>>();
  if (ids.length === 0) return out;
  const r = await ctx.db
    .selectFrom('availability_daily')
    .select(['subject_id', 'day', 'ok', 'total'])
    .where('subject_kind', '=', kind)
    .where('check_name', '=', check)
    .where('subject_id', 'in', [...ids])
    .where('day', '>=', Date.UTC(year, 0, 1))
    .where('day', '<', Date.UTC(year + 1, 0, 1))
    .execute();
  for (const x of r) {
    const id = Number(x.subject_id);
    const month = new Date(Number(x.day)).toISOString().slice(0, 7);
    let m = out.get(id);
    if (!m) out.set(id, (m = new Map()));
    const e = m.get(month) ?? { ok: 0, total: 0 };
    e.ok += num(x.ok);
    e.total += num(x.total);
    m.set(month, e);
  }
  return out;
}

export interface EmptyTopic {
  query: string;
  count: number;
}

/** The most frequent queries that found nothing in the year, installations' and online logs merged. */
export async function loadEmptyTopics(
  ctx: AppContext,
  installationIds: readonly number[],
  accessIds: readonly number[],
  year: number,
  limit: number,
): Promise<EmptyTopic[]> {
  const span = yearSpan(year);
  const counts = new Map<string, EmptyTopic>();
  const add = (query: string, n: number) => {
    const text = query.trim().replace(/\s+/g, ' ');
    if (!text) return;
    const key = text.toLowerCase();
    const e = counts.get(key) ?? { query: text, count: 0 };
    e.count += n;
    counts.set(key, e);
  };
  if (installationIds.length > 0) {
    const r = await sql<{ query: string; n: number }>`
      select query, count(*) as n from search_log
      where installation_id in (${sql.join([...installationIds])}) and at >= ${span.yearFrom}
        and at < ${span.to} and status = 'empty'
      group by query order by count(*) desc limit ${limit * 4}`.execute(ctx.db);
    for (const x of r.rows) add(String(x.query), num(x.n));
  }
  if (accessIds.length > 0) {
    const r = await sql<{ query: string; n: number }>`
      select query, count(*) as n from online_search_log
      where online_access_id in (${sql.join([...accessIds])}) and day >= ${`${year}-01-01`}
        and day <= ${`${year}-12-31`} and status = 'empty'
      group by query order by count(*) desc limit ${limit * 4}`.execute(ctx.db);
    for (const x of r.rows) add(String(x.query), num(x.n));
  }
  return [...counts.values()]
    .sort((a, b) => b.count - a.count || a.query.localeCompare(b.query))
    .slice(0, limit);
}
