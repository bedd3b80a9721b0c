/**
 * «Квартальная аналитика» (the existing service left it empty, spec online-managers §4.9; defined here,
 * docs/dashboards.md): per calendar quarter, every client in scope gets a usage class (quarterly-classes)
 * and the sums of its empty searches, incidents (K1/K2 alerts fired) and downtime; per manager and for
 * all clients, the class counts and sums with their change against the quarter before; and the clients
 * of the selected quarter with their class then and in the quarter before, so a head sees who moved.
 *
 * Scoped like every dashboard: the clients are the caller's, narrowed by the unit, manager and client
 * variables in SQL; the objects are those of visibleInstallations / visibleOnlineAccesses. One quarter
 * more than shown is read, for the first quarter's change. Reads: quarterly-load (rollups only).
 */
import { sql, type SqlBool } from 'kysely';
import { CATALOGUE } from '../alerts/catalogue.js';
import type { AppContext } from '../context.js';
import { ValidationError } from '../lib/errors.js';
import { clientVisible, type Actor } from '../tenancy/scope.js';
import {
  QUARTERLY_NORMS,
  QUARTERS_DEFAULT,
  USAGE_CLASSES,
  type Change,
  type ManagerPortfolio,
  type PortfolioQuarter,
  type QuarterClient,
  type QuarterlyOut,
  type QuarterlyQuery,
  type UsageClass,
} from './contract-quarterly.js';
import { CLASS_RANK, highest, judgeInstallation, judgeOnline } from './quarterly-classes.js';
import { periodFigures } from './period-cache.js';
import {
  loadIncidentsQuarter,
  loadInstallationQuarter,
  loadOnlineQuarter,
  type InstallationFigures,
  type OnlineFigures,
} from './quarterly-load.js';
import { elapsedDays, previousQuarter, quartersEndingAt, type QuarterSpan } from './quarterly-periods.js';
import { chunked, round2 } from './rank.js';
import { visibleInstallations, visibleOnlineAccesses } from './subjects.js';
import { inUnitSubtree } from './variables.js';

/** Incidents: alerts of the two highest priorities about an installation or an online access. */
export const INCIDENT_ALERTS: readonly string[] = CATALOGUE.filter(
  (d) =>
    (d.priority === 'K1' || d.priority === 'K2') &&
    d.subjects.some((s) => s === 'installation' || s === 'online'),
).map((d) => d.name);

/** Downtime is what users feel: the ПК's web interface, the online access's login. */
export const DOWNTIME_CHECKS = { installation: 'http200', online: 'login' } as const;

const has = (l: readonly number[] | undefined): l is readonly number[] => l !== undefined && l.length > 0;

interface ClientRef {
  id: number;
  name: string;
  managers: { id: number; name: string; unitId: number | null }[];
}

/** A client's figures in one quarter. */
interface ClientQuarter {
  class: UsageClass;
  activityPerMonth: number | null;
  involvementPct: number | null;
  docsUsedPct: number | null;
  daysAtLicenceLimit: number;
  refusedLogons: number;
  docsExhaustedMonths: number;
  emptySearches: number;
  incidents: number;
  downtimeHours: number;
}

async function scopedClients(ctx: AppContext, actor: Actor, q: QuarterlyQuery): Promise<ClientRef[]> {
  let query = ctx.db
    .selectFrom('clients as c')
    .select(['c.id', 'c.short_name'])
    .where(clientVisible(actor.scope, 'c.id'));
  if (q.dealerId !== undefined) query = query.where('c.dealer_id', '=', q.dealerId);
  if (has(q.unitId)) query = query.where(inUnitSubtree('c.unit_id', q.unitId));
  if (has(q.managerId)) {
    query = query.where(
      sql<SqlBool>`c.id in (select client_id from client_managers where manager_id in (${sql.join(q.managerId)}))`,
    );
  }
  if (has(q.clientId)) query = query.where('c.id', 'in', [...q.clientId]);
  const rows = await query.orderBy('c.short_name').orderBy('c.id').execute();
  const out = rows.map((r) => ({
    id: Number(r.id),
    name: r.short_name,
    managers: [] as ClientRef['managers'],
  }));
  const byId = new Map(out.map((c) => [c.id, c]));
  for (const part of chunked([...byId.keys()])) {
    const links = await ctx.db
      .selectFrom('client_managers as cm')
      .innerJoin('managers as m', 'm.id', 'cm.manager_id')
      .select(['cm.client_id', 'm.id', 'm.name', 'm.unit_id'])
      .where('cm.client_id', 'in', part)
      .execute();
    for (const l of links) {
      byId.get(Number(l.client_id))?.managers.push({
        id: Number(l.id),
        name: l.name,
        unitId: l.unit_id === null ? null : Number(l.unit_id),
      });
    }
  }
  for (const c of out) c.managers.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  return out;
}

