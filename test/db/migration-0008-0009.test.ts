/**
 * Migrations 0008_user_usage_monthly and 0009_kassist_clustered on a database that already holds usage:
 * the monthly rollup is backfilled (by 0018, which added the first and last active days) from the daily
 * rows and the search log (months in the installation's local time), kAssist's daily rows survive the new
 * layout, the keys still reject duplicates, and deleting an installation still takes its rows.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../src/db/database.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, migrateDbTo, type MigrationTestDb } from '../helpers/db.js';

const usage = (installation_id: number, login: string, day: string, docs: number, db: number) => ({
  installation_id,
  login,
  day,
  db_requests: db,
  docs_counted: docs,
  docs_licensed: docs,
  docs_free: 0,
  saved: 1,
  printed: 0,
  services: 0,
  kassist_requests: 0,
});

describe.each(DB_KINDS)('migrations 0008 and 0009 (%s)', (kind) => {
  let m: MigrationTestDb;
  let h: DbHandle;

  beforeEach(async () => {
    m = await migrateDbTo(kind, '0007_samples_clustered');
    h = m.h;
  });
  afterEach(async () => {
    await m.close();
  });

  it('backfills the monthly usage and keeps kAssist rows in the new layout', async () => {
    const { ctx } = m;
    const op = cliActor('test');
    const { dealer } = await createDealer(ctx, op, { code: 'mig8', name: 'Migration' });
    const client = await createClient(ctx, op, { dealerId: dealer.id, shortName: 'm' });
    const inst = await createInstallation(ctx, op, { clientId: client.id, kind: 'agent' });
    // UTC+7: a search at 2026-03-31 20:00 UTC is on April 1st there.
    await h.db.updateTable('installations').set({ utc_offset_min: 420 }).where('id', '=', inst.id).execute();
    await h.db
      .insertInto('user_usage_daily')
      .values([
        usage(inst.id, 'anna', '2026-03-30', 4, 10),
        usage(inst.id, 'anna', '2026-03-31', 6, 0),
        usage(inst.id, 'anna', '2026-04-01', 1, 2),
        usage(inst.id, 'boris', '2026-04-02', 0, 5),
      ])
      .execute();
    const search = (at: number, login: string, type: string, status: string) => ({
      installation_id: inst.id,
      at,
      login,
      query: `q${at}`,
      type,
      source: 'ksrv',
      status,
    });
    await h.db
      .insertInto('search_log')
      .values([
        search(Date.UTC(2026, 2, 30, 8), 'anna', 'intelligent', 'success'),
        search(Date.UTC(2026, 2, 31, 20), 'anna', 'intelligent', 'empty'),
        search(Date.UTC(2026, 2, 31, 21), 'anna', 'attribute', 'success'),
        search(Date.UTC(2026, 3, 2, 8), 'carl', 'intelligent', 'success'),
      ])
      .execute();
    await h.db
      .insertInto('kassist_links_daily')
      .values([
        {
          installation_id: inst.id,
          day: '2026-03-31',
          unique_added: 3,
          no_match: 1,
          added: 7,
          active_verified: 5,
        },
        {
          installation_id: inst.id,
          day: '2026-03-30',
          unique_added: 2,
          no_match: 0,
          added: 4,
          active_verified: 4,
        },
      ])
      .execute();

    await m.migrateTo('0009_kassist_clustered');
    // 0008 made the table; 0018 fills it, with the columns it added.
    expect(await h.db.selectFrom('user_usage_monthly').selectAll().execute()).toEqual([]);
    await m.migrateTo('0018_user_active_day_bounds');

    const months = await h.db
      .selectFrom('user_usage_monthly')
      .select([
        'month',
        'login',
        'docs_counted',
        'db_requests',
        'saved',
        'active_days',
        'searches',
        'intelligent_searches',
        'empty_searches',
        'first_active_day',
        'last_active_day',
      ])
      .orderBy('month')
      .orderBy('login')
      .execute();
    expect(
      months.map((r) => Object.values(r).map((v) => (typeof v === 'string' || v === null ? v : Number(v)))),
    ).toEqual([
      // month, login, docs, db requests, saved, active days, searches, intelligent, empty, first, last
      ['2026-03', 'anna', 10, 10, 2, 1, 1, 1, 0, '2026-03-30', '2026-03-30'],
      ['2026-04', 'anna', 1, 2, 1, 1, 2, 1, 1, '2026-04-01', '2026-04-01'],
      ['2026-04', 'boris', 0, 5, 1, 1, 0, 0, 0, '2026-04-02', '2026-04-02'],
      ['2026-04', 'carl', 0, 0, 0, 0, 1, 1, 0, null, null],
    ]);

    const ka = await h.db
      .selectFrom('kassist_links_daily')
      .select(['day', 'unique_added', 'no_match', 'added', 'active_verified'])
      .orderBy('installation_id')
      .orderBy('day')
      .execute();
    expect(ka.map((r) => Object.values(r).map((v) => (typeof v === 'string' ? v : Number(v))))).toEqual([
      ['2026-03-30', 2, 0, 4, 4],
      ['2026-03-31', 3, 1, 7, 5],
    ]);
    await expect(
      h.db
        .insertInto('kassist_links_daily')
        .values({
          installation_id: inst.id,
          day: '2026-03-31',
          unique_added: 0,
          no_match: 0,
          added: 0,
          active_verified: 0,
        })
        .execute(),
    ).rejects.toThrow();

    if (kind === 'sqlite') {
      for (const t of ['kassist_links_daily', 'user_usage_monthly']) {
        const def = await sql<{ sql: string }>`select sql from sqlite_master where name = ${t}`.execute(h.db);
        expect(def.rows[0]!.sql, t).toMatch(/without rowid\s*$/i);
      }
    } else {
      const def = await sql<{ def: string }>`select pg_get_constraintdef(oid) as def from pg_constraint
        where conname = 'kassist_links_daily_pk'`.execute(h.db);
      expect(def.rows[0]!.def).toBe(
        'PRIMARY KEY (installation_id, day) INCLUDE (unique_added, no_match, added, active_verified)',
      );
    }

    await h.db.deleteFrom('installations').where('id', '=', inst.id).execute();
    for (const t of ['kassist_links_daily', 'user_usage_monthly'] as const) {
      const left = await h.db
        .selectFrom(t)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(left.n), t).toBe(0);
    }
  });
});
