import type { Db } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import type { Actor } from './scope.js';

export interface AuditEntry {
  dealerId: number | null;
  action: 'create' | 'update' | 'delete' | 'import' | 'rotate' | 'revoke' | 'login' | 'export';
  entity: string;
  entityId: string | number;
  details?: Record<string, unknown>;
}

/** Records who changed what. Written in the same transaction as the change itself. */
export async function audit(db: Db, clock: Clock, actor: Actor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: clock.now(),
      dealer_id: entry.dealerId,
      actor: actor.login,
      action: entry.action,
      entity: entry.entity,
      entity_id: String(entry.entityId),
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
