import { sql, type Expression, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { withTx } from '../db/tx.js';
import type { DealerRow, UploadTokenRow } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import { hashToken, newToken } from '../lib/secrets.js';
import { audit } from './audit.js';
import {
  clientVisible,
  dealerVisible,
  requireDealerAdmin,
  requireOperator,
  requireWrite,
  type Actor,
  type Scope,
} from './scope.js';

/** Dealer codes are used in the agents' `dealer:` header and in file paths: keep them plain. */
export const DealerCode = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]{1,63}$/, 'use 2–64 lower-case Latin letters, digits, "-" or "_"');

export const DealerInput = z.object({ code: DealerCode, name: z.string().trim().min(1).max(200) });
export type DealerInput = z.infer<typeof DealerInput>;

export interface Dealer {
  id: number;
  code: string;
  name: string;
  createdAt: number;
}

function toDealer(r: DealerRow): Dealer {
  return { id: r.id, code: r.code, name: r.name, createdAt: r.created_at };
}

export async function createDealer(
  ctx: AppContext,
  actor: Actor,
  input: DealerInput,
): Promise<{ dealer: Dealer; uploadToken: string }> {
  requireOperator(actor);
  const data = DealerInput.parse(input);
  return withTx(ctx, async (db) => {
    const existing = await db
      .selectFrom('dealers')
      .select('id')
      .where('code', '=', data.code)
      .executeTakeFirst();
    if (existing) throw new ConflictError(`dealer ${data.code} already exists`);
    const now = ctx.clock.now();
    const row = await db
      .insertInto('dealers')
      .values({ code: data.code, name: data.name, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    const t = { ...ctx, db };
    const token = await insertUploadToken(t, row.id, null, 'initial');
    await audit(db, ctx.clock, actor, {
      dealerId: row.id,
      action: 'create',
      entity: 'dealer',
      entityId: row.id,
    });
    return { dealer: toDealer(row), uploadToken: token.token };
  });
}

export async function listDealers(ctx: AppContext, actor: Actor): Promise<Dealer[]> {
  const rows = await ctx.db
    .selectFrom('dealers')
    .selectAll()
    .where(dealerVisible(actor.scope, 'dealers.id'))
    .orderBy('code')
    .execute();
  return rows.map(toDealer);
}

export async function getDealer(ctx: AppContext, actor: Actor, id: number): Promise<Dealer> {
  const row = await ctx.db
    .selectFrom('dealers')
    .selectAll()
    .where('id', '=', id)
    .where(dealerVisible(actor.scope, 'dealers.id'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError('dealer');
  return toDealer(row);
}

/** Finds a dealer by code within the actor's scope (the CLI and the import use codes). */
export async function getDealerByCode(ctx: AppContext, actor: Actor, code: string): Promise<Dealer> {
  const row = await ctx.db
    .selectFrom('dealers')
    .selectAll()
    .where('code', '=', code)
    .where(dealerVisible(actor.scope, 'dealers.id'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`dealer ${code}`);
  return toDealer(row);
}

// ---- upload tokens ---------------------------------------------------------------------------

export interface UploadTokenInfo {
  id: number;
  dealerId: number;
  installationId: number | null;
  label: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export async function insertUploadToken(
  ctx: AppContext,
  dealerId: number,
  installationId: number | null,
  label: string,
): Promise<{ id: number; token: string }> {
  const token = newToken('smu');
  const row = await ctx.db
    .insertInto('upload_tokens')
    .values({
      dealer_id: dealerId,
      installation_id: installationId,
      label,
      prefix: token.slice(0, 8),
      token_hash: hashToken(token),
      created_at: ctx.clock.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

/** Issues another upload token for the dealer; the plain token is returned once and never stored. */
export async function createUploadToken(
  ctx: AppContext,
  actor: Actor,
  dealerId: number,
  label: string,
): Promise<{ info: UploadTokenInfo; token: string }> {
  await getDealer(ctx, actor, dealerId);
  requireDealerAdmin(actor);
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    const { id, token } = await insertUploadToken(t, dealerId, null, label.trim() || 'token');
    await audit(db, ctx.clock, actor, { dealerId, action: 'create', entity: 'upload_token', entityId: id });
    const info = (await listUploadTokens(t, actor, dealerId)).find((x) => x.id === id);
    if (!info) throw new NotFoundError('upload token');
    return { info, token };
  });
}

export function toUploadTokenInfo(r: UploadTokenRow): UploadTokenInfo {
  return {
    id: r.id,
    dealerId: r.dealer_id,
    installationId: r.installation_id,
    label: r.label,
    prefix: r.prefix,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

export async function listUploadTokens(
  ctx: AppContext,
  actor: Actor,
  dealerId: number,
): Promise<UploadTokenInfo[]> {
  requireDealerAdmin(actor);
  const rows = await ctx.db
    .selectFrom('upload_tokens')
    .selectAll()
    .where('dealer_id', '=', dealerId)
    .where(dealerVisible(actor.scope, 'upload_tokens.dealer_id'))
    .orderBy('id')
    .execute();
  return rows.map(toUploadTokenInfo);
}

/**
 * Upload tokens the scope sees: every token of a visible dealer, except that a token bound to an
 * installation exists only for those who see the installation (a head of another branch gets 404).
 */
function uploadTokenVisible(scope: Scope): Expression<SqlBool> {
  return sql<SqlBool>`(${dealerVisible(scope, 'upload_tokens.dealer_id')} and (upload_tokens.installation_id is null
    or upload_tokens.installation_id in (select ti.id from installations ti where ${clientVisible(scope, 'ti.client_id')})))`;
}

/**
 * Revokes an upload token. A dealer-wide token is dealer-wide configuration (operator, dealer-admin);
 * a per-installation token may also be revoked by a head who sees its installation, since heads issue
 * those tokens too.
 */
export async function revokeUploadToken(ctx: AppContext, actor: Actor, tokenId: number): Promise<void> {
  const row = await ctx.db
    .selectFrom('upload_tokens')
    .select(['id', 'dealer_id', 'installation_id'])
    .where('id', '=', tokenId)
    .where(uploadTokenVisible(actor.scope))
    .executeTakeFirst();
  // Visibility before role: another dealer's token is "not found" for every caller, never "forbidden".
  if (!row) throw new NotFoundError('upload token');
  if (row.installation_id === null) requireDealerAdmin(actor);
  else requireWrite(actor);
  await withTx(ctx, async (db) => {
    await db
      .updateTable('upload_tokens')
      .set({ revoked_at: ctx.clock.now() })
      .where('id', '=', tokenId)
      .execute();
    await audit(db, ctx.clock, actor, {
      dealerId: row.dealer_id,
      action: 'revoke',
      entity: 'upload_token',
      entityId: tokenId,
      ...(row.installation_id === null ? {} : { details: { installationId: row.installation_id } }),
    });
  });
}

/**
 * Checks an agent's dealer code and token. Returns the dealer id and, for a per-installation token,
 * the installation it is bound to; null when the pair is not valid.
 */
export async function verifyUploadToken(
  ctx: AppContext,
  dealerCode: string,
  token: string,
): Promise<{ dealerId: number; installationId: number | null } | null> {
  // Lookup by hash: the comparison happens on a digest, so timing reveals nothing about the token.
  const row = await ctx.db
    .selectFrom('upload_tokens')
    .innerJoin('dealers', 'dealers.id', 'upload_tokens.dealer_id')
    .select(['upload_tokens.id', 'upload_tokens.dealer_id', 'upload_tokens.installation_id'])
    .where('upload_tokens.token_hash', '=', hashToken(token))
    .where('dealers.code', '=', dealerCode)
    .where('upload_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  await ctx.db
    .updateTable('upload_tokens')
    .set({ last_used_at: ctx.clock.now() })
    .where('id', '=', row.id)
    .execute();
  return { dealerId: row.dealer_id, installationId: row.installation_id };
}
