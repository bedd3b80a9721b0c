/**
 * «Биллинг Онлайн. Аналитика» (spec online-managers §4.2): how much of their monthly document limit the
 * online accesses use, per manager and over all of them, and how many clients are under monitoring.
 *
 * What is averaged (spec §10 item 4: "среднее значение за каждый месяц" against hourly sawtooth curves):
 * - the curves: at each point, the mean over the accesses in view of each access's % of the month's
 *   document limit used so far (series `online_used_pct {kind: docs}`), the same numbers «Биллинг
 *   Онлайн. Статистика» draws. It rises through the month and resets on the 1st. Below 10 days, buckets
 *   narrower than a day through the statistics dashboard's own read (`loadBucketed`: a reading stands
 *   for two hours); from 10 days on (as there), a point per day: each access's highest % of the day,
 *   i.e. its last reading within the month, from the daily rollup. Weekly points (from 90 days)
 *   take each access's highest % of the week from the rollup rows of only the week's last day and of
 *   the last day of a month ending within it (the % only grows within a billing month, so the highest
 *   is on one of them): 13 months of 1,500 accesses are 105 k rollup rows instead of 590 k. The means
 *   are `meanAt`, as there;
 * - the month's figure: per calendar month, the mean over the accesses of their last reading of that
 *   month (`online_usage_monthly`): the top of the tooth, which is what a manager is judged on.
 * Accesses are averaged, not clients: a client with two logins counts twice, as in the statistics
 * dashboard, so both dashboards show the same numbers.
 *
 * «Всего клиентов» counts the clients with at least one access read in the bucket (a read failing for
 * more than two hours is a dip, as the spec's screenshot shows; in weekly points, read on the days the
 * week is read on); `accesses` counts the accesses read.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { stringAgg } from '../db/dialect.js';
import { canonicalLabels } from '../metrics/series.js';
import { rollupDay } from '../metrics/rollup.js';
import { usedPercent } from '../online/client.js';
import { localMonth, ONLINE_SERIES } from '../online/poller.js';
import type { Actor } from '../tenancy/scope.js';
import { BILLING_PCT_DAILY_FROM_MS, loadBucketed, meanAt } from './billing.js';
import type { Aligned, AlignedSeries } from './contract.js';
import { DEFAULT_SERIES_LIMIT } from './contract.js';
import {
  BILLING_ANALYTICS_DEFAULT_RANGE_MS,
  type BillingAnalyticsOut,
  type BillingAnalyticsQuery,
  type MonthRow,
} from './contract-billing-analytics.js';
import { bucketStarts, chooseStep, resolveRange } from './range.js';
import { chunked, rankByLast, round2 } from './rank.js';
import { visibleOnlineAccesses } from './subjects.js';

const DAY = 86_400_000;
/** Ranges at least this long are drawn a point per week. */
const WEEKLY_FROM_MS = 90 * DAY;
/** The dashboards' calendar (months of the range) is Moscow's. */
const AXIS_OFFSET_MIN = 180;

const has = (l: readonly number[] | undefined): l is readonly number[] => l !== undefined && l.length > 0;

/** Every `YYYY-MM` from `first` to `last`, both included. */
export function monthsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  let [y, m] = first.split('-').map(Number) as [number, number];
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > last) break;
    out.push(month);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

/** The managers of each access (the onboarding file names one per access), as id and name. */
async function managersOfAccesses(
  ctx: AppContext,
  ids: readonly number[],
): Promise<Map<number, { id: number; name: string }[]>> {
  const out = new Map<number, { id: number; name: string }[]>();
  for (const part of chunked(ids)) {
    const rows = await ctx.db
      .selectFrom('online_access_managers as l')
      .innerJoin('managers as m', 'm.id', 'l.manager_id')
      .select(['l.online_access_id', 'm.id', 'm.name'])
      .where('l.online_access_id', 'in', part)
      .execute();
    for (const r of rows) {
      const list = out.get(r.online_access_id) ?? [];
      list.push({ id: Number(r.id), name: r.name });
      out.set(r.online_access_id, list);
    }
  }
  return out;
}

