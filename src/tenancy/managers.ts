import { z } from 'zod';
import type { AppContext } from '../context.js';
import { withTx } from '../db/tx.js';
import type { ManagerRow } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import { audit } from './audit.js';
import { getDealer } from './dealers.js';
import { managerVisible, requireWrite, type Actor } from './scope.js';
import { unitForWrite } from './units.js';

export const Email = z.string().trim().toLowerCase().pipe(z.email());

export const ManagerInput = z.object({
  dealerId: z.number().int().positive(),
  unitId: z.number().int().positive().nullable().optional(),
  name: z.string().trim().min(1).max(200),
  emails: z.array(Email).max(20).default([]),
  telegramChatId: z
    .string()
    .trim()
    .regex(/^-?\d{1,20}$|^@[A-Za-z0-9_]{5,64}$/, 'a numeric chat id or an @channel name')
    .nullable()
    .optional(),
});
export type ManagerInput = z.input<typeof ManagerInput>;

// Defaults are for creation only: in a patch a missing field must stay missing, not become [].
export const ManagerPatch = ManagerInput.omit({ dealerId: true })
  .extend({ emails: z.array(Email).max(20) })
  .partial();
export type ManagerPatch = z.input<typeof ManagerPatch>;

export interface Manager {
  id: number;
  dealerId: number;
  unitId: number | null;
  name: string;
  emails: string[];
  telegramChatId: string | null;
}

export function toManager(r: ManagerRow): Manager {
  return {
    id: r.id,
    dealerId: r.dealer_id,
    unitId: r.unit_id,
    name: r.name,
    emails: JSON.parse(r.emails) as string[],
    telegramChatId: r.telegram_chat_id,
  };
}

export async function getManager(ctx: AppContext, actor: Actor, id: number): Promise<Manager> {
  const row = await ctx.db
    .selectFrom('managers')
    .selectAll()
    .where('id', '=', id)
    .where(managerVisible(actor.scope, 'managers.id'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError('manager');
  return toManager(row);
}

export async function listManagers(ctx: AppContext, actor: Actor, dealerId?: number): Promise<Manager[]> {
  let q = ctx.db.selectFrom('managers').selectAll().where(managerVisible(actor.scope, 'managers.id'));
  if (dealerId !== undefined) q = q.where('dealer_id', '=', dealerId);
  return (await q.orderBy('name').execute()).map(toManager);
}

export async function createManager(ctx: AppContext, actor: Actor, input: ManagerInput): Promise<Manager> {
  requireWrite(actor);
  const data = ManagerInput.parse(input);
  await getDealer(ctx, actor, data.dealerId);
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    const unitId = await unitForWrite(t, actor, data.dealerId, data.unitId);
    const dup = await db
      .selectFrom('managers')
      .select('id')
      .where('dealer_id', '=', data.dealerId)
      .where('name', '=', data.name)
      .executeTakeFirst();
    if (dup) throw new ConflictError(`manager "${data.name}" already exists`);
    const now = ctx.clock.now();
    const row = await db
      .insertInto('managers')
      .values({
        dealer_id: data.dealerId,
        unit_id: unitId,
        name: data.name,
        emails: JSON.stringify([...new Set(data.emails)]),
        telegram_chat_id: data.telegramChatId ?? null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(db, ctx.clock, actor, {
      dealerId: data.dealerId,
      action: 'create',
      entity: 'manager',
      entityId: row.id,
      details: { name: data.name },
    });
    return toManager(row);
  });
}

export async function updateManager(
  ctx: AppContext,
  actor: Actor,
  id: number,
  patch: ManagerPatch,
): Promise<Manager> {
  requireWrite(actor);
  const data = ManagerPatch.parse(patch);
  const before = await getManager(ctx, actor, id);
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    const unitId =
      data.unitId === undefined ? before.unitId : await unitForWrite(t, actor, before.dealerId, data.unitId);
    if (data.name && data.name !== before.name) {
      const dup = await db
        .selectFrom('managers')
        .select('id')
        .where('dealer_id', '=', before.dealerId)
        .where('name', '=', data.name)
        .executeTakeFirst();
      if (dup) throw new ConflictError(`manager "${data.name}" already exists`);
    }
    const row = await db
      .updateTable('managers')
      .set({
        unit_id: unitId,
        name: data.name ?? before.name,
        emails: JSON.stringify(data.emails ? [...new Set(data.emails)] : before.emails),
        telegram_chat_id: data.telegramChatId === undefined ? before.telegramChatId : data.telegramChatId,
        updated_at: ctx.clock.now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealerId,
      action: 'update',
      entity: 'manager',
      entityId: id,
      details: { ...data },
    });
    return toManager(row);
  });
}

export async function deleteManager(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  requireWrite(actor);
  const before = await getManager(ctx, actor, id);
  await withTx(ctx, async (db) => {
    await db.deleteFrom('managers').where('id', '=', id).execute();
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealerId,
      action: 'delete',
      entity: 'manager',
      entityId: id,
    });
  });
}
