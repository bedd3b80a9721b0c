/**
 * The lists behind the selectors at the top of the dashboards: dealers (for the operator), units,
 * managers, clients, installations, online accesses, AD domains and DC servers, all within the
 * caller's scope. The selectors form a chain, as Grafana's chained variables do: a dealer narrows
 * everything below it, a unit narrows managers, clients and the objects, a manager narrows clients
 * and the objects, a client narrows the objects, an installation narrows the domains. A list is never
 * narrowed by its own variable, so the selector keeps offering the other choices.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { AppContext } from '../context.js';
import { dealerVisible, managerVisible, unitVisible, clientVisible, type Actor } from '../tenancy/scope.js';
import type { VariablesOut, VariablesQuery } from './contract.js';
import { chunked } from './rank.js';
import { visibleInstallations, visibleOnlineAccesses } from './subjects.js';

const has = (l: readonly number[] | undefined): l is readonly number[] => l !== undefined && l.length > 0;

/** `column` (a unit id) lies in the subtree of one of the units. */
export function inUnitSubtree(column: string, unitIds: readonly number[]): Expression<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} in (select d.id from org_units d join org_units u
    on d.path like u.path || '%' where u.id in (${sql.join(unitIds)}))`;
}

export async function dashboardVariables(
  ctx: AppContext,
  actor: Actor,
  q: VariablesQuery,
  _now?: number,
): Promise<VariablesOut> {
  const scope = actor.scope;

  const dealersQ = ctx.db
    .selectFrom('dealers')
    .select(['id', 'code', 'name'])
    .where(dealerVisible(scope, 'dealers.id'))
    .orderBy('name')
    .orderBy('id')
    .execute();

  let unitsQ = ctx.db
    .selectFrom('org_units')
    .select(['id', 'name', 'parent_id'])
    .where(unitVisible(scope, 'org_units.id'));
  if (q.dealerId !== undefined) unitsQ = unitsQ.where('dealer_id', '=', q.dealerId);

  let managersQ = ctx.db
    .selectFrom('managers as m')
    .select(['m.id', 'm.name', 'm.unit_id'])
    .where(managerVisible(scope, 'm.id'));
  if (q.dealerId !== undefined) managersQ = managersQ.where('m.dealer_id', '=', q.dealerId);
  if (has(q.unitId)) {
    // A manager of the unit, or one whose clients are there (managers often sit at the top level).
    const units = q.unitId;
    managersQ = managersQ.where((eb) =>
      eb.or([
        inUnitSubtree('m.unit_id', units),
        sql<SqlBool>`m.id in (select cm.manager_id from client_managers cm join clients c on c.id = cm.client_id
          where ${inUnitSubtree('c.unit_id', units)})`,
      ]),
    );
  }

  let clientsQ = ctx.db
    .selectFrom('clients as c')
    .select(['c.id', 'c.short_name', 'c.legal_name'])
    .where(clientVisible(scope, 'c.id'));
  if (q.dealerId !== undefined) clientsQ = clientsQ.where('c.dealer_id', '=', q.dealerId);
  if (has(q.unitId)) clientsQ = clientsQ.where(inUnitSubtree('c.unit_id', q.unitId));
  if (has(q.managerId)) {
    clientsQ = clientsQ.where(
      sql<SqlBool>`c.id in (select client_id from client_managers where manager_id in (${sql.join(q.managerId)}))`,
    );
  }

  const [dealers, units, managers, clients, installations, accesses] = await Promise.all([
    dealersQ,
    unitsQ.orderBy('name').orderBy('id').execute(),
    managersQ.orderBy('m.name').orderBy('m.id').execute(),
    clientsQ.orderBy('c.short_name').orderBy('c.id').execute(),
    visibleInstallations(ctx, actor, { ...q, installationId: undefined }),
    visibleOnlineAccesses(ctx, actor, { ...q, onlineAccessId: undefined }),
  ]);

  // Domains of the chosen installations (all listed ones when none is chosen).
  const chosen = has(q.installationId) ? new Set(q.installationId) : null;
  const domainIds = installations.filter((i) => chosen === null || chosen.has(i.id)).map((i) => i.id);
  const domains = new Set<string>();
  for (const part of chunked(domainIds)) {
    const rows = await ctx.db
      .selectFrom('installation_users')
      .select('domain')
      .distinct()
      .where('installation_id', 'in', part)
      .execute();
    for (const r of rows) if (r.domain.trim() !== '') domains.add(r.domain);
  }

  return {
    dealers: dealers.map((d) => ({ id: Number(d.id), code: d.code, name: d.name })),
    units: units.map((u) => ({ id: Number(u.id), name: u.name, parentId: u.parent_id })),
    managers: managers.map((m) => ({ id: Number(m.id), name: m.name, unitId: m.unit_id })),
    clients: clients.map((c) => ({ id: Number(c.id), shortName: c.short_name, name: c.legal_name })),
    installations: installations.map((i) => ({ id: i.id, clientId: i.clientId, host: i.host, kind: i.kind })),
    onlineAccesses: accesses.map((a) => ({
      id: a.id,
      clientId: a.clientId,
      login: a.login,
      host: a.host,
      catalog: a.catalog,
    })),
    domains: [...domains].sort((a, b) => a.localeCompare(b)),
    dcServers: [...new Set(accesses.map((a) => a.host))].sort((a, b) => a.localeCompare(b)),
  };
}