/** % of the document limit used at the last reading of each month: access id → month → %. */
async function monthEndPct(
  ctx: AppContext,
  ids: readonly number[],
  first: string,
  last: string,
): Promise<Map<number, Map<string, number>>> {
  const out = new Map<number, Map<string, number>>();
  for (const part of chunked(ids)) {
    const rows = await ctx.db
      .selectFrom('online_usage_monthly')
      .select(['online_access_id', 'month', 'limit_units', 'remaining'])
      .where('online_access_id', 'in', part)
      .where('kind', '=', 'docs')
      .where('month', '>=', first)
      .where('month', '<=', last)
      .execute();
    for (const r of rows) {
      const limit = Number(r.limit_units);
      const remaining = Number(r.remaining);
      const byMonth = out.get(r.online_access_id) ?? new Map<string, number>();
      byMonth.set(r.month, usedPercent({ limit, remaining, used: limit - remaining }));
      out.set(r.online_access_id, byMonth);
    }
  }
  return out;
}

/** The mean per month over the accesses that have that month, and how many they are. */
function monthMeans(
  key: string,
  label: string,
  accessIds: readonly number[],
  byAccess: ReadonlyMap<number, ReadonlyMap<string, number>>,
  months: readonly string[],
): MonthRow {
  const values: (number | null)[] = [];
  const accesses: number[] = [];
  for (const month of months) {
    let sum = 0;
    let n = 0;
    for (const id of accessIds) {
      const v = byAccess.get(id)?.get(month);
      if (v !== undefined) {
        sum += v;
        n += 1;
      }
    }
    values.push(n > 0 ? round2(sum / n) : null);
    accesses.push(n);
  }
  return { key, label, values, accesses };
}

const MSK_MS = 3 * 3_600_000;

/**
 * The rollup days that hold each weekly bucket's highest %: the bucket's last day (today for the
 * current week) and the last day of every (Moscow) month that ends within the range.
 */
export function weeklyDays(starts: readonly number[], step: number, to: number): number[] {
  const today = rollupDay(to);
  const days = new Set<number>();
  for (const st of starts) days.add(Math.min(st + step - DAY, today));
  const first = new Date(starts[0]! + MSK_MS);
  for (let y = first.getUTCFullYear(), m = first.getUTCMonth(); ; m += 1) {
    const last = Date.UTC(y, m + 1, 1) - MSK_MS - DAY;
    if (last > today) break;
    if (last >= starts[0]!) days.add(last);
  }
  return [...days].sort((a, b) => a - b);
}

/**
 * Daily or weekly buckets of the accesses' document %, straight from the rollup rows: a day's row is
 * its bucket's value (daily), or the highest of the `weeklyDays` rows in the week (weekly). Packed one
 * row per series and parsed by bucket index: 1,500 accesses × 180 days without a point object each.
 */
async function loadRollupPct(
  ctx: AppContext,
  accessIds: readonly number[],
  starts: readonly number[],
  step: number,
  to: number,
): Promise<Map<number, (number | null)[]>> {
  const out = new Map<number, (number | null)[]>();
  if (starts.length === 0 || accessIds.length === 0) return out;
  const seriesOf = new Map<number, number>();
  for (const part of chunked(accessIds)) {
    const rows = await ctx.db
      .selectFrom('series')
      .select(['id', 'online_access_id'])
      .where('metric', '=', ONLINE_SERIES.usedPct)
      .where('labels', '=', canonicalLabels({ kind: 'docs' }))
      .where('online_access_id', 'in', part)
      .execute();
    for (const r of rows) if (r.online_access_id !== null) seriesOf.set(Number(r.id), r.online_access_id);
  }
  const first = starts[0]!;
  const days =
    step === DAY
      ? sql`day >= ${first} and day <= ${to}`
      : sql`day in (${sql.join(weeklyDays(starts, step, to))})`;
  // Implicit text conversion: a third cheaper than `cast(… as text)` on SQLite, the same text.
  const entry = sql<string>`((day - ${sql.lit(first)}) / ${sql.lit(step)}) || ':' || max`;
  for (const part of chunked([...seriesOf.keys()], 2000)) {
    // One row per series, its buckets packed as `index:value,…`.
    const rows = await sql<{ sid: number; days: string }>`
      select series_id as sid, ${stringAgg(ctx.dbKind, entry, ',')} as days from samples_daily
      where series_id in (${sql.join(part)}) and ${days}
      group by series_id`.execute(ctx.db);
    for (const r of rows.rows) {
      const values = new Array<number | null>(starts.length).fill(null);
      for (const item of String(r.days).split(',')) {
        const c = item.indexOf(':');
        const i = Number(item.slice(0, c));
        const v = Number(item.slice(c + 1));
        if (i >= 0 && i < values.length) values[i] = Math.max(values[i] ?? v, v);
      }
      out.set(seriesOf.get(Number(r.sid))!, values);
    }
  }
  return out;
}

