import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { OnlineAccessRow } from '../db/schema.js';
import { withTx } from '../db/tx.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import { audit } from '../tenancy/audit.js';
import { getManager } from '../tenancy/managers.js';
import { clientVisible, requireWrite, type Actor } from '../tenancy/scope.js';
import { addClientManagers, dropUnlinkedClientManagers, getClient } from './clients.js';
import { ManagerLink } from './installations.js';
import { HostName, Protocol } from './names.js';

export const OnlineFolder = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be the catalogue name only, without "/" (e.g. kodeks01)');

export const OnlineLogin = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200)
  .refine((s) => !/[\s\p{Cc}]/u.test(s), 'must not contain spaces or control characters');

export const OnlineAccessInput = z.object({
  clientId: z.number().int().positive(),
  login: OnlineLogin,
  password: z.string().min(1).max(256),
  host: HostName,
  folder: OnlineFolder,
  protocol: Protocol.default('https'),
  /** The access's time zone, minutes east of UTC: its billing month starts at local midnight on the 1st. */
  utcOffsetMin: z
    .number()
    .int()
    .min(-12 * 60)
    .max(14 * 60)
    .refine((v) => v % 15 === 0, 'must be a multiple of 15 minutes')
    .default(180),
  managers: z.array(ManagerLink).max(50).default([]),
});
export type OnlineAccessInput = z.input<typeof OnlineAccessInput>;

/**
 * clientId moves the access to another client of the same dealer. Defaults are for creation only:
 * a patch without protocol or managers keeps the stored ones.
 */
export const OnlineAccessPatch = OnlineAccessInput.extend({
  protocol: Protocol,
  utcOffsetMin: OnlineAccessInput.shape.utcOffsetMin.removeDefault(),
  managers: z.array(ManagerLink).max(50),
}).partial();
export type OnlineAccessPatch = z.input<typeof OnlineAccessPatch>;

export interface OnlineAccess {
  id: number;
  dealerId: number;
  clientId: number;
  login: string;
  host: string;
  folder: string;
  protocol: 'http' | 'https';
  utcOffsetMin: number;
  /** Always true: a password is required; it is never returned. */
  passwordSet: boolean;
  managers: ManagerLink[];
}

async function hydrate(ctx: AppContext, rows: OnlineAccessRow[]): Promise<OnlineAccess[]> {
  const ids = rows.map((r) => r.id);
  const links = ids.length
    ? await ctx.db
        .selectFrom('online_access_managers')
        .selectAll()
        .where('online_access_id', 'in', ids)
        .execute()
    : [];
  return rows.map((r) => ({
    id: r.id,
    dealerId: r.dealer_id,
    clientId: r.client_id,
    login: r.login,
    host: r.host,
    folder: r.folder,
    protocol: r.protocol as 'http' | 'https',
    utcOffsetMin: r.utc_offset_min,
    passwordSet: r.password_enc.length > 0,
    managers: links
      .filter((l) => l.online_access_id === r.id)
      .map((l) => ({ managerId: l.manager_id, email: l.email }))
      .sort((a, b) => a.managerId - b.managerId),
  }));
}

export interface OnlineAccessFilter {
  dealerId?: number;
  clientId?: number;
}

export async function listOnlineAccesses(
  ctx: AppContext,
  actor: Actor,
  filter: OnlineAccessFilter = {},
): Promise<OnlineAccess[]> {
  let q = ctx.db
    .selectFrom('online_accesses')
    .selectAll()
    .where(clientVisible(actor.scope, 'online_accesses.client_id'));
  if (filter.dealerId !== undefined) q = q.where('dealer_id', '=', filter.dealerId);
  if (filter.clientId !== undefined) q = q.where('client_id', '=', filter.clientId);
  return hydrate(ctx, await q.orderBy('host').orderBy('folder').orderBy('login').execute());
}

