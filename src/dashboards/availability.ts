/**
 * «Доступность серверов» (spec installations §3.13) and «Доступность серверов. Онлайн» (online §4.4):
 * at every point, the share of successful checks over the 30 days up to it ("сейчас и 30 дней
 * назад"), two decimals.
 *
 * The counts come from `availability_daily` (ok/total per subject, check and UTC day, written by the
 * CheckRecorder). One query per panel loads every subject's days from 29 days before the first point
 * to the last; prefix sums per subject then give each point's window in O(1), so 1,000 installations
 * over 13 months are one pass, not a query per point.
 *
 * Points: a day (UTC midnight, the days the counters are kept in) for ranges of three days or more;
 * shorter ranges (the online dashboard's default 24 hours) get hourly or finer points, each showing the
 * window of its UTC day (the counters have no finer grain). A point after `now` is null. A subject
 * with no count in any window of the range has no series (e.g. an agent installation never probed).
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { stringAgg } from '../db/dialect.js';
import { DAY_MS, type SubjectKind } from '../metrics/checks.js';
import { AVAILABILITY_WINDOW_DAYS } from '../metrics/availability.js';
import type { Actor } from '../tenancy/scope.js';
import {
  DEFAULT_RANGE_MS,
  DEFAULT_SERIES_LIMIT,
  type Aligned,
  type AlignedSeries,
  type AvailabilityOnlineOut,
  type AvailabilityOnlineQuery,
  type AvailabilityOut,
  type RangeQuery,
} from './contract.js';
import { bucketStarts, chooseStep, resolveRange, type Range } from './range.js';
import { accessLabel, chunked, lastValue, rankByLast, round2 } from './rank.js';
import { visibleInstallations, visibleOnlineAccesses } from './subjects.js';

const HOUR = 3_600_000;

/** Bucket starts and, for each, the UTC day whose window it shows (null after now). */
export interface AvailabilityGrid {
  step: number;
  timestamps: number[];
  days: (number | null)[];
}

export function availabilityGrid(range: Range, now: number): AvailabilityGrid {
  const daily = range.to - range.from >= 3 * DAY_MS;
  const step = daily ? DAY_MS : chooseStep(range, 300, HOUR);
  const timestamps = bucketStarts(range, step, 0);
  const days = timestamps.map((t) => (t > now ? null : Math.floor(t / DAY_MS) * DAY_MS));
  return { step, timestamps, days };
}

/** Daily ok/total of subjects over [firstDay, lastDay], indexed by day offset. */
interface DailyCounts {
  ok: Float64Array;
  total: Float64Array;
}

async function loadDaily(
  ctx: AppContext,
  kind: SubjectKind,
  ids: readonly number[],
  check: string,
  firstDay: number,
  lastDay: number,
): Promise<Map<number, DailyCounts>> {
  const n = Math.round((lastDay - firstDay) / DAY_MS) + 1;
  const out = new Map<number, DailyCounts>();
  // One row per subject, its days packed as `index:ok:total,…`: 1,000 installations over 13 months are
  // 400,000 day rows, and materialising them as rows costs far more than reading them.
  const entry = sql<string>`cast((day - ${sql.lit(firstDay)}) / ${sql.lit(DAY_MS)} as text) || ':' ||
    cast(ok as text) || ':' || cast(total as text)`;
  // Big chunks: on PostgreSQL each chunk may be a scan of the table (well within both engines' limits
  // on bound parameters).
  for (const part of chunked(ids, 5000)) {
    const rows = await ctx.db
      .selectFrom('availability_daily')
      .select(['subject_id', stringAgg(ctx.dbKind, entry, ',').as('days')])
      .where('subject_kind', '=', kind)
      .where('check_name', '=', check)
      .where('subject_id', 'in', part)
      .where('day', '>=', firstDay)
      .where('day', '<=', lastDay)
      .groupBy('subject_id')
      .execute();
    for (const r of rows) {
      const c = { ok: new Float64Array(n), total: new Float64Array(n) };
      out.set(Number(r.subject_id), c);
      for (const item of String(r.days).split(',')) {
        const a = item.indexOf(':');
        const b = item.indexOf(':', a + 1);
        const i = Number(item.slice(0, a));
        if (i < 0 || i >= n) continue;
        c.ok[i]! += Number(item.slice(a + 1, b));
        c.total[i]! += Number(item.slice(b + 1));
      }
    }
  }
  return out;
}

