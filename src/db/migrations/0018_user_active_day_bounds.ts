import { sql, type Kysely } from 'kysely';
import { rebuildUserUsageMonthly } from '../../ingest/user-usage-monthly.js';
import type { DbKind } from '../dialect.js';

/**
 * `user_usage_monthly` gains each account's first and last day of the month with DB requests. «Для
 * менеджеров» asks per account "a request between these two days?" (the month so far, the last 30 and
 * 60 days) and "the first request of the month?" (involvement): 3,700 look-ups in the daily rows per
 * request for a thousand installations. With the month's first and last active day those are answered
 * from the monthly row, except for a window strictly inside a month that both days lie outside of.
 * The table is rebuilt (it is the backfill 0008 used to run: see there).
 */
/** The columns PostgreSQL's key carries after this migration (its own list: later ones may add more). */
const COVERED = [
  'db_requests',
  'docs_counted',
  'docs_licensed',
  'docs_free',
  'saved',
  'printed',
  'services',
  'kassist_requests',
  'active_days',
  'searches',
  'intelligent_searches',
  'empty_searches',
  'first_active_day',
  'last_active_day',
];

export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  await sql`alter table user_usage_monthly add column first_active_day text`.execute(db);
  await sql`alter table user_usage_monthly add column last_active_day text`.execute(db);
  if (kind === 'postgres') {
    // Index-only reads: the key carries the new columns too.
    await sql`alter table user_usage_monthly drop constraint user_usage_monthly_pk`.execute(db);
    await sql`alter table user_usage_monthly add constraint user_usage_monthly_pk
      primary key (installation_id, month, login)
      include (${sql.join(COVERED.map((c) => sql.ref(c)))})`.execute(db);
  }
  await rebuildUserUsageMonthly(db, kind);
}
