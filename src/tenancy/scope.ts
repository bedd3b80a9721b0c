import { sql, type Expression, type SqlBool } from 'kysely';
import { ForbiddenError } from '../lib/errors.js';

export const ROLES = ['operator', 'dealer-admin', 'head', 'manager', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What part of the tenant data a caller may see. Every repository function that returns tenant data
 * takes a Scope and filters by it in SQL, so isolation is enforced in one place.
 * - all: the instance operator.
 * - dealer: a whole dealer (dealer-admin, or a head/viewer without a unit).
 * - unit: an org unit and everything below it (head, viewer).
 * - manager: the clients assigned to one manager.
 */
export type Scope =
  | { kind: 'all' }
  | { kind: 'dealer'; dealerId: number }
  | { kind: 'unit'; dealerId: number; unitId: number; unitPath: string }
  | { kind: 'manager'; dealerId: number; managerId: number };

/** Who is acting: used for permissions and the audit trail. */
export interface Actor {
  userId: number | null;
  login: string;
  role: Role;
  scope: Scope;
}

/** The instance operator acting from the command line. */
export function cliActor(login = `cli:${process.env.USER ?? 'unknown'}`): Actor {
  return { userId: null, login, role: 'operator', scope: { kind: 'all' } };
}

export function scopeDealerId(scope: Scope): number | null {
  return scope.kind === 'all' ? null : scope.dealerId;
}

const TRUE = sql<SqlBool>`1 = 1`;

function likePrefix(path: string) {
  // Paths contain only digits and slashes, so no LIKE escaping is needed.
  return `${path}%`;
}

/** Rows of `dealers` visible in the scope. */
export function dealerVisible(scope: Scope, column: string): Expression<SqlBool> {
  return scope.kind === 'all' ? TRUE : sql<SqlBool>`${sql.ref(column)} = ${scope.dealerId}`;
}

/** Rows of `clients` (by id column) visible in the scope. */
export function clientVisible(scope: Scope, column: string): Expression<SqlBool> {
  const col = sql.ref(column);
  switch (scope.kind) {
    case 'all':
      return TRUE;
    case 'dealer':
      return sql<SqlBool>`${col} in (select id from clients where dealer_id = ${scope.dealerId})`;
    case 'unit':
      return sql<SqlBool>`${col} in (select c.id from clients c join org_units u on u.id = c.unit_id
        where c.dealer_id = ${scope.dealerId} and u.path like ${likePrefix(scope.unitPath)})`;
    case 'manager':
      return sql<SqlBool>`${col} in (select cm.client_id from client_managers cm join clients c on c.id = cm.client_id
        where cm.manager_id = ${scope.managerId} and c.dealer_id = ${scope.dealerId})`;
  }
}

/** Rows of `org_units` visible in the scope. A manager sees only the unit they belong to. */
export function unitVisible(scope: Scope, column: string): Expression<SqlBool> {
  const col = sql.ref(column);
  switch (scope.kind) {
    case 'all':
      return TRUE;
    case 'dealer':
      return sql<SqlBool>`${col} in (select id from org_units where dealer_id = ${scope.dealerId})`;
    case 'unit':
      return sql<SqlBool>`${col} in (select id from org_units where dealer_id = ${scope.dealerId}
        and path like ${likePrefix(scope.unitPath)})`;
    case 'manager':
      return sql<SqlBool>`${col} in (select unit_id from managers where id = ${scope.managerId})`;
  }
}

/** Rows of `managers` visible in the scope. */
export function managerVisible(scope: Scope, column: string): Expression<SqlBool> {
  const col = sql.ref(column);
  switch (scope.kind) {
    case 'all':
      return TRUE;
    case 'dealer':
      return sql<SqlBool>`${col} in (select id from managers where dealer_id = ${scope.dealerId})`;
    case 'unit':
      return sql<SqlBool>`${col} in (select m.id from managers m join org_units u on u.id = m.unit_id
        where m.dealer_id = ${scope.dealerId} and u.path like ${likePrefix(scope.unitPath)})`;
    case 'manager':
      return sql<SqlBool>`${col} = ${scope.managerId}`;
  }
}

/** Rows of `users` visible in the scope. Managers and viewers see only themselves (handled by callers). */
export function userVisible(scope: Scope, column: string): Expression<SqlBool> {
  const col = sql.ref(column);
  switch (scope.kind) {
    case 'all':
      return TRUE;
    case 'dealer':
      return sql<SqlBool>`${col} in (select id from users where dealer_id = ${scope.dealerId})`;
    case 'unit':
      return sql<SqlBool>`${col} in (select us.id from users us join org_units u on u.id = us.unit_id
        where us.dealer_id = ${scope.dealerId} and u.path like ${likePrefix(scope.unitPath)})`;
    case 'manager':
      return sql<SqlBool>`${col} in (select id from users where manager_id = ${scope.managerId})`;
  }
}

/** Roles that may change configuration (inventory, units, users, managers) inside their scope. */
export function canWrite(actor: Actor): boolean {
  return actor.role === 'operator' || actor.role === 'dealer-admin' || actor.role === 'head';
}

export function requireWrite(actor: Actor): void {
  if (!canWrite(actor)) throw new ForbiddenError(`role ${actor.role} may not change configuration`);
}

/** Dealer-wide settings (upload tokens, routing): the operator and the dealer's admins. */
export function requireDealerAdmin(actor: Actor): void {
  if (actor.role !== 'operator' && actor.role !== 'dealer-admin') {
    throw new ForbiddenError(`role ${actor.role} may not change dealer-wide settings`);
  }
}

export function requireOperator(actor: Actor): void {
  if (actor.role !== 'operator') throw new ForbiddenError('only the instance operator may do this');
}

/** Roles a user may grant: never above their own. */
export function grantableRoles(actor: Actor): Role[] {
  switch (actor.role) {
    case 'operator':
      return [...ROLES];
    case 'dealer-admin':
      return ['dealer-admin', 'head', 'manager', 'viewer'];
    case 'head':
      return ['head', 'manager', 'viewer'];
    default:
      return [];
  }
}
