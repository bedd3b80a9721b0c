import type { AppContext } from '../context.js';
import { withTx } from '../db/tx.js';
import { getInstallation } from '../inventory/installations.js';
import { NotFoundError } from '../lib/errors.js';
import { audit } from '../tenancy/audit.js';
import { insertUploadToken, toUploadTokenInfo, type UploadTokenInfo } from '../tenancy/dealers.js';
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
    return { token, info: toUploadTokenInfo(row) };
  });
}

/**
 * The upload tokens bound to one installation (never the tokens themselves). Whoever may issue them
 * may list them: the operator, dealer admins and heads who see the installation; managers and viewers
 * get 403. The dealer-wide tokens are not included.
 */
export async function listAgentTokens(
  ctx: AppContext,
  actor: Actor,
  installationId: number,
  /** When the caller named a dealer too: an installation of another dealer is not found. */
  dealerId?: number,
): Promise<UploadTokenInfo[]> {
  const inst = await getInstallation(ctx, actor, installationId);
  if (dealerId !== undefined && inst.dealerId !== dealerId) throw new NotFoundError('installation');
  requireWrite(actor);
  const rows = await ctx.db
    .selectFrom('upload_tokens')
    .selectAll()
    .where('installation_id', '=', inst.id)
    .where('dealer_id', '=', inst.dealerId)
    .orderBy('id')
    .execute();
  return rows.map(toUploadTokenInfo);
}