export async function billingAnalytics(
  ctx: AppContext,
  actor: Actor,
  q: BillingAnalyticsQuery,
  now: number,
): Promise<BillingAnalyticsOut> {
  const range = resolveRange(q, now, BILLING_ANALYTICS_DEFAULT_RANGE_MS);
  const step = chooseStep(range);
  // As the statistics dashboard: a point per day from the daily rollup on longer ranges; a point per
  // week from 90 days on (the default half-year: 32 rollup rows per access instead of 180).
  const span = range.to - range.from;
  const pctStep =
    span >= WEEKLY_FROM_MS ? 7 * DAY : span >= BILLING_PCT_DAILY_FROM_MS ? Math.max(step, DAY) : step;
  const starts = bucketStarts(range, pctStep);
  const mode = has(q.clientId) || has(q.onlineAccessId) ? 'clients' : 'all';
  const months = monthsBetween(
    localMonth(range.from, AXIS_OFFSET_MIN),
    localMonth(range.to, AXIS_OFFSET_MIN),
  );

  const accesses = await visibleOnlineAccesses(ctx, actor, q);
  const ids = accesses.map((a) => a.id);
  const [managersOf, pct, monthEnd] = await Promise.all([
    managersOfAccesses(ctx, ids),
    pctStep >= DAY
      ? loadRollupPct(ctx, ids, starts, pctStep, range.to)
      : loadBucketed(ctx, ids, ONLINE_SERIES.usedPct, { kind: 'docs' }, starts, pctStep, range.to, 'max'),
    monthEndPct(ctx, ids, months[0]!, months.at(-1)!),
  ]);
  const aligned = (series: AlignedSeries[], total: number): Aligned => ({
    step: pctStep,
    timestamps: starts,
    series,
    total,
  });

  const avgAll = meanAt([...pct.values()], starts.length);
  const all = avgAll.some((v) => v !== null)
    ? aligned([{ key: 'all', label: 'Процент', values: avgAll }], 1)
    : aligned([], 0);

  // Per manager: the managers of the accesses in view (only the chosen ones when Менеджер is set).
  const chosen = has(q.managerId) ? new Set(q.managerId) : null;
  const managers = new Map<number, { name: string; accessIds: number[] }>();
  for (const a of accesses) {
    for (const m of managersOf.get(a.id) ?? []) {
      if (chosen && !chosen.has(m.id)) continue;
      const e = managers.get(m.id) ?? { name: m.name, accessIds: [] };
      e.accessIds.push(a.id);
      managers.set(m.id, e);
    }
  }
  const perManager: AlignedSeries[] = [];
  for (const [id, m] of managers) {
    const values = meanAt(
      m.accessIds.map((a) => pct.get(a)).filter((v): v is (number | null)[] => v !== undefined),
      starts.length,
    );
    if (values.every((v) => v === null)) continue;
    perManager.push({ key: `m:${id}`, label: m.name, values });
  }
  // Below the norm first (the legend's Last ascending), as «Статистика» ranks them.
  const ranked = rankByLast(perManager, q.limit ?? DEFAULT_SERIES_LIMIT);

  // Under monitoring: accesses with a reading in the bucket, and their distinct clients.
  const clientOf = new Map(accesses.map((a) => [a.id, a.clientId]));
  const clientsRead: (number | null)[] = [];
  const accessesRead: (number | null)[] = [];
  let started = false;
  for (let i = 0; i < starts.length; i += 1) {
    const clients = new Set<number>();
    let n = 0;
    for (const [id, values] of pct) {
      if (values[i] === null || values[i] === undefined) continue;
      n += 1;
      clients.add(clientOf.get(id)!);
    }
    // Before the first reading there is no data (a gap); after it, a bucket nobody was read in is 0.
    started ||= n > 0;
    clientsRead.push(started ? clients.size : null);
    accessesRead.push(started ? n : null);
  }
  const monitored = started
    ? aligned(
        [
          { key: 'clients', label: 'Всего клиентов', values: clientsRead },
          { key: 'accesses', label: 'Онлайн-доступов', values: accessesRead },
        ],
        2,
      )
    : aligned([], 0);

  const monthRows: MonthRow[] = [monthMeans('all', 'Все клиенты', ids, monthEnd, months)];
  for (const s of ranked.series) {
    const m = managers.get(Number(s.key.slice(2)))!;
    monthRows.push(monthMeans(s.key, s.label, m.accessIds, monthEnd, months));
  }

  return {
    ...range,
    mode,
    byManager: aligned(ranked.series, ranked.total),
    all,
    monitored,
    months,
    monthRows,
  };
}
