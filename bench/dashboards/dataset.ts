/**
 * Where a generated data set lives and when it can be reused. Generating takes minutes, so it is
 * kept: on SQLite as a file in the data directory named by the data set's key (scale, generator
 * version, schema), with a JSON file beside it; on PostgreSQL as a database `smart_bench_dashboards_…`
 * named by the key, whose comment holds the same JSON. A different key (a new migration, another
 * scale) generates anew; an incomplete one (no JSON) is dropped and generated again.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../../src/config/index.js';
import { rebuildUsageDaily } from '../../src/ingest/usage-rollup.js';
import { rebuildUserUsageMonthly } from '../../src/ingest/user-usage-monthly.js';
import { rebuildOnlineSearchDaily } from '../../src/online/search-daily.js';
import { rebuildRefusedDaily, rebuildRefusedMonthly } from '../../src/ingest/refused-daily.js';
import { rebuildSampleRollups } from '../../src/metrics/rollup.js';
import { ensurePartitionsOn } from '../../src/retention/partitions.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { generate, type GenerationStats } from './generate.js';
import type { Window } from './history/sysinfo.js';
import { LAYOUT_VERSION, relayoutPg, relayoutSqlite } from './layout.js';
import { datasetKey, type Scale } from './scale.js';
import { PgSink, SqliteSink } from './sink.js';

export type Engine = 'sqlite' | 'postgres';

/**
 * The bench's PostgreSQL databases are `smart_bench_dashboards_<hash of the key>`: data sets of other
 * scales (or schemas) live beside each other, and a run at another scale never drops the database a
 * concurrent run is filling.
 */
export const PG_DATABASE_PREFIX = 'smart_bench_dashboards';

function pgDatabaseOf(key: string): string {
  return `${PG_DATABASE_PREFIX}_${key.slice(key.lastIndexOf('-') + 1)}`;
}
/** Fixed so that a cached data set's encrypted passwords stay readable (they are fake anyway). */
const SECRET_KEY = 'b'.repeat(64);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface DatasetMeta {
  key: string;
  scale: Scale;
  /** The data set's "now": history ends here. */
  end: number;
  generatedAt: string;
  stats: GenerationStats;
  /** Size on disk after generation, bytes. */
  bytes: number;
  /** LAYOUT_VERSION once the tables are in time order (layout.ts); absent before. */
  layout?: string;
}

export interface Dataset {
  engine: Engine;
  url: string;
  meta: DatasetMeta;
  /** False when an earlier run's data set was reused. */
  generated: boolean;
}

export interface DatasetOptions {
  scale: Scale;
  /** SQLite files go here (default: the OS temp dir's smart-bench-dashboards). */
  dataDir: string;
  /** PostgreSQL server URL (any database on it; the bench's own database is created beside it). */
  pgUrl: string;
  regenerate: boolean;
  /** Rewrite the history tables in time order (layout.ts); off measures the generator's order. */
  timeOrder: boolean;
  progress(msg: string): void;
}

export function defaultDataDir(): string {
  return path.join(os.tmpdir(), 'smart-bench-dashboards');
}

function keyOf(scale: Scale): string {
  return datasetKey(scale);
}

function windowNow(scale: Scale): Window {
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  return { start: end - scale.days * DAY, end };
}

function runtimeFor(url: string, dataDir: string): Promise<Runtime> {
  return openRuntime(
    loadConfig({
      SMART_DATA_DIR: dataDir,
      SMART_DATABASE_URL: url,
      SMART_SECRET_KEY: SECRET_KEY,
      SMART_LOG_LEVEL: 'silent',
      SMART_NODE_ID: 'bench',
    }),
  );
}

