/**
 * What thirteen months of hourly sysinfo reports leave in the store for one installation, without
 * generating and parsing 9,500 XML files: the simulator's pure functions of (profile, instant) give
 * the same facts the reports would carry, and the rows are the ones storeSnapshot writes.
 * - at every report, the samples the analytics panels read: `sysinfo_seats`, `sysinfo_licences_in_use`,
 *   the derived `sysinfo_licences_free`, `sysinfo_users`, `sysinfo_users_inactive_60d` (the total and
 *   per AD domain), `sysinfo_operup_file_age_seconds` per file and `sysinfo_user_cards_filled_pct`. The store's other per-report numbers are left out: samples are keyed by
 *   (series_id, ts), so series nobody reads would only make the file bigger;
 * - per-user daily counters (user_usage_daily: a day's last report wins, so one row per user and day);
 * - the search log, empty searches included; the logons refused for lack of seats; kAssist's daily link
 *   statistics;
 * - the latest state: installation_state, users (with last activity), the sessions holding seats,
 *   licences, OperUp files.
 */
import { UNDEFINED_DOMAIN } from '../../../src/ingest/parse/snapshot.js';
import {
  countersOf,
  DAY,
  dayString,
  kassistDay,
  lastActivity,
  licenceTermsAt,
  localDayNumber,
  operupTimesAt,
  REFUSED_REASON,
  searchesOf,
  sessionsAt,
  simulateDay,
  userDayPlan,
  utcOf,
} from '../../../src/sim/kodeks/life.js';
import { hash32, unit } from '../../../src/sim/kodeks/prng.js';
import { makeProfile, type ClientProfile, type SimUser } from '../../../src/sim/kodeks/profile.js';
import type { FleetInstallation } from '../inventory.js';
import type { Scale } from '../scale.js';
import type { SeriesIds } from '../series-ids.js';
import type { Cell, RowSink } from '../sink.js';
import {
  INSTALLATION_CHANNELS,
  INSTALLATION_LICENCES,
  INSTALLATION_OPERUPS,
  INSTALLATION_SESSIONS,
  INSTALLATION_STATE,
  INSTALLATION_USERS,
  KASSIST_LINKS_DAILY,
  REFUSED_LOGONS,
  SAMPLES,
  SEARCH_LOG,
  USER_USAGE_DAILY,
} from '../tables.js';

const HOUR = 3_600_000;
const INACTIVE_MS = 60 * DAY;
const NO_FAULTS = {};
/** Seat counts of the reg-files: small, so that "all seats taken" happens (the headroom panel). */
const SEATS = [3, 5, 5, 8, 10, 10, 15];

export interface Window {
  /** First instant of the history, ms. */
  start: number;
  /** The last report is at or before this instant (the dataset's "now"). */
  end: number;
}

export function profileOf(inst: FleetInstallation, scale: Scale, w: Window): ClientProfile {
  const users = Math.max(2, scale.usersPerInstallation + (hash32(inst.seed, 'users') % 5) - 2);
  return makeProfile({
    seed: inst.seed,
    shortName: inst.host,
    users,
    seats: SEATS[hash32(inst.seed, 'seats') % SEATS.length]!,
    utcOffsetMin: inst.utcOffsetMin,
    searchScale: scale.searchScale,
    // Registrations and dormancy spread around the window rather than a fixed date in the past.
    epochMs: w.end - 2 * 365 * DAY,
  });
}

/** A whole day without reports now and then (agent off, link down): the gaps the panels must show. */
function missingDay(seed: number, day: number): boolean {
  return unit(seed, 'nodata', day) < 0.01;
}

