/**
 * Thirteen months of hourly profile reads of one online access, as the online poller stores them
 * (storeProfile / storeFailure and the CheckRecorder's `login` check): per successful read the four
 * remainders (`online_remaining` {kind}) and the usage percentages of documents and searches
 * (`online_used_pct` {kind}); per read the `login` check sample (`online_check`); ok/total per UTC day
 * (the billing availability); the month's last reading per limit; the current state; the nightly search
 * log (a few searches per working day, some empty).
 * The access spends its monthly limits during local working hours, some months up to exhaustion;
 * reads fail while its DC server is unreachable (episodes shared by every access on that host) or
 * while its password is wrong (episodes of its own).
 */
import { localMonth } from '../../../src/online/poller.js';
import { ONLINE_KINDS, type OnlineKind } from '../../../src/online/types.js';
import { hash32, unit } from '../../../src/sim/kodeks/prng.js';
import type { FleetAccess } from '../inventory.js';
import type { SeriesIds } from '../series-ids.js';
import type { Cell, RowSink } from '../sink.js';
import {
  AVAILABILITY_DAILY,
  CHECK_EVENTS,
  CHECK_STATUS,
  ONLINE_SEARCH_LOG,
  ONLINE_STATE,
  ONLINE_USAGE_MONTHLY,
  SAMPLES,
} from '../tables.js';
import { episodeAt, episodes, type Episode } from './episodes.js';
import type { Window } from './sysinfo.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const LIMITS: Record<OnlineKind, readonly number[]> = {
  docs: [300, 500, 1000, 2000, 5000],
  search: [500, 1000, 3000, 10000],
  print: [100, 300],
  export: [50, 100],
};
/** Kinds with a usage percentage (PCT_KINDS of the poller). */
const PCT_KINDS = ['docs', 'search'] as const;

type Failure = 'ConnectionTimeout' | 'LoginPasswordError';

/** DC server outages: the same for every access on the host (seeded by the host name). */
function hostOutages(host: string, w: Window): Episode<Failure>[] {
  return episodes([host, 'dc'], w, 0.05, [{ kind: 'ConnectionTimeout', weight: 1, minMin: 10, maxMin: 360 }]);
}

/** A wrong password now and then (changed on the DC, not in SMART): days until someone fixes it. */
function ownFailures(seed: number, w: Window): Episode<Failure>[] {
  return episodes([seed, 'online'], w, 1 / 120, [
    { kind: 'LoginPasswordError', weight: 1, minMin: 600, maxMin: 10 * 1440 },
  ]);
}

/** How much of the month's working time has passed, weighted by each day's (seeded) activity. */
function workWeight(seed: number, t: number, off: number): number {
  const local = t + off * MIN;
  const day = Math.floor(local / DAY);
  const hour = Math.floor((local - day * DAY) / HOUR);
  const dow = (day + 4) % 7;
  if (dow === 0 || dow === 6 || hour < 9 || hour >= 18) return 0;
  return 0.3 + 1.4 * unit(seed, 'day', day);
}

export interface OnlineCaches {
  hosts: Map<string, Episode<Failure>[]>;
}

