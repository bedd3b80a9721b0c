/**
 * «Данные для пролонгации» (064) and «Биллинг Онлайн. Данные для пролонгации» (081): per client and
 * calendar year, the month-by-month table with the change against the month before. Installations of a
 * client are summed (the spec's table is per client); online accesses keep a table per login, because
 * each login has its own limits and a sum would hide the one that runs out. Clients come a page at a
 * time (a manager's whole portfolio in one answer would be thousands of cells per client list).
 */
import type { AppContext } from '../context.js';
import { chunked } from '../dashboards/rank.js';
import { visibleInstallations, visibleOnlineAccesses } from '../dashboards/subjects.js';
import type { Actor } from '../tenancy/scope.js';
import {
  INSTALLATION_METRICS,
  ONLINE_ROW_KINDS,
  RENEWAL_PAGE_DEFAULT,
  type MetricRow,
  type OnlineRow,
  type RenewalOnlineOut,
  type RenewalOut,
  type RenewalQuery,
} from './contract.js';
import {
  loadInstallationMonths,
  loadOnlineMonths,
  type InstallationMonth,
  type OnlineMonth,
} from './load.js';
import { changesOf, monthBefore, monthsOf, moscowYear } from './months.js';
import type { OnlineKind } from '../online/types.js';

/** The client's installations summed per month; a month none of them reported is null. */
export function installationRows(
  perInstallation: readonly (Map<string, InstallationMonth> | undefined)[],
  year: number,
): MetricRow[] {
  const months = monthsOf(year);
  const sumOf = (month: string, metric: (typeof INSTALLATION_METRICS)[number]) => {
    let v: number | null = null;
    for (const m of perInstallation) {
      const e = m?.get(month);
      if (e) v = (v ?? 0) + e[metric];
    }
    return v;
  };
  return INSTALLATION_METRICS.map((metric) => {
    const values = months.map((m) => sumOf(m, metric));
    return { metric, values, changes: changesOf(sumOf(monthBefore(year), metric), values) };
  });
}

/** One access's rows: per limit kind the month's last remainder, the limit, the units used. */
export function onlineRows(
  byMonth: Map<string, Map<OnlineKind, OnlineMonth>> | undefined,
  year: number,
): OnlineRow[] {
  const months = monthsOf(year);
  const get = (month: string, kind: OnlineKind) => byMonth?.get(month)?.get(kind) ?? null;
  const usedOf = (e: OnlineMonth | null) => (e === null ? null : Math.max(0, e.limit - e.remaining));
  return ONLINE_ROW_KINDS.map((kind) => {
    const cells = months.map((m) => get(m, kind));
    const used = cells.map(usedOf);
    return {
      kind,
      remaining: cells.map((e) => (e === null ? null : e.remaining)),
      limits: cells.map((e) => (e === null ? null : e.limit)),
      used,
      changes: changesOf(usedOf(get(monthBefore(year), kind)), used),
      exhaustedDay: cells.map((e) => e?.exhaustedDay ?? null),
    };
  });
}

/** Managers' names per client, sorted. */
export async function clientManagers(
  ctx: AppContext,
  clientIds: readonly number[],
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const part of chunked(clientIds)) {
    const rows = await ctx.db
      .selectFrom('client_managers as cm')
      .innerJoin('managers as m', 'm.id', 'cm.manager_id')
      .select(['cm.client_id', 'm.name'])
      .where('cm.client_id', 'in', part)
      .execute();
    for (const r of rows) {
      const id = Number(r.client_id);
      const list = out.get(id) ?? [];
      list.push(r.name);
      out.set(id, list);
    }
  }
  for (const l of out.values()) l.sort((a, b) => a.localeCompare(b));
  return out;
}

interface ClientGroup<S> {
  clientId: number;
  client: string;
  subjects: S[];
}

/** Subjects grouped by client in the order they came (client name, then id), one page of clients. */
function pageOfClients<S extends { clientId: number; client: string }>(
  subjects: readonly S[],
  q: RenewalQuery,
): { total: number; offset: number; limit: number; page: ClientGroup<S>[] } {
  const groups = new Map<number, ClientGroup<S>>();
  for (const s of subjects) {
    const g = groups.get(s.clientId) ?? { clientId: s.clientId, client: s.client, subjects: [] };
    g.subjects.push(s);
    groups.set(s.clientId, g);
  }
  const all = [...groups.values()].sort(
    (a, b) => a.client.localeCompare(b.client) || a.clientId - b.clientId,
  );
  const offset = q.offset ?? 0;
  const limit = q.limit ?? RENEWAL_PAGE_DEFAULT;
  return { total: all.length, offset, limit, page: all.slice(offset, offset + limit) };
}

const scopeQuery = (q: RenewalQuery) => ({ ...q, installationId: undefined, onlineAccessId: undefined });

/**
 * One page of the actor's clients for the year: each client's managers and, through `shape`, what its
 * subjects' months make of it. The two dashboards differ only in the subjects and their months.
 */
async function clientPage<S extends { id: number; clientId: number; client: string }, M, C>(
  ctx: AppContext,
  actor: Actor,
  q: RenewalQuery,
  now: number,
  visible: (ctx: AppContext, actor: Actor, q: ReturnType<typeof scopeQuery>) => Promise<S[]>,
  load: (ctx: AppContext, ids: readonly number[], year: number) => Promise<Map<number, M>>,
  shape: (subjects: S[], months: Map<number, M>, year: number) => C,
) {
  const year = q.year ?? moscowYear(now);
  const subjects = await visible(ctx, actor, scopeQuery(q));
  const { total, offset, limit, page } = pageOfClients(subjects, q);
  const ids = page.flatMap((g) => g.subjects.map((s) => s.id));
  const [months, managers] = await Promise.all([
    load(ctx, ids, year),
    clientManagers(
      ctx,
      page.map((g) => g.clientId),
    ),
  ]);
  return {
    year,
    months: monthsOf(year),
    total,
    offset,
    limit,
    clients: page.map((g) => ({
      clientId: g.clientId,
      client: g.client,
      managers: managers.get(g.clientId) ?? [],
      ...shape(g.subjects, months, year),
    })),
  };
}

export function renewalDashboard(
  ctx: AppContext,
  actor: Actor,
  q: RenewalQuery,
  now: number,
): Promise<RenewalOut> {
  return clientPage(
    ctx,
    actor,
    q,
    now,
    visibleInstallations,
    loadInstallationMonths,
    (subjects, months, year) => ({
      installations: subjects.map((s) => ({ id: s.id, host: s.host })),
      rows: installationRows(
        subjects.map((s) => months.get(s.id)),
        year,
      ),
    }),
  );
}

export function renewalOnlineDashboard(
  ctx: AppContext,
  actor: Actor,
  q: RenewalQuery,
  now: number,
): Promise<RenewalOnlineOut> {
  return clientPage(
    ctx,
    actor,
    q,
    now,
    visibleOnlineAccesses,
    loadOnlineMonths,
    (subjects, months, year) => ({
      accesses: subjects.map((s) => ({
        id: s.id,
        login: s.login,
        host: s.host,
        catalog: s.catalog,
        rows: onlineRows(months.get(s.id), year),
      })),
    }),
  );
}
