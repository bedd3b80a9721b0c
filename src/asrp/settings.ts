/**
 * A dealer's ASRP upload settings: endpoint, login, password (encrypted with the SecretBox, never
 * returned), schedule and on/off. Read and changed by the operator and the dealer's administrators.
 */
import type { AppContext } from '../context.js';
import { withTx } from '../db/tx.js';
import { ForbiddenError, ValidationError } from '../lib/errors.js';
import { audit } from '../tenancy/audit.js';
import { getDealer } from '../tenancy/dealers.js';
import { requireDealerAdmin, scopeDealerId, type Actor } from '../tenancy/scope.js';
import { ASRP_DEFAULT_SCHEDULE_S, ASRP_JOB, AsrpSettingsInput, type AsrpSettingsOut } from './contract.js';

/** What the uploader needs: the password in clear, only in memory. */
export interface AsrpDealerSettings {
  dealerId: number;
  dealerCode: string;
  enabled: boolean;
  endpoint: string;
  login: string;
  password: string;
  scheduleS: number;
}

async function dealerIdOf(ctx: AppContext, actor: Actor, given: number | undefined): Promise<number> {
  const id = given ?? scopeDealerId(actor.scope);
  if (id === null) throw ValidationError.about('dealerId', 'required, because you belong to no dealer');
  await getDealer(ctx, actor, id);
  return id;
}

function requireSettingsRole(actor: Actor): void {
  if (actor.role !== 'operator' && actor.role !== 'dealer-admin')
    throw new ForbiddenError('only the operator and dealer administrators see the ASRP settings');
}

export async function getAsrpSettings(
  ctx: AppContext,
  actor: Actor,
  dealerId?: number,
): Promise<AsrpSettingsOut> {
  const id = await dealerIdOf(ctx, actor, dealerId);
  requireSettingsRole(actor);
  const row = await ctx.db
    .selectFrom('asrp_settings')
    .selectAll()
    .where('dealer_id', '=', id)
    .executeTakeFirst();
  if (!row) {
    return {
      dealerId: id,
      configured: false,
      enabled: false,
      endpoint: '',
      login: '',
      passwordSet: false,
      scheduleS: ASRP_DEFAULT_SCHEDULE_S,
      updatedAt: null,
    };
  }
  return {
    dealerId: id,
    configured: true,
    enabled: row.enabled === 1,
    endpoint: row.endpoint,
    login: row.login,
    passwordSet: row.password_enc !== '',
    scheduleS: row.schedule_s,
    updatedAt: row.updated_at,
  };
}

/** Replaces the settings; a password left out keeps the stored one (it is required the first time). */
export async function putAsrpSettings(
  ctx: AppContext,
  actor: Actor,
  input: AsrpSettingsInput,
): Promise<AsrpSettingsOut> {
  const data = AsrpSettingsInput.parse(input);
  const dealerId = await dealerIdOf(ctx, actor, data.dealerId);
  requireDealerAdmin(actor);
  const now = ctx.clock.now();
  await withTx(ctx, async (db) => {
    const old = await db
      .selectFrom('asrp_settings')
      .select('password_enc')
      .where('dealer_id', '=', dealerId)
      .executeTakeFirst();
    if (data.password === undefined && !old?.password_enc)
      throw ValidationError.about('password', 'required the first time the ASRP settings are saved');
    const values = {
      enabled: data.enabled ? 1 : 0,
      endpoint: data.endpoint,
      login: data.login,
      password_enc: data.password !== undefined ? ctx.secrets.encrypt(data.password) : old!.password_enc,
      schedule_s: data.scheduleS,
      updated_at: now,
    };
    await db
      .insertInto('asrp_settings')
      .values({ dealer_id: dealerId, ...values })
      .onConflict((oc) => oc.column('dealer_id').doUpdateSet(values))
      .execute();
    await audit(db, ctx.clock, actor, {
      dealerId,
      action: 'update',
      entity: 'asrp_settings',
      entityId: dealerId,
      details: {
        enabled: data.enabled,
        endpoint: data.endpoint,
        login: data.login,
        scheduleS: data.scheduleS,
        passwordChanged: data.password !== undefined,
      },
    });
    // Uploads that failed (a wrong password, a wrong address) are tried again at once with the fix.
    if (data.enabled) {
      await db
        .updateTable('jobs')
        .set({ next_run_at: now })
        .where('kind', '=', ASRP_JOB)
        .where('dealer_id', '=', dealerId)
        .where('last_outcome', '=', 'failed')
        .execute();
    }
  });
  return getAsrpSettings(ctx, actor, dealerId);
}

/** Settings of every dealer that has ASRP upload switched on (or of the given dealers). */
export async function loadEnabledSettings(
  ctx: AppContext,
  dealerIds?: number[],
): Promise<AsrpDealerSettings[]> {
  let q = ctx.db
    .selectFrom('asrp_settings as s')
    .innerJoin('dealers as d', 'd.id', 's.dealer_id')
    .select(['s.dealer_id', 'd.code', 's.enabled', 's.endpoint', 's.login', 's.password_enc', 's.schedule_s'])
    .where('s.enabled', '=', 1);
  if (dealerIds) q = q.where('s.dealer_id', 'in', dealerIds.length ? dealerIds : [-1]);
  const rows = await q.execute();
  return rows.map((r) => ({
    dealerId: Number(r.dealer_id),
    dealerCode: r.code,
    enabled: r.enabled === 1,
    endpoint: r.endpoint,
    login: r.login,
    password: ctx.secrets.decrypt(r.password_enc),
    scheduleS: r.schedule_s,
  }));
}
