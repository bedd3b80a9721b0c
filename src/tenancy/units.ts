import { z } from 'zod';
import type { AppContext } from '../context.js';
import { withTx } from '../db/tx.js';
import type { OrgUnitRow } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { audit } from './audit.js';
import { getDealer } from './dealers.js';
import { requireWrite, unitVisible, type Actor } from './scope.js';

export const UnitName = z
  .string()
  .trim()
  .min(1)
  .max(120)
  .refine((s) => !s.includes('/'), 'must not contain "/" (it separates units in a path)');

export const UnitInput = z.object({
  dealerId: z.number().int().positive(),
  parentId: z.number().int().positive().nullable().default(null),
  name: UnitName,
});
export type UnitInput = z.input<typeof UnitInput>;

export interface OrgUnit {
  id: number;
  dealerId: number;
  parentId: number | null;
  name: string;
  path: string;
}

function toUnit(r: OrgUnitRow): OrgUnit {
  return { id: r.id, dealerId: r.dealer_id, parentId: r.parent_id, name: r.name, path: r.path };
}

export async function getUnit(ctx: AppContext, actor: Actor, id: number): Promise<OrgUnit> {
  const row = await ctx.db
    .selectFrom('org_units')
    .selectAll()
    .where('id', '=', id)
    .where(unitVisible(actor.scope, 'org_units.id'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError('unit');
  return toUnit(row);
}

export async function listUnits(ctx: AppContext, actor: Actor, dealerId?: number): Promise<OrgUnit[]> {
  let q = ctx.db.selectFrom('org_units').selectAll().where(unitVisible(actor.scope, 'org_units.id'));
  if (dealerId !== undefined) q = q.where('dealer_id', '=', dealerId);
  return (await q.orderBy('path').execute()).map(toUnit);
}

/**
 * A unit may be created at the dealer's top level only by dealer-wide roles; a head creates units
 * below their own unit.
 */
export async function createUnit(ctx: AppContext, actor: Actor, input: UnitInput): Promise<OrgUnit> {
  requireWrite(actor);
  const data = UnitInput.parse(input);
  await getDealer(ctx, actor, data.dealerId);
  if (data.parentId === null && actor.scope.kind === 'unit') {
    throw new NotFoundError('parent unit'); // a head has no access to the dealer's top level
  }
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    let parentPath = '/';
    if (data.parentId !== null) {
      const parent = await getUnit(t, actor, data.parentId);
      if (parent.dealerId !== data.dealerId) throw new NotFoundError('parent unit');
      parentPath = parent.path;
    }
    let dup = db
      .selectFrom('org_units')
      .select('id')
      .where('dealer_id', '=', data.dealerId)
      .where('name', '=', data.name);
    dup =
      data.parentId === null
        ? dup.where('parent_id', 'is', null)
        : dup.where('parent_id', '=', data.parentId);
    if (await dup.executeTakeFirst()) throw new ConflictError(`unit "${data.name}" already exists there`);
    const now = ctx.clock.now();
    const row = await db
      .insertInto('org_units')
      .values({
        dealer_id: data.dealerId,
        parent_id: data.parentId,
        name: data.name,
        path: 'pending',
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const path = `${parentPath}${row.id}/`;
    await db.updateTable('org_units').set({ path }).where('id', '=', row.id).execute();
    await audit(db, ctx.clock, actor, {
      dealerId: data.dealerId,
      action: 'create',
      entity: 'unit',
      entityId: row.id,
      details: { name: data.name, parentId: data.parentId },
    });
    return { id: row.id, dealerId: data.dealerId, parentId: data.parentId, name: data.name, path };
  });
}

export async function renameUnit(ctx: AppContext, actor: Actor, id: number, name: string): Promise<OrgUnit> {
  requireWrite(actor);
  const unit = await getUnit(ctx, actor, id);
  const newName = UnitName.parse(name);
  await withTx(ctx, async (db) => {
    await db
      .updateTable('org_units')
      .set({ name: newName, updated_at: ctx.clock.now() })
      .where('id', '=', id)
      .execute();
    await audit(db, ctx.clock, actor, {
      dealerId: unit.dealerId,
      action: 'update',
      entity: 'unit',
      entityId: id,
      details: { name: [unit.name, newName] },
    });
  });
  return { ...unit, name: newName };
}

/** Deletes an empty unit. A unit that still holds units, users, managers or clients is refused. */
export async function deleteUnit(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  requireWrite(actor);
  const unit = await getUnit(ctx, actor, id);
  if (actor.scope.kind === 'unit' && actor.scope.unitId === id) {
    throw new ValidationError('you cannot delete the unit you belong to');
  }
  await withTx(ctx, async (db) => {
    for (const table of ['org_units', 'users', 'managers', 'clients'] as const) {
      const col = table === 'org_units' ? 'parent_id' : 'unit_id';
      const used = await db.selectFrom(table).select('id').where(col, '=', id).executeTakeFirst();
      if (used)
        throw new ConflictError(`unit "${unit.name}" is not empty (${table.replace('org_', '')} remain)`);
    }
    await db.deleteFrom('org_units').where('id', '=', id).execute();
    await audit(db, ctx.clock, actor, {
      dealerId: unit.dealerId,
      action: 'delete',
      entity: 'unit',
      entityId: id,
    });
  });
}

/**
 * Resolves a unit reference as used by the CLI and the import: a numeric id, or a path of names from
 * the dealer's top, `Branch/Department`.
 */
export async function resolveUnitRef(
  ctx: AppContext,
  actor: Actor,
  dealerId: number,
  ref: string,
): Promise<OrgUnit> {
  if (/^\d+$/.test(ref)) {
    const unit = await getUnit(ctx, actor, Number(ref));
    if (unit.dealerId !== dealerId) throw new NotFoundError(`unit ${ref}`);
    return unit;
  }
  const names = ref
    .split('/')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new ValidationError(`empty unit path "${ref}"`);
  const all = await ctx.db.selectFrom('org_units').selectAll().where('dealer_id', '=', dealerId).execute();
  let parent: number | null = null;
  let found: OrgUnitRow | undefined;
  for (const name of names) {
    found = all.find((u) => u.parent_id === parent && u.name === name);
    if (!found) throw new NotFoundError(`unit "${ref}"`);
    parent = found.id;
  }
  // The walk used unscoped rows: check that the caller may see the result.
  return getUnit(ctx, actor, (found as OrgUnitRow).id);
}

/**
 * The unit a new or moved object goes to. A head who names no unit places it in their own unit,
 * so nothing they create falls outside what they can see.
 */
export async function unitForWrite(
  ctx: AppContext,
  actor: Actor,
  dealerId: number,
  unitId: number | null | undefined,
): Promise<number | null> {
  if (unitId === null || unitId === undefined) {
    return actor.scope.kind === 'unit' ? actor.scope.unitId : null;
  }
  const unit = await getUnit(ctx, actor, unitId);
  if (unit.dealerId !== dealerId) throw new NotFoundError('unit');
  return unit.id;
}