export async function writeOnlineHistory(
  sink: RowSink,
  series: SeriesIds,
  dealerId: number,
  a: FleetAccess,
  w: Window,
  caches: OnlineCaches,
): Promise<void> {
  const owner = { kind: 'online' as const, id: a.id, dealerId };
  const remainingId = Object.fromEntries(
    ONLINE_KINDS.map((k) => [k, series.create(owner, 'online_remaining', { kind: k })]),
  ) as Record<OnlineKind, number>;
  const pctId = Object.fromEntries(
    PCT_KINDS.map((k) => [k, series.create(owner, 'online_used_pct', { kind: k })]),
  ) as Record<(typeof PCT_KINDS)[number], number>;
  const loginId = series.create(owner, 'online_check', { check: 'login' });
  await series.write(sink);

  let dc = caches.hosts.get(a.host);
  if (!dc) caches.hosts.set(a.host, (dc = hostOutages(a.host, w)));
  const own = ownFailures(a.seed, w);
  const limit = Object.fromEntries(
    ONLINE_KINDS.map((k) => [k, LIMITS[k][hash32(a.seed, k) % LIMITS[k].length]!]),
  ) as Record<OnlineKind, number>;

  // Reads: hourly at the access's own minute.
  const phase = (hash32(a.seed, 'phase') % 60) * MIN;
  const first = Math.floor(w.start / HOUR) * HOUR + phase + (phase < w.start % HOUR ? HOUR : 0);
  const times: number[] = [];
  for (let t = first; t <= w.end; t += HOUR) times.push(t);

  // Billing months are local: formatting a date per read is slow, so months are looked up per day.
  const months = new Map<number, string>();
  const monthOf = (t: number) => {
    const d = Math.floor((t + a.utcOffsetMin * MIN) / DAY);
    let m = months.get(d);
    if (m === undefined) months.set(d, (m = localMonth(t, a.utcOffsetMin)));
    return m;
  };
  // The month's total working weight, for the share of the month's spending done by each hour.
  const monthWeight = new Map<string, number>();
  for (const t of times) {
    const m = monthOf(t);
    monthWeight.set(m, (monthWeight.get(m) ?? 0) + workWeight(a.seed, t, a.utcOffsetMin));
  }

  const rem: Record<OnlineKind, Cell[][]> = { docs: [], search: [], print: [], export: [] };
  const pct: Record<string, Cell[][]> = { docs: [], search: [] };
  const login: Cell[][] = [];
  const monthly = new Map<string, Cell[][]>();
  const perDay = new Map<number, [number, number]>();
  const events: Cell[][] = [];
  const dcCursor = { i: 0 };
  const ownCursor = { i: 0 };
  let month = '';
  let spentWeight = 0;
  let use: Record<OnlineKind, number> = { docs: 0, search: 0, print: 0, export: 0 };
  let prevRemaining: Record<OnlineKind, number> | null = null;
  let lastUsedAt: number | null = null;
  let prevError: Failure | null | undefined;
  let since = w.start;
  let last: {
    at: number;
    error: Failure | null;
    remaining: Record<OnlineKind, number> | null;
    readAt: number | null;
  } = { at: w.start, error: null, remaining: null, readAt: null };

  for (const t of times) {
    const m = monthOf(t);
    if (m !== month) {
      month = m;
      spentWeight = 0;
      prevRemaining = null;
      // This month's appetite per limit: most accesses use a part, some run out.
      use = Object.fromEntries(
        ONLINE_KINDS.map((k) => [k, Math.min(1.3, -Math.log(1 - unit(a.seed, k, m)) * 0.35)]),
      ) as Record<OnlineKind, number>;
    }
    spentWeight += workWeight(a.seed, t, a.utcOffsetMin);
    const share = spentWeight / (monthWeight.get(m) || 1);
    const error = (episodeAt(own, ownCursor, t) ?? episodeAt(dc, dcCursor, t))?.kind ?? null;
    const day = Math.floor(t / DAY) * DAY;
    const counts = perDay.get(day) ?? [0, 0];
    counts[1] += 1;
    login.push([loginId, t, error ? 0 : 1]);
    if (error !== prevError) {
      events.push([
        'online',
        a.id,
        dealerId,
        t,
        'login',
        prevError === undefined ? null : prevError ? 'failed' : 'ok',
        error ? 'failed' : 'ok',
        error,
        null,
      ]);
      since = t;
      prevError = error;
    }
    if (!error) {
      counts[0] += 1;
      const remaining = {} as Record<OnlineKind, number>;
      for (const k of ONLINE_KINDS) {
        remaining[k] = Math.max(0, limit[k] - Math.floor(limit[k] * use[k] * share));
        rem[k].push([remainingId[k], t, remaining[k]]);
      }
      for (const k of PCT_KINDS) pct[k]!.push([pctId[k], t, ((limit[k] - remaining[k]) / limit[k]) * 100]);
      const spent = ONLINE_KINDS.some((k) => remaining[k] < (prevRemaining?.[k] ?? limit[k]));
      if (spent) lastUsedAt = t;
      prevRemaining = remaining;
      monthly.set(
        m,
        ONLINE_KINDS.map((k) => [a.id, m, k, dealerId, limit[k], remaining[k], t]),
      );
      last = { at: t, error: null, remaining, readAt: t };
    } else {
      last = { ...last, at: t, error };
    }
    perDay.set(day, counts);
  }

  for (const k of ONLINE_KINDS) await sink.write(SAMPLES, rem[k]);
  for (const k of PCT_KINDS) await sink.write(SAMPLES, pct[k]!);
  await sink.write(SAMPLES, login);
  await sink.write(ONLINE_USAGE_MONTHLY, [...monthly.values()].flat());
  await sink.write(
    AVAILABILITY_DAILY,
    [...perDay.entries()].map(([day, [ok, total]]) => ['online', a.id, 'login', day, dealerId, ok, total]),
  );
  await sink.write(CHECK_EVENTS, events);
  await writeSearchLog(sink, dealerId, a, w);
  await sink.write(CHECK_STATUS, [
    ['online', a.id, 'login', dealerId, last.error ? 'failed' : 'ok', last.error, null, null, since, last.at],
  ]);
  const r = last.remaining;
  const message = last.error === 'LoginPasswordError' ? 'Неверный логин или пароль' : 'connect ETIMEDOUT';
  await sink.write(ONLINE_STATE, [
    [
      a.id,
      dealerId,
      last.at,
      last.error ? 0 : 1,
      last.readAt,
      month,
      limit.docs,
      r?.docs ?? null,
      limit.search,
      r?.search ?? null,
      limit.print,
      r?.print ?? null,
      limit.export,
      r?.export ?? null,
      last.error,
      last.error ? (last.error === 'LoginPasswordError' ? '401' : 'ETIMEDOUT') : null,
      last.error ? message : null,
      last.error ? since : null,
      lastUsedAt,
    ],
  ]);
}

