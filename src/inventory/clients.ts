import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { ClientRow } from '../db/schema.js';
import { withTx } from '../db/tx.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import { audit } from '../tenancy/audit.js';
import { getDealer } from '../tenancy/dealers.js';
import { getManager } from '../tenancy/managers.js';
import { clientVisible, requireWrite, type Actor } from '../tenancy/scope.js';
import { unitForWrite } from '../tenancy/units.js';
import { ClientName } from './names.js';

export const ClientInput = z.object({
  dealerId: z.number().int().positive(),
  unitId: z.number().int().positive().nullable().optional(),
  shortName: ClientName,
  legalName: z.string().trim().max(500).nullable().optional(),
  managerIds: z.array(z.number().int().positive()).max(50).default([]),
});
export type ClientInput = z.input<typeof ClientInput>;

// Defaults are for creation only: in a patch a missing field must stay missing, not become [].
export const ClientPatch = ClientInput.omit({ dealerId: true })
  .extend({ managerIds: z.array(z.number().int().positive()).max(50) })
  .partial();
export type ClientPatch = z.input<typeof ClientPatch>;

export interface Client {
  id: number;
  dealerId: number;
  unitId: number | null;
  shortName: string;
  legalName: string | null;
  managerIds: number[];
}

async function withManagers(ctx: AppContext, rows: ClientRow[]): Promise<Client[]> {
  const ids = rows.map((r) => r.id);
  const links = ids.length
    ? await ctx.db.selectFrom('client_managers').selectAll().where('client_id', 'in', ids).execute()
    : [];
  return rows.map((r) => ({
    id: r.id,
    dealerId: r.dealer_id,
    unitId: r.unit_id,
    shortName: r.short_name,
    legalName: r.legal_name,
    managerIds: links.filter((l) => l.client_id === r.id).map((l) => l.manager_id),
  }));
}

export interface ClientFilter {
  dealerId?: number;
  unitId?: number;
  managerId?: number;
  shortName?: string;
}

export async function listClients(
  ctx: AppContext,
  actor: Actor,
  filter: ClientFilter = {},
): Promise<Client[]> {
  let q = ctx.db.selectFrom('clients').selectAll().where(clientVisible(actor.scope, 'clients.id'));
  if (filter.dealerId !== undefined) q = q.where('dealer_id', '=', filter.dealerId);
  if (filter.unitId !== undefined) q = q.where('unit_id', '=', filter.unitId);
  if (filter.shortName !== undefined) q = q.where('short_name', '=', filter.shortName);
  if (filter.managerId !== undefined) {
    const managerId = filter.managerId;
    q = q.where('id', 'in', (eb) =>
      eb.selectFrom('client_managers').select('client_id').where('manager_id', '=', managerId),
    );
  }
  return withManagers(ctx, await q.orderBy('short_name').execute());
}

