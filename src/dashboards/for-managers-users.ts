/**
 * Per-user reads of «Для менеджеров». A thousand installations have ten thousand accounts and four
 * million daily rows a year, so nothing here sums every account's days:
 * - `user_usage_monthly` (per account and local month) answers first: whether an account made DB
 *   requests in a window (`activeInWindows`, by the month's first and last active day) and an upper
 *   bound of its counters (`rankUsers`);
 * - `user_usage_daily` is read only where the months cannot decide, by the key (installation, login,
 *   day), for those accounts: a window strictly inside a month between its first and last active day;
 *   a ranking's window that starts or ends inside a month with data on both sides of it. A month is
 *   "whole" for a ranking when its window covers it up to the installation's newest report day: later
 *   days have no rows yet, so a range ending now reads no daily row at all to rank.
 */
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../context.js';
import { addDays, monthsPeriod, shiftMonth } from './for-managers-days.js';
import { idIn, stringAgg, tuples } from '../db/dialect.js';
import { periodFigures } from './period-cache.js';
import { headsInOrder } from './rank.js';
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
const nextMonth = (m: string) => shiftMonth(m, 1);

export interface UserInfo {
  installationId: number;
  login: string;
  /** userKey(installationId, login), made once: the panels look accounts up by it tens of thousands of times. */
  key: string;
  domain: string;
  registeredAt: number | null;
  blocked: boolean;
  /** The newest report that listed the account. */
  lastSeenAt: number;
}

/**
 * Every account the installations' reports ever listed. Ten thousand accounts come back as one JSON array
 * per installation (parsed natively here): a row per account would cost more to hand over than to read.
 */
export async function userList(ctx: AppContext, ids: readonly number[]): Promise<UserInfo[]> {
  const row = sql`${sql.raw(ctx.dbKind === 'sqlite' ? 'json_array' : 'json_build_array')}(login, domain,
    registered_at, blocked, last_seen_in_report_at)`;
  const list =
    ctx.dbKind === 'sqlite' ? sql<string>`json_group_array(${row})` : sql<string>`json_agg(${row})::text`;
  const parts = await Promise.all(
    chunks(ids, 500).map((chunk) =>
      sql<{ installation_id: number; a: string }>`
        select installation_id, ${list} as a from installation_users
        where ${idIn(ctx.dbKind, 'installation_id', chunk)}
        group by installation_id`.execute(ctx.db),
    ),
  );
  const out: UserInfo[] = [];
  for (const r of parts.flatMap((p) => p.rows)) {
    const installationId = Number(r.installation_id);
    for (const [login, domain, registeredAt, blocked, lastSeenAt] of JSON.parse(r.a) as PackedUser[])
      out.push({
        installationId,
        login,
        key: userKey(installationId, login),
        domain,
        registeredAt: registeredAt === null ? null : Number(registeredAt),
        blocked: Number(blocked) !== 0,
        lastSeenAt: Number(lastSeenAt),
      });
  }
  return out;
}

/** One account as packed above: login, domain, registered_at, blocked, last_seen_in_report_at. */
type PackedUser = [string, string, number | string | null, number | string, number | string];

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

/** An account's monthly rows over the months the windows and the measures touch, summed up. */
export interface AccountMonths {
  installationId: number;
  login: string;
  /** Bit i: a DB request on a day of window i, as the months' first and last active days tell. */
  f: number;
  /**
   * Days of a window the months cannot decide ([window index, first day, last day]): the month's first
   * active day is before them and its last after them. Null when there are none.
   */
  unsure: [number, string, string][] | null;
  /** Per measure, the sum over the months its window touches (an upper bound of the exact sum). */
  b: number[];
}

const FIELD = '\u001f';
const RECORD = '\u001e';

/** An account's figures summed over months, before its undecided windows are listed. */
interface AccountSums {
  installationId: number;
  login: string;
  f: number;
  /** Bit i: window i cannot be decided by the months. */
  u: number;
  b: number[];
}

/**
 * One read of the accounts' monthly rows for both `activeInWindows` (the windows' bits) and `rankUsers`
 * (the measures' bounds): they read the same accounts over the same few months, about 30,000 rows for a
 * thousand installations. The month of `toDay` is read per request; the months before it are kept per
 * database (period-cache.ts, like the table's closed months: late reports reach them for a week, so
 * they are re-read every 10 minutes until then), and the windows and bounds are worked out from them
 * here. Accounts with neither a bit, an undecided window nor a positive bound are left out.
 *
 * A month's requests lie between its first and last active day F and L, so a window [lo, hi] has one
 * in that month when F or L is in it, none when L < lo or F > hi, and cannot be told when F < lo and
 * L > hi: the window lies strictly inside the month, between the two.
 */