/** Rollups the app keeps on its write path, recomputed from the bulk-loaded rows by its own functions. */
async function rebuildRollups(rt: Runtime, progress: (m: string) => void): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let t = performance.now();
  await rebuildSampleRollups(rt.ctx.db);
  out['samples_hourly, samples_daily (rebuildSampleRollups)'] = (performance.now() - t) / 1000;
  progress(
    `samples_hourly and samples_daily rebuilt in ${out['samples_hourly, samples_daily (rebuildSampleRollups)']!.toFixed(1)} s`,
  );
  t = performance.now();
  await rebuildUsageDaily(rt.ctx.db, rt.ctx.dbKind);
  out['installation_usage_daily (rebuildUsageDaily)'] = (performance.now() - t) / 1000;
  progress(
    `installation_usage_daily rebuilt in ${out['installation_usage_daily (rebuildUsageDaily)']!.toFixed(1)} s`,
  );
  t = performance.now();
  await rebuildUserUsageMonthly(rt.ctx.db, rt.ctx.dbKind);
  out['user_usage_monthly (rebuildUserUsageMonthly)'] = (performance.now() - t) / 1000;
  progress(
    `user_usage_monthly rebuilt in ${out['user_usage_monthly (rebuildUserUsageMonthly)']!.toFixed(1)} s`,
  );
  t = performance.now();
  await rebuildRefusedDaily(rt.ctx.db, rt.ctx.dbKind);
  await rebuildRefusedMonthly(rt.ctx.db);
  out['refused_logons_daily (rebuildRefusedDaily)'] = (performance.now() - t) / 1000;
  progress(
    `refused_logons_daily rebuilt in ${out['refused_logons_daily (rebuildRefusedDaily)']!.toFixed(1)} s`,
  );
  t = performance.now();
  await rebuildOnlineSearchDaily(rt.ctx.db);
  out['online_search_daily (rebuildOnlineSearchDaily)'] = (performance.now() - t) / 1000;
  progress(
    `online_search_daily rebuilt in ${out['online_search_daily (rebuildOnlineSearchDaily)']!.toFixed(1)} s`,
  );
  return out;
}

/** Time order for a SQLite data set (counted in its generation time), then the JSON beside it. */
function sqliteRelayout(
  file: string,
  metaFile: string,
  meta: DatasetMeta,
  progress: (m: string) => void,
): void {
  const steps = relayoutSqlite(file, (m) => progress(`SQLite: ${m}`));
  addSteps(meta, steps);
  meta.layout = LAYOUT_VERSION;
  meta.bytes = statSync(file).size;
  writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
}

function addSteps(meta: DatasetMeta, steps: Record<string, number>): void {
  for (const [k, v] of Object.entries(steps)) {
    meta.stats.steps[k] = v;
    meta.stats.totalS += v;
  }
}

