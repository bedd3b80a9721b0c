/**
 * The day panels of «Для менеджеров»: activity and involvement (one series per installation, month to
 * date), «Ноль запросов к БД за 30 дней статистика» (three series per installation), «… за 60 дней» (a
 * line at 0 per account) and the per-user panels (billingDocs, Print statistic, «Запросы к БД», «Сохранено
 * документов», kAssist). This module ranks: one value per installation or account at the end of the range
 * (the worst installations first, the busiest accounts first), `limit` kept; for-managers-daily.ts and
 * for-managers-monthly.ts then read and draw only what is kept.
 */
import type { AppContext } from '../context.js';
import type { ForManagersOut, ManagerAligned } from './contract-managers.js';
import { addDays, monthStart, type DayAxis } from './for-managers-days.js';
import { drawDaily } from './for-managers-daily.js';
import type { InstallationFacts } from './for-managers-installs.js';
import { drawMonthly } from './for-managers-monthly.js';
import {
  cmp,
  eligibleOn,
  USER_PANELS,
  type DayPanel,
  type Kept,
  type UserPanel,
} from './for-managers-shared.js';
import {
  inFilter,
  lastActiveDays,
  rankUsers,
  type AccountMonths,
  type UserMeasure,
  userKey,
  type UserFilter,
  type UserInfo,
} from './for-managers-users.js';
import { rank } from './series-read.js';
import type { InstallationSubject } from './subjects.js';

export type { DayPanel, UserPanel } from './for-managers-shared.js';

const emptyAligned = (axis: DayAxis): ManagerAligned => ({
  step: axis.step,
  timestamps: axis.starts,
  series: [],
  total: 0,
});

export interface DayPanelInput {
  ctx: AppContext;
  subjects: readonly InstallationSubject[];
  axis: DayAxis;
  limit: number;
  filter: UserFilter;
  facts: () => Promise<Map<number, InstallationFacts>>;
  users: () => Promise<UserInfo[]>;
  /** The accounts' monthly rows (readAccountMonths with the windows and userMeasures of the panels). */
  accountMonths: () => Promise<AccountMonths[]>;
  /** Whether an account made DB requests in a window ending on the range's last day. */
  active: () => Promise<(window: ActiveWindow, key: string) => boolean>;
}

/** The windows the rankings ask about: the month to date, the 30 and the 60 days through the last day. */
export type ActiveWindow = 'range' | 'mtd' | 'd30' | 'd60';

/** What the per-user panels rank by, over which days (the window ends on `toDay`). */
export function userMeasures(userPanels: readonly UserPanel[], toDay: string): UserMeasure[] {
  const monthOfTo = monthStart(toDay);
  return userPanels.map((p) => ({
    key: p,
    expr: USER_PANELS[p].expr,
    // kAssist: this month and the last (the months its 30 days touch), the others this month so far.
    from: USER_PANELS[p].kind === 'trailing30' ? monthStart(addDays(monthOfTo, -1)) : monthOfTo,
  }));
}

