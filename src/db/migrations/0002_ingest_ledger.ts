import type { Kysely } from 'kysely';
import { bigint, withId, type DbKind } from '../dialect.js';

/** The report ledger (every accepted upload or pull, before and after processing) and channel health. */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);
  await withId(kind, db.schema.createTable('reports'))
    .addColumn('dealer_id', big, (c) => c.notNull().references('dealers.id').onDelete('cascade'))
    .addColumn('installation_id', big, (c) => c.references('installations.id').onDelete('set null'))
    .addColumn('source_name', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size_bytes', big, (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('spool_path', 'text', (c) => c.notNull())
    .addColumn('received_at', big, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_until', big)
    .addColumn('processed_at', big)
    .addColumn('report_at', big)
    .addColumn('error_reason', 'text')
    .addColumn('error_message', 'text')
    .execute();
  await db.schema.createIndex('reports_status_node').on('reports').columns(['status', 'node_id']).execute();
  await db.schema
    .createIndex('reports_dealer_file')
    .on('reports')
    .columns(['dealer_id', 'file_name'])
    .execute();
  await db.schema.createIndex('reports_dealer_sha').on('reports').columns(['dealer_id', 'sha256']).execute();
  await db.schema
    .createIndex('reports_installation')
    .on('reports')
    .columns(['installation_id', 'received_at'])
    .execute();

  await db.schema
    .createTable('installation_channels')
    .addColumn('installation_id', big, (c) => c.notNull().references('installations.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('last_received_at', big)
    .addColumn('last_processed_at', big)
    .addColumn('last_data_at', big)
    .addColumn('last_error_at', big)
    .addColumn('last_error_reason', 'text')
    .addColumn('last_error_message', 'text')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('installation_channels_pk', ['installation_id', 'channel'])
    .execute();
}
