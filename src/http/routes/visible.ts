import type { AppContext } from '../../context.js';
import { getClient } from '../../inventory/clients.js';
import { getDealer } from '../../tenancy/dealers.js';
import { getManager } from '../../tenancy/managers.js';
import type { Actor } from '../../tenancy/scope.js';
import { getUnit } from '../../tenancy/units.js';

/** Objects a request body points at. */
export interface Refs {
  dealerId?: number | null;
  unitIds?: (number | null | undefined)[];
  clientId?: number;
  managerIds?: (number | null | undefined)[];
}

/**
 * "Not found" comes before "forbidden": the repositories check the role first, so without this a
 * manager writing to another dealer's object would learn 403 instead of 404. The API promises 404 for
 * everything outside the caller's scope, whatever their role, so handlers check visibility first.
 */
export async function requireVisible(ctx: AppContext, actor: Actor, refs: Refs): Promise<void> {
  if (refs.dealerId !== undefined && refs.dealerId !== null) await getDealer(ctx, actor, refs.dealerId);
  for (const id of refs.unitIds ?? []) if (id) await getUnit(ctx, actor, id);
  if (refs.clientId !== undefined) await getClient(ctx, actor, refs.clientId);
  for (const id of refs.managerIds ?? []) if (id) await getManager(ctx, actor, id);
}
