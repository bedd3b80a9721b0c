/**
 * Where a dashboard request's time goes: the app on the same data set, but with a Kysely that logs
 * every query's duration (openDatabase's Kysely has no log hook, so the connection is opened here the
 * same way, the JIT off as there). Each endpoint is requested a few times as the dealer-admin; the queries of the last
 * request are listed slowest first, with their SQL, for EXPLAIN by hand.
 */
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../../src/config/index.js';
import type { Database } from '../../src/db/schema.js';
import '../../src/db/database.js'; // the int8 type parser for PostgreSQL
import { buildApp } from '../../src/http/app.js';
import { systemClock } from '../../src/lib/clock.js';
import { SecretBox } from '../../src/lib/secrets.js';
import type { Runtime } from '../../src/runtime.js';
import type { Dataset } from './dataset.js';
import { BENCH_USERS } from './inventory.js';
import { targets } from './measure.js';

export interface QueryTime {
  ms: number;
  sql: string;
}

export interface RequestProfile {
  engine: string;
  dashboard: string;
  range: string;
  totalMs: number;
  queries: QueryTime[];
}

function loggedRuntime(ds: Dataset, log: (e: LogEvent) => void): Runtime {
  const config = loadConfig({
    SMART_DATABASE_URL: ds.url,
    SMART_LOG_LEVEL: 'silent',
    SMART_SECRET_KEY: 'b'.repeat(64),
  });
  const db =
    ds.engine === 'sqlite'
      ? new Kysely<Database>({
          dialect: new SqliteDialect({ database: new SQLite(ds.url.slice('sqlite:'.length)) }),
          log,
        })
      : new Kysely<Database>({
          dialect: new PostgresDialect({
            pool: new pg.Pool({ connectionString: ds.url, max: 10, options: '-c jit=off' }),
          }),
          log,
        });
  return {
    ctx: {
      db,
      dbKind: ds.engine,
      clock: systemClock,
      secrets: new SecretBox(Buffer.from('b'.repeat(64), 'hex')),
    },
    config,
    close: () => db.destroy(),
  };
}

export async function profileRequests(
  ds: Dataset,
  clientId: number,
  only: readonly string[] | null,
  repeat = 3,
): Promise<RequestProfile[]> {
  let current: QueryTime[] = [];
  const rt = loggedRuntime(ds, (e) => {
    if (e.level === 'query')
      current.push({ ms: e.queryDurationMillis, sql: e.query.sql.replace(/\s+/g, ' ').trim() });
  });
  const app = await buildApp(rt, { logger: false });
  const out: RequestProfile[] = [];
  try {
    const login = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { login: BENCH_USERS.admin.login, password: BENCH_USERS.admin.password },
    });
    const cookie = String(login.headers['set-cookie'] ?? '').split(';')[0]!;
    for (const t of targets(ds.meta.scale.days, only)) {
      let totalMs = 0;
      for (let i = 0; i < repeat; i += 1) {
        current = [];
        const t0 = performance.now();
        await app.inject({ method: 'GET', url: t.path(ds.meta.end, clientId), headers: { cookie } });
        totalMs = performance.now() - t0;
      }
      out.push({
        engine: ds.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL',
        dashboard: t.dashboard,
        range: t.range,
        totalMs,
        queries: [...current].sort((a, b) => b.ms - a.ms),
      });
    }
  } finally {
    await app.close();
    await rt.close();
  }
  return out;
}
