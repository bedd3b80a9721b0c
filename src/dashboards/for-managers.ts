/**
 * «Для менеджеров» (spec online-managers §4.7): sixteen panels about every visible installation at once,
 * in one answer (`panels` asks for some). Definitions and decisions are in docs/dashboards.md; in short:
 * - the range defaults to the month so far (Moscow): the table and the monthly series accumulate within
 *   a month, so a range across a month boundary sums two months in the table;
 * - «Активность» = searches + opened documents + services + saved + printed documents; «Вовлеченность»
 *   = users with DB requests ÷ (seats ÷ 100), month to date in the series, over the range in the table;
 * - the ПК counts per-user usage per day, so the "за час" per-user panels draw a bar per day; ranges of
 *   200 days and more draw the day panels a point per month from the monthly rollups;
 * - each time-series panel keeps `limit` series (default 50), ranked first (the worst installations
 *   first, the busiest accounts first) and only those are read in full.
 * Reads: for-managers-installs.ts (installation facts, managers, licences), -users.ts (accounts, their
 * activity in windows, rankings), -user-days.ts, -samples.ts, -refused.ts, -searches.ts; the day panels
 * are ranked in -panels.ts and drawn in -daily.ts / -monthly.ts.
 */
import type { AppContext } from '../context.js';
import type { Actor } from '../tenancy/scope.js';
import { DEFAULT_SERIES_LIMIT } from './contract.js';
import {
  FOR_MANAGERS_PANELS,
  FOR_MANAGERS_ROWS_DEFAULT,
  type ForManagersOut,
  type ForManagersPanel,
  type ForManagersQuery,
} from './contract-managers.js';
import { addDays, DAY, dayAxis, monthStart, monthStartBefore, round1 } from './for-managers-days.js';
import { installationFacts, licenceEnds } from './for-managers-installs.js';
import { refusedPerHour, refusedTable } from './for-managers-refused.js';
import { operupAge, perInstallationSamples } from './for-managers-samples.js';
import { buildDayPanels, userMeasures, type ActiveWindow } from './for-managers-panels.js';
import { emptySearches } from './for-managers-searches.js';
import {
  activeInWindows,
  readAccountMonths,
  userList,
  type DayWindow,
  type UserFilter,
} from './for-managers-users.js';
import { resolveRange } from './range.js';
import { managersOf, visibleInstallations } from './subjects.js';

/** Client names as `localeCompare` orders them, with one collator instead of one per call. */
const byName = new Intl.Collator();

