/**
 * The SQLite read pool (src/db/sqlite-read-pool.ts): the dashboards' statements on worker threads with
 * read-only connections to the same file. SQLite only (PostgreSQL reads through its own pool).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openAndMigrate, type Db, type DbHandle } from '../../src/db/database.js';
import { openSqliteReadPool } from '../../src/db/sqlite-read-pool.js';
import { openRuntime } from '../../src/runtime.js';
import { createTestDatabase, TEST_SECRET_KEY, type TestDatabase } from '../helpers/db.js';

/** A statement that keeps a thread busy for a while (a recursive count to n). */
const busy = (n: number) =>
  sql<{
    n: number;
  }>`with recursive c(i) as (select 1 union all select i + 1 from c where i < ${n}) select count(*) as n from c`;

describe('the SQLite read pool', () => {
  let tdb: TestDatabase;
  let h: DbHandle;
  let reads: Db;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    h = await openAndMigrate(tdb.url);
    reads = openSqliteReadPool(tdb.url.slice('sqlite:'.length), { threads: 2 });
  });
  afterAll(async () => {
    await reads.destroy();
    await h.close();
    await tdb.drop();
  });

  it('reads what the main connection committed, also after the threads started', async () => {
    await h.db
      .insertInto('dealers')
      .values({ code: 'd1', name: 'First', created_at: 1, updated_at: 1 })
      .execute();
    const first = await reads.selectFrom('dealers').select(['code', 'name']).orderBy('code').execute();
    expect(first).toEqual([{ code: 'd1', name: 'First' }]);

    await h.db
      .insertInto('dealers')
      .values({ code: 'd2', name: 'Second', created_at: 1, updated_at: 1 })
      .execute();
    const both = await reads
      .selectFrom('dealers')
      .select('code')
      .where('code', 'in', ['d1', 'd2', 'd3'])
      .orderBy('code')
      .execute();
    expect(both.map((r) => r.code)).toEqual(['d1', 'd2']);
  });

  it('binds numbers, strings, nulls and bigints as the main connection does', async () => {
    const row = await sql<{
      a: number;
      b: string;
      c: null;
      d: number;
    }>`select ${41} + 1 as a, ${'x'} || 'y' as b, ${null} as c, ${BigInt(7)} * 2 as d`.execute(reads);
    expect(row.rows).toEqual([{ a: 42, b: 'xy', c: null, d: 14 }]);
  });

  it('keeps the event loop free while statements run', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const [a, b] = await Promise.all([busy(3_000_000).execute(reads), busy(3_000_001).execute(reads)]);
      expect(a.rows[0]!.n).toBe(3_000_000);
      expect(b.rows[0]!.n).toBe(3_000_001);
    } finally {
      clearInterval(timer);
    }
    // On the main connection the same statements block the loop: no tick at all until they end.
    expect(ticks).toBeGreaterThan(2);
    let blockedTicks = 0;
    const blocked = setInterval(() => blockedTicks++, 5);
    const before = blockedTicks;
    const sync = busy(3_000_000).execute(h.db);
    const afterStart = blockedTicks;
    await sync;
    clearInterval(blocked);
    expect(afterStart).toBe(before);
  });

  it('refuses writes and transactions, and writes nothing', async () => {
    await expect(
      reads
        .insertInto('dealers')
        .values({ code: 'w1', name: 'Write', created_at: 1, updated_at: 1 })
        .execute(),
    ).rejects.toThrow(/only statements that return rows/);
    // A write that returns rows reaches the connection, which is read-only.
    await expect(
      reads
        .insertInto('dealers')
        .values({ code: 'w2', name: 'Write', created_at: 1, updated_at: 1 })
        .returning('id')
        .execute(),
    ).rejects.toThrow(/readonly/i);
    await expect(reads.transaction().execute(async () => undefined)).rejects.toThrow(/no transactions/);
    const written = await h.db
      .selectFrom('dealers')
      .select('code')
      .where('code', 'in', ['w1', 'w2'])
      .execute();
    expect(written).toEqual([]);
  });

  it("passes SQLite's own error, naming what is wrong", async () => {
    await expect(sql`select * from no_such_table`.execute(reads)).rejects.toThrow(
      /no such table: no_such_table/,
    );
    // The thread is still there for the next statement.
    const ok = await sql<{ one: number }>`select 1 as one`.execute(reads);
    expect(ok.rows[0]!.one).toBe(1);
  });

  it('is what the runtime gives the dashboards on a SQLite file, unless turned off', async () => {
    const cacheSize = sql<{ cache_size: number }>`select cache_size from pragma_cache_size`;
    const base = {
      SMART_DATABASE_URL: tdb.url,
      SMART_SECRET_KEY: TEST_SECRET_KEY.toString('hex'),
      SMART_LOG_LEVEL: 'silent',
    };
    const on = await openRuntime(loadConfig({ ...base, SMART_SQLITE_READ_THREADS: '1' }));
    try {
      expect(on.ctx.reads).toBeDefined();
      const codes = await on.ctx.reads!.selectFrom('dealers').select('code').orderBy('code').execute();
      expect(codes.map((r) => r.code)).toEqual(['d1', 'd2']);
      // Each thread's page cache: 128 MiB unless set (SQLite's own default is 2 MiB).
      expect((await cacheSize.execute(on.ctx.reads!)).rows).toEqual([{ cache_size: -128 * 1024 }]);
    } finally {
      await on.close();
    }
    const small = await openRuntime(
      loadConfig({ ...base, SMART_SQLITE_READ_THREADS: '1', SMART_SQLITE_READ_CACHE_MB: '16' }),
    );
    try {
      expect((await cacheSize.execute(small.ctx.reads!)).rows).toEqual([{ cache_size: -16 * 1024 }]);
    } finally {
      await small.close();
    }
    expect(() => loadConfig({ ...base, SMART_SQLITE_READ_CACHE_MB: '1' })).toThrow(
      /SMART_SQLITE_READ_CACHE_MB/,
    );
    const off = await openRuntime(loadConfig({ ...base, SMART_SQLITE_READ_THREADS: '0' }));
    try {
      expect(off.ctx.reads).toBeUndefined();
    } finally {
      await off.close();
    }
  });
});
