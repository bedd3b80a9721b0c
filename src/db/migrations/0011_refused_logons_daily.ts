import { sql, type Kysely } from 'kysely';
import { rebuildRefusedDaily } from '../../ingest/refused-daily.js';
import { bigint, type DbKind } from '../dialect.js';

/**
 * Refused logons for range reads. «Для менеджеров» reads refusals by time over every installation, but
 * the log's key is (installation, login, time): a month read every refusal ever stored.
 * - an index by (installation, time), covering the login and reason, for ranges up to a month;
 * - `refused_logons_daily`: per installation, local day and login, the refusals, those for want of a
 *   workplace and the hours with any (src/ingest/refused-daily.ts) — about a third of the log's rows, read
 *   for longer ranges. Stored like the other daily rollups (SQLite: WITHOUT ROWID; PostgreSQL: the key
 *   INCLUDEs the values), kept in the report's transaction, backfilled here.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  if (kind === 'sqlite')
    await sql`create index refused_logons_by_time on refused_logons (installation_id, at, login, reason)`.execute(
      db,
    );
  else
    await sql`create index refused_logons_by_time on refused_logons (installation_id, at) include (login, reason)`.execute(
      db,
    );

  const big = bigint(kind);
  const t = db.schema
    .createTable('refused_logons_daily')
    .addColumn('installation_id', big, (c) => c.notNull().references('installations.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('refusals', big, (c) => c.notNull())
    .addColumn('licence_refusals', big, (c) => c.notNull())
    .addColumn('hours', big, (c) => c.notNull());
  if (kind === 'sqlite') {
    await t
      .addPrimaryKeyConstraint('refused_logons_daily_pk', ['installation_id', 'day', 'login'])
      .modifyEnd(sql`without rowid`)
      .execute();
  } else {
    await t.execute();
    await sql`alter table refused_logons_daily add constraint refused_logons_daily_pk
      primary key (installation_id, day, login) include (refusals, licence_refusals, hours)`.execute(db);
  }
  await rebuildRefusedDaily(db, kind);
}
