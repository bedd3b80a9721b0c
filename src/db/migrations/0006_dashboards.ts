import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import { rebuildUsageDaily } from '../../ingest/usage-rollup.js';
import { rebuildSamplesDaily } from '../../metrics/rollup.js';
import { bigint, type DbKind } from '../dialect.js';

/**
 * Storage for the installation dashboards (docs/architecture.md, "Dashboards"):
 * - `samples_daily`: per series and Moscow day, min / max / last / sum / count of the samples;
 * - `installation_usage_daily`: per installation and local day of the ПК, the users' counters summed
 *   and the searches (all and empty) of the search log; `installation_usage_domain_daily` the same per
 *   AD domain of the users;
 * - the derived series `sysinfo_licences_free` (seats − licences in use, per report) for history;
 * - `installation_state.users_inactive_60d`, the newest report's count of accounts unused for 60 days.
 * All three are backfilled from the rows already stored.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);
  const real = kind === 'sqlite' ? 'real' : 'double precision';
  /**
   * The key, made to serve reads alone. A panel reads ~90 consecutive days of ~200 series; written day by
   * day, one series' rows would be spread over as many pages as days. SQLite: a WITHOUT ROWID table is
   * stored in key order. PostgreSQL: the key index INCLUDEs the columns the dashboards read, so the
   * read is an index-only scan (measured: 60 ms → 3 ms for 18,000 rows).
   */
  const key = async (table: string, columns: string[], include: string[]) => {
    if (kind === 'sqlite') return;
    const q = (c: string) => sql.ref(c);
    await sql`alter table ${sql.table(table)} add constraint ${sql.ref(`${table}_pk`)}
      primary key (${sql.join(columns.map(q))}) include (${sql.join(include.map(q))})`.execute(db);
  };
  const sqliteKey = <T extends CreateTableBuilder<string, string>>(t: T, name: string, columns: string[]) =>
    kind === 'sqlite'
      ? t.addPrimaryKeyConstraint(`${name}_pk`, columns as never).modifyEnd(sql`without rowid`)
      : t;

  await sqliteKey(
    db.schema
      .createTable('samples_daily')
      .addColumn('series_id', big, (c) => c.notNull().references('series.id').onDelete('cascade'))
      .addColumn('day', big, (c) => c.notNull())
      .addColumn('min', real, (c) => c.notNull())
      .addColumn('max', real, (c) => c.notNull())
      .addColumn('last', real, (c) => c.notNull())
      .addColumn('last_ts', big, (c) => c.notNull())
      .addColumn('sum', real, (c) => c.notNull())
      .addColumn('count', big, (c) => c.notNull()),
    'samples_daily',
    ['series_id', 'day'],
  ).execute();
  await key('samples_daily', ['series_id', 'day'], ['min', 'max', 'last', 'last_ts']);

  const COUNTERS = [
    'db_requests',
    'docs_counted',
    'docs_licensed',
    'docs_free',
    'saved',
    'printed',
    'services',
    'kassist_requests',
    'active_users',
    'searches',
    'empty_searches',
  ];
  const counters = async (name: string, columns: string[], withDomain: boolean) => {
    let t: CreateTableBuilder<string, string> = db.schema
      .createTable(name)
      .addColumn('installation_id', big, (c) =>
        c.notNull().references('installations.id').onDelete('cascade'),
      );
    if (withDomain) t = t.addColumn('domain', 'text', (c) => c.notNull());
    else t = t.addColumn('reported', 'integer', (c) => c.notNull().defaultTo(0));
    t = t.addColumn('day', 'text', (c) => c.notNull());
    for (const col of COUNTERS) t = t.addColumn(col, big, (c) => c.notNull().defaultTo(0));
    await sqliteKey(t, name, columns).execute();
    await key(name, columns, withDomain ? COUNTERS : ['reported', ...COUNTERS]);
  };
  await counters('installation_usage_daily', ['installation_id', 'day'], false);
  await counters('installation_usage_domain_daily', ['installation_id', 'domain', 'day'], true);

  await db.schema.alterTable('installation_state').addColumn('users_inactive_60d', 'integer').execute();

  // History of the headroom panel: one sample per report that had both numbers.
  await sql`insert into series (dealer_id, installation_id, metric, labels)
    select s.dealer_id, s.installation_id, 'sysinfo_licences_free', '{}'
    from series s
    where s.metric = 'sysinfo_seats' and s.labels = '{}' and s.installation_id is not null
      and exists (select 1 from series u where u.installation_id = s.installation_id
        and u.metric = 'sysinfo_licences_in_use' and u.labels = '{}')`.execute(db);
  await sql`insert into samples (series_id, ts, value)
    select f.id, a.ts, a.value - b.value
    from series f
    join series ss on ss.installation_id = f.installation_id and ss.metric = 'sysinfo_seats' and ss.labels = '{}'
    join series su on su.installation_id = f.installation_id and su.metric = 'sysinfo_licences_in_use'
      and su.labels = '{}'
    join samples a on a.series_id = ss.id
    join samples b on b.series_id = su.id and b.ts = a.ts
    where f.metric = 'sysinfo_licences_free'`.execute(db);

  await rebuildSamplesDaily(db);
  await rebuildUsageDaily(db, kind);
}
