import { sql, type Kysely } from 'kysely';
import { rebuildRefusedMonthly } from '../../ingest/refused-daily.js';
import { bigint, type DbKind } from '../dialect.js';

/**
 * `refused_logons_monthly`: per installation and local month, the refusals and the login-days with a
 * refusal for want of a workplace. «Для менеджеров» over 13 months ranked the installations and counted
 * the table's rows from every daily row of the range (220,000 rows for 1,000 installations); whole months
 * now come from 13 rows per installation. Kept with the daily rows in the report's transaction.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);
  const t = db.schema
    .createTable('refused_logons_monthly')
    .addColumn('installation_id', big, (c) => c.notNull().references('installations.id').onDelete('cascade'))
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('refusals', big, (c) => c.notNull())
    .addColumn('licence_days', big, (c) => c.notNull());
  if (kind === 'sqlite') {
    await t
      .addPrimaryKeyConstraint('refused_logons_monthly_pk', ['installation_id', 'month'])
      .modifyEnd(sql`without rowid`)
      .execute();
  } else {
    await t.execute();
    await sql`alter table refused_logons_monthly add constraint refused_logons_monthly_pk
      primary key (installation_id, month) include (refusals, licence_days)`.execute(db);
  }
  await rebuildRefusedMonthly(db);
}
