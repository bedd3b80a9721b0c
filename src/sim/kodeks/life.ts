/**
 * What happens on a simulated installation over time, as pure functions of (profile, instant, faults).
 * Users come on working days in the client's own time zone, take a seat (or are refused when all are
 * taken), search, open, save and print; the night brings the server restart and the OperUp update.
 */
import {
  KODEKS_ERRORS,
  kodeksErrorFor,
  kodeksErrorText,
  type KodeksErrorEntry,
} from '../../ingest/parse/kodeks-errors.js';
import { DEFAULT_DB_ERROR_CODE, type FaultState } from './faults.js';
import { hash32, Rng, unit } from './prng.js';
import type { ClientProfile, SimUser } from './profile.js';
import { EMPTY_QUERIES, QUERIES } from './vocabulary.js';

export const MINUTE = 60_000;
export const DAY = 86_400_000;
/** kAssist link statistics exist from May 2024 on (spec §3.12). */
const KASSIST_STATS_FROM_DAY = Date.UTC(2024, 4, 1) / DAY;

export function localDayNumber(atMs: number, offsetMin: number): number {
  return Math.floor((atMs + offsetMin * MINUTE) / DAY);
}
/** Minutes since local midnight (fractional). */
export function localMinuteOfDay(atMs: number, offsetMin: number): number {
  const local = atMs + offsetMin * MINUTE;
  return (local - Math.floor(local / DAY) * DAY) / MINUTE;
}
export function utcOf(day: number, minute: number, offsetMin: number): number {
  return day * DAY + Math.round(minute * MINUTE) - offsetMin * MINUTE;
}
export function dayString(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

function isHoliday(day: number): boolean {
  const d = new Date(day * DAY);
  const m = d.getUTCMonth();
  const dd = d.getUTCDate();
  return (
    (m === 0 && dd <= 8) ||
    (m === 4 && (dd === 1 || dd === 9)) ||
    (m === 5 && dd === 12) ||
    (m === 10 && dd === 4)
  );
}

/** Whether a local day falls in an active month of an episodic client (always, for the others). */
export function inEpisode(p: ClientProfile, day: number): boolean {
  if (!p.episode) return true;
  const d = new Date(day * DAY);
  return (d.getUTCFullYear() * 12 + d.getUTCMonth()) % p.episode.periodMonths === p.episode.phase;
}

// --- one user's day ------------------------------------------------------------------------------

export interface DayPlan {
  login: number; // local minute
  logout: number;
  searches: number;
  docs: number;
  docsLicensed: number;
  docsFree: number;
  saved: number;
  printed: number;
  services: number;
  kassist: number;
}

const P_ACTIVE = { heavy: 0.95, normal: 0.8, light: 0.35 } as const;
const INTENSITY = { heavy: 25, normal: 10, light: 4 } as const;

/** What a user intends to do on a local day, or null when they do not come. */
export function userDayPlan(p: ClientProfile, u: SimUser, day: number): DayPlan | null {
  if (localDayNumber(u.registeredAt, p.utcOffsetMin) > day) return null;
  if (u.dormantFromDay !== null && day >= u.dormantFromDay) return null;
  if (p.episode && !inEpisode(p, day)) return null;
  const r = new Rng(p.seed, 'plan', u.index, day);
  const dow = (day + 4) % 7; // 1970-01-01 was a Thursday
  const weekend = dow === 0 || dow === 6;
  const pActive = P_ACTIVE[u.activity] * (weekend ? 0.04 : 1) * (isHoliday(day) ? 0.1 : 1);
  if (!r.chance(pActive)) return null;
  let login: number;
  let logout: number;
  if (u.activity === 'light' && r.chance(0.5)) {
    login = r.int(540, 960);
    logout = login + r.int(20, 120);
  } else {
    login = r.int(480, 630);
    logout = r.int(990, 1140);
  }
  const searches = Math.max(1, Math.round(INTENSITY[u.activity] * (0.5 + r.next()) * p.searchScale));
  const docs = Math.round(searches * (1 + r.next() * 1.5));
  const docsLicensed = Math.round(docs * (0.55 + r.next() * 0.35));
  return {
    login,
    logout,
    searches,
    docs,
    docsLicensed,
    docsFree: docs - docsLicensed,
    saved: Math.round(docs * r.next() * 0.3),
    printed: r.chance(0.3) ? r.int(0, Math.max(1, Math.round(docs * 0.08))) : 0,
    services: r.int(0, 6),
    kassist: u.kassistUser ? r.int(0, 8) : 0,
  };
}

// --- seats over one day --------------------------------------------------------------------------

export interface Admission {
  user: SimUser;
  plan: DayPlan;
  login: number;
  logout: number;
}

export interface DaySim {
  admitted: Admission[];
  refused: { user: SimUser; minute: number }[];
}

const RETRY_AFTER_MIN = 20;
const RETRIES = 2;
const daySimCache = new WeakMap<ClientProfile, Map<number, DaySim>>();

/** Who got a seat on a local day and who was refused (all seats taken). Cached per profile. */
export function simulateDay(p: ClientProfile, day: number): DaySim {
  let cache = daySimCache.get(p);
  if (!cache) daySimCache.set(p, (cache = new Map()));
  const hit = cache.get(day);
  if (hit) return hit;

  const queue: { user: SimUser; plan: DayPlan; t: number; tries: number }[] = [];
  for (const u of p.users) {
    const plan = userDayPlan(p, u, day);
    if (plan) queue.push({ user: u, plan, t: plan.login, tries: 0 });
  }
  queue.sort((a, b) => a.t - b.t || a.user.index - b.user.index);
  const active: number[] = []; // logout minutes of seated users
  const res: DaySim = { admitted: [], refused: [] };
  for (let qi = 0; qi < queue.length; qi++) {
    const a = queue[qi]!;
    for (let i = active.length - 1; i >= 0; i--) if (active[i]! <= a.t) active.splice(i, 1);
    if (active.length < p.seats) {
      const logout = Math.max(a.plan.logout, a.t + 30);
      active.push(logout);
      res.admitted.push({ user: a.user, plan: a.plan, login: a.t, logout });
      continue;
    }
    res.refused.push({ user: a.user, minute: a.t });
    if (a.tries < RETRIES) {
      const retry = { ...a, t: a.t + RETRY_AFTER_MIN, tries: a.tries + 1 };
      let i = qi + 1;
      while (i < queue.length && queue[i]!.t <= retry.t) i++;
      queue.splice(i, 0, retry);
    }
  }
  if (cache.size >= 64) cache.delete(cache.keys().next().value!);
  cache.set(day, res);
  return res;
}

// --- counters ------------------------------------------------------------------------------------

export interface UsageCounters {
  dbRequests: number;
  docsCounted: number;
  docsLicensed: number;
  docsFree: number;
  saved: number;
  printed: number;
  services: number;
  kassistRequests: number;
}

/** A user's counters for a day, `frac` of the way through their session. */
export function countersOf(plan: DayPlan, frac: number): UsageCounters {
  const f = (n: number): number => Math.floor(n * frac);
  const searches = f(plan.searches);
  const docs = f(plan.docs);
  const kassist = f(plan.kassist);
  return {
    dbRequests: searches + docs + kassist,
    docsCounted: docs,
    docsLicensed: Math.min(docs, f(plan.docsLicensed)),
    docsFree: docs - Math.min(docs, f(plan.docsLicensed)),
    saved: f(plan.saved),
    printed: f(plan.printed),
    services: f(plan.services),
    kassistRequests: kassist,
  };
}

function sessionFraction(a: Admission, minute: number): number {
  if (minute <= a.login) return 0;
  if (minute >= a.logout) return 1;
  return (minute - a.login) / (a.logout - a.login);
}

// --- searches ------------------------------------------------------------------------------------

export interface SimSearch {
  at: number;
  login: string;
  query: string;
  catalog: string;
  type: 'intelligent' | 'attribute';
  source: 'ksrv' | 'kassist';
  status: 'success' | 'empty' | 'error';
  durationMs: number;
}

function contentCatalogs(p: ClientProfile): string[] {
  return p.catalogs.map((c) => c.path).filter((c) => c !== '/sysmon');
}

/** The searches an admitted user makes on a day (all of them; callers cut at "now"). */
export function searchesOf(p: ClientProfile, a: Admission, day: number): SimSearch[] {
  const out: SimSearch[] = [];
  const cats = contentCatalogs(p);
  const span = a.logout - a.login;
  for (let k = 0; k < a.plan.searches; k++) {
    const r = new Rng(p.seed, 'search', a.user.index, day, k);
    const minute = a.login + span * r.next();
    const empty = r.chance(a.user.emptyRate);
    const slow = r.chance(0.03);
    out.push({
      at: utcOf(day, minute, p.utcOffsetMin),
      login: a.user.login,
      query: empty ? r.pick(EMPTY_QUERIES) : r.pick(QUERIES),
      catalog: cats.length > 1 && r.chance(0.2) ? cats[1 + r.int(0, cats.length - 2)]! : (cats[0] ?? '/docs'),
      type: r.chance(0.85) ? 'intelligent' : 'attribute',
      source: a.user.kassistUser && r.chance(0.15) ? 'kassist' : 'ksrv',
      status: empty ? 'empty' : 'success',
      durationMs: slow ? r.int(3_000, 20_000) : r.int(40, 900),
    });
  }
  return out;
}

// --- the state at an instant ----------------------------------------------------------------------

export interface SimSession {
  user: SimUser;
  logonAt: number;
}

export interface SimRefused {
  login: string;
  at: number;
  reason: string;
}

export interface SimUsageRow extends UsageCounters {
  login: string;
  day: string;
}

export interface SimVolumeError {
  volume: string;
  path: string;
  catalog: string;
  code: number | null;
  text: string;
}

export interface SimKassistDay {
  day: string;
  uniqueAdded: number;
  noMatch: number;
  added: number;
  activeVerified: number;
}

export interface SenseLockState {
  status: 'ok' | 'not_found';
  code: number | null;
  message: string;
}

export const REFUSED_REASON = KODEKS_ERRORS.find((e) => e.code === 2008)!.text;

/** Seats taken right now (sessions), after faults. */
export function sessionsAt(p: ClientProfile, now: number, faults: FaultState): SimSession[] {
  if (faults.maintenance || faults.server_not_started) return [];
  const day = localDayNumber(now, p.utcOffsetMin);
  const minute = localMinuteOfDay(now, p.utcOffsetMin);
  const sim = simulateDay(p, day);
  const out: SimSession[] = sim.admitted
    .filter((a) => a.login <= minute && minute < a.logout)
    .map((a) => ({ user: a.user, logonAt: utcOf(day, a.login, p.utcOffsetMin) }));
  const ex = faults.licences_exhausted;
  if (ex && out.length < p.seats) {
    // Fill every seat: people who came in once the fault began.
    const seated = new Set(out.map((s) => s.user.index));
    const extra = p.users
      .filter((u) => !seated.has(u.index) && localDayNumber(u.registeredAt, p.utcOffsetMin) <= day)
      .sort((a, b) => hash32(p.seed, 'fill', a.index) - hash32(p.seed, 'fill', b.index));
    for (const u of extra) {
      if (out.length >= p.seats) break;
      out.push({ user: u, logonAt: Math.max(ex.since, now - 4 * 3_600_000) });
    }
  }
  return out;
}

export interface SimEvent {
  at: number;
  type: 'logon' | 'logoff' | 'open';
  login: string;
  doc: number | null;
}

/**
 * The ПК's event journal for one local day, cut to [from, to], in time order. SMART does not read it;
 * it is there because real reports carry such bulk, which the parser must skip at speed.
 */
export function eventsOfDay(p: ClientProfile, day: number, from: number, to: number): SimEvent[] {
  const off = p.utcOffsetMin;
  const out: SimEvent[] = [];
  for (const a of simulateDay(p, day).admitted) {
    const push = (minute: number, type: SimEvent['type'], doc: number | null): void => {
      const at = utcOf(day, minute, off);
      if (at >= from && at <= to) out.push({ at, type, login: a.user.login, doc });
    };
    push(a.login, 'logon', null);
    const span = a.logout - a.login;
    for (let k = 0; k < a.plan.docs; k++) {
      push(
        a.login + span * unit(p.seed, 'evt', a.user.index, day, k),
        'open',
        1_000_000 + (hash32(p.seed, 'doc', a.user.index, day, k) % 900_000_000),
      );
    }
    push(a.logout, 'logoff', null);
  }
  return out.sort((x, y) => x.at - y.at || (x.login < y.login ? -1 : x.login > y.login ? 1 : 0));
}

/** Refused logons within [from, to]: natural ones (all seats taken) and, under the fault, many more. */
export function refusedBetween(p: ClientProfile, from: number, to: number, faults: FaultState): SimRefused[] {
  const out: SimRefused[] = [];
  const off = p.utcOffsetMin;
  for (let d = localDayNumber(from, off); d <= localDayNumber(to, off); d++) {
    for (const r of simulateDay(p, d).refused) {
      const at = utcOf(d, r.minute, off);
      if (at >= from && at <= to) out.push({ login: r.user.login, at, reason: REFUSED_REASON });
    }
  }
  const ex = faults.licences_exhausted;
  if (ex && p.users.length > 0) {
    const step = 6 * MINUTE;
    const start = Math.max(ex.since, from, to - 48 * 3_600_000);
    for (let t = Math.ceil(start / step) * step; t <= to && out.length < 2_000; t += step) {
      const u = p.users[hash32(p.seed, 'refuse', t) % p.users.length]!;
      out.push({ login: u.login, at: t, reason: REFUSED_REASON });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The search log within [from, to], in time order. */
export function searchesBetween(p: ClientProfile, from: number, to: number, faults: FaultState): SimSearch[] {
  const out: SimSearch[] = [];
  const off = p.utcOffsetMin;
  for (let d = localDayNumber(from, off); d <= localDayNumber(to, off); d++) {
    for (const a of simulateDay(p, d).admitted) {
      for (const s of searchesOf(p, a, d)) if (s.at >= from && s.at <= to) out.push(s);
    }
  }
  const broken = faults.search_broken;
  if (broken) for (const s of out) if (s.at >= broken.since) s.status = 'error';
  return out.sort((a, b) => a.at - b.at || (a.login < b.login ? -1 : a.login > b.login ? 1 : 0));
}

/** Per-user counters for each local day of the current month up to now (today partial). */
export function usageOfMonth(p: ClientProfile, now: number): SimUsageRow[] {
  const off = p.utcOffsetMin;
  const today = localDayNumber(now, off);
  const minute = localMinuteOfDay(now, off);
  const first = today - (new Date(today * DAY).getUTCDate() - 1);
  const rows: SimUsageRow[] = [];
  for (let d = first; d <= today; d++) {
    const day = dayString(d);
    for (const a of simulateDay(p, d).admitted) {
      const frac = d < today ? 1 : sessionFraction(a, minute);
      if (frac <= 0) continue;
      rows.push({ login: a.user.login, day, ...countersOf(a.plan, frac) });
    }
  }
  return rows;
}

/** When each user was last active, up to `now` (null: never). */
export function lastActivity(p: ClientProfile, u: SimUser, now: number): number | null {
  const off = p.utcOffsetMin;
  const today = localDayNumber(now, off);
  const minute = localMinuteOfDay(now, off);
  const seated = simulateDay(p, today).admitted.find((a) => a.user.index === u.index);
  if (seated && seated.login <= minute) return Math.min(now, utcOf(today, seated.logout, off));
  const regDay = localDayNumber(u.registeredAt, off);
  let d = today - 1;
  if (u.dormantFromDay !== null) d = Math.min(d, u.dormantFromDay - 1);
  // Past days use the plan alone (not the seat simulation): cheap, and refusals are rare.
  for (let n = 0; d >= regDay && n < 400; d--, n++) {
    const plan = userDayPlan(p, u, d);
    if (plan) return utcOf(d, plan.logout, off);
  }
  return null;
}

/** DB-volume errors right now: rare natural ones (a few days each) plus the db_error fault. */
export function volumeErrorsAt(p: ClientProfile, now: number, faults: FaultState): SimVolumeError[] {
  const off = p.utcOffsetMin;
  const today = localDayNumber(now, off);
  const out: SimVolumeError[] = [];
  const natural: [KodeksErrorEntry, number][] = KODEKS_ERRORS.filter(
    (e) => e.category === 'volume' || e.category === 'file_access' || e.code === 2007 || e.code === 2020,
  ).map((e) => [e, e.code === null ? 6 : e.code === 603 || e.code === 610 ? 3 : 1]);
  p.volumes.forEach((v, i) => {
    for (let k = 0; k < 7; k++) {
      const d = today - k;
      if (unit(p.seed, 'volerr', i, d) >= 0.002) continue;
      const dur = 1 + (hash32(p.seed, 'voldur', i, d) % 7);
      if (d + dur <= today) continue;
      const e = new Rng(p.seed, 'volerrkind', i, d).weighted(natural);
      out.push({
        volume: v.name,
        path: v.path,
        catalog: v.catalog,
        code: e.code,
        text: kodeksErrorText(e, v.name, v.path),
      });
      break;
    }
  });
  const f = faults.db_error;
  if (f && p.volumes.length) {
    const code = f.code ?? DEFAULT_DB_ERROR_CODE;
    const entry = kodeksErrorFor(code);
    const n = Math.min(p.volumes.length, 1 + (p.seed % 3));
    for (let i = 0; i < n; i++) {
      const v = p.volumes[i]!;
      out.push({
        volume: v.name,
        path: v.path,
        catalog: v.catalog,
        code,
        text: volumeErrorText(code, entry, v.name, v.path),
      });
    }
  }
  return out;
}

/**
 * The text of a db_error fault's error. Code 0 is the ПК's "no code": a message with no number that is no
 * catalogue text either, so SMART can only call it KodeksDBerrorsNoCode.
 */
function volumeErrorText(
  code: number,
  entry: KodeksErrorEntry | undefined,
  volume: string,
  path: string,
): string {
  if (code === 0) return `Том ${volume} недоступен: внутренняя ошибка базы`;
  return entry ? kodeksErrorText(entry, volume, path) : `Ошибка ${code}`;
}

/** Last modification of each OperUp file: nightly, with the odd missed night; days old when stale. */
export function operupTimesAt(p: ClientProfile, now: number, faults: FaultState): number[] {
  const off = p.utcOffsetMin;
  const ref = faults.operups_stale ? now - 4 * DAY : now;
  const today = localDayNumber(ref, off);
  const minute = localMinuteOfDay(ref, off);
  return p.operups.map((o, i) => {
    let d = minute >= o.minuteLocal ? today : today - 1;
    for (let n = 0; n < 10 && unit(p.seed, 'opskip', i, d) < 0.02; n++) d--;
    return utcOf(d, o.minuteLocal, off);
  });
}

/** Instant of the last nightly restart at or before `now`. */
export function serverStartedAt(p: ClientProfile, now: number): number {
  const off = p.utcOffsetMin;
  const today = localDayNumber(now, off);
  const minute = localMinuteOfDay(now, off);
  return utcOf(minute >= p.restartMinuteLocal ? today : today - 1, p.restartMinuteLocal, off);
}

export function senselockAt(p: ClientProfile, faults: FaultState): SenseLockState {
  if (faults.key_lost) {
    const e = KODEKS_ERRORS.find((x) => x.code === 4111)!;
    return { status: 'not_found', code: 4111, message: e.text };
  }
  return { status: 'ok', code: null, message: 'Ключ SenseLock найден' };
}

/** The last valid local day of each licence as of `now`. */
export function licenceTermsAt(p: ClientProfile, now: number): { from: string; to: string }[] {
  const today = localDayNumber(now, p.utcOffsetMin);
  const year = new Date(today * DAY).getUTCFullYear();
  return p.licences.map((l) => {
    if (l.fixedEndDay) {
      const end = Date.parse(`${l.fixedEndDay}T00:00:00Z`) / DAY;
      return { from: dayString(end - 364), to: l.fixedEndDay };
    }
    // Renews every year on renewDayOfYear: the current term ends the day before the next renewal.
    let renewal = Date.UTC(year, 0, 1) / DAY + l.renewDayOfYear;
    if (renewal <= today) renewal = Date.UTC(year + 1, 0, 1) / DAY + l.renewDayOfYear;
    return { from: dayString(renewal - 365), to: dayString(renewal - 1) };
  });
}

/** kAssist link statistics for the complete days of the last month. */
export function kassistDaysAt(p: ClientProfile, now: number): SimKassistDay[] {
  const today = localDayNumber(now, p.utcOffsetMin);
  const out: SimKassistDay[] = [];
  for (let d = today - 31; d < today; d++) {
    const day = kassistDay(p, d);
    if (day) out.push(day);
  }
  return out;
}

/** kAssist link statistics of one local day; null without kAssist, before its statistics or without use. */
export function kassistDay(p: ClientProfile, d: number): SimKassistDay | null {
  if (!p.kassistVersion || d < KASSIST_STATS_FROM_DAY) return null;
  let added = 0;
  for (const u of p.users) {
    if (!u.kassistUser) continue;
    const plan = userDayPlan(p, u, d);
    if (plan) added += 3 + (hash32(p.seed, 'ka', u.index, d) % 13);
  }
  if (added === 0) return null;
  const r = new Rng(p.seed, 'kassist', d);
  return {
    day: dayString(d),
    uniqueAdded: Math.round(added * (0.4 + r.next() * 0.4)),
    noMatch: Math.round(added * (0.02 + r.next() * 0.13)),
    added,
    activeVerified: Math.round(added * (0.7 + r.next() * 0.25)),
  };
}

/** Counters since the last restart, for the metrics endpoint. */
export function countersSinceStart(
  p: ClientProfile,
  now: number,
  faults: FaultState,
): { searches: number; empty: number; errors: number; refused: number; serverErrors: number } {
  const started = serverStartedAt(p, now);
  const searches = searchesBetween(p, started, now, faults);
  const refused = refusedBetween(p, started, now, faults).length;
  const hours = (now - started) / 3_600_000;
  const rate = unit(p.seed, 'srverr', localDayNumber(now, p.utcOffsetMin)) < 0.2 ? 1.5 : 0;
  let serverErrors = Math.floor(hours * rate);
  if (faults.db_error)
    serverErrors += Math.floor(((now - Math.max(faults.db_error.since, started)) / 3_600_000) * 5);
  const errors = searches.filter((s) => s.status === 'error').length;
  return {
    searches: searches.length,
    empty: searches.filter((s) => s.status === 'empty').length,
    errors,
    refused,
    serverErrors: serverErrors + errors,
  };
}