export async function readAccountMonths(
  ctx: AppContext,
  ids: readonly number[],
  windows: readonly DayWindow[],
  measures: readonly UserMeasure[],
  toDay: string,
  now: number,
): Promise<AccountMonths[]> {
  if (ids.length === 0 || (windows.length === 0 && measures.length === 0)) return [];
  const last = month(toDay);
  const first = [...windows.map((w) => month(w.lo)), ...measures.map((m) => month(m.from)), last].sort()[0]!;
  const closed: string[] = [];
  for (let m = first; m < last; m = nextMonth(m)) closed.push(m);
  const [current, kept] = await Promise.all([
    currentMonthSums(ctx, ids, windows, measures, last),
    Promise.all(closed.map((m) => keptMonth(ctx, ids, m, measures, now))),
  ]);
  const toMonths = withUnsure(windows);
  if (closed.length === 0) return current.map(toMonths);
  // Merged per installation and login: no key string for each of the kept months' rows.
  const acc = new Map<number, Map<string, AccountSums>>();
  for (const x of current) {
    let logins = acc.get(x.installationId);
    if (!logins) acc.set(x.installationId, (logins = new Map()));
    logins.set(x.login, x);
  }
  closed.forEach((m, i) => addKeptMonth(acc, kept[i]!, m, windows, measures));
  const out: AccountMonths[] = [];
  for (const logins of acc.values()) for (const x of logins.values()) out.push(toMonths(x));
  return out;
}

const withUnsure =
  (windows: readonly DayWindow[]) =>
  (a: AccountSums): AccountMonths => ({
    installationId: a.installationId,
    login: a.login,
    f: a.f,
    unsure:
      a.u === 0
        ? null
        : windows.flatMap((w, i) => (a.u & (1 << i) ? [[i, w.lo, w.hi] as [number, string, string]] : [])),
    b: a.b,
  });

/**
 * The month of `toDay` (`m`), summed per account in SQL and handed over as one string per installation
 * (a row per account would cost more to hand over than to read).
 */
async function currentMonthSums(
  ctx: AppContext,
  ids: readonly number[],
  windows: readonly DayWindow[],
  measures: readonly UserMeasure[],
  m: string,
): Promise<AccountSums[]> {
  const bits = (cond: (w: DayWindow) => RawBuilder<unknown>, only: (w: DayWindow) => boolean) => {
    const terms = windows.flatMap((w, i) =>
      only(w) ? [sql`max(case when ${cond(w)} then ${sql.lit(1 << i)} else 0 end)`] : [],
    );
    return terms.length ? sql.join(terms, sql` + `) : sql`0`;
  };
  const f = bits(
    (w) => sql`(first_active_day >= ${w.lo} and first_active_day <= ${w.hi})
      or (last_active_day >= ${w.lo} and last_active_day <= ${w.hi})`,
    (w) => w.hi >= monthFirst(m),
  );
  // Only a window inside the month can lie strictly between its first and last active day.
  const unsure = bits(
    (w) => sql`first_active_day < ${w.lo} and last_active_day > ${w.hi}`,
    (w) => month(w.lo) === m && month(w.hi) === m,
  );
  const bounds = measures.map((x, i) => sql`sum(${x.expr}) as ${sql.ref(`b${i}`)}`);
  const sep = sql.lit(FIELD);
  // f, unsure, one bound per measure, and the login last (whatever it holds).
  const entry = sql<string>`cast(f as text) || ${sep} || cast(u as text) || ${sep} || ${sql.join(
    measures.map((_, i) => sql`cast(${sql.ref(`b${i}`)} as text) || ${sep} || `),
    sql``,
  )}login`;
  const kept = sql.join(
    [sql`f > 0`, sql`u > 0`, ...measures.map((_, i) => sql`${sql.ref(`b${i}`)} > 0`)],
    sql` or `,
  );
  const parts = await Promise.all(
    chunks(ids, 500).map((chunk) =>
      sql<{ installation_id: number; a: string }>`
        select installation_id, ${stringAgg(ctx.dbKind, entry, RECORD)} as a
        from (
          select installation_id, login, ${f} as f, ${unsure} as u${sql.join(
            bounds.map((b) => sql`, ${b}`),
            sql``,
          )}
          from user_usage_monthly
          where ${idIn(ctx.dbKind, 'installation_id', chunk)} and month = ${m}
          group by installation_id, login
        ) x
        where ${kept}
        group by installation_id`.execute(ctx.db),
    ),
  );
  const out: AccountSums[] = [];
  const n = measures.length;
  for (const r of parts.flatMap((p) => p.rows)) {
    const installationId = Number(r.installation_id);
    // Walked in place, not split: ten thousand records would be a hundred thousand strings.
    const text = String(r.a);
    for (let at = 0; at < text.length;) {
      let end = text.indexOf(RECORD, at);
      if (end < 0) end = text.length;
      const record = fieldsOf(text, at, end, 2 + n);
      at = end + 1;
      if (!record) continue;
      const b = new Array<number>(n);
      for (let i = 0; i < n; i += 1) b[i] = numberAt(text, record[2 + i]!, record[3 + i]! - 1);
      out.push({
        installationId,
        // The login is the rest of the record, whatever it holds.
        login: text.slice(record[2 + n]!, end),
        f: numberAt(text, record[0]!, record[1]! - 1),
        u: numberAt(text, record[1]!, record[2]! - 1),
        b,
      });
    }
  }
  return out;
}

