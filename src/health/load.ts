/**
 * What the health computation reads for every client of one dealer, in a few queries per chunk of
 * objects (never per client): the monthly history of each installation and online access, the last
 * 30 days' searches, open incidents and the age of the newest data. Everything comes from rollups
 * (`online_usage_monthly`, `samples_daily`, `installation_usage_daily`, `online_search_daily`).
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { alertDef } from '../alerts/catalogue.js';
import { canonicalLabels } from '../metrics/series.js';
import { ONLINE_SERIES } from '../online/poller.js';

const CHUNK = 500;
const DAY = 86_400_000;
const MOSCOW_MS = 180 * 60_000;

function* chunks<T>(list: readonly T[]): Generator<T[]> {
  for (let i = 0; i < list.length; i += CHUNK) yield list.slice(i, i + CHUNK);
}

/** One object's figures for one month. */
export interface ObjectMonth {
  /** Online: % of the document limit used (at the month's last reading). */
  docsPct?: number;
  /** Online: the document limit ran out before the 20th of the month. */
  earlyExhausted?: boolean;
  /** Installation: documents + searches in the month. */
  points?: number;
  /** Installation: the busiest day's users ÷ seats, %. */
  involvementPct?: number | null;
  /** Installation: days with logons refused for lack of licences. */
  refusedDays?: number;
}

export interface ClientData {
  id: number;
  name: string;
  unitId: number | null;
  /** month → per object (`o:ID` / `i:ID`) figures. */
  months: Map<string, Map<string, ObjectMonth>>;
  searches30: number;
  empty30: number;
  openCritical: number;
  openOther: number;
  /** Newest data time over the client's objects; null when nothing arrived yet. */
  lastDataAt: number | null;
  objects: number;
}

/** `YYYY-MM` of `n` months before `month`. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const i = y * 12 + (m - 1) + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

const num = (v: unknown) => Number(v ?? 0);

/**
 * Loads every client of the dealer with the months from `fromMonth` on (YYYY-MM) and the 30 days
 * before `today` (YYYY-MM-DD).
 */