export async function getOnlineAccess(ctx: AppContext, actor: Actor, id: number): Promise<OnlineAccess> {
  const row = await ctx.db
    .selectFrom('online_accesses')
    .selectAll()
    .where('id', '=', id)
    .where(clientVisible(actor.scope, 'online_accesses.client_id'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError('online access');
  return (await hydrate(ctx, [row]))[0] as OnlineAccess;
}

/** The decrypted password, for the online poller and `export --with-secrets` only. */
export async function onlineAccessPassword(ctx: AppContext, actor: Actor, id: number): Promise<string> {
  await getOnlineAccess(ctx, actor, id);
  const row = await ctx.db
    .selectFrom('online_accesses')
    .select('password_enc')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return ctx.secrets.decrypt(row.password_enc);
}

async function setLinks(ctx: AppContext, actor: Actor, dealerId: number, id: number, links: ManagerLink[]) {
  for (const l of links) {
    const m = await getManager(ctx, actor, l.managerId);
    if (m.dealerId !== dealerId) throw new NotFoundError('manager');
  }
  const unique = [...new Map(links.map((l) => [l.managerId, l])).values()];
  await ctx.db.deleteFrom('online_access_managers').where('online_access_id', '=', id).execute();
  if (unique.length) {
    await ctx.db
      .insertInto('online_access_managers')
      .values(unique.map((l) => ({ online_access_id: id, manager_id: l.managerId, email: l.email })))
      .execute();
  }
  return unique.map((l) => l.managerId);
}

async function checkUnique(ctx: AppContext, dealerId: number, host: string, folder: string, login: string) {
  const dup = await ctx.db
    .selectFrom('online_accesses')
    .select('id')
    .where('dealer_id', '=', dealerId)
    .where('host', '=', host)
    .where('folder', '=', folder)
    .where('login', '=', login)
    .executeTakeFirst();
  if (dup) throw new ConflictError(`online access ${login}@${host}/${folder} already exists`);
}

export async function createOnlineAccess(
  ctx: AppContext,
  actor: Actor,
  input: OnlineAccessInput,
): Promise<OnlineAccess> {
  requireWrite(actor);
  const data = OnlineAccessInput.parse(input);
  const client = await getClient(ctx, actor, data.clientId);
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    await checkUnique(t, client.dealerId, data.host, data.folder, data.login);
    const now = ctx.clock.now();
    const row = await db
      .insertInto('online_accesses')
      .values({
        dealer_id: client.dealerId,
        client_id: client.id,
        login: data.login,
        password_enc: ctx.secrets.encrypt(data.password),
        host: data.host,
        folder: data.folder,
        protocol: data.protocol,
        utc_offset_min: data.utcOffsetMin,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const managerIds = await setLinks(t, actor, client.dealerId, row.id, data.managers);
    await addClientManagers(t, client.id, managerIds);
    await audit(db, ctx.clock, actor, {
      dealerId: client.dealerId,
      action: 'create',
      entity: 'online_access',
      entityId: row.id,
      details: { login: data.login, host: data.host, folder: data.folder },
    });
    return getOnlineAccess(t, actor, row.id);
  });
}

export async function updateOnlineAccess(
  ctx: AppContext,
  actor: Actor,
  id: number,
  patch: OnlineAccessPatch,
): Promise<OnlineAccess> {
  requireWrite(actor);
  const data = OnlineAccessPatch.parse(patch);
  const before = await getOnlineAccess(ctx, actor, id);
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    const host = data.host ?? before.host;
    const folder = data.folder ?? before.folder;
    const login = data.login ?? before.login;
    if (host !== before.host || folder !== before.folder || login !== before.login) {
      await checkUnique(t, before.dealerId, host, folder, login);
    }
    let clientId = before.clientId;
    if (data.clientId !== undefined && data.clientId !== before.clientId) {
      const client = await getClient(t, actor, data.clientId);
      if (client.dealerId !== before.dealerId) throw new NotFoundError('client');
      clientId = client.id;
    }
    await db
      .updateTable('online_accesses')
      .set({
        client_id: clientId,
        host,
        folder,
        login,
        protocol: data.protocol ?? before.protocol,
        ...(data.utcOffsetMin !== undefined ? { utc_offset_min: data.utcOffsetMin } : {}),
        ...(data.password !== undefined ? { password_enc: ctx.secrets.encrypt(data.password) } : {}),
        updated_at: ctx.clock.now(),
      })
      .where('id', '=', id)
      .execute();
    if (data.managers || clientId !== before.clientId) {
      const links = data.managers ?? before.managers;
      const managerIds = await setLinks(t, actor, before.dealerId, id, links);
      await addClientManagers(t, clientId, managerIds);
      await dropUnlinkedClientManagers(t, before.clientId);
    }
    const { password, ...shown } = data;
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealerId,
      action: 'update',
      entity: 'online_access',
      entityId: id,
      details: { ...shown, ...(password !== undefined ? { password: 'changed' } : {}) },
    });
    return getOnlineAccess(t, actor, id);
  });
}

export async function deleteOnlineAccess(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  requireWrite(actor);
  const before = await getOnlineAccess(ctx, actor, id);
  await withTx(ctx, async (db) => {
    await db.deleteFrom('online_accesses').where('id', '=', id).execute();
    await dropUnlinkedClientManagers({ ...ctx, db }, before.clientId);
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealerId,
      action: 'delete',
      entity: 'online_access',
      entityId: id,
      details: { login: before.login, host: before.host, folder: before.folder },
    });
  });
}
