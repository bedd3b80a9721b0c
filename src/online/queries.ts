/**
 * What the online poller read, for the accesses the actor may see: the current remainders, the
 * month-by-month readings, the search log, the "problems obtaining statistics" table and the billing
 * availability per access and per DC server.
 */
import type { AppContext } from '../context.js';
import { getOnlineAccess } from '../inventory/online.js';
import { rollingAvailability, type Availability } from '../metrics/availability.js';
import { clientVisible, type Actor } from '../tenancy/scope.js';
import { usedPercent } from './client.js';
import { ONLINE_KINDS, type OnlineErrorKind, type OnlineKind } from './types.js';

export interface LimitView {
  limit: number;
  remaining: number;
  used: number;
  usedPct: number;
}

export interface OnlineStatus {
  accessId: number;
  /** Null until the first read. */
  checkedAt: number | null;
  ok: boolean | null;
  readAt: number | null;
  month: string | null;
  limits: Partial<Record<OnlineKind, LimitView>>;
  error: OnlineErrorKind | null;
  errorCode: string | null;
  errorMessage: string | null;
  errorSince: number | null;
  searchLogThrough: string | null;
}

function limitView(limit: number | null, remaining: number | null): LimitView | undefined {
  if (limit === null || remaining === null) return undefined;
  return {
    limit,
    remaining,
    used: limit - remaining,
    usedPct: usedPercent({ limit, remaining, used: limit - remaining }),
  };
}

export async function onlineStatus(ctx: AppContext, actor: Actor, accessId: number): Promise<OnlineStatus> {
  await getOnlineAccess(ctx, actor, accessId);
  const s = await ctx.db
    .selectFrom('online_state')
    .selectAll()
    .where('online_access_id', '=', accessId)
    .executeTakeFirst();
  const limits: Partial<Record<OnlineKind, LimitView>> = {};
  if (s) {
    for (const k of ONLINE_KINDS) {
      const v = limitView(s[`${k}_limit`], s[`${k}_remaining`]);
      if (v) limits[k] = v;
    }
  }
  return {
    accessId,
    checkedAt: s?.checked_at ?? null,
    ok: s ? s.ok === 1 : null,
    readAt: s?.read_at ?? null,
    month: s?.month ?? null,
    limits,
    error: (s?.error as OnlineErrorKind | null) ?? null,
    errorCode: s?.error_code ?? null,
    errorMessage: s?.error_message ?? null,
    errorSince: s?.error_since ?? null,
    searchLogThrough: s?.searchlog_through ?? null,
  };
}

export interface MonthlyUsage {
  month: string;
  kind: OnlineKind;
  limit: number;
  remaining: number;
  usedPct: number;
  readAt: number;
}

export async function onlineUsageByMonth(
  ctx: AppContext,
  actor: Actor,
  accessId: number,
): Promise<MonthlyUsage[]> {
  await getOnlineAccess(ctx, actor, accessId);
  const rows = await ctx.db
    .selectFrom('online_usage_monthly')
    .selectAll()
    .where('online_access_id', '=', accessId)
    .orderBy('month')
    .orderBy('kind')
    .execute();
  return rows.map((r) => ({
    month: r.month,
    kind: r.kind as OnlineKind,
    limit: r.limit_units,
    remaining: r.remaining,
    usedPct: usedPercent({ limit: r.limit_units, remaining: r.remaining, used: r.limit_units - r.remaining }),
    readAt: r.read_at,
  }));
}

export interface OnlineSearchEntry {
  at: number;
  user: string;
  query: string;
  type: string;
  status: string;
}

export async function onlineSearchLog(
  ctx: AppContext,
  actor: Actor,
  accessId: number,
  day: string,
): Promise<OnlineSearchEntry[]> {
  await getOnlineAccess(ctx, actor, accessId);
  const rows = await ctx.db
    .selectFrom('online_search_log')
    .select(['at', 'user_name', 'query', 'type', 'status'])
    .where('online_access_id', '=', accessId)
    .where('day', '=', day)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ at: r.at, user: r.user_name, query: r.query, type: r.type, status: r.status }));
}

export interface OnlineProblem {
  accessId: number;
  clientId: number;
  client: string;
  host: string;
  folder: string;
  login: string;
  error: OnlineErrorKind;
  errorCode: string | null;
  errorMessage: string | null;
  since: number | null;
  checkedAt: number;
  managers: string[];
}

/** "Проблемы с получением статистики": accesses whose last read failed. */
export async function onlineProblems(
  ctx: AppContext,
  actor: Actor,
  dealerId?: number,
): Promise<OnlineProblem[]> {
  let q = ctx.db
    .selectFrom('online_state as s')
    .innerJoin('online_accesses as a', 'a.id', 's.online_access_id')
    .innerJoin('clients as c', 'c.id', 'a.client_id')
    .select([
      'a.id as accessId',
      'c.id as clientId',
      'c.short_name as client',
      'a.host as host',
      'a.folder as folder',
      'a.login as login',
      's.error as error',
      's.error_code as errorCode',
      's.error_message as errorMessage',
      's.error_since as since',
      's.checked_at as checkedAt',
    ])
    .where('s.ok', '=', 0)
    .where(clientVisible(actor.scope, 'a.client_id'));
  if (dealerId !== undefined) q = q.where('a.dealer_id', '=', dealerId);
  const rows = await q.orderBy('c.short_name').orderBy('a.id').execute();
  const ids = rows.map((r) => r.accessId);
  const links = ids.length
    ? await ctx.db
        .selectFrom('online_access_managers as l')
        .innerJoin('managers as m', 'm.id', 'l.manager_id')
        .select(['l.online_access_id as accessId', 'm.name as name'])
        .where('l.online_access_id', 'in', ids)
        .execute()
    : [];
  return rows.map((r) => ({
    ...r,
    error: r.error as OnlineErrorKind,
    managers: links
      .filter((l) => l.accessId === r.accessId)
      .map((l) => l.name)
      .sort(),
  }));
}

export async function onlineAvailability(
  ctx: AppContext,
  actor: Actor,
  accessId: number,
  range: { from: number; to: number },
): Promise<Availability> {
  await getOnlineAccess(ctx, actor, accessId);
  return rollingAvailability(ctx, 'online', [accessId], 'login', range);
}

export interface ServerAvailability extends Availability {
  host: string;
  accesses: number;
}

/** "Доступность биллинга по серверам": every visible access on each DC server, without client split. */
export async function onlineServerAvailability(
  ctx: AppContext,
  actor: Actor,
  range: { from: number; to: number },
  dealerId?: number,
): Promise<ServerAvailability[]> {
  let q = ctx.db
    .selectFrom('online_accesses')
    .select(['id', 'host'])
    .where(clientVisible(actor.scope, 'online_accesses.client_id'));
  if (dealerId !== undefined) q = q.where('dealer_id', '=', dealerId);
  const rows = await q.execute();
  const byHost = new Map<string, number[]>();
  for (const r of rows) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r.id]);
  const out: ServerAvailability[] = [];
  for (const [host, ids] of [...byHost.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const a = await rollingAvailability(ctx, 'online', ids, 'login', range);
    out.push({ host, accesses: ids.length, ...a });
  }
  return out;
}