export async function loadDealerClients(
  ctx: AppContext,
  dealerId: number,
  fromMonth: string,
  today: string,
): Promise<ClientData[]> {
  const clients = await ctx.db
    .selectFrom('clients')
    .select(['id', 'short_name', 'unit_id'])
    .where('dealer_id', '=', dealerId)
    .orderBy('id')
    .execute();
  const byId = new Map<number, ClientData>(
    clients.map((c) => [
      c.id,
      {
        id: c.id,
        name: c.short_name,
        unitId: c.unit_id,
        months: new Map(),
        searches30: 0,
        empty30: 0,
        openCritical: 0,
        openOther: 0,
        lastDataAt: null,
        objects: 0,
      },
    ]),
  );
  const [insts, onls] = await Promise.all([
    ctx.db
      .selectFrom('installations')
      .select(['id', 'client_id'])
      .where('dealer_id', '=', dealerId)
      .execute(),
    ctx.db
      .selectFrom('online_accesses')
      .select(['id', 'client_id'])
      .where('dealer_id', '=', dealerId)
      .execute(),
  ]);
  const instClient = new Map(insts.map((r) => [r.id, r.client_id]));
  const onlClient = new Map(onls.map((r) => [r.id, r.client_id]));
  for (const c of [...instClient.values(), ...onlClient.values()]) {
    const d = byId.get(c);
    if (d) d.objects++;
  }
  const cell = (clientId: number | undefined, month: string, key: string): ObjectMonth | null => {
    const c = clientId === undefined ? undefined : byId.get(clientId);
    if (!c) return null;
    let m = c.months.get(month);
    if (!m) c.months.set(month, (m = new Map()));
    let o = m.get(key);
    if (!o) m.set(key, (o = {}));
    return o;
  };
  const seen = (clientId: number | undefined, at: number | null) => {
    const c = clientId === undefined ? undefined : byId.get(clientId);
    if (c && at !== null && (c.lastDataAt === null || at > c.lastDataAt)) c.lastDataAt = at;
  };
  const fromMs = Date.parse(`${fromMonth}-01T00:00:00Z`) - MOSCOW_MS;
  const since30 = new Date(Date.parse(`${today}T00:00:00Z`) - 30 * DAY).toISOString().slice(0, 10);
  const docsLabels = canonicalLabels({ kind: 'docs' });

  for (const part of chunks([...onlClient.keys()])) {
    const [monthly, zeros, searches, state] = await Promise.all([
      ctx.db
        .selectFrom('online_usage_monthly')
        .select(['online_access_id', 'month', 'limit_units', 'remaining'])
        .where('online_access_id', 'in', part)
        .where('kind', '=', 'docs')
        .where('month', '>=', fromMonth)
        .execute(),
      // Days on which the document remainder touched zero (daily rollup of the hourly reads).
      ctx.db
        .selectFrom('samples_daily as d')
        .innerJoin('series as s', 's.id', 'd.series_id')
        .select(['s.online_access_id', 'd.day'])
        .where('s.online_access_id', 'in', part)
        .where('s.metric', '=', ONLINE_SERIES.remaining)
        .where('s.labels', '=', docsLabels)
        .where('d.min', '<=', 0)
        .where('d.day', '>=', fromMs)
        .execute(),
      ctx.db
        .selectFrom('online_search_daily')
        .select([
          'online_access_id',
          sql<number>`sum(searches)`.as('searches'),
          sql<number>`sum(empty_searches)`.as('empty'),
        ])
        .where('online_access_id', 'in', part)
        .where('day', '>=', since30)
        .where('day', '<', today)
        .groupBy('online_access_id')
        .execute(),
      ctx.db
        .selectFrom('online_state')
        .select(['online_access_id', 'read_at'])
        .where('online_access_id', 'in', part)
        .execute(),
    ]);
    for (const r of monthly) {
      const o = cell(onlClient.get(r.online_access_id), r.month, `o:${r.online_access_id}`);
      if (o && r.limit_units > 0)
        o.docsPct = (Math.max(0, r.limit_units - r.remaining) / r.limit_units) * 100;
    }
    for (const r of zeros) {
      // The rollup's day starts at Moscow midnight: its Moscow date is the calendar day.
      const date = new Date(num(r.day) + MOSCOW_MS).toISOString().slice(0, 10);
      if (Number(date.slice(8, 10)) >= 20) continue;
      const o = cell(onlClient.get(Number(r.online_access_id)), date.slice(0, 7), `o:${r.online_access_id}`);
      if (o) o.earlyExhausted = true;
    }
    for (const r of searches) {
      const c = byId.get(onlClient.get(r.online_access_id) ?? -1);
      if (c) {
        c.searches30 += num(r.searches);
        c.empty30 += num(r.empty);
      }
    }
    for (const r of state) seen(onlClient.get(r.online_access_id), r.read_at);
  }

  for (const part of chunks([...instClient.keys()])) {
    const [monthly, seats, recent, refused, channels] = await Promise.all([
      ctx.db
        .selectFrom('installation_usage_daily')
        .select([
          'installation_id',
          sql<string>`substr(day, 1, 7)`.as('month'),
          sql<number>`sum(docs_counted + searches)`.as('points'),
          sql<number>`max(active_users)`.as('peak'),
        ])
        .where('installation_id', 'in', part)
        .where('day', '>=', `${fromMonth}-01`)
        .groupBy(['installation_id', sql`substr(day, 1, 7)`])
        .execute(),
      ctx.db
        .selectFrom('installation_state')
        .select(['installation_id', 'seats'])
        .where('installation_id', 'in', part)
        .execute(),
      ctx.db
        .selectFrom('installation_usage_daily')
        .select([
          'installation_id',
          sql<number>`sum(searches)`.as('searches'),
          sql<number>`sum(empty_searches)`.as('empty'),
        ])
        .where('installation_id', 'in', part)
        .where('day', '>=', since30)
        .where('day', '<', today)
        .groupBy('installation_id')
        .execute(),
      sql<{ installation_id: number; d: number; n: number }>`
        select installation_id, at / ${sql.lit(DAY)} as d, count(*) as n from refused_logons
        where installation_id in (${sql.join(part)}) and at >= ${fromMs}
        group by installation_id, at / ${sql.lit(DAY)}`.execute(ctx.db),
      ctx.db
        .selectFrom('installation_channels')
        .select(['installation_id', sql<number>`max(coalesce(last_data_at, last_received_at))`.as('at')])
        .where('installation_id', 'in', part)
        .groupBy('installation_id')
        .execute(),
    ]);
    const seatsOf = new Map(seats.map((s) => [s.installation_id, s.seats]));
    for (const r of monthly) {
      const id = Number(r.installation_id);
      const o = cell(instClient.get(id), r.month, `i:${id}`);
      if (!o) continue;
      o.points = num(r.points);
      const s = seatsOf.get(id);
      o.involvementPct = s && s > 0 ? (num(r.peak) / s) * 100 : null;
    }
    for (const r of recent) {
      const c = byId.get(instClient.get(r.installation_id) ?? -1);
      if (c) {
        c.searches30 += num(r.searches);
        c.empty30 += num(r.empty);
      }
    }
    for (const r of refused.rows) {
      const id = Number(r.installation_id);
      const month = new Date(num(r.d) * DAY + MOSCOW_MS).toISOString().slice(0, 7);
      const o = cell(instClient.get(id), month, `i:${id}`);
      if (o) o.refusedDays = (o.refusedDays ?? 0) + 1;
    }
    for (const r of channels) seen(instClient.get(r.installation_id), r.at === null ? null : num(r.at));
  }

  const open = await ctx.db
    .selectFrom('alert_instances')
    .select(['client_id', 'name'])
    .where('dealer_id', '=', dealerId)
    .where('state', '=', 'firing')
    .where('resolved_at', 'is', null)
    .where('client_id', 'is not', null)
    .execute();
  for (const r of open) {
    const c = byId.get(r.client_id ?? -1);
    if (!c) continue;
    if (alertDef(r.name)?.importance === 'critical') c.openCritical++;
    else c.openOther++;
  }
  return [...byId.values()];
}
