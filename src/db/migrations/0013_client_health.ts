import { sql, type Kysely } from 'kysely';
import { bigint, withId, type DbKind } from '../dialect.js';

/**
 * Client health scores and usage profiles (issue 8, part 5; docs/health.md):
 * - `client_health_daily`: per client and day (the dealer's local day) the score 0–100 and its band,
 *   the measures it came from, the detected usage profile and the sales signals of that day;
 * - `client_health_settings`: per dealer, the early-exhaustion signal's N of M and the local times of
 *   the daily computation and the digests (absent row = defaults);
 * - `health_digests`: one row per digest sent (kind, period, receiver): the at-most-once key.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);
  await db.schema
    .createTable('client_health_daily')
    .addColumn('client_id', big, (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('dealer_id', big, (c) => c.notNull().references('dealers.id').onDelete('cascade'))
    .addColumn('score', 'integer')
    .addColumn('band', 'text', (c) => c.notNull())
    .addColumn('measures', 'text', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('profile_detail', 'text', (c) => c.notNull())
    .addColumn('early_exhaustion', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('signals', 'text', (c) => c.notNull())
    .addColumn('computed_at', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('client_health_daily_pk', ['client_id', 'day'])
    .execute();
  await sql`create index client_health_daily_dealer_day on client_health_daily (dealer_id, day)`.execute(db);

  await db.schema
    .createTable('client_health_settings')
    .addColumn('dealer_id', big, (c) => c.primaryKey().references('dealers.id').onDelete('cascade'))
    .addColumn('exhaust_n', 'integer', (c) => c.notNull())
    .addColumn('exhaust_m', 'integer', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('daily_hour', 'integer', (c) => c.notNull())
    .addColumn('morning_hour', 'integer', (c) => c.notNull())
    .addColumn('weekly_day', 'integer', (c) => c.notNull())
    .addColumn('weekly_hour', 'integer', (c) => c.notNull())
    .addColumn('digests_enabled', 'integer', (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();

  await withId(kind, db.schema.createTable('health_digests'))
    .addColumn('dealer_id', big, (c) => c.notNull().references('dealers.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('manager_id', big)
    .addColumn('notification_id', big)
    .addColumn('items', 'integer', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .addUniqueConstraint('health_digests_once', ['dealer_id', 'kind', 'period', 'target'])
    .execute();
}
