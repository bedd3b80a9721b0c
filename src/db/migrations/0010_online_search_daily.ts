import { sql, type Kysely } from 'kysely';
import { rebuildOnlineSearchDaily } from '../../online/search-daily.js';
import { bigint, type DbKind } from '../dialect.js';

/**
 * `online_search_daily`: per online access and local day, the searches of its log and the empty ones.
 * «Поисковые запросы. Онлайн.» draws searches per day over the whole range; counting the raw log is
 * millions of rows over 13 months for 1,500 accesses. Stored like the installations' daily rollup
 * (SQLite: WITHOUT ROWID; PostgreSQL: the key INCLUDEs the counts), kept where the poller stores a
 * day's log, backfilled here from the log already stored.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);
  const t = db.schema
    .createTable('online_search_daily')
    .addColumn('online_access_id', big, (c) =>
      c.notNull().references('online_accesses.id').onDelete('cascade'),
    )
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('searches', big, (c) => c.notNull())
    .addColumn('empty_searches', big, (c) => c.notNull());
  if (kind === 'sqlite') {
    await t
      .addPrimaryKeyConstraint('online_search_daily_pk', ['online_access_id', 'day'])
      .modifyEnd(sql`without rowid`)
      .execute();
  } else {
    await t.execute();
    await sql`alter table online_search_daily add constraint online_search_daily_pk
      primary key (online_access_id, day) include (searches, empty_searches)`.execute(db);
  }
  await rebuildOnlineSearchDaily(db);
}