/** Memoised: a read several panels share runs once, and only when one of them is asked for. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => (p ??= fn());
}

export async function forManagers(
  ctx: AppContext,
  actor: Actor,
  q: ForManagersQuery,
  now: number,
): Promise<ForManagersOut> {
  const to = q.to ?? now;
  const range = resolveRange({ from: q.from ?? monthStartBefore(to), to }, now, 0);
  const want = new Set<ForManagersPanel>(q.panels && q.panels.length ? q.panels : FOR_MANAGERS_PANELS);
  const limit = q.limit ?? DEFAULT_SERIES_LIMIT;
  const rows = q.rows ?? FOR_MANAGERS_ROWS_DEFAULT;
  const filter: UserFilter = {
    domains: q.domain && q.domain.length ? [...new Set(q.domain)] : null,
    logins: q.login && q.login.length ? [...new Set(q.login)] : null,
  };
  const subjects = await visibleInstallations(ctx, actor, q);
  const ids = subjects.map((s) => s.id);
  const axis = dayAxis(range, 59);

  const facts = once(() => installationFacts(ctx, subjects, range, axis, now));
  const users = once(() => userList(ctx, ids));
  const managers = once(() => managersOf(ctx, subjects));
  // The windows the rankings and the table ask "did the account make DB requests in it?" about.
  const windows: Record<ActiveWindow, DayWindow> = {
    range: { lo: axis.fromDay, hi: axis.toDay },
    mtd: { lo: monthStart(axis.toDay), hi: axis.toDay },
    d30: { lo: addDays(axis.toDay, -29), hi: axis.toDay },
    d60: { lo: addDays(axis.toDay, -59), hi: axis.toDay },
  };
  // On a monthly axis the table counts whole months, in SQL (installationFacts), not per account.
  const asked = (Object.keys(windows) as ActiveWindow[]).filter(
    (w) =>
      !(w === 'range' && axis.monthly) &&
      want.has(
        ({ range: 'clients', mtd: 'involvement', d30: 'zeroQueries30', d60: 'zeroQueries60' } as const)[w],
      ),
  );
  const dayPanels = (['activity', 'involvement', 'zeroQueries30', 'zeroQueries60'] as const).filter((p) =>
    want.has(p),
  );
  const userPanels = (['billingDocs', 'dbQueries', 'prints', 'savedDocs', 'kassist30'] as const).filter((p) =>
    want.has(p),
  );
  // Month to date the range is the month so far: a window asked twice is read once.
  const distinct = [...new Map(asked.map((w) => [`${windows[w].lo}|${windows[w].hi}`, windows[w]])).values()];
  // Asked per account and window, so looked up once per window.
  const slots = new Map(
    (Object.keys(windows) as ActiveWindow[]).map((w) => [
      w,
      distinct.findIndex((d) => d.lo === windows[w].lo && d.hi === windows[w].hi),
    ]),
  );
  const slotOf = (w: ActiveWindow) => slots.get(w)!;
  // The windows' bits and the per-user rankings' bounds come from one read of the monthly rows.
  const accountMonths = once(() =>
    readAccountMonths(ctx, ids, distinct, userMeasures(userPanels, axis.toDay), axis.toDay, now),
  );
  const active = once(async () => {
    const m = await activeInWindows(ctx, await accountMonths(), distinct);
    return (w: ActiveWindow, key: string) => m.get(key)?.[slotOf(w)] ?? false;
  });
  const out: ForManagersOut = { from: range.from, to: range.to };
  const tasks: Promise<void>[] = [];
  const run = (panel: ForManagersPanel, fn: () => Promise<void>) => {
    if (want.has(panel)) tasks.push(fn());
  };

  run('clients', async () => {
    const [f, ends, names] = await Promise.all([facts(), licenceEnds(ctx, ids), managers()]);
    let withRequests: Map<number, number>;
    if (axis.monthly) {
      withRequests = new Map([...f].map(([id, x]) => [id, x.usersInMonths ?? 0]));
    } else {
      const [u, isActive] = await Promise.all([users(), active()]);
      withRequests = new Map<number, number>();
      for (const x of u)
        if (isActive('range', x.key))
          withRequests.set(x.installationId, (withRequests.get(x.installationId) ?? 0) + 1);
    }
    out.clients = subjects
      .map((s) => {
        const x = f.get(s.id);
        const known = x?.reportedInRange ?? false;
        const seats = x?.seats ?? null;
        const requests = known ? (withRequests.get(s.id) ?? 0) : null;
        const endsAt = ends.get(s.id) ?? null;
        return {
          installationId: s.id,
          clientId: s.clientId,
          client: s.client,
          host: s.host,
          regnum: x?.regnum ?? null,
          managers: names.get(s.id) ?? [],
          licenceEndsAt: endsAt,
          licenceDaysLeft: endsAt === null ? null : round1((endsAt - now) / DAY),
          involvementPct: requests !== null && seats ? round1(requests / (seats / 100)) : null,
          usersWithRequests: requests,
          activity: known ? x!.rangeActivity : null,
          seats,
          reportAt: x?.reportAt ?? null,
        };
      })
      .sort(
        (a, b) =>
          (a.licenceEndsAt ?? Infinity) - (b.licenceEndsAt ?? Infinity) ||
          byName.compare(a.client, b.client) ||
          a.installationId - b.installationId,
      );
  });

  run('emptySearches', async () => {
    out.emptySearches = await emptySearches(ctx, subjects, range, rows, filter, managers);
  });

  run('operupAge', async () => {
    out.operupAge = await operupAge(ctx, subjects, range, limit, now);
  });
  run('maxLicences', async () => {
    out.maxLicences = await perInstallationSamples(ctx, subjects, range, limit, 'maxLicences', now);
  });
  run('cardsFilled', async () => {
    out.cardsFilled = await perInstallationSamples(ctx, subjects, range, limit, 'cardsFilled', now);
  });
  run('refusedTable', async () => {
    out.refusedTable = await refusedTable(ctx, subjects, range, rows, filter, now);
  });
  run('refusedPerHour', async () => {
    out.refusedPerHour = await refusedPerHour(ctx, subjects, range, limit, now);
  });

  if (dayPanels.length || userPanels.length)
    tasks.push(
      buildDayPanels(
        { ctx, subjects, axis, limit, filter, facts, users, accountMonths, active },
        dayPanels,
        userPanels,
      ).then((r) => {
        Object.assign(out, r);
      }),
    );

  await Promise.all(tasks);
  return out;
}
