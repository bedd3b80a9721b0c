/**
 * The days of what the «Для менеджеров» day panels draw (ranges under 200 days), read by the key of
 * `user_usage_daily` (installation, login, day) and packed one row per account, or from the monthly rows:
 * - `userDays`: the kept users' daily counters;
 * - `activeDays`: the days an account made DB requests (the zero-query panels);
 * - `firstActiveDays`: an account's first request of each month (involvement, month to date), from the
 *   monthly rows.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { idIn, stringAgg, tuples } from '../db/dialect.js';
import type { DayAxis } from './for-managers-days.js';
import { userConditions, userKey, type UserFilter } from './for-managers-users.js';
import { chunks } from './series-read.js';

const month = (day: string) => day.slice(0, 7);

/**
 * For the accounts of these installations, the first day of each month from `fromMonth` through `toDay`'s
 * on which each made a DB request (key → month → day), as the monthly rows keep it: the month-to-date
 * count of users with requests on day D is the number whose first day of D's month is ≤ D.
 */
export async function firstActiveDays(
  ctx: AppContext,
  ids: readonly number[],
  fromMonth: string,
  toDay: string,
): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  if (ids.length === 0) return out;
  const rows = await ctx.db
    .selectFrom('user_usage_monthly')
    .select(['installation_id', 'login', 'month', 'first_active_day'])
    .where(idIn(ctx.dbKind, 'installation_id', ids))
    .where('month', '>=', fromMonth)
    .where('month', '<=', month(toDay))
    .where('first_active_day', '<=', toDay)
    .execute();
  for (const r of rows) {
    const key = userKey(Number(r.installation_id), r.login);
    if (!out.has(key)) out.set(key, new Map());
    out.get(key)!.set(r.month, r.first_active_day!);
  }
  return out;
}

/** The daily counters of a user, one value per day of the axis (0 on a day without a row). */
export interface UserDayValues {
  db: Float64Array;
  billingDocs: Float64Array;
  printed: Float64Array;
  saved: Float64Array;
  kassist: Float64Array;
}

const USER_COLUMNS = ['db', 'billingDocs', 'printed', 'saved', 'kassist'] as const;

/** The counters of these users on the axis' days (from `lo`), read by their key, packed per user. */
export async function userDays(
  ctx: AppContext,
  users: readonly { installationId: number; login: string }[],
  axis: DayAxis,
  lo: string,
): Promise<Map<string, UserDayValues>> {
  const out = new Map<string, UserDayValues>();
  const unique = [...new Map(users.map((u) => [userKey(u.installationId, u.login), u])).values()];
  if (unique.length === 0) return out;
  const n = axis.days.length;
  const entry = sql<string>`d.day || ',' || cast(d.db_requests as text) || ',' ||
    cast(d.docs_counted + d.services as text) || ',' || cast(d.printed as text) || ',' ||
    cast(d.saved as text) || ',' || cast(d.kassist_requests as text)`;
  const parts = await Promise.all(
    chunks(unique, 300).map((part) =>
      sql<{ installation_id: number; login: string; days: string }>`
        select d.installation_id, d.login, ${stringAgg(ctx.dbKind, entry, ',')} as days
        from ${tuples(
          ctx.dbKind,
          part.map((u) => [u.installationId, u.login] as const),
        )} k
        join user_usage_daily d on d.installation_id = k.column1 and d.login = k.column2
          and d.day >= ${lo} and d.day <= ${axis.toDay}
        group by d.installation_id, d.login`.execute(ctx.db),
    ),
  );
  for (const p of parts) {
    for (const r of p.rows) {
      const v = {} as UserDayValues;
      for (const c of USER_COLUMNS) v[c] = new Float64Array(n);
      const f = String(r.days).split(',');
      for (let at = 0; at + 6 <= f.length; at += 6) {
        const i = axis.dayIndex.get(f[at]!);
        if (i === undefined) continue;
        for (let k = 0; k < USER_COLUMNS.length; k += 1) v[USER_COLUMNS[k]!][i] = Number(f[at + 1 + k]);
      }
      out.set(userKey(Number(r.installation_id), r.login), v);
    }
  }
  return out;
}

/**
 * Per account of these installations (narrowed by the variables, when given), the axis days from `lo`
 * on which it made DB requests (1 = yes), packed per account.
 */
export async function activeDays(
  ctx: AppContext,
  ids: readonly number[],
  axis: DayAxis,
  lo: string,
  filter: UserFilter = { domains: null, logins: null },
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  if (ids.length === 0) return out;
  const parts = await Promise.all(
    chunks(ids, 300).map((chunk) =>
      sql<{ installation_id: number; login: string; days: string }>`
        select d.installation_id, d.login, ${stringAgg(ctx.dbKind, sql<string>`d.day`, ',')} as days
        from installation_users iu
        join user_usage_daily d on d.installation_id = iu.installation_id and d.login = iu.login
          and d.day >= ${lo} and d.day <= ${axis.toDay}
        where ${idIn(ctx.dbKind, 'iu.installation_id', chunk)} and d.db_requests > 0${userConditions(filter)}
        group by d.installation_id, d.login`.execute(ctx.db),
    ),
  );
  for (const p of parts) {
    for (const r of p.rows) {
      const v = new Uint8Array(axis.days.length);
      for (const d of String(r.days).split(',')) {
        const i = axis.dayIndex.get(d);
        if (i !== undefined) v[i] = 1;
      }
      out.set(userKey(Number(r.installation_id), r.login), v);
    }
  }
  return out;
}
