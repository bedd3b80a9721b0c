/**
 * `online_search_daily` (migration 0010): per online access and local day, the searches of the nightly
 * log and the empty ones — what «Поисковые запросы. Онлайн.» draws per day without counting the log.
 * The poller replaces a day's log at once, so it replaces the day's counts with it (`storeDayCounts`).
 */
import { sql, type QueryExecutorProvider } from 'kysely';
import type { Db } from '../db/database.js';

/** Replaces one access's counts of one day (none stored for a day without searches). */
export async function storeDayCounts(
  db: Db,
  accessId: number,
  day: string,
  rows: readonly { status: string }[],
): Promise<void> {
  await db
    .deleteFrom('online_search_daily')
    .where('online_access_id', '=', accessId)
    .where('day', '=', day)
    .execute();
  if (rows.length === 0) return;
  await db
    .insertInto('online_search_daily')
    .values({
      online_access_id: accessId,
      day,
      searches: rows.length,
      empty_searches: rows.filter((r) => r.status === 'empty').length,
    })
    .execute();
}

/** Recomputes the table from the stored log (some accesses, or all): the backfill, and a bulk loader's. */
export async function rebuildOnlineSearchDaily(
  db: QueryExecutorProvider,
  opts: { accessIds?: readonly number[] } = {},
): Promise<void> {
  const ids = opts.accessIds;
  if (ids && ids.length === 0) return;
  const only = ids ? sql`where online_access_id in (${sql.join([...ids])})` : sql``;
  await sql`delete from online_search_daily ${only}`.execute(db);
  await sql`insert into online_search_daily (online_access_id, day, searches, empty_searches)
    select online_access_id, day, count(*), sum(case when status = 'empty' then 1 else 0 end)
    from online_search_log ${only}
    group by online_access_id, day`.execute(db);
}