/** An account's row of a closed month as kept: its first and last active day, and the measures' sums. */
interface KeptAccountMonth {
  login: string;
  first: string | null;
  last: string | null;
  sums: number[];
}

/** A closed month's rows as kept, and the measures whose sums they hold. */
interface KeptMonth {
  rows: Map<number, KeptAccountMonth[]>;
  reaching: readonly UserMeasure[];
}

/**
 * A month before the month of `toDay`, from the rows kept per database: read once per slot, with the
 * sums of the measures whose window reaches back to it.
 */
async function keptMonth(
  ctx: AppContext,
  ids: readonly number[],
  m: string,
  measures: readonly UserMeasure[],
  now: number,
): Promise<KeptMonth> {
  const reaching = measures.filter((x) => month(x.from) <= m);
  const rows = await periodFigures(
    ctx.db,
    `account-months|${reaching.map((x) => x.key).join(',')}`,
    monthsPeriod(m, m),
    ids,
    now,
    async (missing) => {
      const sums = reaching.map((x, i) => sql`${x.expr} as ${sql.ref(`s${i}`)}`);
      const parts = await Promise.all(
        chunks(missing, 500).map((chunk) =>
          sql<
            Record<string, unknown> & {
              installation_id: number;
              login: string;
              f: string | null;
              l: string | null;
            }
          >`
            select installation_id, login, first_active_day as f, last_active_day as l${sql.join(
              sums.map((x) => sql`, ${x}`),
              sql``,
            )}
            from user_usage_monthly
            where ${idIn(ctx.dbKind, 'installation_id', chunk)} and month = ${m}`.execute(ctx.db),
        ),
      );
      const out = new Map<number, KeptAccountMonth[]>();
      for (const r of parts.flatMap((p) => p.rows)) {
        const row: KeptAccountMonth = {
          login: r.login,
          first: r.f,
          last: r.l,
          sums: reaching.map((_, i) => Number(r[`s${i}`] ?? 0)),
        };
        // Only rows that can answer something: a request in the month, or something to sum.
        if (row.first === null && !row.sums.some((v) => v > 0)) continue;
        const id = Number(r.installation_id);
        const list = out.get(id);
        if (list) list.push(row);
        else out.set(id, [row]);
      }
      return out;
    },
  );
  return { rows, reaching };
}

