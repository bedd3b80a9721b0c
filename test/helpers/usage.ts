import type { UserUsageDailyTable } from '../../src/db/schema.js';

/** A `user_usage_daily` row: every counter 0 unless given. */
export function userUsageDay(
  installationId: number,
  login: string,
  day: string,
  counters: Partial<Omit<UserUsageDailyTable, 'installation_id' | 'login' | 'day'>> = {},
): UserUsageDailyTable {
  return {
    installation_id: installationId,
    login,
    day,
    db_requests: 0,
    docs_counted: 0,
    docs_licensed: 0,
    docs_free: 0,
    saved: 0,
    printed: 0,
    services: 0,
    kassist_requests: 0,
    ...counters,
  };
}
