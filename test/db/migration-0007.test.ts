/**
 * Migration 0007_samples_clustered on a database that already holds samples: the rows survive, the key
 * still rejects a duplicate, deleting a series still takes its samples, and the storage is the one the
 * dashboards' range reads need (SQLite: WITHOUT ROWID; PostgreSQL: the key INCLUDEs the value).
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../src/db/database.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, migrateDbTo, type MigrationTestDb } from '../helpers/db.js';

describe.each(DB_KINDS)('migration 0007_samples_clustered (%s)', (kind) => {
  let m: MigrationTestDb;
  let h: DbHandle;

  beforeEach(async () => {
    m = await migrateDbTo(kind, '0006_dashboards');
    h = m.h;
  });
  afterEach(async () => {
    await m.close();
  });

  it('keeps every sample and stores them for range reads', async () => {
    const { ctx } = m;
    const op = cliActor('test');
    const { dealer } = await createDealer(ctx, op, { code: 'mig7', name: 'Migration' });
    const client = await createClient(ctx, op, { dealerId: dealer.id, shortName: 'm' });
    const inst = await createInstallation(ctx, op, { clientId: client.id, kind: 'agent' });
    const ids: number[] = [];
    for (const metric of ['a', 'b']) {
      const r = await h.db
        .insertInto('series')
        .values({ dealer_id: dealer.id, installation_id: inst.id, metric, labels: '{}' })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(Number(r.id));
    }
    const rows = ids.flatMap((sid, k) =>
      [3, 1, 2].map((i) => ({ series_id: sid, ts: i * 1000, value: k * 10 + i })),
    );
    await h.db.insertInto('samples').values(rows).execute();

    await m.migrateTo('0007_samples_clustered');

    const after = await h.db
      .selectFrom('samples')
      .select(['series_id', 'ts', 'value'])
      .orderBy('series_id')
      .orderBy('ts')
      .execute();
    expect(after.map((r) => [Number(r.series_id), Number(r.ts), r.value])).toEqual(
      ids.flatMap((sid, k) => [1, 2, 3].map((i) => [sid, i * 1000, k * 10 + i])),
    );
    await expect(
      h.db.insertInto('samples').values({ series_id: ids[0]!, ts: 1000, value: 9 }).execute(),
    ).rejects.toThrow();

    if (kind === 'sqlite') {
      const def = await sql<{ sql: string }>`select sql from sqlite_master where name = 'samples'`.execute(
        h.db,
      );
      expect(def.rows[0]!.sql).toMatch(/without rowid\s*$/i);
    } else {
      const def = await sql<{ def: string }>`select pg_get_constraintdef(oid) as def from pg_constraint
        where conname = 'samples_pk'`.execute(h.db);
      expect(def.rows[0]!.def).toBe('PRIMARY KEY (series_id, ts) INCLUDE (value)');
    }

    await h.db.deleteFrom('series').where('id', '=', ids[0]!).execute();
    const left = await h.db
      .selectFrom('samples')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(left.n)).toBe(3);
  });
});