/** Adds a kept month `m` to the accounts' sums: the windows' bits and undecided spans, and the bounds. */
function addKeptMonth(
  acc: Map<number, Map<string, AccountSums>>,
  kept: KeptMonth,
  m: string,
  windows: readonly DayWindow[],
  measures: readonly UserMeasure[],
): void {
  const lo = monthFirst(m);
  const hi = monthLast(m);
  const touching = windows.map((w) => w.lo <= hi && w.hi >= lo);
  const inside = windows.map((w) => month(w.lo) === m && month(w.hi) === m);
  // Where each measure's sum sits in the kept row (-1: its window starts after this month).
  const at = measures.map((x) => kept.reaching.indexOf(x));
  for (const [installationId, list] of kept.rows) {
    let logins = acc.get(installationId);
    for (const r of list) {
      let f = 0;
      let u = 0;
      if (r.first !== null && r.last !== null)
        for (let i = 0; i < windows.length; i += 1) {
          if (!touching[i]) continue;
          const w = windows[i]!;
          if ((r.first >= w.lo && r.first <= w.hi) || (r.last >= w.lo && r.last <= w.hi)) f |= 1 << i;
          else if (inside[i] && r.first < w.lo && r.last > w.hi) u |= 1 << i;
        }
      if (f === 0 && u === 0 && !at.some((j) => j >= 0 && r.sums[j]! > 0)) continue;
      if (!logins) acc.set(installationId, (logins = new Map()));
      let e = logins.get(r.login);
      if (!e) {
        e = { installationId, login: r.login, f: 0, u: 0, b: measures.map(() => 0) };
        logins.set(r.login, e);
      }
      e.f |= f;
      e.u |= u;
      for (let i = 0; i < at.length; i += 1) if (at[i]! >= 0) e.b[i]! += r.sums[at[i]!]!;
    }
  }
}

/**
 * Where the first `count` fields of the record text[from, end) start, and where the rest starts (the
 * last entry), or null when it has fewer fields.
 */
function fieldsOf(text: string, from: number, end: number, count: number): number[] | null {
  const starts = [from];
  for (let at = from; starts.length <= count;) {
    const sep = text.indexOf(FIELD, at);
    if (sep < 0 || sep >= end) return null;
    starts.push(sep + 1);
    at = sep + 1;
  }
  return starts;
}

/** The number text[from, to) holds (0 when empty, as Number() reads it): digits in place, anything else through Number(). */
function numberAt(text: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i += 1) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number(text.slice(from, to));
    v = v * 10 + c;
  }
  return v;
}

/**
 * Per account (key), whether it made a DB request on a day of each window. The monthly rows (`rows`, read
 * by readAccountMonths with the same windows) decide almost every account by the months' first and last
 * active days; the spans they leave undecided (a window strictly inside a month, between those two days)
 * are asked by one keyed look-up each.
 */
