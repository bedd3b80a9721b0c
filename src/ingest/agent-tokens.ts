import type { AppContext } from '../context.js';
import { withTx } from '../db/tx.js';
import { getInstallation } from '../inventory/installations.js';
import { audit } from '../tenancy/audit.js';
import { insertUploadToken, type UploadTokenInfo } from '../tenancy/dealers.js';
import { requireWrite, type Actor } from '../tenancy/scope.js';

/**
 * A per-installation agent token: it uploads only as that installation and can be revoked alone,
 * unlike the dealer-wide token the existing scripts share.
 */
export async function createAgentToken(
  ctx: AppContext,
  actor: Actor,
  installationId: number,
  label: string,
): Promise<{ info: UploadTokenInfo; token: string }> {
  // Visibility first: an installation outside the caller's scope is 404 whatever their role.
  const inst = await getInstallation(ctx, actor, installationId);
  requireWrite(actor);
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    const { id, token } = await insertUploadToken(
      t,
      inst.dealerId,
      inst.id,
      label.trim() || `agent ${inst.sourceKey}`,
    );
    await audit(db, ctx.clock, actor, {
      dealerId: inst.dealerId,
      action: 'create',
      entity: 'agent_token',
      entityId: id,
      details: { installationId: inst.id },
    });
    const row = await db
      .selectFrom('upload_tokens')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return {
      token,
      info: {
        id,
        dealerId: row.dealer_id,
        installationId: row.installation_id,
        label: row.label,
        prefix: row.prefix,
        createdAt: row.created_at,
        lastUsedAt: null,
        revokedAt: null,
      },
    };
  });
}
