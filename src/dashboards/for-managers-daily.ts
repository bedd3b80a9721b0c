/**
 * The day panels of «Для менеджеров» drawn by day (ranges under 200 days), from the days of what the
 * rankings kept: the installations' actions and report marks, the accounts' first request of each month
 * (involvement), their request days (the zero-query panels), and the kept users' daily counters. A
 * cumulative point is the value at its day if that day had a report; a per-day point is the day's.
 */
import type { AppContext } from '../context.js';
import type { ForManagersOut, ManagerAligned } from './contract-managers.js';
import {
  addDays,
  atLastReported,
  monthStart,
  monthToDate,
  round1,
  sumReported,
  trailing,
  type DayAxis,
} from './for-managers-days.js';
import { installationDays, type InstallationDays, type InstallationFacts } from './for-managers-installs.js';
import { installationSeries } from './for-managers-samples.js';
import {
  eligibleOn,
  USER_PANELS,
  userSeries,
  zeroSeries,
  type Kept,
  type UserPanel,
} from './for-managers-shared.js';
import { activeDays, firstActiveDays, userDays } from './for-managers-user-days.js';
import { userKey, type UserInfo } from './for-managers-users.js';
import type { InstallationSubject } from './subjects.js';

/** Per bucket, the index of its last reported day, or -1. */
function lastReportedDay(axis: DayAxis, reported: ArrayLike<number> | undefined): number[] {
  return axis.bucketDays.map((idx) => {
    if (!reported) return -1;
    for (let k = idx.length - 1; k >= 0; k -= 1) if (reported[idx[k]!]) return idx[k]!;
    return -1;
  });
}

/** An account made a DB request on one of the `n` days through day index `i`. */
function activeWithin(days: Uint8Array | undefined, i: number, n: number): boolean {
  if (!days) return false;
  for (let k = Math.max(0, i - n + 1); k <= i; k += 1) if (days[k]) return true;
  return false;
}

