/**
 * Migration 0016_partitions on a database that already holds rows: on PostgreSQL the large time tables
 * become monthly partitions with every row copied, the keys still reject duplicates through the same
 * conflict targets, ids continue from the old sequence, and a month added later takes its rows out of
 * the DEFAULT partition. On SQLite the migration changes nothing.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import {
  ensurePartitions,
  isPartitioned,
  listPartitions,
  partitionName,
} from '../../src/retention/partitions.js';
import { monthOf, monthStart } from '../../src/retention/policy.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, migrateDbTo, type MigrationTestDb } from '../helpers/db.js';

const DAY = 86_400_000;

describe.each(DB_KINDS)('migration 0016 (%s)', (kind) => {
  let m: MigrationTestDb;

  beforeEach(async () => {
    m = await migrateDbTo(kind, '0015_samples_hourly');
  });
  afterEach(async () => {
    await m.close();
  });

  it('partitions the time tables by month and keeps their rows and keys', async () => {
    const { ctx, h } = m;
    const op = cliActor('test');
    const { dealer } = await createDealer(ctx, op, { code: 'mig16', name: 'Migration' });
    const client = await createClient(ctx, op, { dealerId: dealer.id, shortName: 'm' });
    const inst = await createInstallation(ctx, op, { clientId: client.id, kind: 'agent' });
    const series = await h.db
      .insertInto('series')
      .values({ dealer_id: dealer.id, installation_id: inst.id, metric: 'm', labels: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const now = Date.now();
    // Three months back, this month, and one far older than the migration makes partitions for.
    const times = [now - 90 * DAY, now - 45 * DAY, now, now - 40 * 30 * DAY];
    await h.db
      .insertInto('samples')
      .values(times.map((ts) => ({ series_id: series.id, ts, value: 1 })))
      .execute();
    const search = (at: number, query: string) => ({
      installation_id: inst.id,
      at,
      login: 'u',
      query,
      catalog: null,
      type: 'plain',
      source: 'web',
      status: 'ok',
      duration_ms: null,
    });
    await h.db
      .insertInto('search_log')
      .values(times.map((at, i) => search(at, `q${i}`)))
      .execute();
    const maxId = await h.db
      .selectFrom('search_log')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirstOrThrow();
    await h.db
      .insertInto('user_usage_daily')
      .values(
        ['2026-01-15', '2026-11-02'].map((day) => ({
          installation_id: inst.id,
          login: 'u',
          day,
          db_requests: 1,
          docs_counted: 0,
          docs_licensed: 0,
          docs_free: 0,
          saved: 0,
          printed: 0,
          services: 0,
          kassist_requests: 0,
        })),
      )
      .execute();

    await m.migrateTo('0016_partitions');

    expect(await isPartitionedOn(kind, h.db, 'samples')).toBe(kind === 'postgres');
    expect(await h.db.selectFrom('samples').select('ts').orderBy('ts').execute()).toEqual(
      [...times].sort((a, b) => a - b).map((ts) => ({ ts })),
    );
    expect((await h.db.selectFrom('search_log').select('id').execute()).length).toBe(4);
    expect((await h.db.selectFrom('user_usage_daily').select('day').execute()).length).toBe(2);

    // The same conflict targets: a repeated search is skipped, a repeated sample updated.
    const again = await h.db
      .insertInto('search_log')
      .values([search(now, 'q2'), search(now + 1, 'new')])
      .onConflict((oc) => oc.columns(['installation_id', 'at', 'login', 'query']).doNothing())
      .returning('id')
      .execute();
    expect(again).toHaveLength(1);
    expect(again[0]!.id).toBeGreaterThan(Number(maxId.id));
    await h.db
      .insertInto('samples')
      .values({ series_id: series.id, ts: now, value: 5 })
      .onConflict((oc) => oc.columns(['series_id', 'ts']).doUpdateSet({ value: 5 }))
      .execute();
    const updated = await h.db
      .selectFrom('samples')
      .select('value')
      .where('ts', '=', now)
      .executeTakeFirstOrThrow();
    expect(updated.value).toBe(5);

    if (kind !== 'postgres') return;
    const parts = await listPartitions(h.db, 'samples');
    // The months holding rows got their partition (the far older one is left to the DEFAULT).
    const expected = [...new Set(times.slice(0, 3).map((ts) => partitionName('samples', monthOf(ts))))];
    expect(parts.filter((p) => p.month).map((p) => p.name)).toEqual(expected.sort());
    expect(await count(h.db, 'samples_pdefault')).toBe(1);
    // The old row's month gets its partition: the row moves out of the DEFAULT partition.
    const oldMonth = monthOf(times[3]!);
    const made = await ensurePartitions(
      { ...ctx, db: h.db },
      monthStart(oldMonth),
      monthStart(oldMonth),
      (t) => t.table === 'samples',
    );
    expect(made.created).toEqual([partitionName('samples', oldMonth)]);
    expect(await count(h.db, 'samples_pdefault')).toBe(0);
    expect(await count(h.db, partitionName('samples', oldMonth))).toBe(1);
    expect(await count(h.db, 'samples')).toBe(4);
    // Deleting the installation still takes its rows (the foreign keys were carried over).
    await h.db.deleteFrom('installations').where('id', '=', inst.id).execute();
    expect(await count(h.db, 'samples')).toBe(0);
    expect(await count(h.db, 'search_log')).toBe(0);
  });
});

async function isPartitionedOn(
  kind: string,
  db: MigrationTestDb['h']['db'],
  table: string,
): Promise<boolean> {
  return kind === 'postgres' ? isPartitioned(db, table) : false;
}

async function count(db: MigrationTestDb['h']['db'], table: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(rows[0]!.n);
}
