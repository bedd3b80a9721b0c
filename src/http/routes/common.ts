import type { Runtime } from '../../runtime.js';
import { ValidationError } from '../../lib/errors.js';
import { scopeDealerId, type Actor } from '../../tenancy/scope.js';

export interface RouteOptions {
  runtime: Runtime;
}

/** A request's dealerId, defaulting to the caller's own dealer (only the operator has none). */
export function dealerIdFor(actor: Actor, given: number | undefined): number {
  if (given !== undefined) return given;
  const own = scopeDealerId(actor.scope);
  if (own === null) throw ValidationError.about('dealerId', 'required, because you belong to no dealer');
  return own;
}
