/**
 * Migration 0006_dashboards on a database that already holds reports' rows: the rollups and the derived
 * headroom series are backfilled from them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, type DbHandle } from '../../src/db/database.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, migrateDbTo, type MigrationTestDb } from '../helpers/db.js';

const HOUR = 3_600_000;
/** 2026-03-10 00:00 Moscow. */
const DAY0 = Date.UTC(2026, 2, 9, 21);

describe.each(DB_KINDS)('migration 0006_dashboards (%s)', (kind) => {
  let m: MigrationTestDb;
  let h: DbHandle;

  beforeEach(async () => {
    m = await migrateDbTo(kind, '0005_alerts');
    h = m.h;
  });
  afterEach(async () => {
    await m.close();
  });

  it('backfills samples_daily, installation_usage_daily and sysinfo_licences_free', async () => {
    const { ctx } = m;
    const op = cliActor('test');
    const { dealer } = await createDealer(ctx, op, { code: 'mig', name: 'Migration' });
    const client = await createClient(ctx, op, { dealerId: dealer.id, shortName: 'm' });
    // UTC+7: 2026-03-10 20:00 UTC is already March 11 there.
    const inst = await createInstallation(ctx, op, { clientId: client.id, kind: 'agent', utcOffsetMin: 420 });
    const series = async (metric: string) =>
      (
        await h.db
          .insertInto('series')
          .values({ dealer_id: dealer.id, installation_id: inst.id, metric, labels: '{}' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const seats = await series('sysinfo_seats');
    const used = await series('sysinfo_licences_in_use');
    const t = [DAY0 + HOUR, DAY0 + 5 * HOUR, DAY0 + 25 * HOUR];
    await h.db
      .insertInto('samples')
      .values([
        ...t.map((ts) => ({ series_id: seats, ts, value: 10 })),
        { series_id: used, ts: t[0]!, value: 3 },
        { series_id: used, ts: t[1]!, value: 7 },
        { series_id: used, ts: t[2]!, value: 9 },
      ])
      .execute();
    const base = { registered_at: null, last_activity_at: null, fullname: null, phone: null, email: null };
    await h.db
      .insertInto('installation_users')
      .values(
        [
          { ...base, installation_id: inst.id, login: 'a', domain: 'SALES', last_seen_in_report_at: t[0]! },
          { ...base, installation_id: inst.id, login: 'b', domain: 'IT', last_seen_in_report_at: t[0]! },
        ].map((u) => ({ ...u, position: null, department: null, blocked: 0 })),
      )
      .execute();
    const usage = (login: string, day: string, n: number) => ({
      installation_id: inst.id,
      login,
      day,
      db_requests: n,
      docs_counted: n,
      docs_licensed: 0,
      docs_free: 0,
      saved: 1,
      printed: 0,
      services: 2,
      kassist_requests: 0,
    });
    await h.db
      .insertInto('user_usage_daily')
      .values([usage('a', '2026-03-10', 5), usage('b', '2026-03-10', 7), usage('c', '2026-03-10', 1)])
      .execute();
    const search = (at: number, login: string, status: string) => ({
      installation_id: inst.id,
      at,
      login,
      query: `q${at}`,
      catalog: null,
      type: 'intelligent',
      source: 'ksrv',
      status,
      duration_ms: null,
    });
    await h.db
      .insertInto('search_log')
      .values([
        search(Date.UTC(2026, 2, 10, 6), 'a', 'empty'), // 13:00 local, March 10
        search(Date.UTC(2026, 2, 10, 7), 'a', 'success'),
        search(Date.UTC(2026, 2, 10, 20), 'b', 'empty'), // 03:00 local, March 11
      ])
      .execute();

    await migrate(h);

    const free = await h.db
      .selectFrom('series')
      .innerJoin('samples', 'samples.series_id', 'series.id')
      .select(['ts', 'value'])
      .where('series.installation_id', '=', inst.id)
      .where('metric', '=', 'sysinfo_licences_free')
      .orderBy('ts')
      .execute();
    expect(free.map((r) => [r.ts, r.value])).toEqual([
      [t[0], 7],
      [t[1], 3],
      [t[2], 1],
    ]);

    const daily = await h.db
      .selectFrom('samples_daily')
      .innerJoin('series', 'series.id', 'samples_daily.series_id')
      .select(['metric', 'day', 'min', 'max', 'last', 'last_ts', 'sum', 'count'])
      .orderBy('metric')
      .orderBy('day')
      .execute();
    expect(daily).toEqual([
      {
        metric: 'sysinfo_licences_free',
        day: DAY0,
        min: 3,
        max: 7,
        last: 3,
        last_ts: t[1],
        sum: 10,
        count: 2,
      },
      {
        metric: 'sysinfo_licences_free',
        day: DAY0 + 24 * HOUR,
        min: 1,
        max: 1,
        last: 1,
        last_ts: t[2],
        sum: 1,
        count: 1,
      },
      {
        metric: 'sysinfo_licences_in_use',
        day: DAY0,
        min: 3,
        max: 7,
        last: 7,
        last_ts: t[1],
        sum: 10,
        count: 2,
      },
      {
        metric: 'sysinfo_licences_in_use',
        day: DAY0 + 24 * HOUR,
        min: 9,
        max: 9,
        last: 9,
        last_ts: t[2],
        sum: 9,
        count: 1,
      },
      { metric: 'sysinfo_seats', day: DAY0, min: 10, max: 10, last: 10, last_ts: t[1], sum: 20, count: 2 },
      {
        metric: 'sysinfo_seats',
        day: DAY0 + 24 * HOUR,
        min: 10,
        max: 10,
        last: 10,
        last_ts: t[2],
        sum: 10,
        count: 1,
      },
    ]);

    const num = (rows: Record<string, unknown>[]) =>
      rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, k === 'domain' || k === 'day' ? v : Number(v)]),
        ),
      );
    const byDomain = await h.db
      .selectFrom('installation_usage_domain_daily')
      .select(['domain', 'day', 'db_requests', 'services', 'active_users', 'searches', 'empty_searches'])
      .orderBy('day')
      .orderBy('domain')
      .execute();
    expect(num(byDomain)).toEqual([
      {
        domain: 'IT',
        day: '2026-03-10',
        db_requests: 7,
        services: 2,
        active_users: 1,
        searches: 0,
        empty_searches: 0,
      },
      {
        domain: 'SALES',
        day: '2026-03-10',
        db_requests: 5,
        services: 2,
        active_users: 1,
        searches: 2,
        empty_searches: 1,
      },
      {
        domain: 'НеОпределён',
        day: '2026-03-10',
        db_requests: 1,
        services: 2,
        active_users: 1,
        searches: 0,
        empty_searches: 0,
      },
      {
        domain: 'IT',
        day: '2026-03-11',
        db_requests: 0,
        services: 0,
        active_users: 0,
        searches: 1,
        empty_searches: 1,
      },
    ]);
    const totals = await h.db
      .selectFrom('installation_usage_daily')
      .select([
        'day',
        'db_requests',
        'docs_counted',
        'saved',
        'services',
        'active_users',
        'searches',
        'empty_searches',
      ])
      .orderBy('day')
      .execute();
    expect(num(totals)).toEqual([
      {
        day: '2026-03-10',
        db_requests: 13,
        docs_counted: 13,
        saved: 3,
        services: 6,
        active_users: 3,
        searches: 2,
        empty_searches: 1,
      },
      {
        day: '2026-03-11',
        db_requests: 0,
        docs_counted: 0,
        saved: 0,
        services: 0,
        active_users: 0,
        searches: 1,
        empty_searches: 1,
      },
    ]);
  });
});
