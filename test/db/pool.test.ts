import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DbHandle } from '../../src/db/database.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/db.js';

// PostgreSQL only: SQLite has no server that could close a connection.
describe.runIf(DB_KINDS.includes('postgres'))('the PostgreSQL pool', () => {
  let tdb: TestDatabase;
  let h: DbHandle;
  beforeAll(async () => {
    tdb = await createTestDatabase('postgres');
    h = openDatabase(tdb.url);
  });
  afterAll(async () => {
    await h.close();
    await tdb.drop();
  });

  it('survives the server closing an idle connection, and reconnects', async () => {
    const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(h.db)).rows[0]!.pid;
    const admin = new pg.Client({ connectionString: tdb.url });
    await admin.connect();
    await admin.query('select pg_terminate_backend($1)', [pid]);
    await admin.end();
    await new Promise((r) => setTimeout(r, 200)); // the idle client receives the termination now
    const again = await sql<{ one: number }>`select 1 as one`.execute(h.db);
    expect(again.rows[0]?.one).toBe(1);
  });

  it('turns the JIT off, unless the URL passes its own server options', async () => {
    const setting = (db: DbHandle['db'], name: string) =>
      sql<{ v: string }>`select current_setting(${name}) as v`.execute(db).then((r) => r.rows[0]!.v);
    expect(await setting(h.db, 'jit')).toBe('off');
    const own = openDatabase(
      `${tdb.url}${tdb.url.includes('?') ? '&' : '?'}options=-c%20statement_timeout%3D4321`,
    );
    try {
      expect(await setting(own.db, 'statement_timeout')).toBe('4321ms');
      // The server's own setting, as a plain client sees it.
      const plain = new pg.Client({ connectionString: tdb.url });
      await plain.connect();
      const serverJit = (await plain.query<{ jit: string }>('show jit')).rows[0]!.jit;
      await plain.end();
      expect(await setting(own.db, 'jit')).toBe(serverJit);
    } finally {
      await own.close();
    }
  });
});
