import { sql, type Kysely } from 'kysely';
import { bigint, type DbKind } from '../dialect.js';

/**
 * `user_usage_monthly`: per installation, local month of the ПК and user, the user's daily counters
 * summed, the days with DB requests, and the user's searches in the search log (all, intelligent,
 * empty). Per-user rankings over long ranges (the top-20 of «Карточки пользователей», the per-user
 * panels of «Для менеджеров») read 13 rows per user instead of 395 daily ones plus the search log.
 * Backfilled from the rows already stored by 0018 (docs/architecture.md, "Dashboards"): the rebuild writes
 * the table's current columns, which 0018 adds, and every database that runs this migration runs 0018
 * after it. (Databases migrated before 0018 existed were backfilled here.)
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);
  const COUNTERS = [
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
  ];
  let t = db.schema
    .createTable('user_usage_monthly')
    .addColumn('installation_id', big, (c) => c.notNull().references('installations.id').onDelete('cascade'))
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('login', 'text', (c) => c.notNull());
  for (const col of COUNTERS) t = t.addColumn(col, big, (c) => c.notNull().defaultTo(0));
  if (kind === 'sqlite') {
    await t
      .addPrimaryKeyConstraint('user_usage_monthly_pk', ['installation_id', 'month', 'login'])
      .modifyEnd(sql`without rowid`)
      .execute();
  } else {
    await t.execute();
    // Index-only reads: the key carries the counters the rankings sum.
    await sql`alter table user_usage_monthly add constraint user_usage_monthly_pk
      primary key (installation_id, month, login)
      include (${sql.join(COUNTERS.map((c) => sql.ref(c)))})`.execute(db);
  }
}
