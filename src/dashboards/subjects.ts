/**
 * Which installations and online accesses a dashboard shows: the caller's scope (in SQL, via
 * `clientVisible`) narrowed by the variables at the top. A variable can only narrow; an id outside the
 * scope simply matches nothing.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { clientVisible, type Actor } from '../tenancy/scope.js';
import type { VariablesQuery } from './contract.js';

export interface InstallationSubject {
  id: number;
  dealerId: number;
  clientId: number;
  client: string;
  /** What the legend shows: the address (with port) of a polled ПК, the agent's client name otherwise. */
  host: string;
  kind: string;
  utcOffsetMin: number;
}

export interface OnlineSubject {
  id: number;
  dealerId: number;
  clientId: number;
  client: string;
  login: string;
  host: string;
  catalog: string;
}

const has = (l: readonly number[] | undefined): l is readonly number[] => l !== undefined && l.length > 0;

/** Client ids matching the unit and manager variables (null = no such variable set). */
function clientFilter(q: VariablesQuery) {
  const parts = [];
  if (has(q.unitId))
    parts.push(sql<boolean>`c.unit_id in (select d.id from org_units d join org_units u
      on d.path like u.path || '%' where u.id in (${sql.join(q.unitId)}))`);
  if (has(q.managerId))
    parts.push(
      sql<boolean>`c.id in (select client_id from client_managers where manager_id in (${sql.join(q.managerId)}))`,
    );
  if (has(q.clientId)) parts.push(sql<boolean>`c.id in (${sql.join(q.clientId)})`);
  return parts;
}

/**
 * What legends and tables call an installation: the address of a polled ПК (with its port unless it is
 * the protocol's own, which goes without saying, as in a browser's address bar), the agent's source key
 * otherwise.
 */
export function installationLabel(r: {
  address: string | null;
  port: number | null;
  protocol: string | null;
  source_key: string;
}): string {
  if (!r.address) return r.source_key;
  const defaultPort = r.protocol === 'https' ? 443 : 80;
  return r.port && r.port !== defaultPort ? `${r.address}:${r.port}` : r.address;
}

export async function visibleInstallations(
  ctx: AppContext,
  actor: Actor,
  q: VariablesQuery,
): Promise<InstallationSubject[]> {
  let query = ctx.db
    .selectFrom('installations as i')
    .innerJoin('clients as c', 'c.id', 'i.client_id')
    .select([
      'i.id',
      'i.dealer_id',
      'i.client_id',
      'c.short_name',
      'i.kind',
      'i.source_key',
      'i.address',
      'i.port',
      'i.protocol',
      'i.utc_offset_min',
    ])
    .where(clientVisible(actor.scope, 'i.client_id'));
  if (q.dealerId !== undefined) query = query.where('i.dealer_id', '=', q.dealerId);
  for (const p of clientFilter(q)) query = query.where(p);
  if (has(q.installationId)) query = query.where('i.id', 'in', [...q.installationId]);
  const rows = await query.orderBy('c.short_name').orderBy('i.id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    dealerId: Number(r.dealer_id),
    clientId: Number(r.client_id),
    client: r.short_name,
    host: installationLabel(r),
    kind: r.kind,
    utcOffsetMin: r.utc_offset_min,
  }));
}

export async function visibleOnlineAccesses(
  ctx: AppContext,
  actor: Actor,
  q: VariablesQuery,
): Promise<OnlineSubject[]> {
  let query = ctx.db
    .selectFrom('online_accesses as o')
    .innerJoin('clients as c', 'c.id', 'o.client_id')
    .select(['o.id', 'o.dealer_id', 'o.client_id', 'c.short_name', 'o.login', 'o.host', 'o.folder'])
    .where(clientVisible(actor.scope, 'o.client_id'));
  if (q.dealerId !== undefined) query = query.where('o.dealer_id', '=', q.dealerId);
  for (const p of clientFilter(q)) query = query.where(p);
  if (has(q.onlineAccessId)) query = query.where('o.id', 'in', [...q.onlineAccessId]);
  const rows = await query.orderBy('c.short_name').orderBy('o.login').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    dealerId: Number(r.dealer_id),
    clientId: Number(r.client_id),
    client: r.short_name,
    login: r.login,
    host: r.host,
    catalog: r.folder,
  }));
}

/** The managers' names per installation: its own, else its client's. Sorted. */
export async function managersOf(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (subjects.length === 0) return out;
  const [own, ofClient] = await Promise.all([
    ctx.db
      .selectFrom('installation_managers as im')
      .innerJoin('managers as m', 'm.id', 'im.manager_id')
      .select(['im.installation_id as id', 'm.name'])
      .where(
        'im.installation_id',
        'in',
        subjects.map((s) => s.id),
      )
      .execute(),
    ctx.db
      .selectFrom('client_managers as cm')
      .innerJoin('managers as m', 'm.id', 'cm.manager_id')
      .select(['cm.client_id as id', 'm.name'])
      .where('cm.client_id', 'in', [...new Set(subjects.map((s) => s.clientId))])
      .execute(),
  ]);
  const group = (rows: { id: number; name: string }[]) => {
    const m = new Map<number, Set<string>>();
    for (const r of rows) {
      const id = Number(r.id);
      if (!m.has(id)) m.set(id, new Set());
      m.get(id)!.add(r.name);
    }
    return m;
  };
  const byInst = group(own);
  const byClient = group(ofClient);
  for (const s of subjects) {
    const names = byInst.get(s.id) ?? byClient.get(s.clientId);
    out.set(s.id, names ? [...names].sort() : []);
  }
  return out;
}