export async function getClient(ctx: AppContext, actor: Actor, id: number): Promise<Client> {
  const row = await ctx.db
    .selectFrom('clients')
    .selectAll()
    .where('id', '=', id)
    .where(clientVisible(actor.scope, 'clients.id'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError('client');
  const [client] = await withManagers(ctx, [row]);
  return client as Client;
}

async function checkManagers(
  ctx: AppContext,
  actor: Actor,
  dealerId: number,
  ids: number[],
): Promise<number[]> {
  const unique = [...new Set(ids)];
  for (const id of unique) {
    const m = await getManager(ctx, actor, id);
    if (m.dealerId !== dealerId) throw new NotFoundError('manager');
  }
  return unique;
}

export async function createClient(ctx: AppContext, actor: Actor, input: ClientInput): Promise<Client> {
  requireWrite(actor);
  const data = ClientInput.parse(input);
  await getDealer(ctx, actor, data.dealerId);
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    const unitId = await unitForWrite(t, actor, data.dealerId, data.unitId);
    const managerIds = await checkManagers(t, actor, data.dealerId, data.managerIds);
    const dup = await db
      .selectFrom('clients')
      .select('id')
      .where('dealer_id', '=', data.dealerId)
      .where('short_name', '=', data.shortName)
      .executeTakeFirst();
    if (dup) throw new ConflictError(`client "${data.shortName}" already exists`);
    const now = ctx.clock.now();
    const row = await db
      .insertInto('clients')
      .values({
        dealer_id: data.dealerId,
        unit_id: unitId,
        short_name: data.shortName,
        legal_name: data.legalName ?? null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (managerIds.length) {
      await db
        .insertInto('client_managers')
        .values(managerIds.map((m) => ({ client_id: row.id, manager_id: m })))
        .execute();
    }
    await audit(db, ctx.clock, actor, {
      dealerId: data.dealerId,
      action: 'create',
      entity: 'client',
      entityId: row.id,
      details: { shortName: data.shortName, unitId, managerIds },
    });
    return getClient(t, actor, row.id);
  });
}

export async function updateClient(
  ctx: AppContext,
  actor: Actor,
  id: number,
  patch: ClientPatch,
): Promise<Client> {
  requireWrite(actor);
  const data = ClientPatch.parse(patch);
  const before = await getClient(ctx, actor, id);
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    const unitId =
      data.unitId === undefined ? before.unitId : await unitForWrite(t, actor, before.dealerId, data.unitId);
    if (data.shortName && data.shortName !== before.shortName) {
      const dup = await db
        .selectFrom('clients')
        .select('id')
        .where('dealer_id', '=', before.dealerId)
        .where('short_name', '=', data.shortName)
        .executeTakeFirst();
      if (dup) throw new ConflictError(`client "${data.shortName}" already exists`);
    }
    await db
      .updateTable('clients')
      .set({
        unit_id: unitId,
        short_name: data.shortName ?? before.shortName,
        legal_name: data.legalName === undefined ? before.legalName : data.legalName,
        updated_at: ctx.clock.now(),
      })
      .where('id', '=', id)
      .execute();
    if (data.managerIds) {
      const managerIds = await checkManagers(t, actor, before.dealerId, data.managerIds);
      await db.deleteFrom('client_managers').where('client_id', '=', id).execute();
      if (managerIds.length) {
        await db
          .insertInto('client_managers')
          .values(managerIds.map((m) => ({ client_id: id, manager_id: m })))
          .execute();
      }
    }
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealerId,
      action: 'update',
      entity: 'client',
      entityId: id,
      details: { ...data },
    });
    return getClient(t, actor, id);
  });
}

/** Adds managers to a client without removing the ones it has (used by the import). */
export async function addClientManagers(
  ctx: AppContext,
  clientId: number,
  managerIds: number[],
): Promise<void> {
  const existing = await ctx.db
    .selectFrom('client_managers')
    .select('manager_id')
    .where('client_id', '=', clientId)
    .execute();
  const have = new Set(existing.map((e) => e.manager_id));
  const add = [...new Set(managerIds)].filter((m) => !have.has(m));
  if (add.length) {
    await ctx.db
      .insertInto('client_managers')
      .values(add.map((m) => ({ client_id: clientId, manager_id: m })))
      .execute();
  }
}

/**
 * A manager sees a client through client_managers. When an installation or online access stops naming
 * a manager, the manager keeps the client only if another of the client's objects still names them.
 * Managers assigned to the client directly (no object names anyone) are left alone.
 */
export async function dropUnlinkedClientManagers(ctx: AppContext, clientId: number): Promise<void> {
  const linked = new Set(
    [
      ...(await ctx.db
        .selectFrom('installation_managers')
        .innerJoin('installations', 'installations.id', 'installation_managers.installation_id')
        .select('installation_managers.manager_id as m')
        .where('installations.client_id', '=', clientId)
        .execute()),
      ...(await ctx.db
        .selectFrom('online_access_managers')
        .innerJoin('online_accesses', 'online_accesses.id', 'online_access_managers.online_access_id')
        .select('online_access_managers.manager_id as m')
        .where('online_accesses.client_id', '=', clientId)
        .execute()),
    ].map((r) => r.m),
  );
  if (linked.size === 0) return;
  await ctx.db
    .deleteFrom('client_managers')
    .where('client_id', '=', clientId)
    .where('manager_id', 'not in', [...linked])
    .execute();
}

export async function deleteClient(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  requireWrite(actor);
  const before = await getClient(ctx, actor, id);
  await withTx(ctx, async (db) => {
    await db.deleteFrom('clients').where('id', '=', id).execute();
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealerId,
      action: 'delete',
      entity: 'client',
      entityId: id,
      details: { shortName: before.shortName },
    });
  });
}
