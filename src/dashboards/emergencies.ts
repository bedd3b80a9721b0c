/**
 * «Текущие аварийные ситуации» (spec installations §3.10): the alert instances alive at some time in
 * the range (`listAlerts`: scope in SQL, K1 first then newest, suppression and runbook), narrowed by the
 * dashboard variables and the filters «Тип аварии» (names or aliases), «Приоритет», «Важность» and the
 * state, with the columns of table 3.10.1. `openByPriority` counts the instances open now for the
 * header, under the same variables, names and importance (not the priority and state filters, so every
 * counter stays meaningful as a toggle).
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import {
  alertDef,
  CATALOGUE,
  IMPORTANCES,
  PRIORITIES,
  type Importance,
  type Priority,
} from '../alerts/catalogue.js';
import { alertVisible, listAlerts, type AlertView } from '../alerts/queries.js';
import type { AppContext } from '../context.js';
import { ValidationError } from '../lib/errors.js';
import type { Actor } from '../tenancy/scope.js';
import {
  DEFAULT_RANGE_MS,
  type EmergenciesOut,
  type EmergenciesQuery,
  type EmergencyRow,
  type VariablesQuery,
} from './contract.js';
import { installationLabel } from './subjects.js';
import { resolveRange } from './range.js';
import { chunked } from './rank.js';
import { inUnitSubtree } from './variables.js';

/** listAlerts pages at most this many rows. */
export const EMERGENCIES_MAX_LIMIT = 1000;
export const EMERGENCIES_DEFAULT_LIMIT = 100;

const has = (l: readonly number[] | undefined): l is readonly number[] => l !== undefined && l.length > 0;

/**
 * The variables as a condition on `alert_instances ai` (undefined when none is set). Unit, manager and
 * client narrow by the instance's client, so dealer-level instances (…Count) drop out once one is set;
 * installations and online accesses narrow by subject (either list matches).
 */
export function variablesWhere(q: VariablesQuery): Expression<SqlBool> | undefined {
  const parts: Expression<SqlBool>[] = [];
  if (has(q.unitId)) {
    parts.push(
      sql<SqlBool>`ai.client_id in (select c.id from clients c where ${inUnitSubtree('c.unit_id', q.unitId)})`,
    );
  }
  if (has(q.managerId)) {
    parts.push(
      sql<SqlBool>`ai.client_id in (select client_id from client_managers where manager_id in (${sql.join(q.managerId)}))`,
    );
  }
  if (has(q.clientId)) parts.push(sql<SqlBool>`ai.client_id in (${sql.join(q.clientId)})`);
  const subjects: Expression<SqlBool>[] = [];
  if (has(q.installationId)) {
    subjects.push(
      sql<SqlBool>`(ai.subject_kind = 'installation' and ai.subject_id in (${sql.join(q.installationId)}))`,
    );
  }
  if (has(q.onlineAccessId)) {
    subjects.push(
      sql<SqlBool>`(ai.subject_kind = 'online' and ai.subject_id in (${sql.join(q.onlineAccessId)}))`,
    );
  }
  if (subjects.length) parts.push(sql<SqlBool>`(${sql.join(subjects, sql` or `)})`);
  return parts.length ? sql<SqlBool>`(${sql.join(parts, sql` and `)})` : undefined;
}

function badQuery(field: string, problems: string[]): never {
  const details = problems.map((p) => `querystring.${field}: ${p}`);
  throw new ValidationError(`invalid request: ${details.join('; ')}`, details);
}

/** Catalogue names of the names and aliases given; an unknown one is a 400 naming the field. */
export function resolveNames(names: readonly string[] | undefined): string[] | undefined {
  if (!names?.length) return undefined;
  const unknown = names.filter((n) => !alertDef(n));
  if (unknown.length)
    badQuery(
      'name',
      unknown.map((n) => `unknown alert ${n.slice(0, 100)} (see /api/alert-catalogue)`),
    );
  return [...new Set(names.map((n) => alertDef(n)!.name))];
}

function checkedList<T extends string>(
  field: string,
  given: readonly string[] | undefined,
  allowed: readonly T[],
): T[] | undefined {
  if (!given?.length) return undefined;
  const bad = given.filter((v) => !(allowed as readonly string[]).includes(v));
  if (bad.length)
    badQuery(
      field,
      bad.map((v) => `${v.slice(0, 100)} is not one of ${allowed.join(', ')}`),
    );
  return [...new Set(given)] as T[];
}

