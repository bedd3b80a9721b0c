import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import { bigint, withId, type DbKind } from '../dialect.js';

/**
 * Periodic work and what active checks find: the `jobs` lease table shared by every periodic task
 * (probes, online polls), the current state and transitions of every check, daily availability
 * counters, and what the online poller reads (remainders per month, search log).
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);
  const dealer = (c: ColumnDefinitionBuilder) => c.notNull().references('dealers.id').onDelete('cascade');

  // One row per (kind, subject). Claimed by setting lease_owner/lease_until; next_run_at only moves
  // when the run is finished, so the same job never runs twice at once on any node.
  await withId(kind, db.schema.createTable('jobs'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', big, (c) => c.notNull())
    .addColumn('dealer_id', big, (c) => c.references('dealers.id').onDelete('cascade'))
    .addColumn('host', 'text')
    .addColumn('interval_ms', big, (c) => c.notNull())
    .addColumn('next_run_at', big, (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', big)
    .addColumn('last_started_at', big)
    .addColumn('last_finished_at', big)
    .addColumn('last_duration_ms', big)
    .addColumn('last_outcome', 'text')
    .addColumn('last_error', 'text')
    .addColumn('runs', big, (c) => c.notNull().defaultTo(0))
    .addColumn('missed', big, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('jobs_identity').unique().on('jobs').columns(['kind', 'subject_id']).execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['kind', 'next_run_at']).execute();

  // Current outcome of every check of every subject (installation or online access).
  await db.schema
    .createTable('check_status')
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', big, (c) => c.notNull())
    .addColumn('check_name', 'text', (c) => c.notNull())
    .addColumn('dealer_id', big, dealer)
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('code', 'text')
    .addColumn('detail', 'text')
    .addColumn('latency_ms', big)
    .addColumn('since', big, (c) => c.notNull())
    .addColumn('sampled_at', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('check_status_pk', ['subject_kind', 'subject_id', 'check_name'])
    .execute();

  // Transitions only: the event log of what changed and when.
  await withId(kind, db.schema.createTable('check_events'))
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', big, (c) => c.notNull())
    .addColumn('dealer_id', big, dealer)
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('check_name', 'text', (c) => c.notNull())
    .addColumn('from_outcome', 'text')
    .addColumn('to_outcome', 'text', (c) => c.notNull())
    .addColumn('code', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .createIndex('check_events_subject')
    .on('check_events')
    .columns(['subject_kind', 'subject_id', 'at'])
    .execute();

  // ok/total per UTC day: a rolling 30-day availability is a sum over 31 rows, whatever the fleet size.
  await db.schema
    .createTable('availability_daily')
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', big, (c) => c.notNull())
    .addColumn('check_name', 'text', (c) => c.notNull())
    .addColumn('day', big, (c) => c.notNull())
    .addColumn('dealer_id', big, dealer)
    .addColumn('ok', big, (c) => c.notNull())
    .addColumn('total', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('availability_daily_pk', ['subject_kind', 'subject_id', 'check_name', 'day'])
    .execute();

  // Probe settings of an installation (managers.csv has none of these; set through the API or CLI).
  await db.schema
    .alterTable('installations')
    .addColumn('probe_interval_s', 'integer', (c) => c.notNull().defaultTo(60))
    .execute();
  await db.schema
    .alterTable('installations')
    .addColumn('behind_proxy', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('installations').addColumn('licman_address', 'text').execute();
  await db.schema.alterTable('installations').addColumn('licman_port', 'integer').execute();

  await db.schema
    .alterTable('online_accesses')
    .addColumn('utc_offset_min', 'integer', (c) => c.notNull().defaultTo(180))
    .execute();
  await db.schema
    .alterTable('series')
    .addColumn('online_access_id', big, (c) => c.references('online_accesses.id').onDelete('cascade'))
    .execute();
  await db.schema
    .createIndex('series_online_identity')
    .unique()
    .on('series')
    .columns(['online_access_id', 'metric', 'labels'])
    .execute();

  // Latest reading of each online access.
  await db.schema
    .createTable('online_state')
    .addColumn('online_access_id', big, (c) =>
      c.primaryKey().references('online_accesses.id').onDelete('cascade'),
    )
    .addColumn('dealer_id', big, dealer)
    .addColumn('checked_at', big, (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('read_at', big)
    .addColumn('month', 'text')
    .addColumn('docs_limit', big)
    .addColumn('docs_remaining', big)
    .addColumn('search_limit', big)
    .addColumn('search_remaining', big)
    .addColumn('print_limit', big)
    .addColumn('print_remaining', big)
    .addColumn('export_limit', big)
    .addColumn('export_remaining', big)
    .addColumn('error', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('error_since', big)
    .addColumn('searchlog_through', 'text')
    .execute();

  // The last reading of each month, per limit: what renewal tables show month by month.
  await db.schema
    .createTable('online_usage_monthly')
    .addColumn('online_access_id', big, (c) =>
      c.notNull().references('online_accesses.id').onDelete('cascade'),
    )
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('dealer_id', big, dealer)
    .addColumn('limit_units', big, (c) => c.notNull())
    .addColumn('remaining', big, (c) => c.notNull())
    .addColumn('read_at', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('online_usage_monthly_pk', ['online_access_id', 'month', 'kind'])
    .execute();

  await withId(kind, db.schema.createTable('online_search_log'))
    .addColumn('online_access_id', big, (c) =>
      c.notNull().references('online_accesses.id').onDelete('cascade'),
    )
    .addColumn('dealer_id', big, dealer)
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('online_search_log_day')
    .on('online_search_log')
    .columns(['online_access_id', 'day'])
    .execute();
}
