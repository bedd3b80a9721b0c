import type { AppContext } from '../../context.js';
import { createManager, getManager, toManager, updateManager } from '../../tenancy/managers.js';
import type { Actor } from '../../tenancy/scope.js';
import { NotFoundError } from '../../lib/errors.js';
import { createClient, getClient } from '../clients.js';
import type { ImportResult } from './types.js';

export interface ImportTarget {
  dealerId: number;
  unitId: number | null | undefined;
  file: string;
}

export function change(result: ImportResult, c: ImportResult['changes'][number]): void {
  result.changes.push(c);
  result.counts[c.action] += 1;
}

async function isVisible(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    if (e instanceof NotFoundError) return false;
    throw e;
  }
}

/**
 * Finds or creates every manager the file names, adding e-mails they did not have yet.
 * Returns name → id; a manager that exists outside the caller's scope is an error on its line.
 */
export async function ensureManagers(
  ctx: AppContext,
  actor: Actor,
  target: ImportTarget,
  managers: Map<string, { emails: string[]; line: number }>,
  result: ImportResult,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const existing = await ctx.db
    .selectFrom('managers')
    .selectAll()
    .where('dealer_id', '=', target.dealerId)
    .execute();
  for (const [name, { emails, line }] of managers) {
    const row = existing.find((m) => m.name === name);
    if (!row) {
      const m = await createManager(ctx, actor, {
        dealerId: target.dealerId,
        unitId: target.unitId,
        name,
        emails,
      });
      change(result, {
        action: 'create',
        entity: 'manager',
        key: name,
        fields: [`emails: ${emails.join(', ')}`],
      });
      ids.set(name, m.id);
      continue;
    }
    if (!(await isVisible(() => getManager(ctx, actor, row.id)))) {
      result.errors.push({
        file: target.file,
        line,
        column: 2,
        columnName: 'manager',
        message: `manager "${name}" belongs to a part of the dealer you have no access to`,
      });
      continue;
    }
    const have = toManager(row).emails;
    const added = emails.filter((e) => !have.includes(e));
    if (added.length) {
      await updateManager(ctx, actor, row.id, { emails: [...have, ...added] });
      change(result, {
        action: 'update',
        entity: 'manager',
        key: name,
        fields: [`emails: ${have.join(', ') || '—'} → ${[...have, ...added].join(', ')}`],
      });
    }
    ids.set(name, row.id);
  }
  return ids;
}

/** Finds the client by short name or creates it; null (with an error) when it is outside the scope. */
export async function ensureClient(
  ctx: AppContext,
  actor: Actor,
  target: ImportTarget,
  shortName: string,
  line: number,
  result: ImportResult,
): Promise<number | null> {
  const row = await ctx.db
    .selectFrom('clients')
    .select('id')
    .where('dealer_id', '=', target.dealerId)
    .where('short_name', '=', shortName)
    .executeTakeFirst();
  if (row) {
    if (await isVisible(() => getClient(ctx, actor, row.id))) return row.id;
    result.errors.push({
      file: target.file,
      line,
      column: 1,
      message: `client "${shortName}" belongs to a part of the dealer you have no access to`,
    });
    return null;
  }
  const client = await createClient(ctx, actor, {
    dealerId: target.dealerId,
    unitId: target.unitId,
    shortName,
  });
  change(result, { action: 'create', entity: 'client', key: shortName });
  return client.id;
}

export { isVisible };

/** `Name <e-mail>` lists, for showing manager changes. */
export function showLinks(links: { managerId: number; email: string }[], names: Map<number, string>): string {
  return (
    links
      .map((l) => `${names.get(l.managerId) ?? `#${l.managerId}`} <${l.email}>`)
      .sort()
      .join('; ') || '—'
  );
}

export function sameLinks(
  a: { managerId: number; email: string }[],
  b: { managerId: number; email: string }[],
) {
  const key = (xs: { managerId: number; email: string }[]) =>
    xs
      .map((l) => `${l.managerId}:${l.email}`)
      .sort()
      .join('|');
  return key(a) === key(b);
}
