/**
 * The measurement: the real app (buildApp, listening on 127.0.0.1, HTTP over loopback) on a generated
 * data set, logged in through POST /api/login as the dealer-admin and as a manager; each dashboard's
 * endpoint requested after a warm-up, one request at a time, timed from the request's start until its
 * body has been read.
 */
import { sql } from 'kysely';
import { DEFAULT_RANGE_MS } from '../../src/dashboards/contract.js';
import { DB_HEALTH_DEFAULT_RANGE_MS } from '../../src/dashboards/contract-db-health.js';
import { AD_STATS_DEFAULT_RANGE_MS, SEARCH_DEFAULT_RANGE_MS } from '../../src/dashboards/contract-search.js';
import { USER_CARDS_DEFAULT_RANGE_MS } from '../../src/dashboards/contract-users.js';
import { KASSIST_DEFAULT_RANGE_MS } from '../../src/dashboards/contract-kassist.js';
import { BILLING_ANALYTICS_DEFAULT_RANGE_MS } from '../../src/dashboards/contract-billing-analytics.js';
import { ONLINE_SEARCH_DEFAULT_RANGE_MS } from '../../src/dashboards/contract-online-search.js';
import { SEARCH_TIME_DEFAULT_RANGE_MS } from '../../src/dashboards/contract-search-time.js';
import { buildApp } from '../../src/http/app.js';
import { openRuntime } from '../../src/runtime.js';
import { loadConfig } from '../../src/config/index.js';
import { percentile, mean } from '../lib/stats.js';
import type { Dataset } from './dataset.js';
import { BENCH_USERS, DEALER_CODE } from './inventory.js';

const DAY = 86_400_000;

export interface Target {
  /** The dashboard, as the API path names it. */
  dashboard: string;
  /** Which range: the dashboard's default, or the heavier 13 months. */
  range: string;
  path(end: number, clientId: number): string;
}

const ranged = (dashboard: string, defaultMs: number, ms = defaultMs, range = 'default') => ({
  dashboard,
  range: range === 'default' ? `default (${Math.round(defaultMs / DAY)} d)` : range,
  path: (end: number) => `/api/dashboards/${dashboard}?from=${end - ms}&to=${end}`,
});

/**
 * Every dashboard endpoint of src/dashboards/contract.ts with its default range, plus 13 months of the
 * two whose history is long by nature. `from`/`to` are sent explicitly, ending at the data set's end,
 * so a data set generated days ago is measured over its own last days, not over an empty stretch.
 */
export function targets(days: number, only: readonly string[] | null = null): Target[] {
  return allTargets(days).filter((t) => !only || only.includes(t.dashboard));
}

function allTargets(days: number): Target[] {
  const long = days * DAY;
  const months = `${Math.round(days / 30.4)} months`;
  return [
    { dashboard: 'variables', range: '–', path: () => '/api/dashboards/variables' },
    ranged('kodeks-analytics', DEFAULT_RANGE_MS.kodeksAnalytics),
    ranged('kodeks-analytics', DEFAULT_RANGE_MS.kodeksAnalytics, long, months),
    ranged('server-metrics', DEFAULT_RANGE_MS.serverMetrics),
    ranged('availability', DEFAULT_RANGE_MS.availability),
    ranged('availability', DEFAULT_RANGE_MS.availability, long, months),
    ranged('availability-online', DEFAULT_RANGE_MS.availabilityOnline),
    ranged('billing-stats', DEFAULT_RANGE_MS.billingStats),
    ranged('emergencies', DEFAULT_RANGE_MS.emergencies),
    { dashboard: 'client overview', range: '–', path: (_end, id) => `/api/clients/${id}/overview` },
    // The analytics dashboards (issue 7).
    ranged('db-errors', DB_HEALTH_DEFAULT_RANGE_MS.dbErrors),
    ranged('db-errors', DB_HEALTH_DEFAULT_RANGE_MS.dbErrors, long, months),
    ranged('versions', DB_HEALTH_DEFAULT_RANGE_MS.versions),
    { dashboard: 'sysinfo-time', range: '–', path: () => '/api/dashboards/sysinfo-time' },
    { dashboard: 'connected-users', range: '–', path: () => '/api/dashboards/connected-users' },
    ranged('user-cards', USER_CARDS_DEFAULT_RANGE_MS),
    ranged('user-cards', USER_CARDS_DEFAULT_RANGE_MS, long, months),
    ranged('search-queries', SEARCH_DEFAULT_RANGE_MS),
    ranged('search-queries', SEARCH_DEFAULT_RANGE_MS, long, months),
    ranged('ad-stats', AD_STATS_DEFAULT_RANGE_MS),
    ranged('ad-stats', AD_STATS_DEFAULT_RANGE_MS, long, months),
    ranged('kassist-analytics', KASSIST_DEFAULT_RANGE_MS),
    ranged('kassist-analytics', KASSIST_DEFAULT_RANGE_MS, long, months),
    ranged('search-time', SEARCH_TIME_DEFAULT_RANGE_MS),
    ranged('search-time', SEARCH_TIME_DEFAULT_RANGE_MS, long, months),
    ranged('billing-analytics', BILLING_ANALYTICS_DEFAULT_RANGE_MS),
    ranged('billing-analytics', BILLING_ANALYTICS_DEFAULT_RANGE_MS, long, months),
    ranged('online-search-queries', ONLINE_SEARCH_DEFAULT_RANGE_MS),
    ranged('online-search-queries', ONLINE_SEARCH_DEFAULT_RANGE_MS, long, months),
    // Month to date (Moscow) by default, as the page opens.
    {
      dashboard: 'for-managers',
      range: 'month to date',
      path: (end: number) => `/api/dashboards/for-managers?to=${end}`,
    },
    ranged('for-managers', 0, long, months),
    // Four quarters and the one before them: the whole history. Eight: as many as it allows.
    {
      dashboard: 'quarterly',
      range: 'default (4 quarters)',
      path: (end: number) => `/api/dashboards/quarterly?to=${end}`,
    },
    {
      dashboard: 'quarterly',
      range: '8 quarters',
      path: (end: number) => `/api/dashboards/quarterly?to=${end}&quarters=8`,
    },
  ];
}