export async function drawDaily(
  ctx: AppContext,
  axis: DayAxis,
  kept: Kept,
  facts: ReadonlyMap<number, InstallationFacts>,
  usersOf: ReadonlyMap<number, UserInfo[]>,
  byId: ReadonlyMap<number, InstallationSubject>,
): Promise<Partial<ForManagersOut>> {
  const out: Partial<ForManagersOut> = {};
  const { toDay, firstDay } = axis;
  const { activity, involvement, zero30 } = kept;
  const idleAccounts = kept.idle?.accounts ?? [];
  const ranked = kept.users;
  const aligned = (total: number): ManagerAligned => ({
    step: axis.step,
    timestamps: axis.starts,
    series: [],
    total,
  });
  const seatsOf = (id: number) => facts.get(id)?.seats ?? null;
  const monthLo = monthStart(firstDay);
  const drawn = new Set<number>();
  for (const k of [activity, involvement, zero30]) for (const s of k?.kept ?? []) drawn.add(s.id);
  for (const a of idleAccounts) drawn.add(a.s.id);
  for (const r of ranked.values()) for (const u of r.users) drawn.add(u.installationId);
  const idleIds = [...new Set(idleAccounts.map((a) => a.s.id))];
  const keptUsers = [...ranked.values()].flatMap((r) => r.users);
  const [days, firsts, active30, idleDays, perUser] = await Promise.all([
    installationDays(ctx, [...drawn], axis, monthLo),
    firstActiveDays(
      ctx,
      (involvement?.kept ?? []).map((s) => s.id),
      monthLo.slice(0, 7),
      toDay,
    ),
    activeDays(
      ctx,
      (zero30?.kept ?? []).map((s) => s.id),
      axis,
      addDays(firstDay, -29),
    ),
    activeDays(ctx, idleIds, axis, addDays(firstDay, -59), {
      domains: null,
      logins: [...new Set(idleAccounts.map((a) => a.u.login))],
    }),
    userDays(ctx, keptUsers, axis, [monthLo, addDays(firstDay, -29)].sort()[0]!),
  ]);
  const reportedOf = (id: number): InstallationDays['reported'] | undefined => days.get(id)?.reported;

  if (activity) {
    out.activity = {
      ...aligned(activity.total),
      series: activity.kept.map((s) => {
        const d = days.get(s.id);
        const values = d
          ? atLastReported(axis, monthToDate(axis, d.acts), d.reported)
          : axis.starts.map(() => null);
        return installationSeries(s, values);
      }),
    };
  }
  if (involvement) {
    out.involvement = {
      ...aligned(involvement.total),
      series: involvement.kept.map((s) => {
        const seats = seatsOf(s.id)!;
        const us = usersOf.get(s.id) ?? [];
        const values = lastReportedDay(axis, reportedOf(s.id)).map((i) => {
          if (i < 0) return null;
          const day = axis.days[i]!;
          const m = day.slice(0, 7);
          const n = us.filter((u) => {
            const first = firsts.get(u.key)?.get(m);
            return first !== undefined && first <= day;
          }).length;
          return round1(n / (seats / 100));
        });
        return installationSeries(s, values);
      }),
    };
  }
  if (zero30) {
    out.zeroQueries30 = {
      ...aligned(zero30.total * 3),
      series: zero30.kept.flatMap((s) => {
        const f = facts.get(s.id)!;
        const us = usersOf.get(s.id) ?? [];
        const at = lastReportedDay(axis, reportedOf(s.id));
        const users: (number | null)[] = [];
        const idle: (number | null)[] = [];
        const pct: (number | null)[] = [];
        for (const i of at) {
          if (i < 0) {
            users.push(null);
            idle.push(null);
            pct.push(null);
            continue;
          }
          const day = axis.days[i]!;
          const counted = us.filter((u) => eligibleOn(u, day, s.utcOffsetMin, f.reportAt));
          const n = counted.filter((u) => !activeWithin(active30.get(u.key), i, 30)).length;
          users.push(counted.length);
          idle.push(n);
          pct.push(f.seats ? round1(n / (f.seats / 100)) : null);
        }
        return zeroSeries(installationSeries(s, []), s.host, s.id, { pct, idle, users });
      }),
    };
  }
  if (kept.idle) {
    out.zeroQueries60 = {
      ...aligned(kept.idle.total),
      series: idleAccounts.map(({ s, u }) => {
        const f = facts.get(s.id)!;
        const days60 = idleDays.get(u.key);
        const values = lastReportedDay(axis, reportedOf(s.id)).map((i) =>
          i >= 0 && eligibleOn(u, axis.days[i]!, s.utcOffsetMin, f.reportAt) && !activeWithin(days60, i, 60)
            ? 0
            : null,
        );
        return userSeries(s, u.login, values, 'a');
      }),
    };
  }
  for (const [p, r] of ranked) {
    const spec = USER_PANELS[p as UserPanel];
    out[p as UserPanel] = {
      ...aligned(r.total),
      series: r.users.map((ru) => {
        const s = byId.get(ru.installationId)!;
        const v = perUser.get(userKey(ru.installationId, ru.login));
        const d = days.get(ru.installationId);
        if (!v || !d)
          return userSeries(
            s,
            ru.login,
            axis.starts.map(() => null),
            'u',
          );
        const x = v[spec.field];
        let values: (number | null)[];
        if (spec.kind === 'day') {
          // A day is known when a report was produced on it or later reports carried its counters.
          const known = d.reported.map((rep, i) => (rep || d.acts[i]! > 0 ? 1 : 0));
          values = sumReported(axis, x, known);
        } else {
          const acc = spec.kind === 'mtd' ? monthToDate(axis, x) : trailing(x, 30);
          values = atLastReported(axis, acc, d.reported);
        }
        return userSeries(s, ru.login, values, 'u');
      }),
    };
  }
  return out;
}
