/**
 * `user_usage_monthly` (migrations 0008, 0018): per installation, local month of the ПК and user, the
 * user's daily counters summed, the days with DB requests (how many, the first, the last) and the user's
 * searches. Per-user rankings over months read it instead of every daily row and the whole search log.
 *
 * Kept in the report's transaction like the daily rollups (usage-rollup.ts): the counters of the months a
 * report's days fall in are recomputed from user_usage_daily (a day's counters are replaced by newer
 * reports); the search columns grow by the search-log rows the report actually added.
 */
import { sql, type QueryExecutorProvider, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { DbKind } from '../db/dialect.js';
import { localDayOf } from './usage-rollup.js';

/** The intelligent search's type in the search log (what the top-20 counts as a search). */
export const INTELLIGENT = 'intelligent';

const SUMS = sql`sum(db_requests), sum(docs_counted), sum(docs_licensed), sum(docs_free), sum(saved),
  sum(printed), sum(services), sum(kassist_requests), sum(case when db_requests > 0 then 1 else 0 end),
  min(case when db_requests > 0 then day end), max(case when db_requests > 0 then day end)`;
const COUNTER_COLS = sql`db_requests, docs_counted, docs_licensed, docs_free, saved, printed, services,
  kassist_requests, active_days, first_active_day, last_active_day`;
const SET_COUNTERS = sql`db_requests = excluded.db_requests, docs_counted = excluded.docs_counted,
  docs_licensed = excluded.docs_licensed, docs_free = excluded.docs_free, saved = excluded.saved,
  printed = excluded.printed, services = excluded.services,
  kassist_requests = excluded.kassist_requests, active_days = excluded.active_days,
  first_active_day = excluded.first_active_day, last_active_day = excluded.last_active_day`;

/** Recomputes the counters of the months of `days` (`YYYY-MM-DD`) from user_usage_daily. */
export async function refreshUserMonths(
  db: Db,
  installationId: number,
  days: readonly string[],
): Promise<void> {
  for (const month of new Set(days.map((d) => d.slice(0, 7)))) {
    await sql`insert into user_usage_monthly (installation_id, month, login, ${COUNTER_COLS})
      select installation_id, ${month}, login, ${SUMS}
      from user_usage_daily
      where installation_id = ${installationId} and day >= ${`${month}-01`} and day <= ${`${month}-31`}
      group by installation_id, login
      on conflict (installation_id, month, login) do update set ${SET_COUNTERS}`.execute(db);
  }
}

/** Adds search-log rows just inserted (never ones already there) to their user's month. */
export async function addUserSearches(
  db: Db,
  installationId: number,
  added: readonly { at: number; login: string; status: string; type: string }[],
  utcOffsetMin: number,
): Promise<void> {
  const byKey = new Map<
    string,
    { month: string; login: string; all: number; smart: number; empty: number }
  >();
  for (const a of added) {
    const month = localDayOf(a.at, utcOffsetMin).slice(0, 7);
    const k = `${month}\u0000${a.login}`;
    const e = byKey.get(k) ?? { month, login: a.login, all: 0, smart: 0, empty: 0 };
    e.all += 1;
    if (a.type === INTELLIGENT) e.smart += 1;
    if (a.status === 'empty') e.empty += 1;
    byKey.set(k, e);
  }
  const rows = [...byKey.values()].map((e) => ({
    installation_id: installationId,
    month: e.month,
    login: e.login,
    searches: e.all,
    intelligent_searches: e.smart,
    empty_searches: e.empty,
  }));
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto('user_usage_monthly')
      .values(rows.slice(i, i + 200))
      .onConflict((oc) =>
        oc.columns(['installation_id', 'month', 'login']).doUpdateSet((eb) => ({
          searches: eb('user_usage_monthly.searches', '+', eb.ref('excluded.searches')),
          intelligent_searches: eb(
            'user_usage_monthly.intelligent_searches',
            '+',
            eb.ref('excluded.intelligent_searches'),
          ),
          empty_searches: eb('user_usage_monthly.empty_searches', '+', eb.ref('excluded.empty_searches')),
        })),
      )
      .execute();
  }
}

/**
 * Recomputes the table from user_usage_daily and search_log (all installations, or some): the
 * migration's backfill, and what a benchmark calls after loading those tables in bulk.
 */
export async function rebuildUserUsageMonthly(
  db: QueryExecutorProvider,
  kind: DbKind,
  opts: { installationIds?: readonly number[] } = {},
): Promise<void> {
  const ids = opts.installationIds;
  if (ids && ids.length === 0) return;
  const only = (col: string) =>
    ids ? sql`where ${sql.ref(col)} in (${sql.join([...ids])})` : sql`where 1 = 1`;
  const month = localMonthExpr(kind, sql`sl.at`);
  await sql`delete from user_usage_monthly ${only('installation_id')}`.execute(db);
  await sql`insert into user_usage_monthly (installation_id, month, login, ${COUNTER_COLS})
    select installation_id, substr(day, 1, 7), login, ${SUMS}
    from user_usage_daily ${only('installation_id')}
    group by installation_id, substr(day, 1, 7), login`.execute(db);
  await sql`insert into user_usage_monthly
      (installation_id, month, login, searches, intelligent_searches, empty_searches)
    select sl.installation_id, ${month}, sl.login, count(*),
      sum(case when sl.type = ${INTELLIGENT} then 1 else 0 end),
      sum(case when sl.status = 'empty' then 1 else 0 end)
    from search_log sl
    join installations i on i.id = sl.installation_id
    ${only('sl.installation_id')}
    group by sl.installation_id, ${month}, sl.login
    on conflict (installation_id, month, login) do update set searches = excluded.searches,
      intelligent_searches = excluded.intelligent_searches, empty_searches = excluded.empty_searches`.execute(
    db,
  );
}

/** `YYYY-MM` in SQL of an instant (ms) at the offset of installation `i`. */
function localMonthExpr(kind: DbKind, at: RawBuilder<unknown>): RawBuilder<unknown> {
  return kind === 'sqlite'
    ? sql`strftime('%Y-%m', (${at} + i.utc_offset_min * 60000) / 1000, 'unixepoch')`
    : sql`to_char(to_timestamp((${at} + i.utc_offset_min * 60000) / 1000.0) at time zone 'UTC', 'YYYY-MM')`;
}
