/**
 * Loads what the rules look at, for many subjects at once: a handful of queries per 500 subjects,
 * whatever the number of rules. Facts are read-only snapshots; rules never touch the database.
 */
import type { AppContext } from '../context.js';
import { REQUESTS_LOOKBACK_DAYS } from './types.js';
import type { CheckOutcome, ChannelFact, InstallationFacts, OnlineFacts } from './types.js';

const CHUNK = 500;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Event windows the rules may ask for (the largest of their windowHours, plus a day for online). */
const EVENT_WINDOW_MS = 2 * DAY;
const MAX_SEARCHES = 200;

const STATUS_METRICS = {
  kserver_senselock_key_ok: 'senselockKeyOk',
  kserver_spp_up: 'sppUp',
  kserver_maintenance: 'maintenance',
  kserver_needs_service: 'needsService',
} as const;

function chunks<T>(xs: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

function groupBy<T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const r of rows) {
    const list = m.get(key(r));
    if (list) list.push(r);
    else m.set(key(r), [r]);
  }
  return m;
}

/** YYYY-MM and YYYY-MM-01 of the local month of `now` at a fixed UTC offset. */
export function localMonth(
  now: number,
  utcOffsetMin: number,
): { month: string; firstDay: string; startMs: number } {
  const d = new Date(now + utcOffsetMin * 60_000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const month = `${y}-${String(m + 1).padStart(2, '0')}`;
  return { month, firstDay: `${month}-01`, startMs: Date.UTC(y, m, 1) - utcOffsetMin * 60_000 };
}

function localDay(ms: number, utcOffsetMin: number): string {
  return new Date(ms + utcOffsetMin * 60_000).toISOString().slice(0, 10);
}

/** Installation ids of a dealer (for scheduled evaluation). */
export async function installationIdsOf(ctx: AppContext, dealerId: number): Promise<number[]> {
  const rows = await ctx.db
    .selectFrom('installations')
    .select('id')
    .where('dealer_id', '=', dealerId)
    .execute();
  return rows.map((r) => r.id);
}

export async function onlineIdsOf(ctx: AppContext, dealerId: number): Promise<number[]> {
  const rows = await ctx.db
    .selectFrom('online_accesses')
    .select('id')
    .where('dealer_id', '=', dealerId)
    .execute();
  return rows.map((r) => r.id);
}

export async function loadInstallationFacts(
  ctx: AppContext,
  ids: number[],
  now: number,
): Promise<InstallationFacts[]> {
  const out: InstallationFacts[] = [];
  for (const part of chunks([...new Set(ids)])) out.push(...(await loadInstallationChunk(ctx, part, now)));
  return out;
}

async function loadInstallationChunk(
  ctx: AppContext,
  ids: number[],
  now: number,
): Promise<InstallationFacts[]> {
  const db = ctx.db;
  const since = now - EVENT_WINDOW_MS;
  const [insts, states, licences, volumes, errors, operups, channels, checks, users, searches, refused] =
    await Promise.all([
      db
        .selectFrom('installations as i')
        .innerJoin('clients as c', 'c.id', 'i.client_id')
        .innerJoin('dealers as d', 'd.id', 'i.dealer_id')
        .select([
          'i.id',
          'i.dealer_id',
          'd.code as dealer_code',
          'i.client_id',
          'c.short_name',
          'c.unit_id',
          'i.kind',
          'i.address',
          'i.source_key',
          'i.collect_interval_s',
          'i.utc_offset_min',
          'i.created_at',
          'i.probe_enabled',
        ])
        .where('i.id', 'in', ids)
        .execute(),
      db.selectFrom('installation_state').selectAll().where('installation_id', 'in', ids).execute(),
      db
        .selectFrom('installation_licences')
        .select(['installation_id', 'product', 'name', 'db', 'expires_at'])
        .where('installation_id', 'in', ids)
        .execute(),
      db
        .selectFrom('installation_volumes')
        .select(['installation_id', 'name', 'path', 'catalog'])
        .where('installation_id', 'in', ids)
        .execute(),
      db
        .selectFrom('installation_volume_errors')
        .select(['installation_id', 'volume', 'path', 'catalog', 'code', 'text'])
        .where('installation_id', 'in', ids)
        .execute(),
      db
        .selectFrom('installation_operups')
        .select(['installation_id', 'path', 'modified_at'])
        .where('installation_id', 'in', ids)
        .execute(),
      db.selectFrom('installation_channels').selectAll().where('installation_id', 'in', ids).execute(),
      db
        .selectFrom('check_status')
        .select(['subject_id', 'check_name', 'outcome', 'code', 'detail', 'since'])
        .where('subject_kind', '=', 'installation')
        .where('subject_id', 'in', ids)
        .execute(),
      db
        .selectFrom('installation_users')
        .select(['installation_id', 'login', 'domain', 'registered_at'])
        .where('installation_id', 'in', ids)
        .where('registered_at', '>=', since)
        .execute(),
      db
        .selectFrom('search_log')
        .select(['installation_id', 'at', 'login', 'query', 'catalog', 'type', 'status'])
        .where('installation_id', 'in', ids)
        .where('at', '>=', since)
        .where('status', 'in', ['empty', 'error'])
        .orderBy('at', 'desc')
        .execute(),
      db
        .selectFrom('refused_logons')
        .select(['installation_id', 'login', 'at'])
        .where('installation_id', 'in', ids)
        .where('at', '>=', since)
        .execute(),
    ]);
  const metrics = await loadStatusMetrics(ctx, ids);
  const usage = await loadUsage(ctx, insts, now);

  const stateBy = new Map(states.map((s) => [s.installation_id, s]));
  const licBy = groupBy(licences, (r) => r.installation_id);
  const volBy = groupBy(volumes, (r) => r.installation_id);
  const errBy = groupBy(errors, (r) => r.installation_id);
  const opBy = groupBy(operups, (r) => r.installation_id);
  const chBy = groupBy(channels, (r) => r.installation_id);
  const checkBy = groupBy(checks, (r) => r.subject_id);
  const userBy = groupBy(users, (r) => r.installation_id);
  const searchBy = groupBy(searches, (r) => r.installation_id);
  const refusedBy = groupBy(refused, (r) => r.installation_id);

  return insts.map((i): InstallationFacts => {
    const s = stateBy.get(i.id);
    return {
      kind: 'installation',
      id: i.id,
      dealerId: i.dealer_id,
      dealerCode: i.dealer_code,
      clientId: i.client_id,
      clientName: i.short_name,
      unitId: i.unit_id,
      host: i.address ?? i.source_key,
      collection: i.kind as InstallationFacts['collection'],
      collectIntervalS: i.collect_interval_s,
      utcOffsetMin: i.utc_offset_min,
      createdAt: i.created_at,
      probeEnabled: i.probe_enabled === 1,
      state: s
        ? {
            reportAt: s.report_at,
            legalName: s.client_name,
            regnum: s.regnum,
            seats: s.seats,
            licencesInUse: s.licences_in_use,
            senselockStatus: s.senselock_status,
            senselockCode: s.senselock_code,
            senselockMessage: s.senselock_message,
          }
        : null,
      licences: (licBy.get(i.id) ?? []).map((l) => ({
        product: l.product,
        name: l.name,
        db: l.db,
        expiresAt: l.expires_at,
      })),
      volumes: (volBy.get(i.id) ?? []).map((v) => ({ name: v.name, path: v.path, catalog: v.catalog })),
      volumeErrors: (errBy.get(i.id) ?? []).map((e) => ({
        volume: e.volume,
        path: e.path,
        catalog: e.catalog,
        code: e.code,
        text: e.text,
      })),
      operups: (opBy.get(i.id) ?? []).map((o) => ({ path: o.path, modifiedAt: o.modified_at })),
      channels: (chBy.get(i.id) ?? [])
        .filter((c) => c.channel === 'sysinfo' || c.channel === 'status')
        .map((c): ChannelFact => ({
          channel: c.channel as ChannelFact['channel'],
          lastReceivedAt: c.last_received_at,
          lastDataAt: c.last_data_at,
          lastErrorAt: c.last_error_at,
          lastErrorReason: c.last_error_reason,
          consecutiveFailures: c.consecutive_failures,
        })),
      checks: (checkBy.get(i.id) ?? []).map((c) => ({
        check: c.check_name,
        outcome: c.outcome as CheckOutcome,
        code: c.code,
        detail: c.detail,
        since: c.since,
      })),
      statusMetrics: metrics.get(i.id) ?? {
        at: null,
        senselockKeyOk: null,
        sppUp: null,
        maintenance: null,
        needsService: null,
      },
      usage: usage.get(i.id) ?? {
        month: localMonth(now, i.utc_offset_min).month,
        activityPoints: 0,
        usersWithRequests: 0,
        requestsByDay: [],
      },
      newUsers: (userBy.get(i.id) ?? []).map((u) => ({
        login: u.login,
        domain: u.domain,
        registeredAt: u.registered_at ?? 0,
      })),
      searches: newestOfEachStatus(searchBy.get(i.id) ?? []).map((r) => ({
        at: r.at,
        login: r.login,
        query: r.query,
        catalog: r.catalog,
        type: r.type,
        status: r.status as 'empty' | 'error',
      })),
      refusedLogons: (refusedBy.get(i.id) ?? []).map((r) => ({ login: r.login, at: r.at })),
    };
  });
}

/** A flood of empty searches must not push the errors (KodeksSearchError) out: cap each status. */
function newestOfEachStatus<T extends { status: string }>(rows: T[]): T[] {
  const seen = new Map<string, number>();
  return rows.filter((r) => {
    const n = (seen.get(r.status) ?? 0) + 1;
    seen.set(r.status, n);
    return n <= MAX_SEARCHES;
  });
}

/** The newest sample of each status metric the rules read, per installation. */
async function loadStatusMetrics(
  ctx: AppContext,
  ids: number[],
): Promise<Map<number, InstallationFacts['statusMetrics']>> {
  const rows = await ctx.db
    .selectFrom('series as s')
    .innerJoin('samples as p', 'p.series_id', 's.id')
    .select(['s.installation_id', 's.metric', 'p.ts', 'p.value'])
    .where('s.installation_id', 'in', ids)
    .where('s.metric', 'in', Object.keys(STATUS_METRICS))
    .where((eb) =>
      eb(
        'p.ts',
        '=',
        eb
          .selectFrom('samples as q')
          .select((q) => q.fn.max('q.ts').as('m'))
          .whereRef('q.series_id', '=', 's.id'),
      ),
    )
    .execute();
  const out = new Map<number, InstallationFacts['statusMetrics']>();
  for (const r of rows) {
    if (r.installation_id === null) continue;
    const m = out.get(r.installation_id) ?? {
      at: null,
      senselockKeyOk: null,
      sppUp: null,
      maintenance: null,
      needsService: null,
    };
    const field = STATUS_METRICS[r.metric as keyof typeof STATUS_METRICS];
    m[field] = Number(r.value);
    m.at = Math.max(m.at ?? 0, Number(r.ts));
    out.set(r.installation_id, m);
  }
  return out;
}

/** Month-to-date activity and involvement inputs, in each installation's zone. */
async function loadUsage(
  ctx: AppContext,
  insts: { id: number; utc_offset_min: number }[],
  now: number,
): Promise<Map<number, InstallationFacts['usage']>> {
  const out = new Map<number, InstallationFacts['usage']>();
  // Installations of one zone share the month bounds: one query per zone present.
  for (const [offset, group] of groupBy(insts, (i) => i.utc_offset_min)) {
    const ids = group.map((g) => g.id);
    const { month, firstDay, startMs } = localMonth(now, offset);
    const lookbackFrom = localDay(now - REQUESTS_LOOKBACK_DAYS * DAY, offset);
    const [daily, recent, intel] = await Promise.all([
      ctx.db
        .selectFrom('user_usage_daily')
        .select((eb) => [
          'installation_id',
          eb.fn.sum<number>('docs_counted').as('docs'),
          eb.fn.count<number>('login').distinct().as('users'),
        ])
        .where('installation_id', 'in', ids)
        .where('day', '>=', firstDay)
        .where('db_requests', '>', 0)
        .groupBy('installation_id')
        .execute(),
      ctx.db
        .selectFrom('user_usage_daily')
        .select((eb) => ['installation_id', 'day', eb.fn.sum<number>('db_requests').as('requests')])
        .where('installation_id', 'in', ids)
        .where('day', '>=', lookbackFrom)
        .where('db_requests', '>', 0)
        .groupBy(['installation_id', 'day'])
        .execute(),
      ctx.db
        .selectFrom('search_log')
        .select((eb) => ['installation_id', eb.fn.countAll<number>().as('n')])
        .where('installation_id', 'in', ids)
        .where('at', '>=', startMs)
        .where('type', '=', 'intelligent')
        .groupBy('installation_id')
        .execute(),
    ]);
    const docs = new Map(daily.map((d) => [d.installation_id, d]));
    const rec = new Map<number, { day: string; requests: number }[]>();
    for (const r of recent)
      rec.set(r.installation_id, [
        ...(rec.get(r.installation_id) ?? []),
        { day: r.day, requests: Number(r.requests) },
      ]);
    const searches = new Map(intel.map((r) => [r.installation_id, Number(r.n)]));
    for (const id of ids) {
      out.set(id, {
        month,
        activityPoints: Number(docs.get(id)?.docs ?? 0) + (searches.get(id) ?? 0),
        usersWithRequests: Number(docs.get(id)?.users ?? 0),
        requestsByDay: rec.get(id) ?? [],
      });
    }
  }
  return out;
}

export async function loadOnlineFacts(ctx: AppContext, ids: number[], now: number): Promise<OnlineFacts[]> {
  const out: OnlineFacts[] = [];
  for (const part of chunks([...new Set(ids)])) {
    const [rows, empties] = await Promise.all([
      ctx.db
        .selectFrom('online_accesses as o')
        .innerJoin('clients as c', 'c.id', 'o.client_id')
        .innerJoin('dealers as d', 'd.id', 'o.dealer_id')
        .leftJoin('online_state as s', 's.online_access_id', 'o.id')
        .select([
          'o.id',
          'o.dealer_id',
          'd.code as dealer_code',
          'o.client_id',
          'c.short_name',
          'c.unit_id',
          'o.login',
          'o.host',
          'o.folder',
          'o.protocol',
          'o.utc_offset_min',
          'o.created_at',
          's.checked_at',
          's.ok',
          's.read_at',
          's.month',
          's.docs_limit',
          's.docs_remaining',
          's.search_limit',
          's.search_remaining',
          's.print_limit',
          's.print_remaining',
          's.export_limit',
          's.export_remaining',
          's.error',
          's.error_code',
          's.error_message',
          's.error_since',
          's.last_used_at',
        ])
        .where('o.id', 'in', part)
        .execute(),
      ctx.db
        .selectFrom('online_search_log')
        .select(['online_access_id', 'at', 'user_name', 'query', 'type'])
        .where('online_access_id', 'in', part)
        .where('at', '>=', now - EVENT_WINDOW_MS)
        .where('status', '=', 'empty')
        .orderBy('at', 'desc')
        .execute(),
    ]);
    const emptyBy = groupBy(empties, (e) => e.online_access_id);
    for (const r of rows) {
      out.push({
        kind: 'online',
        id: r.id,
        dealerId: r.dealer_id,
        dealerCode: r.dealer_code,
        clientId: r.client_id,
        clientName: r.short_name,
        unitId: r.unit_id,
        login: r.login,
        host: r.host,
        folder: r.folder,
        url: `${r.protocol}://${r.host}`,
        utcOffsetMin: r.utc_offset_min,
        createdAt: r.created_at,
        state:
          r.checked_at === null
            ? null
            : {
                checkedAt: r.checked_at,
                ok: r.ok === 1,
                readAt: r.read_at,
                month: r.month,
                docs: { limit: r.docs_limit, remaining: r.docs_remaining },
                search: { limit: r.search_limit, remaining: r.search_remaining },
                print: { limit: r.print_limit, remaining: r.print_remaining },
                export: { limit: r.export_limit, remaining: r.export_remaining },
                error: r.error,
                errorCode: r.error_code,
                errorMessage: r.error_message,
                errorSince: r.error_since,
              },
        lastUsedAt: r.last_used_at,
        emptySearches: (emptyBy.get(r.id) ?? []).slice(0, MAX_SEARCHES).map((e) => ({
          at: e.at,
          user: e.user_name,
          query: e.query,
          type: e.type,
        })),
      });
    }
  }
  return out;
}
