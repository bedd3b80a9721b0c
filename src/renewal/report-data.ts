/**
 * Everything the ЛПР report shows for one client and year, read once and rendered by xlsx.ts and
 * html.ts: the client's installations (per installation and summed) with seats and availability, its
 * online accesses, the year's searches, the most frequent empty queries and the conclusions. Scoped: a
 * client outside the caller's scope is "not found", never told apart from a missing one.
 */
import type { AppContext } from '../context.js';
import { DOWNTIME_CHECKS } from '../dashboards/quarterly.js';
import { visibleInstallations, visibleOnlineAccesses } from '../dashboards/subjects.js';
import { getClient } from '../inventory/clients.js';
import type { Actor } from '../tenancy/scope.js';
import { conclude, type Conclusion } from './conclusions.js';
import type { MetricRow, OnlineRow } from './contract.js';
import {
  loadAvailabilityMonths,
  loadEmptyTopics,
  loadInstallationMonths,
  loadOnlineMonths,
  loadSeatMonths,
  type AvailabilityMonth,
  type EmptyTopic,
  type SeatMonth,
} from './load.js';
import { monthsOf } from './months.js';
import { clientManagers, installationRows, onlineRows } from './tables.js';

/** Empty queries the report lists. */
export const EMPTY_TOPICS = 15;

export interface ReportInstallation {
  id: number;
  host: string;
  rows: MetricRow[];
  /** Per month: seats and licences in use at most (null: no sample). */
  seats: (number | null)[];
  maxInUse: (number | null)[];
  /** Per month, % of successful checks of the ПК's web interface (null: not probed). */
  availability: (number | null)[];
  availabilityYear: number | null;
}

export interface ReportAccess {
  id: number;
  login: string;
  host: string;
  catalog: string;
  rows: OnlineRow[];
  availability: (number | null)[];
  availabilityYear: number | null;
}

export interface RenewalReport {
  year: number;
  generatedAt: number;
  clientId: number;
  client: string;
  legalName: string | null;
  managers: string[];
  months: string[];
  installations: ReportInstallation[];
  /** The installations summed (064). */
  totals: MetricRow[];
  /** Searches of the year (installations' logs counted by the rollups, online logs by day). */
  searches: number;
  emptySearches: number;
  accesses: ReportAccess[];
  emptyTopics: EmptyTopic[];
  conclusions: Conclusion[];
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function availabilityOf(m: Map<string, AvailabilityMonth> | undefined, months: readonly string[]) {
  let ok = 0;
  let total = 0;
  const perMonth = months.map((month) => {
    const e = m?.get(month);
    if (!e || e.total === 0) return null;
    ok += e.ok;
    total += e.total;
    return round2((e.ok / e.total) * 100);
  });
  return { perMonth, year: total > 0 ? round2((ok / total) * 100) : null };
}

function seatColumns(m: Map<string, SeatMonth> | undefined, months: readonly string[]) {
  return {
    seats: months.map((month) => m?.get(month)?.seats ?? null),
    maxInUse: months.map((month) => m?.get(month)?.maxInUse ?? null),
  };
}

export async function renewalReport(
  ctx: AppContext,
  actor: Actor,
  clientId: number,
  year: number,
  now: number,
): Promise<RenewalReport> {
  const client = await getClient(ctx, actor, clientId);
  const scope = { clientId: [client.id] };
  const [insts, accesses, managers] = await Promise.all([
    visibleInstallations(ctx, actor, scope),
    visibleOnlineAccesses(ctx, actor, scope),
    clientManagers(ctx, [client.id]),
  ]);
  const instIds = insts.map((i) => i.id);
  const accessIds = accesses.map((a) => a.id);
  const [usage, seats, online, instAvail, onlineAvail, topics, onlineSearches] = await Promise.all([
    loadInstallationMonths(ctx, instIds, year),
    loadSeatMonths(ctx, instIds, year),
    loadOnlineMonths(ctx, accessIds, year),
    loadAvailabilityMonths(ctx, 'installation', DOWNTIME_CHECKS.installation, instIds, year),
    loadAvailabilityMonths(ctx, 'online', DOWNTIME_CHECKS.online, accessIds, year),
    loadEmptyTopics(ctx, instIds, accessIds, year, EMPTY_TOPICS),
    accessIds.length === 0
      ? Promise.resolve([])
      : ctx.db
          .selectFrom('online_search_daily')
          .select(['searches', 'empty_searches'])
          .where('online_access_id', 'in', accessIds)
          .where('day', '>=', `${year}-01-01`)
          .where('day', '<=', `${year}-12-31`)
          .execute(),
  ]);
  const months = monthsOf(year);
  let searches = 0;
  let emptySearches = 0;
  for (const m of usage.values()) {
    for (const [month, e] of m) {
      if (!month.startsWith(`${year}-`)) continue;
      searches += e.searches;
      emptySearches += e.emptySearches;
    }
  }
  for (const r of onlineSearches) {
    searches += Number(r.searches);
    emptySearches += Number(r.empty_searches);
  }
  const installations: ReportInstallation[] = insts.map((i) => {
    const a = availabilityOf(instAvail.get(i.id), months);
    return {
      id: i.id,
      host: i.host,
      rows: installationRows([usage.get(i.id)], year),
      ...seatColumns(seats.get(i.id), months),
      availability: a.perMonth,
      availabilityYear: a.year,
    };
  });
  const accessList: ReportAccess[] = accesses.map((o) => {
    const a = availabilityOf(onlineAvail.get(o.id), months);
    return {
      id: o.id,
      login: o.login,
      host: o.host,
      catalog: o.catalog,
      rows: onlineRows(online.get(o.id), year),
      availability: a.perMonth,
      availabilityYear: a.year,
    };
  });
  const base = {
    year,
    generatedAt: now,
    clientId: client.id,
    client: client.shortName,
    legalName: client.legalName ?? null,
    managers: managers.get(client.id) ?? [],
    months,
    installations,
    totals: installationRows(
      insts.map((i) => usage.get(i.id)),
      year,
    ),
    searches,
    emptySearches,
    accesses: accessList,
    emptyTopics: topics,
  };
  return { ...base, conclusions: conclude(base) };
}
