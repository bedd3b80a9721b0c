/**
 * Scoped reads of client health: the latest stored day of every visible client, and one client's
 * history. Scope is applied in SQL through `clientVisible`; a client outside it is not found.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { NotFoundError } from '../lib/errors.js';
import { clientVisible, dealerVisible, type Actor } from '../tenancy/scope.js';
import type { HealthHistory, HealthItem, HealthListQuery } from './contract.js';
import type { Signal } from './compute.js';
import type { ProfileDetail } from './profile.js';
import type { MeasureValues } from './score.js';

const DAY = 86_400_000;
const DEFAULT_LIMIT = 2000;

type Row = {
  client_id: number;
  dealer_id: number;
  short_name: string;
  day: string;
  score: number | null;
  band: string;
  profile: string;
  profile_detail: string;
  early_exhaustion: number;
  measures: string;
  signals: string;
};

const shiftDay = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

function toItem(r: Row, managers: string[], trend: number | null): HealthItem {
  const m = JSON.parse(r.measures) as MeasureValues;
  return {
    clientId: r.client_id,
    dealerId: r.dealer_id,
    client: r.short_name,
    managers,
    day: r.day,
    score: r.score,
    band: r.band,
    trend,
    profile: r.profile,
    profileDetail: JSON.parse(r.profile_detail) as ProfileDetail,
    earlyExhaustion: r.early_exhaustion,
    measures: {
      activity: m.activity,
      involvement: m.involvement,
      docLimitUse: m.docLimitUse,
      emptySearch: m.emptySearch,
      exhaustion: m.exhaustion,
      incidents: m.incidents,
      freshness: m.freshness,
    },
    signals: JSON.parse(r.signals) as Signal[],
  };
}

async function managersOf(ctx: AppContext, ids: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await ctx.db
      .selectFrom('client_managers as cm')
      .innerJoin('managers as m', 'm.id', 'cm.manager_id')
      .select(['cm.client_id', 'm.name'])
      .where('cm.client_id', 'in', ids.slice(i, i + 500))
      .orderBy('m.name')
      .execute();
    for (const r of rows) out.set(r.client_id, [...(out.get(r.client_id) ?? []), r.name]);
  }
  return out;
}

/** Scores a week before each row's day (or the oldest within that week). */
async function trendsOf(ctx: AppContext, rows: Row[]): Promise<Map<number, number | null>> {
  const out = new Map<number, number | null>();
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500);
    const from = part.reduce((m, r) => (shiftDay(r.day, -7) < m ? shiftDay(r.day, -7) : m), '9999');
    const old = await ctx.db
      .selectFrom('client_health_daily')
      .select(['client_id', 'day', 'score'])
      .where(
        'client_id',
        'in',
        part.map((r) => r.client_id),
      )
      .where('day', '>=', from)
      .orderBy('day')
      .execute();
    const latest = new Map(part.map((r) => [r.client_id, r]));
    for (const o of old) {
      const r = latest.get(o.client_id);
      if (!r || out.has(o.client_id) || o.day < shiftDay(r.day, -7) || o.day >= r.day) continue;
      out.set(o.client_id, r.score === null || o.score === null ? null : r.score - o.score);
    }
  }
  return out;
}

/** Stored health days with the client's name: the columns of `Row`. */
const healthRows = (ctx: AppContext) =>
  ctx.db
    .selectFrom('client_health_daily as h')
    .innerJoin('clients as c', 'c.id', 'h.client_id')
    .select([
      'h.client_id',
      'h.dealer_id',
      'c.short_name',
      'h.day',
      'h.score',
      'h.band',
      'h.profile',
      'h.profile_detail',
      'h.early_exhaustion',
      'h.measures',
      'h.signals',
    ]);

export async function listClientHealth(
  ctx: AppContext,
  actor: Actor,
  q: HealthListQuery,
): Promise<{ items: HealthItem[] }> {
  let query = healthRows(ctx)
    .where(clientVisible(actor.scope, 'h.client_id'))
    .where(
      'h.day',
      '=',
      sql<string>`(select max(x.day) from client_health_daily x where x.dealer_id = h.dealer_id)`,
    );
  if (q.dealerId !== undefined) query = query.where('h.dealer_id', '=', q.dealerId);
  if (q.band) query = query.where('h.band', '=', q.band);
  if (q.profile) query = query.where('h.profile', '=', q.profile);
  if (q.managerId !== undefined)
    query = query.where(
      'h.client_id',
      'in',
      ctx.db.selectFrom('client_managers').select('client_id').where('manager_id', '=', q.managerId),
    );
  if (q.q)
    query = query.where(sql`lower(c.short_name)`, 'like', `%${q.q.toLowerCase().replace(/[%_\\]/g, '')}%`);
  let rows = (await query
    .orderBy('h.score')
    .orderBy('c.short_name')
    .limit(q.limit ?? DEFAULT_LIMIT)
    .execute()) as Row[];
  if (q.signal)
    rows = rows.filter((r) => (JSON.parse(r.signals) as Signal[]).some((s) => s.kind === q.signal));
  const ids = rows.map((r) => r.client_id);
  const [managers, trends] = await Promise.all([managersOf(ctx, ids), trendsOf(ctx, rows)]);
  // No score sorts last: unknown is not the worst.
  rows.sort((a, b) => (a.score ?? 101) - (b.score ?? 101) || a.short_name.localeCompare(b.short_name));
  return {
    items: rows.map((r) => toItem(r, managers.get(r.client_id) ?? [], trends.get(r.client_id) ?? null)),
  };
}

export async function clientHealthHistory(
  ctx: AppContext,
  actor: Actor,
  clientId: number,
  days: number,
): Promise<HealthHistory> {
  const client = await ctx.db
    .selectFrom('clients')
    .select(['id', 'short_name'])
    .where('id', '=', clientId)
    .where(clientVisible(actor.scope, 'id'))
    .executeTakeFirst();
  if (!client) throw new NotFoundError(`client ${clientId}`);
  const last = await ctx.db
    .selectFrom('client_health_daily')
    .select((eb) => eb.fn.max('day').as('day'))
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  if (!last?.day) return { clientId, client: client.short_name, points: [], latest: null };
  const rows = (await healthRows(ctx)
    .where('h.client_id', '=', clientId)
    .where('h.day', '>', shiftDay(last.day, -days))
    .orderBy('h.day')
    .execute()) as Row[];
  const latest = rows[rows.length - 1]!;
  const [managers, trends] = await Promise.all([managersOf(ctx, [clientId]), trendsOf(ctx, [latest])]);
  return {
    clientId,
    client: client.short_name,
    points: rows.map((r) => ({
      day: r.day,
      ts: Date.parse(`${r.day}T00:00:00Z`),
      score: r.score,
      band: r.band,
      profile: r.profile,
      signals: JSON.parse(r.signals) as Signal[],
    })),
    latest: toItem(latest, managers.get(clientId) ?? [], trends.get(clientId) ?? null),
  };
}

/** The dealer, if the actor can see it; else not found. */
export async function visibleDealer(ctx: AppContext, actor: Actor, dealerId: number): Promise<number> {
  const d = await ctx.db
    .selectFrom('dealers')
    .select('id')
    .where('id', '=', dealerId)
    .where(dealerVisible(actor.scope, 'id'))
    .executeTakeFirst();
  if (!d) throw new NotFoundError(`dealer ${dealerId}`);
  return d.id;
}