export async function activeInWindows(
  ctx: AppContext,
  rows: readonly AccountMonths[],
  windows: readonly DayWindow[],
): Promise<Map<string, boolean[]>> {
  const out = new Map<string, boolean[]>();
  if (windows.length === 0) return out;
  // Look-ups the months cannot decide: [installation, login, lo, hi, key, window index].
  const ask: [number, string, string, string, string, number][] = [];
  for (const r of rows) {
    if (r.f === 0 && !r.unsure) continue;
    const key = userKey(r.installationId, r.login);
    const res = windows.map((_, i) => ((r.f >> i) & 1) === 1);
    for (const [i, lo, hi] of r.unsure ?? [])
      if (!res[i]) ask.push([r.installationId, r.login, lo, hi, key, i]);
    out.set(key, res);
  }
  if (ask.length === 0) return out;
  const found = await Promise.all(
    chunks(ask, 300).map((part) =>
      sql<{ column1: number; column2: string; column3: string; column4: string }>`
        select k.column1, k.column2, k.column3, k.column4
        from ${tuples(
          ctx.dbKind,
          part.map(([id, login, l, h]) => [id, login, l, h] as const),
        )} k
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

/**
 * The last day (≤ `hi`) each of these accounts made a DB request; absent when never. From the monthly
 * rows (a month's last active day, when it is ≤ `hi`): a few index entries per account, where the daily
 * rows would be walked back over every idle day. Only an account with a month that has requests on both
 * sides of `hi` (first active day ≤ hi < last) is looked up in its daily rows, in that month.
 */
export async function lastActiveDays(
  ctx: AppContext,
  users: readonly { installationId: number; login: string }[],
  hi: string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const hiMonth = month(hi);
  const parts = await Promise.all(
    chunks(users, 300).map((part) =>
      sql<{ column1: number; column2: string; last_day: string | null; straddles: number | null }>`
        select k.column1, k.column2,
          max(case when m.last_active_day <= ${hi} then m.last_active_day end) as last_day,
          max(case when m.first_active_day <= ${hi} and m.last_active_day > ${hi} then 1 else 0 end) as straddles
        from ${tuples(
          ctx.dbKind,
          part.map((u) => [u.installationId, u.login] as const),
        )} k
        left join user_usage_monthly m on m.installation_id = k.column1 and m.login = k.column2
          and m.month <= ${hiMonth}
        group by k.column1, k.column2`.execute(ctx.db),
    ),
  );
  // Accounts whose month of `hi` has requests after it: their last day ≤ hi may lie in that month.
  const split: { installationId: number; login: string }[] = [];
  for (const p of parts)
    for (const r of p.rows) {
      if (r.last_day !== null) out.set(userKey(Number(r.column1), r.column2), r.last_day);
      if (Number(r.straddles) > 0) split.push({ installationId: Number(r.column1), login: r.column2 });
    }
  const inMonth = await Promise.all(
    chunks(split, 300).map((part) =>
      sql<{ column1: number; column2: string; last_day: string | null }>`
        select k.column1, k.column2,
          (select d.day from user_usage_daily d
            where d.installation_id = k.column1 and d.login = k.column2 and d.day >= ${monthFirst(hiMonth)}
              and d.day <= ${hi} and d.db_requests > 0
            order by d.day desc limit 1) as last_day
        from ${tuples(
          ctx.dbKind,
          part.map((u) => [u.installationId, u.login] as const),
        )} k`.execute(ctx.db),
    ),
  );
  for (const p of inMonth)
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
 * Exact by bounding: the monthly rows (`rows`, read by readAccountMonths with the same measures) give
 * every account an upper bound per measure (the months the window touches, whole), ranked here. The exact
 * sums are read in the order of the bound (none when the window covers its months whole: the bound is the
 * sum), until the limit-th exact sum is above the next bound. This is the one place the per-user rankings
 * read.
 */
export async function rankUsers(
  ctx: AppContext,
  ids: readonly number[],
  rows: readonly AccountMonths[],
  measures: readonly UserMeasure[],
  toDay: string,
  limit: number,
  filter: UserFilter,
  listed: (installationId: number, login: string) => boolean,
  newestDay: ReadonlyMap<number, string>,
): Promise<Map<string, { users: RankedUser[]; total: number }>> {
  const out = new Map(measures.map((m) => [m.key, { users: [] as RankedUser[], total: 0 }]));
  if (ids.length === 0 || measures.length === 0) return out;
  const order = (a: RankedUser, b: RankedUser) =>
    b.value - a.value ||
    (a.login < b.login ? -1 : a.login > b.login ? 1 : 0) ||
    a.installationId - b.installationId;
  const wanted = new Set(ids);
  // With the domain or login variable set, only the listed accounts that match it count.
  const filtered = filter.domains || filter.logins;
  const mine = rows.filter(
    (r) => wanted.has(r.installationId) && (!filtered || listed(r.installationId, r.login)),
  );
  // The measures are independent: their exact reads run side by side.
  const rankOne = async (x: UserMeasure, i: number) => {
    const slot = out.get(x.key)!;
    const cands: RankedUser[] = [];
    for (const r of mine)
      if (r.b[i]! > 0) cands.push({ installationId: r.installationId, login: r.login, value: r.b[i]! });
    slot.total = cands.length;
    // The bound is the sum when the window covers its months whole: from a 1st to the last month's end
    // or the installation's newest report day.
    const whole = (c: RankedUser) =>
      x.from === monthFirst(month(x.from)) &&
      (toDay >= monthLast(month(toDay)) || toDay >= (newestDay.get(c.installationId) ?? '9999'));
    let best: RankedUser[] = [];
    // The candidates in order of their bound, sorted only as far as the reading goes.
    const head = headsInOrder(cands, (c) => c.value, order);
    let sorted: RankedUser[] = [];
    for (let at = 0, size = limit; at < cands.length; size *= 2) {
      if (sorted.length < Math.min(cands.length, at + size)) sorted = head(at + size);
      // Done when the next candidate's bound already sorts after the limit-th exact sum: no later
      // candidate can beat it (ties go by login, then installation).
      const nth = best[limit - 1];
      if (nth && order(nth, sorted[at]!) < 0) break;
      const next = sorted.slice(at, at + size);
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
  };
  await Promise.all(measures.map(rankOne));
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
        from ${tuples(
          ctx.dbKind,
          part.map((u) => [u.installationId, u.login] as const),
        )} k
        join user_usage_daily d on d.installation_id = k.column1 and d.login = k.column2
          and d.day >= ${x.from} and d.day <= ${toDay}
        group by d.installation_id, d.login`.execute(ctx.db),
    ),
  );
  for (const p of parts)
    for (const r of p.rows) out.set(userKey(Number(r.installation_id), r.login), Number(r.v));
  return out;
}