/** Adds `b` into `a` (a DC server's counts are the sum of its accesses'). */
function addInto(a: DailyCounts, b: DailyCounts): void {
  for (let i = 0; i < a.ok.length; i += 1) {
    a.ok[i]! += b.ok[i]!;
    a.total[i]! += b.total[i]!;
  }
}

/** The rolling percentage at each grid point, from prefix sums of the daily counts. */
function rolling(c: DailyCounts, grid: AvailabilityGrid, firstDay: number): (number | null)[] {
  const n = c.ok.length;
  const pOk = new Float64Array(n + 1);
  const pTotal = new Float64Array(n + 1);
  for (let i = 0; i < n; i += 1) {
    pOk[i + 1] = pOk[i]! + c.ok[i]!;
    pTotal[i + 1] = pTotal[i]! + c.total[i]!;
  }
  return grid.days.map((day) => {
    if (day === null) return null;
    const k = Math.round((day - firstDay) / DAY_MS);
    if (k < 0 || k >= n) return null;
    const lo = Math.max(0, k - (AVAILABILITY_WINDOW_DAYS - 1));
    const total = pTotal[k + 1]! - pTotal[lo]!;
    if (total <= 0) return null;
    return round2(((pOk[k + 1]! - pOk[lo]!) / total) * 100);
  });
}

/** The day span to load for a grid: 29 days before its first point up to its last. */
function daySpan(grid: AvailabilityGrid, now: number): { firstDay: number; lastDay: number } | null {
  const days = grid.days.filter((d): d is number => d !== null);
  if (days.length === 0) return null;
  const lastDay = Math.min(days[days.length - 1]!, Math.floor(now / DAY_MS) * DAY_MS);
  return { firstDay: days[0]! - (AVAILABILITY_WINDOW_DAYS - 1) * DAY_MS, lastDay };
}

interface Subject {
  key: string;
  label: string;
  id: number;
  installationId?: number;
  onlineAccessId?: number;
  clientId?: number;
}

function panel(
  grid: AvailabilityGrid,
  firstDay: number,
  subjects: Subject[],
  counts: Map<number, DailyCounts>,
  limit: number,
): Aligned {
  const series: AlignedSeries[] = [];
  for (const s of subjects) {
    const c = counts.get(s.id);
    if (!c) continue;
    const values = rolling(c, grid, firstDay);
    if (values.every((v) => v === null)) continue;
    const { key, label, installationId, onlineAccessId, clientId } = s;
    series.push({
      key,
      label,
      ...(installationId !== undefined ? { installationId } : {}),
      ...(onlineAccessId !== undefined ? { onlineAccessId } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      values,
    });
  }
  const ranked = rankByLast(series, limit);
  return { step: grid.step, timestamps: grid.timestamps, series: ranked.series, total: ranked.total };
}

/**
 * The 30-day share of each subject's window ending on `day` (ok / total summed in SQL), for ranking: one
 * grouped read of 30 days instead of the whole range.
 */
async function windowShare(
  ctx: AppContext,
  kind: SubjectKind,
  ids: readonly number[],
  check: string,
  day: number,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const part of chunked(ids, 5000)) {
    const rows = await ctx.db
      .selectFrom('availability_daily')
      .select([
        'subject_id',
        (eb) => eb.fn.sum<number>('ok').as('ok'),
        (eb) => eb.fn.sum<number>('total').as('total'),
      ])
      .where('subject_kind', '=', kind)
      .where('check_name', '=', check)
      .where('subject_id', 'in', part)
      .where('day', '>=', day - (AVAILABILITY_WINDOW_DAYS - 1) * DAY_MS)
      .where('day', '<=', day)
      .groupBy('subject_id')
      .execute();
    for (const r of rows) {
      const total = Number(r.total);
      if (total > 0) out.set(Number(r.subject_id), round2((Number(r.ok) / total) * 100));
    }
  }
  return out;
}