/** Rows of table 3.10.1 from alert views: the subject's current names and sysinfo facts looked up. */
export async function emergencyRows(ctx: AppContext, views: readonly AlertView[]): Promise<EmergencyRow[]> {
  const instIds = [
    ...new Set(views.filter((v) => v.subject.kind === 'installation').map((v) => v.subject.id)),
  ];
  const onlineIds = [...new Set(views.filter((v) => v.subject.kind === 'online').map((v) => v.subject.id))];
  const inst = new Map<number, { host: string; clientname: string | null; regnum: string | null }>();
  const online = new Map<number, { host: string; folder: string; login: string }>();
  for (const part of chunked(instIds)) {
    const rows = await ctx.db
      .selectFrom('installations as i')
      .leftJoin('installation_state as s', 's.installation_id', 'i.id')
      .select(['i.id', 'i.address', 'i.port', 'i.protocol', 'i.source_key', 's.client_name', 's.regnum'])
      .where('i.id', 'in', part)
      .execute();
    for (const r of rows)
      inst.set(Number(r.id), { host: installationLabel(r), clientname: r.client_name, regnum: r.regnum });
  }
  for (const part of chunked(onlineIds)) {
    const rows = await ctx.db
      .selectFrom('online_accesses')
      .select(['id', 'host', 'folder', 'login'])
      .where('id', 'in', part)
      .execute();
    for (const r of rows) online.set(Number(r.id), { host: r.host, folder: r.folder, login: r.login });
  }
  return views.map((v) => {
    const l = v.labels;
    const isInst = v.subject.kind === 'installation';
    const isOnline = v.subject.kind === 'online';
    const i = isInst ? inst.get(v.subject.id) : undefined;
    const o = isOnline ? online.get(v.subject.id) : undefined;
    return {
      id: v.id,
      name: v.name,
      priority: v.priority ?? '',
      importance: v.importance ?? '',
      state: v.state,
      clientId: v.client?.id ?? null,
      client: v.client?.name ?? null,
      managers: v.managers,
      text: v.text,
      clientname: i?.clientname ?? l.clientname ?? null,
      regnum: i?.regnum ?? l.regnum ?? null,
      catalog: l.catalog ?? o?.folder ?? null,
      // The address without the scheme or catalogue, as the spec's table shows it.
      url: isOnline ? (o?.host ?? l.url ?? null) : null,
      user: l.user ?? o?.login ?? null,
      filename: v.filename,
      installationId: isInst ? v.subject.id : null,
      onlineAccessId: isOnline ? v.subject.id : null,
      host: i?.host ?? o?.host ?? l.host ?? null,
      firstSeenAt: v.firstSeenAt,
      firedAt: v.firedAt,
      resolvedAt: v.resolvedAt,
      suppressed: v.suppressedBy !== null,
      suppressedBy: v.suppressedBy,
      acknowledgedAt: v.acknowledgedAt,
      acknowledgedBy: v.acknowledgedBy,
      runbook: v.runbookUrl,
    };
  });
}

export async function emergencies(
  ctx: AppContext,
  actor: Actor,
  q: EmergenciesQuery,
  now: number,
): Promise<EmergenciesOut> {
  const range = resolveRange(q, now, DEFAULT_RANGE_MS.emergencies);
  const names = resolveNames(q.name);
  const priorities = checkedList<Priority>(
    'priority',
    q.priority?.map((p) => p.toUpperCase().replace('К', 'K')),
    PRIORITIES,
  );
  const importance = checkedList<Importance>(
    'importance',
    q.importance?.map((p) => p.toLowerCase()),
    IMPORTANCES,
  );
  const where = variablesWhere(q);
  const { total, items } = await listAlerts(
    ctx,
    actor,
    {
      state: q.state ?? 'all',
      ...(names ? { names } : {}),
      ...(priorities ? { priorities } : {}),
      ...(importance ? { importance } : {}),
      ...(q.dealerId !== undefined ? { dealerId: q.dealerId } : {}),
      from: range.from,
      to: range.to,
      limit: Math.min(q.limit ?? EMERGENCIES_DEFAULT_LIMIT, EMERGENCIES_MAX_LIMIT),
      offset: q.offset ?? 0,
    },
    where,
  );

  // Open now, per priority.
  let counts = ctx.db
    .selectFrom('alert_instances as ai')
    .select(['ai.name', (eb) => eb.fn.countAll<number>().as('n')])
    .where(alertVisible(actor.scope, 'ai'))
    .where('ai.state', 'in', ['pending', 'firing']);
  if (where) counts = counts.where(where);
  if (q.dealerId !== undefined) counts = counts.where('ai.dealer_id', '=', q.dealerId);
  if (names) counts = counts.where('ai.name', 'in', names);
  if (importance) {
    const allowed = CATALOGUE.filter((d) => importance.includes(d.importance)).map((d) => d.name);
    counts = counts.where('ai.name', 'in', allowed);
  }
  const openByPriority: Record<string, number> = Object.fromEntries(PRIORITIES.map((p) => [p, 0]));
  for (const r of await counts.groupBy('ai.name').execute()) {
    const p = alertDef(r.name)?.priority;
    if (p) openByPriority[p] = (openByPriority[p] ?? 0) + Number(r.n);
  }

  return {
    ...range,
    total,
    rows: await emergencyRows(ctx, items),
    names: CATALOGUE.map((d) => d.name),
    openByPriority,
  };
}
