import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { bigint, withId, type DbKind } from '../dialect.js';

/**
 * Alerts and their delivery: instances with their transition log, per-dealer settings, routing
 * (channels and rules), the notification log per group (what was sent about which instance), the
 * outbox with every delivery attempt, silences and maintenance windows.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);
  const dealer = (c: ColumnDefinitionBuilder) => c.notNull().references('dealers.id').onDelete('cascade');

  // One row per lifetime of an alert on an object: a new row when it fires again after resolving.
  await withId(kind, db.schema.createTable('alert_instances'))
    .addColumn('dealer_id', big, dealer)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', big, (c) => c.notNull())
    .addColumn('client_id', big)
    .addColumn('unit_id', big)
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('filename', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('active_since', big, (c) => c.notNull())
    .addColumn('pending_at', big, (c) => c.notNull())
    .addColumn('fired_at', big)
    .addColumn('resolved_at', big)
    .addColumn('clear_since', big)
    .addColumn('last_eval_at', big, (c) => c.notNull())
    .addColumn('inhibited_by', 'text')
    .addColumn('acked_at', big)
    .addColumn('acked_by', 'text')
    .execute();
  // At most one open (pending or firing) instance per alert and object, on both engines.
  await db.schema
    .createIndex('alert_instances_open')
    .unique()
    .on('alert_instances')
    .columns(['dealer_id', 'name', 'fingerprint'])
    .where(sql.ref('resolved_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('alert_instances_subject')
    .on('alert_instances')
    .columns(['subject_kind', 'subject_id', 'state'])
    .execute();
  await db.schema
    .createIndex('alert_instances_dealer_state')
    .on('alert_instances')
    .columns(['dealer_id', 'state', 'name'])
    .execute();

  await withId(kind, db.schema.createTable('alert_transitions'))
    .addColumn('instance_id', big, (c) => c.notNull().references('alert_instances.id').onDelete('cascade'))
    .addColumn('dealer_id', big, dealer)
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
  await db.schema
    .createIndex('alert_transitions_instance')
    .on('alert_transitions')
    .columns(['instance_id', 'at'])
    .execute();
  await db.schema
    .createIndex('alert_transitions_dealer')
    .on('alert_transitions')
    .columns(['dealer_id', 'at'])
    .execute();

  // Per-dealer overrides of the catalogue (null = the catalogue's value).
  await db.schema
    .createTable('alert_settings')
    .addColumn('dealer_id', big, dealer)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('count_threshold', big)
    .addColumn('for_ms', big)
    .addColumn('keep_firing_for_ms', big)
    .addColumn('group_wait_ms', big)
    .addColumn('group_interval_ms', big)
    .addColumn('repeat_interval_ms', big)
    .addColumn('params', 'text')
    .addColumn('updated_at', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_settings_pk', ['dealer_id', 'name'])
    .execute();

  // Where messages go besides the managers' e-mail: mailboxes, Telegram chats, webhooks of a dealer
  // or of an org unit (and everything below it).
  await withId(kind, db.schema.createTable('notification_channels'))
    .addColumn('dealer_id', big, dealer)
    .addColumn('unit_id', big, (c) => c.references('org_units.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', big)
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notification_channels_dealer')
    .on('notification_channels')
    .columns(['dealer_id'])
    .execute();

  await withId(kind, db.schema.createTable('notification_rules'))
    .addColumn('dealer_id', big, dealer)
    .addColumn('unit_id', big, (c) => c.references('org_units.id').onDelete('cascade'))
    .addColumn('position', big, (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('channel_ids', 'text', (c) => c.notNull())
    .addColumn('managers', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notification_rules_dealer')
    .on('notification_rules')
    .columns(['dealer_id', 'position'])
    .execute();

  // A group: one receiver and one alert name. Flushed when due; the lease makes the flush happen once.
  await withId(kind, db.schema.createTable('notify_groups'))
    .addColumn('dealer_id', big, dealer)
    .addColumn('receiver_kind', 'text', (c) => c.notNull())
    .addColumn('receiver_target', 'text', (c) => c.notNull())
    .addColumn('channel_id', big)
    .addColumn('alert_name', 'text', (c) => c.notNull())
    .addColumn('next_flush_at', big)
    .addColumn('last_flush_at', big)
    .addColumn('count_firing_sent', 'integer', (c) => c.notNull().defaultTo(0))
    // Telegram groups of an alert whose own class does not reach Telegram: only its Count form is sent.
    .addColumn('count_only', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', big)
    .addColumn('created_at', big, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notify_groups_identity')
    .unique()
    .on('notify_groups')
    .columns(['dealer_id', 'receiver_kind', 'receiver_target', 'alert_name'])
    .execute();
  await db.schema.createIndex('notify_groups_due').on('notify_groups').columns(['next_flush_at']).execute();

  // The notification log: what each receiver was told about each instance, and when.
  await db.schema
    .createTable('notify_members')
    .addColumn('group_id', big, (c) => c.notNull().references('notify_groups.id').onDelete('cascade'))
    .addColumn('instance_id', big, (c) => c.notNull().references('alert_instances.id').onDelete('cascade'))
    .addColumn('firing_sent_at', big)
    .addColumn('resolved_sent_at', big)
    .addColumn('last_sent_at', big)
    .addPrimaryKeyConstraint('notify_members_pk', ['group_id', 'instance_id'])
    .execute();
  await db.schema
    .createIndex('notify_members_instance')
    .on('notify_members')
    .columns(['instance_id'])
    .execute();

  // The outbox: every message, claimed by one sender at a time, with its attempts below.
  await withId(kind, db.schema.createTable('notifications'))
    .addColumn('dealer_id', big, (c) => c.references('dealers.id').onDelete('cascade'))
    .addColumn('group_id', big, (c) => c.references('notify_groups.id').onDelete('set null'))
    .addColumn('channel_id', big)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('alert_name', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('payload', 'text')
    .addColumn('instance_count', big, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', big, (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', big, (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', big)
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('sent_at', big)
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('notifications_due')
    .on('notifications')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('notifications_dealer')
    .on('notifications')
    .columns(['dealer_id', 'created_at'])
    .execute();

  await withId(kind, db.schema.createTable('notification_attempts'))
    .addColumn('notification_id', big, (c) => c.notNull().references('notifications.id').onDelete('cascade'))
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('permanent', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('code', 'text')
    .addColumn('retry_after_ms', big)
    .addColumn('duration_ms', big, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notification_attempts_notification')
    .on('notification_attempts')
    .columns(['notification_id'])
    .execute();

  await withId(kind, db.schema.createTable('silences'))
    .addColumn('dealer_id', big, dealer)
    .addColumn('unit_id', big, (c) => c.references('org_units.id').onDelete('cascade'))
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', big, (c) => c.notNull())
    .addColumn('ends_at', big, (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('silences_dealer').on('silences').columns(['dealer_id', 'ends_at']).execute();

  await withId(kind, db.schema.createTable('maintenance_windows'))
    .addColumn('dealer_id', big, dealer)
    .addColumn('scope_kind', 'text', (c) => c.notNull())
    .addColumn('scope_id', big, (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('starts_at', big)
    .addColumn('ends_at', big)
    .addColumn('days', 'text')
    .addColumn('start_time', 'text')
    .addColumn('duration_min', big)
    .addColumn('valid_from', big)
    .addColumn('valid_until', big)
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('maintenance_windows_dealer')
    .on('maintenance_windows')
    .columns(['dealer_id'])
    .execute();

  // The last time an online access was used (units spent or a search logged): OnlineAccessUnused.
  await db.schema.alterTable('online_state').addColumn('last_used_at', big).execute();
}