/**
 * One panel of subjects that each have their own counts, ranked before the range is read: the value of
 * every subject at the range's last point (its window, one grouped read) decides which `limit` are
 * drawn, and only those are read over the whole range. A subject without counts in that last window
 * may still have some earlier in the range (a server taken out of service): those few are read in
 * full, and rank by their last value, as `rankByLast` would.
 */
async function rankedPanel(
  ctx: AppContext,
  kind: SubjectKind,
  check: string,
  grid: AvailabilityGrid,
  span: { firstDay: number; lastDay: number },
  subjects: Subject[],
  limit: number,
): Promise<Aligned> {
  const ids = subjects.map((s) => s.id);
  const current = await windowShare(ctx, kind, ids, check, span.lastDay);
  const stale = ids.filter((id) => !current.has(id));
  const staleCounts = await loadDaily(ctx, kind, stale, check, span.firstDay, span.lastDay);
  const staleSeries = panel(grid, span.firstDay, subjects, staleCounts, Number.MAX_SAFE_INTEGER).series;
  const staleLast = new Map(staleSeries.map((x) => [x.key, lastValue(x.values)]));
  const candidates: AlignedSeries[] = [];
  for (const s of subjects) {
    const v = current.get(s.id) ?? staleLast.get(s.key);
    if (v === undefined) continue; // no counts in the range at all: no series
    candidates.push({ key: s.key, label: s.label, values: [v] });
  }
  const ranked = rankByLast(candidates, limit);
  const keep = new Set(ranked.series.map((x) => x.key));
  const kept = subjects.filter((s) => keep.has(s.key));
  const counts = await loadDaily(
    ctx,
    kind,
    kept.filter((s) => current.has(s.id)).map((s) => s.id),
    check,
    span.firstDay,
    span.lastDay,
  );
  for (const [id, c] of staleCounts) if (kept.some((s) => s.id === id)) counts.set(id, c);
  const drawn = panel(grid, span.firstDay, kept, counts, limit);
  return { ...drawn, total: ranked.total };
}

/** «Доступность серверов»: per installation, the interface (http200) and the port (tcp). */
export async function serverAvailability(
  ctx: AppContext,
  actor: Actor,
  q: RangeQuery,
  now: number,
): Promise<AvailabilityOut> {
  const range = resolveRange(q, now, DEFAULT_RANGE_MS.availability);
  const grid = availabilityGrid(range, now);
  const installations = await visibleInstallations(ctx, actor, q);
  const span = daySpan(grid, now);
  const subjects: Subject[] = installations.map((i) => ({
    key: `i:${i.id}`,
    label: i.host,
    id: i.id,
    installationId: i.id,
    clientId: i.clientId,
  }));
  const empty = (): Aligned => ({ step: grid.step, timestamps: grid.timestamps, series: [], total: 0 });
  if (!span || subjects.length === 0) return { ...range, interface: empty(), port: empty() };
  const limit = q.limit ?? DEFAULT_SERIES_LIMIT;
  const [http, tcp] = await Promise.all([
    rankedPanel(ctx, 'installation', 'http200', grid, span, subjects, limit),
    rankedPanel(ctx, 'installation', 'tcp', grid, span, subjects, limit),
  ]);
  return { ...range, interface: http, port: tcp };
}

/**
 * «Доступность серверов. Онлайн»: the billing availability (the `login` check of the poller) per
 * access, and per DC server over all the accesses on it. As the spec says, `clientId` (and
 * `onlineAccessId`) narrow the first panel only and `server` the second only; the scope and the other
 * variables apply to both.
 */
