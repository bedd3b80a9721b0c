/**
 * Daily usage rollups for the Kodeks analytics dashboard, instead of summing per-user rows of 1,000
 * installations on every request:
 * - `installation_usage_daily`: per installation and local day of the ПК, the users' daily counters
 *   summed (from user_usage_daily), users with DB requests, the searches of the search log (all, and
 *   empty ones), and whether a sysinfo report was produced that day (`reported`);
 * - `installation_usage_domain_daily`: the same per AD domain of the users, for the `domain` variable.
 *
 * Kept in the report's transaction: the counter columns of the days a report carries are recomputed
 * from user_usage_daily (a day's counters are replaced by newer reports, so a delta would not do); the
 * search columns grow by the search-log rows the report actually added (the log is insert-only).
 */
import { sql, type QueryExecutorProvider, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { DbKind } from '../db/dialect.js';
import { UNDEFINED_DOMAIN } from './parse/snapshot.js';

const COUNTERS = [
  'db_requests',
  'docs_counted',
  'docs_licensed',
  'docs_free',
  'saved',
  'printed',
  'services',
  'kassist_requests',
] as const;

const ZERO_COUNTERS = {
  db_requests: 0,
  docs_counted: 0,
  docs_licensed: 0,
  docs_free: 0,
  saved: 0,
  printed: 0,
  services: 0,
  kassist_requests: 0,
  active_users: 0,
};

/** `YYYY-MM-DD` of `at` at a fixed offset (minutes east of UTC). */
export function localDayOf(at: number, utcOffsetMin: number): string {
  return new Date(at + utcOffsetMin * 60_000).toISOString().slice(0, 10);
}

/** Recomputes the counter columns of an installation's `days` from user_usage_daily (both tables). */
export async function refreshUsageDays(
  db: Db,
  installationId: number,
  days: readonly string[],
): Promise<void> {
  if (days.length === 0) return;
  const list = [...new Set(days)];
  // A user who moved to another domain must not leave their old domain's sum behind.
  await db
    .updateTable('installation_usage_domain_daily')
    .set(ZERO_COUNTERS)
    .where('installation_id', '=', installationId)
    .where('day', 'in', list)
    .execute();
  // A literal, not a parameter: PostgreSQL matches the GROUP BY expression to the selected one by text.
  const domain = sql<string>`coalesce(${sql.ref('iu.domain')}, ${sql.lit(UNDEFINED_DOMAIN)})`;
  const sums = [
    ...COUNTERS.map((c) => sql<number>`sum(${sql.ref(`u.${c}`)})`.as(c)),
    sql<number>`sum(case when ${sql.ref('u.db_requests')} > 0 then 1 else 0 end)`.as('active_users'),
    sql<number>`0`.as('searches'),
    sql<number>`0`.as('empty_searches'),
  ];
  const columns = [...COUNTERS, 'active_users', 'searches', 'empty_searches'] as const;
  const excluded = (c: string) => sql<number>`${sql.ref(`excluded.${c}`)}`;
  const update = {
    db_requests: excluded('db_requests'),
    docs_counted: excluded('docs_counted'),
    docs_licensed: excluded('docs_licensed'),
    docs_free: excluded('docs_free'),
    saved: excluded('saved'),
    printed: excluded('printed'),
    services: excluded('services'),
    kassist_requests: excluded('kassist_requests'),
    active_users: excluded('active_users'),
  };

  await db
    .insertInto('installation_usage_domain_daily')
    .columns(['installation_id', 'domain', 'day', ...columns])
    .expression(
      db
        .selectFrom('user_usage_daily as u')
        .leftJoin('installation_users as iu', (j) =>
          j.onRef('iu.installation_id', '=', 'u.installation_id').onRef('iu.login', '=', 'u.login'),
        )
        .select(['u.installation_id', domain.as('domain'), 'u.day', ...sums])
        .where('u.installation_id', '=', installationId)
        .where('u.day', 'in', list)
        .groupBy(['u.installation_id', domain, 'u.day']),
    )
    .onConflict((oc) => oc.columns(['installation_id', 'domain', 'day']).doUpdateSet(update))
    .execute();
  await db
    .insertInto('installation_usage_daily')
    .columns(['installation_id', 'day', ...columns])
    .expression(
      db
        .selectFrom('user_usage_daily as u')
        .select(['u.installation_id', 'u.day', ...sums])
        .where('u.installation_id', '=', installationId)
        .where('u.day', 'in', list)
        .groupBy(['u.installation_id', 'u.day']),
    )
    .onConflict((oc) => oc.columns(['installation_id', 'day']).doUpdateSet(update))
    .execute();
}

/** Notes that a sysinfo report of the installation was produced on its local `day`. */
export async function markReported(db: Db, installationId: number, day: string): Promise<void> {
  await db
    .insertInto('installation_usage_daily')
    .values({
      installation_id: installationId,
      day,
      ...ZERO_COUNTERS,
      searches: 0,
      empty_searches: 0,
      reported: 1,
    })
    .onConflict((oc) => oc.columns(['installation_id', 'day']).doUpdateSet({ reported: 1 }))
    .execute();
}

/** Adds search-log rows just inserted (never ones that were already there) to their day's counts. */
export async function addSearches(
  db: Db,
  installationId: number,
  added: readonly { at: number; login: string; status: string }[],
  domainOf: (login: string) => string,
  utcOffsetMin: number,
): Promise<void> {
  const byDomain = new Map<string, { domain: string; day: string; searches: number; empty: number }>();
  const byDay = new Map<string, { day: string; searches: number; empty: number }>();
  for (const a of added) {
    const domain = domainOf(a.login);
    const day = localDayOf(a.at, utcOffsetMin);
    const empty = a.status === 'empty' ? 1 : 0;
    const k = `${domain}\u0000${day}`;
    const e = byDomain.get(k) ?? { domain, day, searches: 0, empty: 0 };
    e.searches += 1;
    e.empty += empty;
    byDomain.set(k, e);
    const d = byDay.get(day) ?? { day, searches: 0, empty: 0 };
    d.searches += 1;
    d.empty += empty;
    byDay.set(day, d);
  }
  const row = (e: { day: string; searches: number; empty: number }) => ({
    installation_id: installationId,
    day: e.day,
    ...ZERO_COUNTERS,
    searches: e.searches,
    empty_searches: e.empty,
  });
  const perDomain = [...byDomain.values()].map((e) => ({ ...row(e), domain: e.domain }));
  for (let i = 0; i < perDomain.length; i += 200) {
    await db
      .insertInto('installation_usage_domain_daily')
      .values(perDomain.slice(i, i + 200))
      .onConflict((oc) =>
        oc.columns(['installation_id', 'domain', 'day']).doUpdateSet((eb) => ({
          searches: eb('installation_usage_domain_daily.searches', '+', eb.ref('excluded.searches')),
          empty_searches: eb(
            'installation_usage_domain_daily.empty_searches',
            '+',
            eb.ref('excluded.empty_searches'),
          ),
        })),
      )
      .execute();
  }
  const perDay = [...byDay.values()].map(row);
  for (let i = 0; i < perDay.length; i += 200) {
    await db
      .insertInto('installation_usage_daily')
      .values(perDay.slice(i, i + 200))
      .onConflict((oc) =>
        oc.columns(['installation_id', 'day']).doUpdateSet((eb) => ({
          searches: eb('installation_usage_daily.searches', '+', eb.ref('excluded.searches')),
          empty_searches: eb(
            'installation_usage_daily.empty_searches',
            '+',
            eb.ref('excluded.empty_searches'),
          ),
        })),
      )
      .execute();
  }
}

/**
 * Recomputes both usage rollups from user_usage_daily and search_log (all installations, or some), and
 * the inactive-accounts total of the installations' state: the migration's backfill, and what a
 * benchmark calls after loading those tables in bulk. Search days are local days at the installation's
 * `utc_offset_min`, as the store counts them.
 */
export async function rebuildUsageDaily(
  db: QueryExecutorProvider,
  kind: DbKind,
  opts: { installationIds?: readonly number[] } = {},
): Promise<void> {
  const ids = opts.installationIds;
  if (ids && ids.length === 0) return;
  const only = (col: string) =>
    ids ? sql`where ${sql.ref(col)} in (${sql.join([...ids])})` : sql`where 1 = 1`;
  const localDay = localDayExpr(kind, sql`sl.at`);
  const domain = sql`coalesce(iu.domain, ${sql.lit(UNDEFINED_DOMAIN)})`;
  const sums = sql`sum(u.db_requests), sum(u.docs_counted), sum(u.docs_licensed), sum(u.docs_free),
    sum(u.saved), sum(u.printed), sum(u.services), sum(u.kassist_requests),
    sum(case when u.db_requests > 0 then 1 else 0 end), 0, 0`;
  const cols = sql`db_requests, docs_counted, docs_licensed, docs_free, saved, printed, services,
    kassist_requests, active_users, searches, empty_searches`;
  const searchCounts = sql`0, 0, 0, 0, 0, 0, 0, 0, 0, count(*), sum(case when sl.status = 'empty' then 1 else 0 end)`;
  const setSearches = sql`set searches = excluded.searches, empty_searches = excluded.empty_searches`;

  await sql`delete from installation_usage_domain_daily ${only('installation_id')}`.execute(db);
  await sql`insert into installation_usage_domain_daily (installation_id, domain, day, ${cols})
    select u.installation_id, ${domain}, u.day, ${sums}
    from user_usage_daily u
    left join installation_users iu on iu.installation_id = u.installation_id and iu.login = u.login
    ${only('u.installation_id')}
    group by u.installation_id, ${domain}, u.day`.execute(db);
  await sql`insert into installation_usage_domain_daily (installation_id, domain, day, ${cols})
    select sl.installation_id, ${domain}, ${localDay}, ${searchCounts}
    from search_log sl
    join installations i on i.id = sl.installation_id
    left join installation_users iu on iu.installation_id = sl.installation_id and iu.login = sl.login
    ${only('sl.installation_id')}
    group by sl.installation_id, ${domain}, ${localDay}
    on conflict (installation_id, domain, day) do update ${setSearches}`.execute(db);

  await sql`delete from installation_usage_daily ${only('installation_id')}`.execute(db);
  await sql`insert into installation_usage_daily (installation_id, day, ${cols})
    select u.installation_id, u.day, ${sums}
    from user_usage_daily u
    ${only('u.installation_id')}
    group by u.installation_id, u.day`.execute(db);
  await sql`insert into installation_usage_daily (installation_id, day, ${cols})
    select sl.installation_id, ${localDay}, ${searchCounts}
    from search_log sl
    join installations i on i.id = sl.installation_id
    ${only('sl.installation_id')}
    group by sl.installation_id, ${localDay}
    on conflict (installation_id, day) do update ${setSearches}`.execute(db);
  // The days reports were produced on: every report writes a `sysinfo_users` sample at its time.
  const sampleDay = localDayExpr(kind, sql`s.ts`);
  await sql`insert into installation_usage_daily (installation_id, day, reported)
    select se.installation_id, ${sampleDay}, 1
    from samples s
    join series se on se.id = s.series_id
    join installations i on i.id = se.installation_id
    where se.metric = 'sysinfo_users' and se.labels = '{}'
      ${ids ? sql`and se.installation_id in (${sql.join([...ids])})` : sql``}
    group by se.installation_id, ${sampleDay}
    on conflict (installation_id, day) do update set reported = 1`.execute(db);
  await rebuildInactiveState(db, opts);
}

/**
 * Sets `installation_state.users_inactive_60d` (what the analytics dashboard ranks by) from the newest
 * `sysinfo_users_inactive_60d` sample, for states stored without it (bulk loads). Reports set it as they
 * are stored.
 */
export async function rebuildInactiveState(
  db: QueryExecutorProvider,
  opts: { installationIds?: readonly number[] } = {},
): Promise<void> {
  const ids = opts.installationIds;
  if (ids && ids.length === 0) return;
  await sql`update installation_state set users_inactive_60d = (
      select x.value from samples x
      join series se on se.id = x.series_id
      where se.installation_id = installation_state.installation_id
        and se.metric = 'sysinfo_users_inactive_60d' and se.labels = '{}'
      order by x.ts desc limit 1)
    ${ids ? sql`where installation_id in (${sql.join([...ids])})` : sql``}`.execute(db);
}

/** `YYYY-MM-DD` in SQL of an instant (ms) at the offset of installation `i`. */
function localDayExpr(kind: DbKind, at: RawBuilder<unknown>): RawBuilder<unknown> {
  return kind === 'sqlite'
    ? sql`strftime('%Y-%m-%d', (${at} + i.utc_offset_min * 60000) / 1000, 'unixepoch')`
    : sql`to_char(to_timestamp((${at} + i.utc_offset_min * 60000) / 1000.0) at time zone 'UTC', 'YYYY-MM-DD')`;
}