/** Writes one installation's sysinfo history; returns the number of reports it stands for. */
export async function writeSysinfoHistory(
  sink: RowSink,
  series: SeriesIds,
  dealerId: number,
  inst: FleetInstallation,
  scale: Scale,
  w: Window,
): Promise<number> {
  const p = profileOf(inst, scale, w);
  const owner = { kind: 'installation' as const, id: inst.id, dealerId };
  const seatsId = series.create(owner, 'sysinfo_seats', {});
  const inUseId = series.create(owner, 'sysinfo_licences_in_use', {});
  // Derived per report by the store (seats − in use): the headroom panel's history.
  const freeId = series.create(owner, 'sysinfo_licences_free', {});
  // Every report writes it: the analytics panels tell "reported that day" by it.
  const usersId = series.create(owner, 'sysinfo_users', {});
  // Users not seen for 60 days: the total and one series per AD domain (snapshotSamples).
  const inactiveId = series.create(owner, 'sysinfo_users_inactive_60d', {});
  const domains = [...new Set(p.users.map((u) => u.domain || UNDEFINED_DOMAIN))].sort();
  const domainId = new Map(
    domains.map((d) => [d, series.create(owner, 'sysinfo_users_inactive_60d', { domain: d })]),
  );
  // «Для менеджеров»: each OperUp file's age, and how complete the cards of users who logged in are.
  const operupIds = p.operups.map((o) =>
    series.create(owner, 'sysinfo_operup_file_age_seconds', { path: o.path }),
  );
  const cardsId = series.create(owner, 'sysinfo_user_cards_filled_pct', {});
  const cardFull = new Map(
    p.users.map((u) => [
      u,
      [u.fullname, u.phone, u.email, u.position, u.department].every((f) => (f ?? '').trim() !== ''),
    ]),
  );
  await series.write(sink);

  const rows = new Map<number, Cell[][]>();
  const put = (id: number, t: number, v: number) => {
    let list = rows.get(id);
    if (!list) rows.set(id, (list = []));
    list.push([id, t, v]);
  };
  const activity = p.users.map((u) => ({ u, days: activeDays(p, u, w.start - INACTIVE_MS, w.end), i: -1 }));

  // Reports: hourly, at the installation's own minute (its scheduler's phase).
  const phase = (hash32(inst.seed, 'phase') % 55) * 60_000;
  let reports = 0;
  let last = 0;
  for (let t = Math.floor(w.start / HOUR) * HOUR + phase; t <= w.end; t += HOUR) {
    if (t < w.start || missingDay(inst.seed, localDayNumber(t, p.utcOffsetMin))) continue;
    const used = sessionsAt(p, t, NO_FAULTS).length;
    put(seatsId, t, p.seats);
    put(inUseId, t, used);
    put(freeId, t, p.seats - used);
    const operups = operupTimesAt(p, t, NO_FAULTS);
    operups.forEach((m, i) => put(operupIds[i]!, t, Math.max(0, (t - m) / 1000)));
    let listed = 0;
    let inactive = 0;
    let loggedIn = 0;
    let full = 0;
    const byDomain = new Map<string, number>();
    for (const a of activity) {
      if (a.u.registeredAt > t) continue;
      listed += 1;
      const domain = a.u.domain || UNDEFINED_DOMAIN;
      // The latest working day that began by now; inactive when it ended 60 days ago or more
      // (never active: counted from the registration, as the store does).
      while (a.i + 1 < a.days.length && a.days[a.i + 1]![0] <= t) a.i += 1;
      const lastActive = a.i >= 0 ? Math.min(t, a.days[a.i]![1]) : a.u.registeredAt;
      // Logged in at least once (the report's last activity is set): counted by userCardsFilledPct.
      if (a.i >= 0) {
        loggedIn += 1;
        if (cardFull.get(a.u)) full += 1;
      }
      const out = t - lastActive >= INACTIVE_MS ? 1 : 0;
      inactive += out;
      byDomain.set(domain, (byDomain.get(domain) ?? 0) + out);
    }
    put(usersId, t, listed);
    if (loggedIn > 0) put(cardsId, t, (full / loggedIn) * 100);
    put(inactiveId, t, inactive);
    for (const [d, n] of byDomain) put(domainId.get(d)!, t, n);
    reports += 1;
    last = t;
  }
  for (const list of rows.values()) await sink.write(SAMPLES, list);

  await writeDays(sink, inst, p, w, last);
  await writeState(sink, inst, p, last);
  return reports;
}

/** A user's working days in [from, to] as [login, logout] instants, ascending (the plan, as lastActivity reads it). */
function activeDays(p: ClientProfile, u: SimUser, from: number, to: number): [number, number][] {
  const off = p.utcOffsetMin;
  const out: [number, number][] = [];
  for (let d = localDayNumber(from, off); d <= localDayNumber(to, off); d += 1) {
    const plan = userDayPlan(p, u, d);
    if (plan) out.push([utcOf(d, plan.login, off), utcOf(d, plan.logout, off)]);
  }
  return out;
}