export async function onlineAvailabilityDashboard(
  ctx: AppContext,
  actor: Actor,
  q: AvailabilityOnlineQuery,
  now: number,
): Promise<AvailabilityOnlineOut> {
  const range = resolveRange(q, now, DEFAULT_RANGE_MS.availabilityOnline);
  const grid = availabilityGrid(range, now);
  const all = await visibleOnlineAccesses(ctx, actor, {
    ...q,
    clientId: undefined,
    onlineAccessId: undefined,
  });
  const clientIds = q.clientId?.length ? new Set(q.clientId) : null;
  const accessIds = q.onlineAccessId?.length ? new Set(q.onlineAccessId) : null;
  const servers = q.server?.length ? new Set(q.server.map((s) => s.toLowerCase())) : null;
  const forClients = all.filter(
    (a) => (clientIds === null || clientIds.has(a.clientId)) && (accessIds === null || accessIds.has(a.id)),
  );
  const forServers = all.filter((a) => servers === null || servers.has(a.host.toLowerCase()));
  const empty = (): Aligned => ({ step: grid.step, timestamps: grid.timestamps, series: [], total: 0 });
  const span = daySpan(grid, now);
  if (!span || all.length === 0) return { ...range, clients: empty(), servers: empty() };

  const wanted = [...new Set([...forClients, ...forServers].map((a) => a.id))];
  const counts = await loadDaily(ctx, 'online', wanted, 'login', span.firstDay, span.lastDay);

  const clients = panel(
    grid,
    span.firstDay,
    forClients.map((a) => ({
      key: `o:${a.id}`,
      label: accessLabel(a),
      id: a.id,
      onlineAccessId: a.id,
      clientId: a.clientId,
    })),
    counts,
    q.limit ?? DEFAULT_SERIES_LIMIT,
  );

  const n = Math.round((span.lastDay - span.firstDay) / DAY_MS) + 1;
  const hosts = new Map<string, { id: number; counts: DailyCounts }>();
  for (const a of forServers) {
    const c = counts.get(a.id);
    if (!c) continue;
    let h = hosts.get(a.host);
    if (!h) {
      h = { id: hosts.size + 1, counts: { ok: new Float64Array(n), total: new Float64Array(n) } };
      hosts.set(a.host, h);
    }
    addInto(h.counts, c);
  }
  const byHost = new Map<number, DailyCounts>();
  const hostSubjects: Subject[] = [];
  for (const [host, h] of hosts) {
    byHost.set(h.id, h.counts);
    hostSubjects.push({ key: `s:${host}`, label: host, id: h.id });
  }
  return {
    ...range,
    clients,
    servers: panel(grid, span.firstDay, hostSubjects, byHost, q.limit ?? DEFAULT_SERIES_LIMIT),
  };
}

/**
 * The current 30-day availability (window ending today, UTC) of each subject, for the client page:
 * one query for all of them.
 */
export async function currentAvailability(
  ctx: AppContext,
  kind: SubjectKind,
  ids: readonly number[],
  check: string,
  now: number,
): Promise<Map<number, number | null>> {
  const lastDay = Math.floor(now / DAY_MS) * DAY_MS;
  const firstDay = lastDay - (AVAILABILITY_WINDOW_DAYS - 1) * DAY_MS;
  const out = new Map<number, number | null>();
  for (const part of chunked(ids)) {
    const rows = await ctx.db
      .selectFrom('availability_daily')
      .select([
        'subject_id',
        (eb) => eb.fn.sum<number>('ok').as('ok'),
        (eb) => eb.fn.sum<number>('total').as('total'),
      ])
      .where('subject_kind', '=', kind)
      .where('check_name', '=', check)
      .where('subject_id', 'in', part)
      .where('day', '>=', firstDay)
      .where('day', '<=', lastDay)
      .groupBy('subject_id')
      .execute();
    for (const r of rows) {
      const total = Number(r.total);
      out.set(Number(r.subject_id), total > 0 ? round2((Number(r.ok) / total) * 100) : null);
    }
  }
  for (const id of ids) if (!out.has(id)) out.set(id, null);
  return out;
}