async function seatsOf(ctx: AppContext, ids: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const part of chunked(ids)) {
    const rows = await ctx.db
      .selectFrom('installation_state')
      .select(['installation_id', 'seats'])
      .where('installation_id', 'in', part)
      .execute();
    for (const r of rows) if (r.seats !== null && r.seats > 0) out.set(Number(r.installation_id), r.seats);
  }
  return out;
}

function groupBy<T>(rows: readonly T[], key: (r: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function change(value: number, prev: number, prevHasData: boolean): Change {
  if (!prevHasData) return { value, prev: null, delta: null, pct: null };
  const delta = round2(value - prev);
  return { value, prev, delta, pct: prev === 0 ? null : round1(((value - prev) / prev) * 100) };
}

/** The portfolio of `clients` in loaded quarter `k` (≥ 1) against `k − 1`. */
function portfolio(
  clients: readonly ClientRef[],
  figures: Map<number, ClientQuarter[]>,
  quarters: readonly QuarterSpan[],
  k: number,
): PortfolioQuarter {
  const sums = (i: number) => {
    const counts: Record<UsageClass, number> = { noData: 0, unused: 0, low: 0, normal: 0, exhausting: 0 };
    let empty = 0;
    let incidents = 0;
    let downtime = 0;
    for (const c of clients) {
      const f = figures.get(c.id)![i]!;
      counts[f.class] += 1;
      empty += f.emptySearches;
      incidents += f.incidents;
      downtime += f.downtimeHours;
    }
    return { counts, empty, incidents, downtime: round2(downtime) };
  };
  const cur = sums(k);
  const prev = sums(k - 1);
  const prevHasData = clients.length - prev.counts.noData > 0;
  const classes = Object.fromEntries(
    USAGE_CLASSES.map((c) => [c, change(cur.counts[c], prev.counts[c], prevHasData)]),
  ) as PortfolioQuarter['classes'];
  return {
    quarter: quarters[k]!.key,
    clients: clients.length,
    withData: clients.length - cur.counts.noData,
    classes,
    emptySearches: change(cur.empty, prev.empty, prevHasData),
    incidents: change(cur.incidents, prev.incidents, prevHasData),
    downtimeHours: change(cur.downtime, prev.downtime, prevHasData),
  };
}

export async function quarterlyDashboard(
  ctx: AppContext,
  actor: Actor,
  q: QuarterlyQuery,
  now: number,
): Promise<QuarterlyOut> {
  const shown = quartersEndingAt(q.to ?? now, q.quarters ?? QUARTERS_DEFAULT);
  const selected = q.quarter ?? shown[shown.length - 1]!.key;
  if (!shown.some((s) => s.key === selected)) {
    throw ValidationError.about(
      'quarter',
      `must be one of the quarters shown (${shown.map((s) => s.key).join(', ')})`,
    );
  }
  const loaded = [previousQuarter(shown[0]!), ...shown];

  const [clients, insts, accesses] = await Promise.all([
    scopedClients(ctx, actor, q),
    visibleInstallations(ctx, actor, q),
    visibleOnlineAccesses(ctx, actor, q),
  ]);
  const instIds = insts.map((i) => i.id);
  const accessIds = accesses.map((a) => a.id);
  const clientIds = clients.map((c) => c.id);
  const seats = await seatsOf(ctx, instIds);
  // Quarter by quarter: each read is one grouped query per table (closed quarters mostly from memory).
  const perQuarter: {
    inst: Map<number, InstallationFigures>;
    online: Map<number, OnlineFigures>;
    incidents: Map<number, number>;
  }[] = [];
  for (const span of loaded) {
    const [inst, online, incidents] = await Promise.all([
      periodFigures(ctx.db, 'installation', span, instIds, now, (ids) =>
        loadInstallationQuarter(ctx, ids, span, DOWNTIME_CHECKS.installation, now),
      ),
      periodFigures(ctx.db, 'online', span, accessIds, now, (ids) =>
        loadOnlineQuarter(ctx, ids, span, DOWNTIME_CHECKS.online, now),
      ),
      periodFigures(ctx.db, 'incidents', span, clientIds, now, (ids) =>
        loadIncidentsQuarter(ctx, ids, INCIDENT_ALERTS, span),
      ),
    ]);
    perQuarter.push({ inst, online, incidents });
  }

  const instByClient = groupBy(insts, (i) => i.clientId);
  const accessByClient = groupBy(accesses, (a) => a.clientId);
  const maxOf = (xs: (number | null)[]) => {
    const vals = xs.filter((x): x is number => x !== null);
    return vals.length ? round1(Math.max(...vals)) : null;
  };

  const figures = new Map<number, ClientQuarter[]>();
  for (const c of clients) {
    const list = perQuarter.map((pq, k): ClientQuarter => {
      const classes: UsageClass[] = [];
      const activity: number[] = [];
      const involvement: (number | null)[] = [];
      const docsPct: (number | null)[] = [];
      let atLimit = 0;
      let refused = 0;
      let exhausted = 0;
      let empty = 0;
      let down = 0;
      for (const i of instByClient.get(c.id) ?? []) {
        const f = pq.inst.get(i.id);
        const seatCount = seats.get(i.id) ?? null;
        const v = judgeInstallation(f, seatCount, loaded[k]!, now);
        if (v) {
          classes.push(v.class);
          activity.push(v.activityPerMonth);
          involvement.push(v.involvementPct);
        }
        if (f) {
          if (seatCount) atLimit += f.daysAtLicenceLimit;
          refused += f.refusedLogons;
          empty += f.emptySearches;
          down += f.downtimeHours ?? 0;
        }
      }
      for (const a of accessByClient.get(c.id) ?? []) {
        const f = pq.online.get(a.id);
        const v = judgeOnline(f);
        if (v) classes.push(v);
        if (f) {
          if (f.months > 0) docsPct.push(f.docsUsedPct);
          exhausted += f.docsExhaustedMonths;
          empty += f.emptySearches;
          down += f.downtimeHours ?? 0;
        }
      }
      return {
        class: highest(classes),
        activityPerMonth: activity.length ? round1(activity.reduce((s, x) => s + x, 0)) : null,
        involvementPct: maxOf(involvement),
        docsUsedPct: maxOf(docsPct),
        daysAtLicenceLimit: atLimit,
        refusedLogons: refused,
        docsExhaustedMonths: exhausted,
        emptySearches: empty,
        incidents: pq.incidents.get(c.id) ?? 0,
        downtimeHours: round2(down),
      };
    });
    figures.set(c.id, list);
  }

  const shownIdx = shown.map((_, i) => i + 1);
  const total = shownIdx.map((k) => portfolio(clients, figures, loaded, k));

  // Managers of the clients in view (a manager sees his own row only); clients without one last.
  const ownOnly = actor.scope.kind === 'manager' ? actor.scope.managerId : null;
  const chosen = has(q.managerId) ? new Set(q.managerId) : null;
  const managers = new Map<number, { name: string; unitId: number | null; clients: ClientRef[] }>();
  const orphans: ClientRef[] = [];
  for (const c of clients) {
    if (c.managers.length === 0) orphans.push(c);
    for (const m of c.managers) {
      if (ownOnly !== null && m.id !== ownOnly) continue;
      if (chosen && !chosen.has(m.id)) continue;
      const e = managers.get(m.id) ?? { name: m.name, unitId: m.unitId, clients: [] };
      e.clients.push(c);
      managers.set(m.id, e);
    }
  }
  const managerRows: ManagerPortfolio[] = [...managers.entries()]
    .sort((a, b) => a[1].name.localeCompare(b[1].name) || a[0] - b[0])
    .map(([id, m]) => ({
      managerId: id,
      manager: m.name,
      unitId: m.unitId,
      quarters: shownIdx.map((k) => portfolio(m.clients, figures, loaded, k)),
    }));
  if (orphans.length > 0 && !chosen) {
    managerRows.push({
      managerId: null,
      manager: '',
      unitId: null,
      quarters: shownIdx.map((k) => portfolio(orphans, figures, loaded, k)),
    });
  }

  const ks = loaded.findIndex((s) => s.key === selected);
  const list: QuarterClient[] = clients.map((c) => {
    const f = figures.get(c.id)!;
    const cur = f[ks]!;
    return {
      clientId: c.id,
      client: c.name,
      managers: c.managers.map((m) => m.name),
      class: cur.class,
      prevClass: f[ks - 1]!.class,
      installations: instByClient.get(c.id)?.length ?? 0,
      onlineAccesses: accessByClient.get(c.id)?.length ?? 0,
      activityPerMonth: cur.activityPerMonth,
      involvementPct: cur.involvementPct,
      docsUsedPct: cur.docsUsedPct,
      daysAtLicenceLimit: cur.daysAtLicenceLimit,
      refusedLogons: cur.refusedLogons,
      docsExhaustedMonths: cur.docsExhaustedMonths,
      emptySearches: cur.emptySearches,
      incidents: cur.incidents,
      downtimeHours: cur.downtimeHours,
    };
  });
  list.sort(
    (a, b) =>
      CLASS_RANK[a.class] - CLASS_RANK[b.class] ||
      a.client.localeCompare(b.client) ||
      a.clientId - b.clientId,
  );

  return {
    quarters: shown.map((s) => ({
      key: s.key,
      from: s.from,
      to: s.to,
      partial: now < s.to,
      elapsedDays: elapsedDays(s, now),
      days: s.days,
    })),
    total,
    managers: managerRows,
    quarter: selected,
    clients: list,
    norms: { ...QUARTERLY_NORMS },
  };
}