/** Usage counters and searches, day by day in the installation's time zone, up to the last report. */
async function writeDays(
  sink: RowSink,
  inst: FleetInstallation,
  p: ClientProfile,
  w: Window,
  last: number,
): Promise<void> {
  const off = p.utcOffsetMin;
  const lastDay = localDayNumber(last, off);
  for (let d = localDayNumber(w.start, off); d <= lastDay; d += 1) {
    // A report carries the month so far, so a day without reports is filled in by the next one.
    const usage: Cell[][] = [];
    const searches: Cell[][] = [];
    const seen = new Set<string>();
    const day = dayString(d);
    const sim = simulateDay(p, d);
    const refused: Cell[][] = [];
    for (const r of sim.refused) {
      const at = utcOf(d, r.minute, off);
      if (at >= w.start && at <= last) refused.push([inst.id, r.user.login, at, REFUSED_REASON]);
    }
    await sink.write(REFUSED_LOGONS, refused);
    const ka = d < lastDay ? kassistDay(p, d) : null;
    if (ka)
      await sink.write(KASSIST_LINKS_DAILY, [
        [inst.id, ka.day, ka.uniqueAdded, ka.noMatch, ka.added, ka.activeVerified],
      ]);
    for (const a of sim.admitted) {
      const loginAt = utcOf(d, a.login, off);
      if (loginAt > last) continue;
      const logoutAt = utcOf(d, a.logout, off);
      const frac = logoutAt <= last ? 1 : (last - loginAt) / (logoutAt - loginAt);
      const c = countersOf(a.plan, frac);
      usage.push([
        inst.id,
        a.user.login,
        day,
        c.dbRequests,
        c.docsCounted,
        c.docsLicensed,
        c.docsFree,
        c.saved,
        c.printed,
        c.services,
        c.kassistRequests,
      ]);
      for (const s of searchesOf(p, a, d)) {
        // The log is keyed (installation, at, login, query): the store drops repeats the same way.
        const key = `${s.at}\u0000${s.login}\u0000${s.query}`;
        if (s.at > last || s.at < w.start || seen.has(key)) continue;
        seen.add(key);
        searches.push([inst.id, s.at, s.login, s.query, s.catalog, s.type, s.source, s.status, s.durationMs]);
      }
    }
    await sink.write(USER_USAGE_DAILY, usage);
    await sink.write(SEARCH_LOG, searches);
  }
}

/** Current-state rows, as the newest report leaves them. */
async function writeState(
  sink: RowSink,
  inst: FleetInstallation,
  p: ClientProfile,
  last: number,
): Promise<void> {
  const off = p.utcOffsetMin;
  const sessions = sessionsAt(p, last, NO_FAULTS);
  await sink.write(INSTALLATION_STATE, [
    [
      inst.id,
      null,
      last,
      p.legalName,
      p.regnum,
      p.seats,
      sessions.length,
      `${p.pkVersion} (x64)`,
      /^\d+(?:\.\d+)+/.exec(p.pkVersion)?.[0] ?? null,
      p.sysinfoVersion,
      'ok',
      null,
      'Ключ SenseLock найден',
      p.hostName,
      utcOf(localDayNumber(last, off) - 1, p.restartMinuteLocal, off),
      last,
    ],
  ]);
  await sink.write(
    INSTALLATION_SESSIONS,
    sessions.map((x) => [
      inst.id,
      x.user.login,
      x.logonAt,
      x.user.ip,
      x.user.browser,
      x.user.domain || UNDEFINED_DOMAIN,
      1,
    ]),
  );
  await sink.write(
    INSTALLATION_USERS,
    p.users
      .filter((u) => u.registeredAt <= last)
      .map((u) => [
        inst.id,
        u.login,
        u.domain || UNDEFINED_DOMAIN,
        u.registeredAt,
        lastActivity(p, u, last),
        u.fullname,
        u.phone,
        u.email,
        u.position,
        u.department,
        0,
        last,
      ]),
  );
  const terms = licenceTermsAt(p, last);
  const endOfLocalDay = (day: string) => Date.parse(`${day}T00:00:00Z`) + DAY - 1 - off * 60_000;
  await sink.write(
    INSTALLATION_LICENCES,
    p.licences.map((l, i) => [
      inst.id,
      l.product,
      l.name,
      l.db,
      Date.parse(`${terms[i]!.from}T00:00:00Z`) - off * 60_000,
      terms[i]!.to,
      endOfLocalDay(terms[i]!.to),
    ]),
  );
  const operups = operupTimesAt(p, last, NO_FAULTS);
  await sink.write(
    INSTALLATION_OPERUPS,
    p.operups.map((o, i) => [inst.id, o.path, operups[i]!, o.sizeBytes]),
  );
  await sink.write(INSTALLATION_CHANNELS, [[inst.id, 'sysinfo', last + 20_000, last + 25_000, last, 0]]);
}