export async function sqliteDataset(o: DatasetOptions): Promise<Dataset> {
  const key = keyOf(o.scale);
  mkdirSync(o.dataDir, { recursive: true });
  const file = path.join(o.dataDir, `${key}.db`);
  const metaFile = path.join(o.dataDir, `${key}.json`);
  const url = `sqlite:${file}`;
  if (!o.regenerate && existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as DatasetMeta;
    o.progress(`SQLite: reusing ${file} (generated ${meta.generatedAt})`);
    if (o.timeOrder && meta.layout !== LAYOUT_VERSION) sqliteRelayout(file, metaFile, meta, o.progress);
    return { engine: 'sqlite', url, meta, generated: false };
  }
  // Generated under a temporary name and renamed when complete: an interrupted run leaves no cache.
  const tmp = path.join(o.dataDir, `${key}.partial.db`);
  for (const f of [file, metaFile, tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  const w = windowNow(o.scale);
  o.progress(`SQLite: generating ${tmp}`);
  const rt = await runtimeFor(`sqlite:${tmp}`, o.dataDir);
  let stats: GenerationStats;
  try {
    stats = await generate(rt.ctx, o.scale, w, {
      progress: (m) => o.progress(`SQLite: ${m}`),
      openSink: async () => new SqliteSink(tmp),
      finish: (ctx) => rebuildRollups({ ...rt, ctx }, (m) => o.progress(`SQLite: ${m}`)),
    });
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(rt.ctx.db);
  } finally {
    await rt.close();
  }
  for (const f of [`${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  renameSync(tmp, file);
  const { size } = statSync(file);
  const meta: DatasetMeta = {
    key,
    scale: o.scale,
    end: w.end,
    generatedAt: new Date().toISOString(),
    stats,
    bytes: size,
  };
  // Written before the rewrite in time order: an interrupted rewrite is redone, not the generation.
  writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  if (o.timeOrder) sqliteRelayout(file, metaFile, meta, o.progress);
  return { engine: 'sqlite', url, meta, generated: true };
}

/** The URL of another database on the same server. */
function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function pgDataset(o: DatasetOptions): Promise<Dataset> {
  const key = keyOf(o.scale);
  const database = pgDatabaseOf(key);
  const url = withDatabase(o.pgUrl, database);
  const admin = new pg.Client({ connectionString: o.pgUrl });
  await admin.connect();
  try {
    const found = await admin.query<{ comment: string | null }>(
      `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`,
      [database],
    );
    const comment = found.rows[0]?.comment ?? null;
    if (!o.regenerate && comment) {
      const meta = JSON.parse(comment) as DatasetMeta;
      if (meta.key === key) {
        o.progress(`PostgreSQL: reusing database ${database} (generated ${meta.generatedAt})`);
        if (o.timeOrder && meta.layout !== LAYOUT_VERSION)
          await pgRelayout(o.pgUrl, database, url, meta, o.progress);
        return { engine: 'postgres', url, meta, generated: false };
      }
    }
    // A database without its comment is being generated by another run right now, or was left by an
    // interrupted one: only the latter is dropped.
    const busy = await admin.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity where datname = $1`,
      [database],
    );
    if (Number(busy.rows[0]?.n ?? 0) > 0)
      throw new Error(
        `database ${database} is in use (another bench run generating it?); wait for it, or drop it by hand`,
      );
    await admin.query(`drop database if exists ${database}`);
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const w = windowNow(o.scale);
  o.progress(`PostgreSQL: generating database ${database}`);
  const rt = await runtimeFor(url, o.dataDir);
  let stats: GenerationStats;
  try {
    stats = await generate(rt.ctx, o.scale, w, {
      progress: (m) => o.progress(`PostgreSQL: ${m}`),
      openSink: async () => {
        // The history's months get their partitions first, as the retention job creates them in production
        // month by month: loaded without them, every row of the past would sit in the DEFAULT partition.
        await ensurePartitionsOn(rt.ctx.db, w.start, w.end);
        // The two big keys are built once after the load instead of row by row (PostgreSQL sorts
        // them in bulk); they come back below under the migrations' names.
        await sql`alter table samples drop constraint samples_pk`.execute(rt.ctx.db);
        await sql`drop index search_log_identity`.execute(rt.ctx.db);
        return PgSink.open(url);
      },
      finish: async (ctx) => {
        let t = performance.now();
        await sql`set maintenance_work_mem = '1GB'`.execute(ctx.db);
        await sql`alter table samples add constraint samples_pk primary key (series_id, ts) include (value)`.execute(
          ctx.db,
        );
        await sql`create unique index search_log_identity on search_log (installation_id, at, login, query)`.execute(
          ctx.db,
        );
        const keys = (performance.now() - t) / 1000;
        o.progress(`PostgreSQL: samples and search-log keys built in ${keys.toFixed(1)} s`);
        // Ids were given by the generator: move the identity sequences past them.
        for (const table of ['series', 'alert_instances']) {
          await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select coalesce(max(id), 1) from ${sql.table(table)}))`.execute(
            ctx.db,
          );
        }
        // Statistics of the loaded rows before the rollups' INSERT…SELECTs: without them PostgreSQL plans those
        // for empty tables (row counts off a thousandfold, JIT switched on) and takes hours instead of minutes.
        t = performance.now();
        await sql`analyze`.execute(ctx.db);
        const analyzed = (performance.now() - t) / 1000;
        const steps = await rebuildRollups({ ...rt, ctx }, (m) => o.progress(`PostgreSQL: ${m}`));
        steps['analyze (before the rollups)'] = analyzed;
        steps['keys (rebuild after load)'] = keys;
        // Autovacuum would analyze the new rows within minutes; the bench does not wait for it.
        t = performance.now();
        await sql`vacuum analyze`.execute(ctx.db);
        steps['vacuum analyze'] = (performance.now() - t) / 1000;
        return steps;
      },
    });
  } finally {
    await rt.close();
  }
  const admin2 = new pg.Client({ connectionString: o.pgUrl });
  await admin2.connect();
  let meta: DatasetMeta;
  try {
    const size = await admin2.query<{ bytes: string }>(`select pg_database_size($1) as bytes`, [database]);
    meta = {
      key,
      scale: o.scale,
      end: w.end,
      generatedAt: new Date().toISOString(),
      stats,
      bytes: Number(size.rows[0]?.bytes ?? 0),
    };
    // Set last: a database without it is never reused.
    await admin2.query(`comment on database ${database} is ${admin2.escapeLiteral(JSON.stringify(meta))}`);
  } finally {
    await admin2.end();
  }
  if (o.timeOrder) await pgRelayout(o.pgUrl, database, url, meta, o.progress);
  return { engine: 'postgres', url, meta, generated: true };
}

/** Time order for a PostgreSQL data set, then its comment (the meta) updated. */
async function pgRelayout(
  serverUrl: string,
  database: string,
  url: string,
  meta: DatasetMeta,
  progress: (m: string) => void,
): Promise<void> {
  addSteps(meta, await relayoutPg(url, (m) => progress(`PostgreSQL: ${m}`)));
  meta.layout = LAYOUT_VERSION;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const size = await admin.query<{ bytes: string }>(`select pg_database_size($1) as bytes`, [database]);
    meta.bytes = Number(size.rows[0]?.bytes ?? 0);
    await admin.query(`comment on database ${database} is ${admin.escapeLiteral(JSON.stringify(meta))}`);
  } finally {
    await admin.end();
  }
}
