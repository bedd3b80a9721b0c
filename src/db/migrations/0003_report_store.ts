import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import { bigint, withId, type DbKind } from '../dialect.js';

/**
 * What reports say: numeric series and samples, the latest state of each installation (replaced by
 * every report), and event streams (search log, refused logons, per-user daily counters) that later
 * reports extend without duplicates.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);
  const real = kind === 'sqlite' ? 'real' : 'double precision';
  const inst = (c: ColumnDefinitionBuilder) => c.notNull().references('installations.id').onDelete('cascade');

  await withId(kind, db.schema.createTable('series'))
    .addColumn('dealer_id', big, (c) => c.notNull().references('dealers.id').onDelete('cascade'))
    .addColumn('installation_id', big, (c) => c.references('installations.id').onDelete('cascade'))
    .addColumn('metric', 'text', (c) => c.notNull())
    /** Canonical JSON of the labels, keys sorted. */
    .addColumn('labels', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('series_identity')
    .unique()
    .on('series')
    .columns(['installation_id', 'metric', 'labels'])
    .execute();
  await db.schema.createIndex('series_dealer_metric').on('series').columns(['dealer_id', 'metric']).execute();

  await db.schema
    .createTable('samples')
    .addColumn('series_id', big, (c) => c.notNull().references('series.id').onDelete('cascade'))
    .addColumn('ts', big, (c) => c.notNull())
    .addColumn('value', real, (c) => c.notNull())
    .addPrimaryKeyConstraint('samples_pk', ['series_id', 'ts'])
    .execute();

  await db.schema
    .createTable('installation_state')
    .addColumn('installation_id', big, (c) => inst(c).primaryKey())
    .addColumn('report_id', big)
    .addColumn('report_at', big)
    .addColumn('client_name', 'text')
    .addColumn('regnum', 'text')
    .addColumn('seats', 'integer')
    .addColumn('licences_in_use', 'integer')
    .addColumn('pk_version', 'text')
    .addColumn('pk_version_short', 'text')
    .addColumn('sysinfo_version', 'text')
    .addColumn('senselock_status', 'text')
    .addColumn('senselock_code', 'integer')
    .addColumn('senselock_message', 'text')
    .addColumn('host_name', 'text')
    .addColumn('host_started_at', big)
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('installation_components')
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('full_version', 'text')
    .addColumn('first_seen_at', big, (c) => c.notNull())
    .addColumn('last_seen_at', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('installation_components_pk', ['installation_id', 'type', 'version'])
    .execute();

  // Current-state collections: replaced as a whole by each newer report.
  await db.schema
    .createTable('installation_licences')
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('product', 'text')
    .addColumn('name', 'text')
    .addColumn('db', 'text')
    .addColumn('valid_from', big)
    .addColumn('valid_to_day', 'text')
    .addColumn('expires_at', big)
    .execute();
  await db.schema
    .createIndex('installation_licences_inst')
    .on('installation_licences')
    .column('installation_id')
    .execute();

  await db.schema
    .createTable('installation_catalogs')
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('dbs', 'text')
    .execute();
  await db.schema
    .createIndex('installation_catalogs_inst')
    .on('installation_catalogs')
    .column('installation_id')
    .execute();

  await db.schema
    .createTable('installation_volumes')
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('path', 'text')
    .addColumn('catalog', 'text')
    .addColumn('update_label', 'text')
    .execute();
  await db.schema
    .createIndex('installation_volumes_inst')
    .on('installation_volumes')
    .column('installation_id')
    .execute();

  await db.schema
    .createTable('installation_volume_errors')
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('volume', 'text')
    .addColumn('path', 'text')
    .addColumn('catalog', 'text')
    .addColumn('code', 'integer')
    .addColumn('text', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('installation_volume_errors_inst')
    .on('installation_volume_errors')
    .column('installation_id')
    .execute();

  await db.schema
    .createTable('installation_operups')
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('modified_at', big)
    .addColumn('size_bytes', big)
    .execute();
  await db.schema
    .createIndex('installation_operups_inst')
    .on('installation_operups')
    .column('installation_id')
    .execute();

  await db.schema
    .createTable('installation_sessions')
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('logon_at', big)
    .addColumn('ip', 'text')
    .addColumn('browser', 'text')
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('holds_licence', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('installation_sessions_inst')
    .on('installation_sessions')
    .column('installation_id')
    .execute();

  // Users: upserted, so a user seen once stays known (for "not using the system for 60 days").
  await db.schema
    .createTable('installation_users')
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('registered_at', big)
    .addColumn('last_activity_at', big)
    .addColumn('fullname', 'text')
    .addColumn('phone', 'text')
    .addColumn('email', 'text')
    .addColumn('position', 'text')
    .addColumn('department', 'text')
    .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_seen_in_report_at', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('installation_users_pk', ['installation_id', 'login'])
    .execute();

  // Event streams: reports overlap, so rows are keyed and inserted with "do nothing" on conflict.
  await db.schema
    .createTable('user_usage_daily')
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('db_requests', 'integer', (c) => c.notNull())
    .addColumn('docs_counted', 'integer', (c) => c.notNull())
    .addColumn('docs_licensed', 'integer', (c) => c.notNull())
    .addColumn('docs_free', 'integer', (c) => c.notNull())
    .addColumn('saved', 'integer', (c) => c.notNull())
    .addColumn('printed', 'integer', (c) => c.notNull())
    .addColumn('services', 'integer', (c) => c.notNull())
    .addColumn('kassist_requests', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_usage_daily_pk', ['installation_id', 'login', 'day'])
    .execute();

  await withId(kind, db.schema.createTable('search_log'))
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('catalog', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer')
    .execute();
  await db.schema
    .createIndex('search_log_identity')
    .unique()
    .on('search_log')
    .columns(['installation_id', 'at', 'login', 'query'])
    .execute();

  await db.schema
    .createTable('refused_logons')
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('reason', 'text')
    .addPrimaryKeyConstraint('refused_logons_pk', ['installation_id', 'login', 'at'])
    .execute();

  await db.schema
    .createTable('kassist_links_daily')
    .addColumn('installation_id', big, (c) => inst(c))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('unique_added', 'integer', (c) => c.notNull())
    .addColumn('no_match', 'integer', (c) => c.notNull())
    .addColumn('added', 'integer', (c) => c.notNull())
    .addColumn('active_verified', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('kassist_links_daily_pk', ['installation_id', 'day'])
    .execute();
}