export type UserKey = keyof typeof BENCH_USERS;

export interface Measured {
  engine: string;
  user: UserKey;
  dashboard: string;
  range: string;
  /** 'missing': the route answered 404 (not built yet); 'error': another non-200. */
  status: 'ok' | 'missing' | 'error';
  error: string | null;
  /** Request times, ms. */
  times: number[];
  /** Size of the last response body, bytes. */
  bytes: number;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

export function summarize(m: Measured): Summary {
  return {
    n: m.times.length,
    p50: percentile(m.times, 50),
    p95: percentile(m.times, 95),
    max: Math.max(...m.times),
    mean: mean(m.times),
  };
}

export interface MeasureOptions {
  runs: number;
  warmup: number;
  /** Stop a target early after this long (its requests so far count). */
  maxSecondsPerTarget: number;
  users: UserKey[];
  only: readonly string[] | null;
  progress(msg: string): void;
}

async function login(base: string, user: UserKey): Promise<string> {
  const u = BENCH_USERS[user];
  const res = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: u.login, password: u.password }),
  });
  if (res.status !== 200) throw new Error(`login as ${u.login}: HTTP ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('smart_session='));
  if (!cookie) throw new Error(`login as ${u.login}: no session cookie`);
  return cookie.split(';')[0]!;
}

/** The client whose page is measured: the manager's client with the most installations and accesses. */
export async function overviewClient(ds: Dataset): Promise<number> {
  const rt = await openRuntime(
    loadConfig({ SMART_DATABASE_URL: ds.url, SMART_LOG_LEVEL: 'silent', SMART_SECRET_KEY: 'b'.repeat(64) }),
  );
  try {
    const row = await sql<{ id: number }>`
      select c.id from clients c
      join dealers d on d.id = c.dealer_id and d.code = ${DEALER_CODE}
      join users u on u.login = ${BENCH_USERS.manager.login}
      join client_managers cm on cm.client_id = c.id and cm.manager_id = u.manager_id
      order by (select count(*) from installations i where i.client_id = c.id)
        + (select count(*) from online_accesses o where o.client_id = c.id) desc, c.id
      limit 1`.execute(rt.ctx.db);
    const id = row.rows[0]?.id;
    if (id === undefined) throw new Error('the data set has no client of the bench manager');
    return Number(id);
  } finally {
    await rt.close();
  }
}

export async function measure(ds: Dataset, o: MeasureOptions): Promise<Measured[]> {
  const config = loadConfig({
    SMART_DATABASE_URL: ds.url,
    SMART_LOG_LEVEL: 'silent',
    SMART_SECRET_KEY: 'b'.repeat(64),
    SMART_HOST: '127.0.0.1',
    SMART_PORT: '0',
    // To compare with the reads on the main connection: SMART_SQLITE_READ_THREADS=0 npm run bench:dashboards.
    ...(process.env.SMART_SQLITE_READ_THREADS
      ? { SMART_SQLITE_READ_THREADS: process.env.SMART_SQLITE_READ_THREADS }
      : {}),
    // Likewise the read threads' page cache: SMART_SQLITE_READ_CACHE_MB=2 is SQLite's own default.
    ...(process.env.SMART_SQLITE_READ_CACHE_MB
      ? { SMART_SQLITE_READ_CACHE_MB: process.env.SMART_SQLITE_READ_CACHE_MB }
      : {}),
  });
  const rt = await openRuntime(config);
  const app = await buildApp(rt, { logger: false });
  const out: Measured[] = [];
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    const base = `http://127.0.0.1:${addr.port}`;
    const clientId = await overviewClient(ds);
    const engine = ds.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    for (const user of o.users) {
      const cookie = await login(base, user);
      for (const t of targets(ds.meta.scale.days, o.only)) {
        const url = `${base}${t.path(ds.meta.end, clientId)}`;
        const m: Measured = {
          engine,
          user,
          dashboard: t.dashboard,
          range: t.range,
          status: 'ok',
          error: null,
          times: [],
          bytes: 0,
        };
        out.push(m);
        const deadline = performance.now() + o.maxSecondsPerTarget * 1000;
        for (let i = 0; i < o.warmup + o.runs; i += 1) {
          const t0 = performance.now();
          const res = await fetch(url, { headers: { cookie } });
          const body = await res.text();
          const ms = performance.now() - t0;
          if (res.status !== 200) {
            m.status = res.status === 404 && body.includes('no route') ? 'missing' : 'error';
            m.error = `HTTP ${res.status} ${body.slice(0, 200)}`;
            break;
          }
          m.bytes = Buffer.byteLength(body);
          if (i >= o.warmup) m.times.push(ms);
          if (i >= o.warmup && performance.now() > deadline) break;
        }
        const s = m.times.length ? summarize(m) : null;
        o.progress(
          `${engine} ${user} ${t.dashboard} ${t.range}: ` +
            (s ? `p50 ${s.p50.toFixed(0)} ms, p95 ${s.p95.toFixed(0)} ms (n=${s.n})` : (m.error ?? m.status)),
        );
      }
    }
  } finally {
    await app.close();
    await rt.close();
  }
  return out;
}
