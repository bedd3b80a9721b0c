/**
 * Per-user reads of «Для менеджеров». A thousand installations have ten thousand accounts and four
 * million daily rows a year, so nothing here sums every account's days:
 * - `user_usage_monthly` (per account and local month) answers first: whether an account made DB
 *   requests in a window (`activeInWindows`) and an upper bound of its counters (`rankUsers`);
 * - `user_usage_daily` is read only where the months cannot decide (a window that starts or ends inside
 *   a month with data on both sides of it), by the key (installation, login, day), for those accounts.
 * A month is "whole" for a window when the window covers it up to the installation's newest report day:
 * later days have no rows yet, so a range ending now reads no daily row at all to rank.
 */
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../context.js';
import { addDays } from './for-managers-days.js';
import { chunks } from './series-read.js';

/** The domain and login variables (null: not set). */
export interface UserFilter {
  domains: string[] | null;
  logins: string[] | null;
}

export const userKey = (installationId: number, login: string): string => `${installationId}\u0000${login}`;

const month = (day: string) => day.slice(0, 7);
export const monthFirst = (m: string) => `${m}-01`;
export const monthLast = (m: string) => addDays(`${nextMonth(m)}-01`, -1);
function nextMonth(m: string): string {
  const d = new Date(`${m}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 7);
}

export interface UserInfo {
  installationId: number;
  login: string;
  domain: string;
  registeredAt: number | null;
  blocked: boolean;
  /** The newest report that listed the account. */
  lastSeenAt: number;
}

/** Every account the installations' reports ever listed. */
export async function userList(ctx: AppContext, ids: readonly number[]): Promise<UserInfo[]> {
  const parts = await Promise.all(
    chunks(ids, 500).map((chunk) =>
      ctx.db
        .selectFrom('installation_users')
        .select(['installation_id', 'login', 'domain', 'registered_at', 'blocked', 'last_seen_in_report_at'])
        .where('installation_id', 'in', chunk)
        .execute(),
    ),
  );
  return parts.flat().map((r) => ({
    installationId: Number(r.installation_id),
    login: r.login,
    domain: r.domain,
    registeredAt: r.registered_at === null ? null : Number(r.registered_at),
    blocked: Number(r.blocked) !== 0,
    lastSeenAt: Number(r.last_seen_in_report_at),
  }));
}

export const inFilter = (f: UserFilter, u: { login: string; domain: string }): boolean =>
  (!f.domains || f.domains.includes(u.domain)) && (!f.logins || f.logins.includes(u.login));

/** The user conditions of the variables, on `installation_users` aliased `iu`. */
export function userConditions(f: UserFilter): RawBuilder<unknown> {
  const parts = [];
  if (f.domains) parts.push(sql`iu.domain in (${sql.join(f.domains)})`);
  if (f.logins) parts.push(sql`iu.login in (${sql.join(f.logins)})`);
  return parts.length ? sql` and ${sql.join(parts, sql` and `)}` : sql``;
}

export interface DayWindow {
  lo: string;
  hi: string;
}

/** `(installation, login, …texts)` tuples as a VALUES list (columns column1, column2, …). */
export function valuesOf(rows: readonly (readonly [number, ...string[]])[]): RawBuilder<unknown> {
  return sql`(values ${sql.join(rows.map(([id, ...rest]) => sql`(${sql.lit(id)}, ${sql.join(rest)})`))})`;
}

/**
 * Per account (key) of the installations, whether it made a DB request on a day of each window. The
 * monthly rows decide every account whose activity lies in months the window covers whole (or in none);
 * the others are asked by one keyed look-up each, only for the window's partial months.
 * `newestDay`: each installation's newest report day (no row is later).
 */
export async function activeInWindows(
  ctx: AppContext,
  ids: readonly number[],
  windows: readonly DayWindow[],
  newestDay: ReadonlyMap<number, string>,
): Promise<Map<string, boolean[]>> {
  const out = new Map<string, boolean[]>();
  if (ids.length === 0 || windows.length === 0) return out;
  const lo = windows.map((w) => month(w.lo)).sort()[0]!;
  const hi = windows
    .map((w) => month(w.hi))
    .sort()
    .at(-1)!;
  // Per window three bits (a month strictly inside it; its first month; its last month), packed into one
  // number per account: 10,000 accounts come back as three columns, not two per window more.
  const bits = windows.flatMap((w, i) => {
    const ml = month(w.lo);
    const mh = month(w.hi);
    const at = (k: number) => sql.lit(2 ** (3 * i + k));
    return [
      sql`max(case when month > ${ml} and month < ${mh} then ${at(0)} else 0 end)`,
      sql`max(case when month = ${ml} then ${at(1)} else 0 end)`,
      sql`max(case when month = ${mh} then ${at(2)} else 0 end)`,
    ];
  });
  const parts = await Promise.all(
    chunks(ids, 500).map((chunk) =>
      sql<{ installation_id: number; login: string; f: number }>`
        select installation_id, login, ${sql.join(bits, sql` + `)} as f
        from user_usage_monthly
        where installation_id in (${sql.join(chunk)}) and month >= ${lo} and month <= ${hi} and active_days > 0
        group by installation_id, login`.execute(ctx.db),
    ),
  );
  // Look-ups the months cannot decide: [installation, login, lo, hi, key, window index].
  const ask: [number, string, string, string, string, number][] = [];
  const spans = windows.map((w) => {
    const ml = month(w.lo);
    const mh = month(w.hi);
    return { ...w, ml, mh, fromStart: w.lo <= monthFirst(ml), hiLast: monthLast(mh), loLast: monthLast(ml) };
  });
  for (const r of parts.flatMap((p) => p.rows)) {
    const id = Number(r.installation_id);
    const login = String(r.login);
    const key = userKey(id, login);
    const newest = newestDay.get(id) ?? '';
    const f = Number(r.f);
    const res = windows.map(() => false);
    spans.forEach((w, i) => {
      const mid = (f >> (3 * i)) & 1;
      const l = (f >> (3 * i + 1)) & 1;
      const h = (f >> (3 * i + 2)) & 1;
      // The window covers a month whole from its first day up to its last or the newest report day.
      const toEnd = w.hi >= w.hiLast || w.hi >= newest;
      if (mid) res[i] = true;
      else if (w.ml === w.mh) {
        if (l) {
          if (w.fromStart && toEnd) res[i] = true;
          else ask.push([id, login, w.lo, w.hi, key, i]);
        }
      } else if ((l && w.fromStart) || (h && toEnd)) res[i] = true;
      else {
        if (l) ask.push([id, login, w.lo, w.loLast, key, i]);
        if (h) ask.push([id, login, monthFirst(w.mh), w.hi, key, i]);
      }
    });
    out.set(key, res);
  }
  const found = await Promise.all(
    chunks(ask, 300).map((part) =>
      sql<{ column1: number; column2: string; column3: string; column4: string }>`
        select k.column1, k.column2, k.column3, k.column4
        from ${valuesOf(part.map(([id, login, l, h]) => [id, login, l, h] as const))} k
        where exists (select 1 from user_usage_daily d where d.installation_id = k.column1
          and d.login = k.column2 and d.day >= k.column3 and d.day <= k.column4 and d.db_requests > 0)`.execute(
        ctx.db,
      ),
    ),
  );
  const hit = new Set(
    found.flatMap((f) =>
      f.rows.map((r) => `${userKey(Number(r.column1), r.column2)}|${r.column3}|${r.column4}`),
    ),
  );
  for (const [id, login, l, h, key, i] of ask)
    if (hit.has(`${userKey(id, login)}|${l}|${h}`)) out.get(key)![i] = true;
  return out;
}

/** The last day (≤ `hi`) each of these accounts made a DB request; absent when never. One look-up each. */
export async function lastActiveDays(
  ctx: AppContext,
  users: readonly { installationId: number; login: string }[],
  hi: string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const parts = await Promise.all(
    chunks(users, 300).map((part) =>
      sql<{ column1: number; column2: string; last_day: string | null }>`
        select k.column1, k.column2,
          (select d.day from user_usage_daily d
            where d.installation_id = k.column1 and d.login = k.column2 and d.day <= ${hi} and d.db_requests > 0
            order by d.day desc limit 1) as last_day
        from ${valuesOf(part.map((u) => [u.installationId, u.login] as const))} k`.execute(ctx.db),
    ),
  );
  for (const p of parts)
    for (const r of p.rows)
      if (r.last_day !== null) out.set(userKey(Number(r.column1), r.column2), r.last_day);
  return out;
}

export interface UserMeasure {
  key: string;
  /** What a row adds: an expression over the counter columns both `user_usage_daily` and `…_monthly` have. */
  expr: RawBuilder<unknown>;
  /** The window's first day (it ends on `toDay`). */
  from: string;
}

export interface RankedUser {
  installationId: number;
  login: string;
  value: number;
}

/**
 * Per measure, the `limit` listed accounts with the highest positive sum over the measure's window (ties:
 * login in code-point order, then installation), and how many accounts have a positive monthly bound
 * (those with such activity in the months the window touches: exact for a window of whole months).
 *
 * Exact by bounding, ranked in SQL: the monthly rows give every account an upper bound (the months the
 * window touches, whole); SQL ranks the bounds per measure and returns only the first `cut` of each. Their
 * exact sums are read in the order of their bound (none when the window covers its months whole: the
 * bound is the sum), until the limit-th exact sum is above the next bound; when the returned candidates
 * run out first, the next `cut` (twice as many) are asked for. This is the one place the per-user
 * rankings read.
 */
export async function rankUsers(
  ctx: AppContext,
  ids: readonly number[],
  measures: readonly UserMeasure[],
  toDay: string,
  limit: number,
  filter: UserFilter,
  listed: (installationId: number, login: string) => boolean,
  newestDay: ReadonlyMap<number, string>,
): Promise<Map<string, { users: RankedUser[]; total: number }>> {
  const out = new Map(measures.map((m) => [m.key, { users: [] as RankedUser[], total: 0 }]));
  if (ids.length === 0 || measures.length === 0) return out;
  const lo = month(measures.map((m) => m.from).sort()[0]!);
  const users = filter.domains || filter.logins;
  const order = (a: RankedUser, b: RankedUser) =>
    b.value - a.value ||
    (a.login < b.login ? -1 : a.login > b.login ? 1 : 0) ||
    a.installationId - b.installationId;
  const login = ctx.dbKind === 'postgres' ? sql`login collate "C"` : sql`login`;
  /** The candidates ranked `from` < rank ≤ `to` of each measure, and the positive bounds' counts. */
  const candidates = (from: number, to: number) =>
    sql<Record<string, number | string>>`
      select * from (
        select t.*, ${sql.join(
          measures.map(
            (_x, i) => sql`row_number() over (order by ${sql.ref(`b${i}`)} desc, ${login}, installation_id)
              as ${sql.ref(`r${i}`)},
              sum(case when ${sql.ref(`b${i}`)} > 0 then 1 else 0 end) over () as ${sql.ref(`n${i}`)}`,
          ),
        )}
        from (
          select m.installation_id, m.login, ${sql.join(
            measures.map(
              (x, i) =>
                sql`sum(case when m.month >= ${month(x.from)} then ${x.expr} else 0 end) as ${sql.ref(`b${i}`)}`,
            ),
          )}
          from user_usage_monthly m
          ${users ? sql`join installation_users iu on iu.installation_id = m.installation_id and iu.login = m.login` : sql``}
          where m.installation_id in (${sql.join([...ids])}) and m.month >= ${lo} and m.month <= ${month(toDay)}
            ${users ? userConditions(filter) : sql``}
          group by m.installation_id, m.login
        ) t
      ) x
      where ${sql.join(
        measures.map(
          (_x, i) =>
            sql`(${sql.ref(`r${i}`)} > ${from} and ${sql.ref(`r${i}`)} <= ${to} and ${sql.ref(`b${i}`)} > 0)`,
        ),
        sql` or `,
      )}`.execute(ctx.db);
  const cut = 2 * limit;
  const first = (await candidates(0, cut)).rows;
  for (const [i, x] of measures.entries()) {
    const slot = out.get(x.key)!;
    /** This measure's candidates ranked lo < rank ≤ hi, in rank order. */
    const pick = (list: typeof first, lo: number, hi: number): RankedUser[] =>
      list
        .filter((r) => Number(r[`r${i}`]) > lo && Number(r[`r${i}`]) <= hi && Number(r[`b${i}`]) > 0)
        .sort((a, b) => Number(a[`r${i}`]) - Number(b[`r${i}`]))
        .map((r) => ({
          installationId: Number(r.installation_id),
          login: String(r.login),
          value: Number(r[`b${i}`]),
        }));
    const cands = pick(first, 0, cut);
    slot.total = first.length ? Number(first[0]![`n${i}`]) : 0;
    // The bound is the sum when the window covers its months whole: from a 1st to the last month's end
    // or the installation's newest report day.
    const whole = (c: RankedUser) =>
      x.from === monthFirst(month(x.from)) &&
      (toDay >= monthLast(month(toDay)) || toDay >= (newestDay.get(c.installationId) ?? '9999'));
    let best: RankedUser[] = [];
    let fetched = cut;
    /** The next ranks, when SQL has more than it returned; false when there are none. */
    const more = async () => {
      if (fetched >= slot.total) return false;
      const before = cands.length;
      cands.push(...pick((await candidates(fetched, fetched * 2)).rows, fetched, fetched * 2));
      fetched *= 2;
      return cands.length > before;
    };
    for (let at = 0, size = limit; ; size *= 2) {
      if (at >= cands.length && !(await more())) break;
      // Done when the next candidate's bound already sorts after the limit-th exact sum: no later
      // candidate can beat it (ties go by login, then installation, as SQL ranked them).
      const nth = best[limit - 1];
      if (nth && order(nth, cands[at]!) < 0) break;
      if (cands.length < at + size) await more();
      const next = cands.slice(at, at + size);
      at += next.length;
      const batch = next.filter((c) => listed(c.installationId, c.login));
      const exact = await exactSums(
        ctx,
        batch.filter((c) => !whole(c)),
        x,
        toDay,
      );
      for (const c of batch) {
        const v = whole(c) ? c.value : (exact.get(userKey(c.installationId, c.login)) ?? 0);
        if (v > 0) best.push({ ...c, value: v });
      }
      best = best.sort(order).slice(0, limit);
    }
    slot.users = best;
  }
  return out;
}

/** Exact sums of a measure over its window for some accounts, from their daily rows. */
async function exactSums(
  ctx: AppContext,
  users: readonly RankedUser[],
  x: UserMeasure,
  toDay: string,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const parts = await Promise.all(
    chunks(users, 300).map((part) =>
      sql<{ installation_id: number; login: string; v: number }>`
        select d.installation_id, d.login, sum(${x.expr}) as v
        from ${valuesOf(part.map((u) => [u.installationId, u.login] as const))} k
        join user_usage_daily d on d.installation_id = k.column1 and d.login = k.column2
          and d.day >= ${x.from} and d.day <= ${toDay}
        group by d.installation_id, d.login`.execute(ctx.db),
    ),
  );
  for (const p of parts)
    for (const r of p.rows) out.set(userKey(Number(r.installation_id), r.login), Number(r.v));
  return out;
}
