import type { Kysely } from 'kysely';
import { bigint, withId, type DbKind } from '../dialect.js';

/**
 * ASRP upload automation (issue 8, part 4): per dealer, where and how often the stored sysinfo files
 * are sent to ASRP (`asrp_settings`, the password encrypted); per installation, every attempt and
 * ASRP's answer (`asrp_uploads`), which is also what keeps an unchanged file from being sent again.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);

  await db.schema
    .createTable('asrp_settings')
    .addColumn('dealer_id', big, (c) => c.primaryKey().references('dealers.id').onDelete('cascade'))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('login', 'text', (c) => c.notNull())
    /** SecretBox ciphertext; never returned by the API. */
    .addColumn('password_enc', 'text', (c) => c.notNull())
    .addColumn('schedule_s', 'integer', (c) => c.notNull().defaultTo(604800))
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();

  await withId(kind, db.schema.createTable('asrp_uploads'))
    .addColumn('dealer_id', big, (c) => c.notNull().references('dealers.id').onDelete('cascade'))
    .addColumn('installation_id', big, (c) => c.notNull().references('installations.id').onDelete('cascade'))
    /** The sysinfo report sent (null when nothing could be sent: no file, an error before sending). */
    .addColumn('report_id', big)
    .addColumn('sha256', 'text')
    .addColumn('size_bytes', big)
    .addColumn('sent_at', big, (c) => c.notNull())
    /** accepted (Принят) | repeat (Повтор) | warning | error */
    .addColumn('outcome', 'text', (c) => c.notNull())
    /** ASRP's "Ответ сервера" (ok / warning), null when it did not answer. */
    .addColumn('response', 'text')
    /** ASRP's "Состояние" (Принят / Повтор). */
    .addColumn('state', 'text')
    .addColumn('upload_number', 'text')
    .addColumn('identifier', 'text')
    /** For errors: auth | http | timeout | network | file. */
    .addColumn('error_kind', 'text')
    .addColumn('http_status', 'integer')
    .addColumn('message', 'text')
    .addColumn('duration_ms', 'integer')
    .execute();
  await db.schema
    .createIndex('asrp_uploads_inst')
    .on('asrp_uploads')
    .columns(['installation_id', 'id'])
    .execute();
  await db.schema
    .createIndex('asrp_uploads_dealer_at')
    .on('asrp_uploads')
    .columns(['dealer_id', 'sent_at'])
    .execute();
}