const SEARCH_QUERIES = [
  'ГОСТ 21.101-2020',
  'охрана труда',
  'СП 60.13330',
  'пожарная безопасность',
  'НДС 2026',
  'трудовой договор',
  'СНиП 2.04.01-85',
  'ПНД Ф 14.1:2:3:4.112-2023',
];
/** As the DC simulator's log names them. */
const SEARCH_TYPES = ['Интеллектуальный', 'Атрибутный', 'По реквизитам'];
const USERS = ['Иванова', 'Петров', 'Сидоренко'];

/** The nightly search log: up to a dozen searches per local working day, about one in eight empty. */
async function writeSearchLog(sink: RowSink, dealerId: number, a: FleetAccess, w: Window): Promise<void> {
  const off = a.utcOffsetMin * MIN;
  const rows: Cell[][] = [];
  for (let d = Math.ceil((w.start + off) / DAY); (d + 1) * DAY - off <= w.end; d += 1) {
    const noon = d * DAY + 12 * HOUR - off;
    if (workWeight(a.seed, noon, a.utcOffsetMin) === 0) continue;
    const n = hash32(a.seed, 'searches', d) % 13;
    const day = new Date(d * DAY).toISOString().slice(0, 10);
    for (let k = 0; k < n; k += 1) {
      const at = d * DAY - off + 9 * HOUR + Math.floor(unit(a.seed, 'at', d, k) * 9 * HOUR);
      rows.push([
        a.id,
        dealerId,
        day,
        at,
        USERS[hash32(a.seed, 'user', d, k) % USERS.length]!,
        SEARCH_QUERIES[hash32(a.seed, 'query', d, k) % SEARCH_QUERIES.length]!,
        SEARCH_TYPES[hash32(a.seed, 'type', d, k) % SEARCH_TYPES.length]!,
        unit(a.seed, 'empty', d, k) < 0.12 ? 'empty' : 'success',
      ]);
    }
  }
  await sink.write(ONLINE_SEARCH_LOG, rows);
}
