import type { Kysely } from 'kysely';
import { bigint, withId, type DbKind } from '../dialect.js';

/** Tenancy, users, inventory and the audit trail. */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);

  await withId(kind, db.schema.createTable('dealers'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();

  await withId(kind, db.schema.createTable('org_units'))
    .addColumn('dealer_id', big, (c) => c.notNull().references('dealers.id').onDelete('cascade'))
    .addColumn('parent_id', big, (c) => c.references('org_units.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('org_units_path').on('org_units').column('path').execute();
  // Sibling names are unique; root units (parent null) are checked in code because NULLs are distinct.
  await db.schema
    .createIndex('org_units_sibling_name')
    .unique()
    .on('org_units')
    .columns(['dealer_id', 'parent_id', 'name'])
    .execute();

  await withId(kind, db.schema.createTable('managers'))
    .addColumn('dealer_id', big, (c) => c.notNull().references('dealers.id').onDelete('cascade'))
    .addColumn('unit_id', big, (c) => c.references('org_units.id').onDelete('set null'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('emails', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('telegram_chat_id', 'text')
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .addUniqueConstraint('managers_dealer_name', ['dealer_id', 'name'])
    .execute();

  await withId(kind, db.schema.createTable('users'))
    .addColumn('dealer_id', big, (c) => c.references('dealers.id').onDelete('cascade'))
    .addColumn('unit_id', big, (c) => c.references('org_units.id').onDelete('restrict'))
    .addColumn('manager_id', big, (c) => c.references('managers.id').onDelete('set null'))
    .addColumn('login', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();

  await withId(kind, db.schema.createTable('sessions'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', big, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('expires_at', big, (c) => c.notNull())
    .execute();

  await withId(kind, db.schema.createTable('api_tokens'))
    .addColumn('user_id', big, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('last_used_at', big)
    .addColumn('revoked_at', big)
    .execute();

  await withId(kind, db.schema.createTable('clients'))
    .addColumn('dealer_id', big, (c) => c.notNull().references('dealers.id').onDelete('cascade'))
    .addColumn('unit_id', big, (c) => c.references('org_units.id').onDelete('set null'))
    .addColumn('short_name', 'text', (c) => c.notNull())
    .addColumn('legal_name', 'text')
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .addUniqueConstraint('clients_dealer_short_name', ['dealer_id', 'short_name'])
    .execute();

  await db.schema
    .createTable('client_managers')
    .addColumn('client_id', big, (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('manager_id', big, (c) => c.notNull().references('managers.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('client_managers_pk', ['client_id', 'manager_id'])
    .execute();
  await db.schema.createIndex('client_managers_manager').on('client_managers').column('manager_id').execute();

  await withId(kind, db.schema.createTable('installations'))
    .addColumn('dealer_id', big, (c) => c.notNull().references('dealers.id').onDelete('cascade'))
    .addColumn('client_id', big, (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source_key', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('port', 'integer')
    .addColumn('protocol', 'text')
    .addColumn('probe_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('collect_interval_s', 'integer', (c) => c.notNull().defaultTo(3600))
    .addColumn('asrp_period_s', 'integer', (c) => c.notNull().defaultTo(604800))
    .addColumn('utc_offset_min', 'integer', (c) => c.notNull().defaultTo(180))
    .addColumn('smartlogin_user', 'text')
    .addColumn('smartlogin_password_enc', 'text')
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .addUniqueConstraint('installations_dealer_source', ['dealer_id', 'source_key'])
    .execute();
  await db.schema.createIndex('installations_client').on('installations').column('client_id').execute();

  await db.schema
    .createTable('installation_managers')
    .addColumn('installation_id', big, (c) => c.notNull().references('installations.id').onDelete('cascade'))
    .addColumn('manager_id', big, (c) => c.notNull().references('managers.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('installation_managers_pk', ['installation_id', 'manager_id'])
    .execute();

  await withId(kind, db.schema.createTable('online_accesses'))
    .addColumn('dealer_id', big, (c) => c.notNull().references('dealers.id').onDelete('cascade'))
    .addColumn('client_id', big, (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('password_enc', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('folder', 'text', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .addUniqueConstraint('online_accesses_identity', ['dealer_id', 'host', 'folder', 'login'])
    .execute();
  await db.schema.createIndex('online_accesses_client').on('online_accesses').column('client_id').execute();

  await db.schema
    .createTable('online_access_managers')
    .addColumn('online_access_id', big, (c) =>
      c.notNull().references('online_accesses.id').onDelete('cascade'),
    )
    .addColumn('manager_id', big, (c) => c.notNull().references('managers.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('online_access_managers_pk', ['online_access_id', 'manager_id'])
    .execute();

  await withId(kind, db.schema.createTable('upload_tokens'))
    .addColumn('dealer_id', big, (c) => c.notNull().references('dealers.id').onDelete('cascade'))
    .addColumn('installation_id', big, (c) => c.references('installations.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('last_used_at', big)
    .addColumn('revoked_at', big)
    .execute();

  await withId(kind, db.schema.createTable('audit_log'))
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('dealer_id', big)
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('audit_log_dealer_at').on('audit_log').columns(['dealer_id', 'at']).execute();
}