export async function buildDayPanels(
  input: DayPanelInput,
  panels: readonly DayPanel[],
  userPanels: readonly UserPanel[],
): Promise<Partial<ForManagersOut>> {
  const { ctx, subjects, axis, limit, filter } = input;
  const out: Partial<ForManagersOut> = {};
  for (const p of [...panels, ...userPanels]) out[p] = emptyAligned(axis);
  if (subjects.length === 0) return out;
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const want = new Set<string>([...panels, ...userPanels]);
  const needUsers = panels.some((p) => p !== 'activity') || userPanels.length > 0;
  const [facts, allUsers, active] = await Promise.all([
    input.facts(),
    needUsers ? input.users() : [],
    needUsers ? input.active() : () => false,
  ]);
  const reporting = subjects.filter((s) => facts.get(s.id)?.reportedInRange);
  const usersOf = new Map<number, UserInfo[]>();
  for (const u of allUsers) {
    const list = usersOf.get(u.installationId);
    if (list) list.push(u);
    else usersOf.set(u.installationId, [u]);
  }
  const listed = new Map(allUsers.map((u) => [u.key, u]));
  const { toDay } = axis;
  const newestDay = new Map([...facts].map(([id, f]) => [id, f.newestDay ?? '']));

  // ---- rankings
  const keepInstallations = (values: [InstallationSubject, number][], asc: boolean, n: number) => {
    const entries = values.map(([s, value]) => ({ id: s.id, label: s.host, value, s }));
    rank(entries, asc ? (a, b) => a - b : (a, b) => b - a);
    return { kept: entries.slice(0, n).map((e) => e.s), total: entries.length };
  };
  const seatsOf = (id: number) => facts.get(id)?.seats ?? null;
  const activity = want.has('activity')
    ? keepInstallations(
        reporting.map((s) => [s, facts.get(s.id)!.monthActivity]),
        true,
        limit,
      )
    : null;
  const involvement = want.has('involvement')
    ? keepInstallations(
        reporting
          .filter((s) => seatsOf(s.id))
          .map((s) => {
            const n = (usersOf.get(s.id) ?? []).filter((u) => active('mtd', u.key)).length;
            return [s, n / (seatsOf(s.id)! / 100)];
          }),
        true,
        limit,
      )
    : null;
  const zero30 = want.has('zeroQueries30')
    ? keepInstallations(
        reporting.map((s) => {
          const f = facts.get(s.id)!;
          const idle = (usersOf.get(s.id) ?? []).filter(
            (u) => eligibleOn(u, toDay, s.utcOffsetMin, f.reportAt) && !active('d30', u.key),
          ).length;
          return [s, f.seats ? idle / (f.seats / 100) : -1];
        }),
        false,
        Math.ceil(limit / 3),
      )
    : null;
  // The idle accounts (their last request) and the per-user rankings read independently: side by side.
  const idleRanking = async () => {
    if (!want.has('zeroQueries60')) return { accounts: [], total: 0 };
    const candidates = reporting.flatMap((s) =>
      (usersOf.get(s.id) ?? [])
        .filter(
          (u) =>
            inFilter(filter, u) &&
            eligibleOn(u, toDay, s.utcOffsetMin, facts.get(s.id)!.reportAt) &&
            !active('d60', u.key),
        )
        .map((u) => ({ s, u })),
    );
    const last = await lastActiveDays(
      ctx,
      candidates.map((c) => ({ installationId: c.s.id, login: c.u.login })),
      toDay,
    );
    const lastOf = (c: { s: InstallationSubject; u: UserInfo }) => last.get(c.u.key) ?? '';
    // The longest idle first (never active before anyone), then login and installation.
    candidates.sort((a, b) => cmp(lastOf(a), lastOf(b)) || cmp(a.u.login, b.u.login) || a.s.id - b.s.id);
    return { accounts: candidates.slice(0, limit), total: candidates.length };
  };
  const measures = userMeasures(userPanels, toDay);
  const [idle, ranked] = await Promise.all([
    idleRanking(),
    (async () =>
      rankUsers(
        ctx,
        reporting.map((s) => s.id),
        measures.length ? await input.accountMonths() : [],
        measures,
        toDay,
        limit,
        filter,
        (id, login) => {
          const u = listed.get(userKey(id, login));
          return u !== undefined && inFilter(filter, u);
        },
        newestDay,
      ))(),
  ]);

  const keptAll: Kept = {
    activity,
    involvement,
    zero30,
    idle: want.has('zeroQueries60') ? idle : null,
    users: ranked,
  };
  if (axis.monthly) return { ...out, ...(await drawMonthly(ctx, axis, keptAll, facts, usersOf, byId)) };

  return { ...out, ...(await drawDaily(ctx, axis, keptAll, facts, usersOf, byId)) };
}
