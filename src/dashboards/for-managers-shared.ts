/**
 * What the day panels of «Для менеджеров» share: which accounts count on a day, how each per-user panel
 * reads its counter, what the rankings kept, and the series' keys and legends.
 */
import { sql, type RawBuilder } from 'kysely';
import type { ManagerSeries } from './contract-managers.js';
import { localDayBounds } from './for-managers-days.js';
import type { UserDayValues } from './for-managers-user-days.js';
import type { RankedUser, UserInfo } from './for-managers-users.js';
import type { InstallationSubject } from './subjects.js';

export type DayPanel = 'activity' | 'involvement' | 'zeroQueries30' | 'zeroQueries60';
export type UserPanel = 'billingDocs' | 'dbQueries' | 'prints' | 'savedDocs' | 'kassist30';

/**
 * Per user panel: the counter (of the daily values), how a point reads it (month to date, the day's, the
 * 30 days through it) and what a row adds to the ranking (columns of both usage tables).
 */
export const USER_PANELS: Record<
  UserPanel,
  { field: keyof UserDayValues; kind: 'mtd' | 'day' | 'trailing30'; expr: RawBuilder<unknown> }
> = {
  billingDocs: { field: 'billingDocs', kind: 'mtd', expr: sql`docs_counted + services` },
  dbQueries: { field: 'db', kind: 'day', expr: sql`db_requests` },
  prints: { field: 'printed', kind: 'mtd', expr: sql`printed` },
  savedDocs: { field: 'saved', kind: 'day', expr: sql`saved` },
  kassist30: { field: 'kassist', kind: 'trailing30', expr: sql`kassist_requests` },
};

/** An account counts on a local day when it is not blocked, was registered by its end, and was listed then. */
export function eligibleOn(
  u: UserInfo,
  day: string,
  offsetMin: number,
  newestReport: number | null,
): boolean {
  if (u.blocked) return false;
  const { start, end } = localDayBounds(day, offsetMin);
  if (u.registeredAt !== null && u.registeredAt > end) return false;
  // Accounts still listed count every day; one the ПК no longer lists, until it was last listed.
  return (newestReport !== null && u.lastSeenAt >= newestReport) || u.lastSeenAt >= start;
}

/** Code-unit order (what `collate "C"` and SQLite's binary collation give). */
export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** What the rankings kept, for a panel to draw. */
export interface Kept {
  activity: { kept: InstallationSubject[]; total: number } | null;
  involvement: { kept: InstallationSubject[]; total: number } | null;
  zero30: { kept: InstallationSubject[]; total: number } | null;
  idle: { accounts: { s: InstallationSubject; u: UserInfo }[]; total: number } | null;
  users: Map<string, { users: RankedUser[]; total: number }>;
}

/** The three series of «Ноль запросов … 30 дней» of an installation, under the spec's names. */
export function zeroSeries(
  base: ManagerSeries,
  host: string,
  id: number,
  values: { pct: (number | null)[]; idle: (number | null)[]; users: (number | null)[] },
): ManagerSeries[] {
  return [
    { ...base, key: `i:${id}:pct`, label: `${host} % не пользуются`, measure: 'pct', values: values.pct },
    { ...base, key: `i:${id}:idle`, label: `${host} не пользуются`, measure: 'idle', values: values.idle },
    {
      ...base,
      key: `i:${id}:users`,
      label: `${host} Всего пользователей`,
      measure: 'users',
      values: values.users,
    },
  ];
}

export const userSeries = (
  s: InstallationSubject,
  login: string,
  values: (number | null)[],
  prefix: 'u' | 'a',
): ManagerSeries => ({
  key: `${prefix}:${s.id}:${login}`,
  label: `${s.host} ${login}`,
  installationId: s.id,
  clientId: s.clientId,
  host: s.host,
  login,
  values,
});
