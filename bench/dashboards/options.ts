import { parseArgs } from 'node:util';
import { defaultDataDir } from './dataset.js';
import type { UserKey } from './measure.js';
import { FULL_SCALE, type Scale } from './scale.js';

export interface DashboardsBenchOptions {
  scale: Scale;
  /** Measured requests per dashboard, user and engine (after the warm-up). */
  runs: number;
  warmup: number;
  maxSecondsPerTarget: number;
  users: UserKey[];
  sqlite: boolean;
  /** PostgreSQL server URL, or null to skip it. */
  pgUrl: string | null;
  dataDir: string;
  /** Generate even when a cached data set of the same key exists. */
  regenerate: boolean;
  /** Rewrite the history tables in time order, as production writes them (layout.ts). */
  timeOrder: boolean;
  /** Generate (or find) the data sets and stop. */
  generateOnly: boolean;
  /** List each dashboard request's queries, slowest first, instead of measuring. */
  profile: boolean;
  /** Only these dashboards (null: all); a partial run leaves the docs alone. */
  only: string[] | null;
  docs: boolean;
  save: string | null;
  render: string | null;
}

export const USAGE = `usage: npm run bench:dashboards -- [options]
  --installations N   installations of the bench dealer (default ${FULL_SCALE.installations})
  --accesses N        online accesses (default ${FULL_SCALE.accesses})
  --clients N         clients (default ${FULL_SCALE.clients})
  --managers N        managers (default ${FULL_SCALE.managers})
  --days N            days of history (default ${FULL_SCALE.days}, 13 months)
  --alerts N          alert instances over the period (default ${FULL_SCALE.alerts})
  --search-scale X    multiplies the simulated users' searches and documents (default 1)
  --runs N            measured requests per dashboard, user and database (default 50)
  --warmup N          unmeasured requests before them (default 3)
  --max-s S           stop a dashboard's requests after S seconds (default 120)
  --users LIST        admin,manager (default both)
  --pg                also PostgreSQL (also on when SMART_BENCH_PG_URL or SMART_TEST_PG_URL is set)
  --pg-url URL        PostgreSQL server (default SMART_BENCH_PG_URL, SMART_TEST_PG_URL,
                      or postgres://postgres@127.0.0.1:5432/postgres); the bench creates its own database
  --no-sqlite         PostgreSQL only
  --data-dir DIR      where generated SQLite data sets are kept (default ${defaultDataDir()})
  --regenerate        generate again even if a data set of this scale and schema is cached
  --no-time-order     measure the tables in the generator's order (a series' rows side by side) instead
                      of rewriting them in time order as production writes them (the rewrite is kept)
  --generate-only     make sure the data sets exist, measure nothing
  --profile           instead of measuring, list the queries of one request per dashboard, slowest first
  --only LIST         only these dashboards (e.g. for-managers,user-cards); implies --no-docs
  --no-docs           do not rewrite the "Dashboards" section of docs/performance.md
  --save FILE         also save the results as JSON
  --render FILE       measure nothing: print (and write to the docs) results saved with --save
Small scales (say --installations 50 --accesses 75 --days 30) generate in seconds, for trying it out.`;

export class OptionsError extends Error {}

function int(v: string | undefined, fallback: number, name: string, min = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new OptionsError(`--${name} must be an integer ≥ ${min}`);
  return n;
}

export function readOptions(argv: string[], env: NodeJS.ProcessEnv): DashboardsBenchOptions | null {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      installations: { type: 'string' },
      accesses: { type: 'string' },
      clients: { type: 'string' },
      managers: { type: 'string' },
      days: { type: 'string' },
      alerts: { type: 'string' },
      'search-scale': { type: 'string' },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      'max-s': { type: 'string' },
      users: { type: 'string' },
      pg: { type: 'boolean' },
      'pg-url': { type: 'string' },
      'no-sqlite': { type: 'boolean' },
      'data-dir': { type: 'string' },
      regenerate: { type: 'boolean' },
      'generate-only': { type: 'boolean' },
      'no-time-order': { type: 'boolean' },
      profile: { type: 'boolean' },
      only: { type: 'string' },
      'no-docs': { type: 'boolean' },
      save: { type: 'string' },
      render: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (v.help) return null;
  const searchScale = v['search-scale'] === undefined ? FULL_SCALE.searchScale : Number(v['search-scale']);
  if (!(searchScale > 0)) throw new OptionsError('--search-scale must be a positive number');
  const scale: Scale = {
    ...FULL_SCALE,
    installations: int(v.installations, FULL_SCALE.installations, 'installations'),
    accesses: int(v.accesses, FULL_SCALE.accesses, 'accesses', 0),
    clients: int(v.clients, FULL_SCALE.clients, 'clients'),
    managers: int(v.managers, FULL_SCALE.managers, 'managers'),
    days: int(v.days, FULL_SCALE.days, 'days'),
    alerts: int(v.alerts, FULL_SCALE.alerts, 'alerts', 0),
    searchScale,
  };
  if (scale.clients > scale.installations) scale.clients = scale.installations;
  if (scale.managers > scale.clients) scale.managers = scale.clients;
  const envPg = env.SMART_BENCH_PG_URL ?? env.SMART_TEST_PG_URL;
  const wantPg = v.pg === true || v['pg-url'] !== undefined || envPg !== undefined;
  const users = (v.users ?? 'admin,manager').split(',').map((s) => s.trim());
  for (const u of users)
    if (u !== 'admin' && u !== 'manager') throw new OptionsError(`--users: unknown user ${u}`);
  const o: DashboardsBenchOptions = {
    scale,
    runs: int(v.runs, 50, 'runs'),
    warmup: int(v.warmup, 3, 'warmup', 0),
    maxSecondsPerTarget: int(v['max-s'], 120, 'max-s'),
    users: users as UserKey[],
    sqlite: v['no-sqlite'] !== true,
    pgUrl: wantPg ? (v['pg-url'] ?? envPg ?? 'postgres://postgres@127.0.0.1:5432/postgres') : null,
    dataDir: v['data-dir'] ?? defaultDataDir(),
    regenerate: v.regenerate === true,
    generateOnly: v['generate-only'] === true,
    timeOrder: v['no-time-order'] !== true,
    profile: v.profile === true,
    only: v.only ? v.only.split(',').map((x) => x.trim()) : null,
    docs: v['no-docs'] !== true && !v.only,
    save: v.save ?? null,
    render: v.render ?? null,
  };
  if (!o.sqlite && !o.pgUrl) throw new OptionsError('--no-sqlite needs --pg');
  return o;
}
