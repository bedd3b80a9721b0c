/**
 * The day panels of «Для менеджеров» over 200 days and more: a point per month (its 1st, Moscow), from
 * the per-user monthly rollup instead of every daily row of the range. A point is the month's value at
 * its end (the current month so far), null for a month the installation sent no report in:
 * - activity: the month's actions; involvement: accounts with DB requests in the month ÷ (seats ÷ 100);
 * - «Ноль запросов … 30 дней»: the accounts counted at the month's end without DB requests in the month
 *   (the spec's "monthly statistics"); «… 60 дней»: 0 for an account without any in the month and the one
 *   before;
 * - per-user panels: the month's total of the counter (kAssist: of its requests).
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { idIn, tuples } from '../db/dialect.js';
import type { ForManagersOut, ManagerAligned, ManagerSeries } from './contract-managers.js';
import { round1, shiftMonth, type DayAxis } from './for-managers-days.js';
import type { InstallationFacts } from './for-managers-installs.js';
import { installationSeries } from './for-managers-samples.js';
import { eligibleOn, userSeries, zeroSeries, type Kept } from './for-managers-shared.js';
import { monthLast, userKey, type UserInfo } from './for-managers-users.js';
import { chunks } from './series-read.js';
import type { InstallationSubject } from './subjects.js';

type Counter = 'active' | 'db' | 'billingDocs' | 'printed' | 'saved' | 'kassist';

const USER_FIELD: Record<string, Counter> = {
  billingDocs: 'billingDocs',
  dbQueries: 'db',
  prints: 'printed',
  savedDocs: 'saved',
  kassist30: 'kassist',
};

const prevMonth = (m: string) => shiftMonth(m, -1);

export async function drawMonthly(
  ctx: AppContext,
  axis: DayAxis,
  kept: Kept,
  facts: ReadonlyMap<number, InstallationFacts>,
  usersOf: ReadonlyMap<number, UserInfo[]>,
  byId: ReadonlyMap<number, InstallationSubject>,
): Promise<Partial<ForManagersOut>> {
  const out: Partial<ForManagersOut> = {};
  const { months } = axis;
  const first = prevMonth(months[0]!);
  const last = months.at(-1)!;
  // Asked per account and month: worked out once per month.
  const ends = new Map(
    [...months, first].map((m) => [m, monthLast(m) < axis.toDay ? monthLast(m) : axis.toDay]),
  );
  const endOf = (m: string) => ends.get(m) ?? (monthLast(m) < axis.toDay ? monthLast(m) : axis.toDay);
  const drawn = new Set<number>();
  for (const k of [kept.activity, kept.involvement, kept.zero30])
    for (const s of k?.kept ?? []) drawn.add(s.id);
  for (const a of kept.idle?.accounts ?? []) drawn.add(a.s.id);
  for (const r of kept.users.values()) for (const u of r.users) drawn.add(u.installationId);
  // Every account of the installations whose series count accounts; only the drawn ones elsewhere.
  const whole = [
    ...new Set([...(kept.involvement?.kept ?? []), ...(kept.zero30?.kept ?? [])].map((s) => s.id)),
  ];
  const wholeSet = new Set(whole);
  const single = [
    ...new Map(
      [
        ...(kept.idle?.accounts ?? []).map((a) => [a.s.id, a.u.login] as const),
        ...[...kept.users.values()].flatMap((r) => r.users.map((u) => [u.installationId, u.login] as const)),
      ]
        .filter(([id]) => !wholeSet.has(id))
        .map((x) => [userKey(x[0], x[1]), x] as const),
    ).values(),
  ];
  const COLS = sql`installation_id, login, month, active_days as active, db_requests as db,
    docs_counted + services as "billingDocs", printed, saved, kassist_requests as kassist`;
  type Row = Record<Counter, number> & { installation_id: number; login: string; month: string };
  const [acts, ofAll, ofSome, reported] = await Promise.all([
    Promise.all(
      chunks((kept.activity?.kept ?? []).map((s) => s.id)).map((chunk) =>
        sql<{ installation_id: number; month: string; acts: number }>`
          select installation_id, month, sum(searches + docs_counted + services + saved + printed) as acts
          from user_usage_monthly
          where ${idIn(ctx.dbKind, 'installation_id', chunk)} and month >= ${first} and month <= ${last}
          group by installation_id, month`.execute(ctx.db),
      ),
    ),
    Promise.all(
      chunks(whole).map((chunk) =>
        sql<Row>`
          select ${COLS} from user_usage_monthly
          where ${idIn(ctx.dbKind, 'installation_id', chunk)} and month >= ${first} and month <= ${last}`.execute(
          ctx.db,
        ),
      ),
    ),
    Promise.all(
      chunks(single, 1000).map((part) =>
        sql<Row>`
          select ${COLS} from user_usage_monthly m
          join ${tuples(ctx.dbKind, part)} k on m.installation_id = k.column1 and m.login = k.column2
          where m.month >= ${first} and m.month <= ${last}`.execute(ctx.db),
      ),
    ),
    // Months with a report: one look-up per installation and month.
    Promise.all(
      chunks(
        [...drawn].flatMap((id) => months.map((m) => [id, m, `${m}-01`, endOf(m)] as const)),
        1000,
      ).map((part) =>
        sql<{ column1: number; column2: string }>`
          select k.column1, k.column2
          from ${tuples(ctx.dbKind, part)} k
          where exists (select 1 from installation_usage_daily u where u.installation_id = k.column1
            and u.day >= k.column3 and u.day <= k.column4 and u.reported = 1)`.execute(ctx.db),
      ),
    ),
  ]);
  const has = new Set(reported.flatMap((p) => p.rows.map((r) => `${Number(r.column1)}|${r.column2}`)));
  const per = new Map<string, Record<Counter, number>>(); // key|month
  for (const r of [...ofAll, ...ofSome].flatMap((p) => p.rows))
    per.set(`${userKey(Number(r.installation_id), r.login)}|${r.month}`, r);
  const inst = new Map<string, number>(); // installation|month → actions
  for (const r of acts.flatMap((p) => p.rows))
    inst.set(`${Number(r.installation_id)}|${r.month}`, Number(r.acts));
  const value = (key: string, m: string, c: Counter) => Number(per.get(`${key}|${m}`)?.[c] ?? 0);
  const active = (key: string, m: string) => value(key, m, 'active') > 0;
  const points = (id: number, f: (m: string) => number | null) =>
    months.map((m) => (has.has(`${id}|${m}`) ? f(m) : null));
  const aligned = (total: number, list: ManagerSeries[]): ManagerAligned => ({
    step: axis.step,
    timestamps: axis.starts,
    series: list,
    total,
  });

  if (kept.activity)
    out.activity = aligned(
      kept.activity.total,
      kept.activity.kept.map((s) =>
        installationSeries(
          s,
          points(s.id, (m) => inst.get(`${s.id}|${m}`) ?? 0),
        ),
      ),
    );
  if (kept.involvement)
    out.involvement = aligned(
      kept.involvement.total,
      kept.involvement.kept.map((s) => {
        const seats = facts.get(s.id)!.seats!;
        const us = usersOf.get(s.id) ?? [];
        return installationSeries(
          s,
          points(s.id, (m) => round1(us.filter((u) => active(u.key, m)).length / (seats / 100))),
        );
      }),
    );
  if (kept.zero30)
    out.zeroQueries30 = aligned(
      kept.zero30.total * 3,
      kept.zero30.kept.flatMap((s) => {
        const seats = facts.get(s.id)!.seats;
        const us = usersOf.get(s.id) ?? [];
        const reportAt = facts.get(s.id)!.reportAt;
        // The three series of a month share one pass over the installation's accounts.
        const perMonth = new Map<string, { users: number; idle: number }>();
        const countsOf = (m: string) => {
          let c = perMonth.get(m);
          if (!c) {
            c = { users: 0, idle: 0 };
            const end = endOf(m);
            for (const u of us) {
              if (!eligibleOn(u, end, s.utcOffsetMin, reportAt)) continue;
              c.users += 1;
              if (!active(u.key, m)) c.idle += 1;
            }
            perMonth.set(m, c);
          }
          return c;
        };
        return zeroSeries(installationSeries(s, []), s.host, s.id, {
          pct: points(s.id, (m) => (seats ? round1(countsOf(m).idle / (seats / 100)) : null)),
          idle: points(s.id, (m) => countsOf(m).idle),
          users: points(s.id, (m) => countsOf(m).users),
        });
      }),
    );
  if (kept.idle)
    out.zeroQueries60 = aligned(
      kept.idle.total,
      kept.idle.accounts.map(({ s, u }) => {
        const key = u.key;
        return userSeries(
          s,
          u.login,
          points(s.id, (m) =>
            eligibleOn(u, endOf(m), s.utcOffsetMin, facts.get(s.id)!.reportAt) &&
            !active(key, m) &&
            !active(key, prevMonth(m))
              ? 0
              : null,
          ),
          'a',
        );
      }),
    );
  for (const [panel, r] of kept.users) {
    const field = USER_FIELD[panel]!;
    (out as Record<string, ManagerAligned>)[panel] = aligned(
      r.total,
      r.users.map((ru) => {
        const s = byId.get(ru.installationId)!;
        const key = userKey(ru.installationId, ru.login);
        return userSeries(
          s,
          ru.login,
          points(s.id, (m) => value(key, m, field)),
          'u',
        );
      }),
    );
  }
  return out;
}
