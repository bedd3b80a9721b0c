/**
 * Steady-state size of a fleet's database: a copy of a generated data set (bench/dashboards) with the
 * retention windows applied, compacted, then measured per table. The cached data set stays untouched.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/index.js';
import { rebuildSamplesHourly } from '../../src/metrics/rollup.js';
import { runRetention } from '../../src/retention/run.js';
import { openRuntime } from '../../src/runtime.js';
import type { Dataset } from '../dashboards/dataset.js';

export interface TableSize {
  table: string;
  /** Table, its indexes and (PostgreSQL) TOAST, bytes. */
  bytes: number;
  /** Of which indexes (the primary key's too, where it is separate from the rows). */
  indexBytes: number;
  rows: number;
}

export interface EngineSize {
  engine: 'sqlite' | 'postgres';
  /** The database file (SQLite) or pg_database_size (PostgreSQL, with its ~7.5 MB of catalogs). */
  databaseBytes: number;
  /** The application's tables with their indexes. */
  tablesBytes: number;
  tables: TableSize[];
  /** What the retention step deleted, rows per table. */
  deleted: Record<string, number>;
  retention: string;
}

/** SMART_RETENTION_MONTHS' default: rollups, logs and events. */
const RETENTION_MONTHS = 13;

export interface RetentionSettings {
  rawDays: number;
  progress(msg: string): void;
  /** The data set's "now": windows are counted back from it. */
  end: number;
}

export function retentionLine(r: RetentionSettings, rebuiltHourly: boolean): string {
  return (
    (rebuiltHourly ? `the hourly rollup rebuilt from the raw samples (the data set had none), then ` : '') +
    `\`runRetention\` with the defaults (raw samples ${r.rawDays} days, the rest ${RETENTION_MONTHS} months) ` +
    `at the data set's end as "now"`
  );
}

/**
 * Brings a copy to the steady state through the app (migrated schema, the data set's "now" as clock):
 * the hourly rollup the generator does not write (it predates migration 0015) is rebuilt from the raw
 * samples while they are all there, then the app's retention (src/retention/run.ts) runs.
 */
async function steadyState(
  url: string,
  dir: string,
  r: RetentionSettings,
): Promise<{ deleted: Record<string, number>; rebuiltHourly: boolean }> {
  const rt = await openRuntime(
    loadConfig({
      SMART_DATABASE_URL: url,
      SMART_DATA_DIR: dir,
      SMART_SECRET_KEY: 'b'.repeat(64),
      SMART_LOG_LEVEL: 'silent',
      SMART_NODE_ID: 'bench-storage',
    }),
    { now: () => r.end },
  );
  try {
    const db = rt.ctx.db;
    const hourly = await sql<{ n: number }>`select count(*) as n from samples_hourly`.execute(db);
    let t = performance.now();
    const rebuiltHourly = Number(hourly.rows[0]?.n ?? 0) === 0;
    if (rebuiltHourly) {
      if (rt.ctx.dbKind === 'postgres') {
        // Bulk load as the dashboards generator does for samples: the key is built once afterwards
        // (row-by-row index upkeep makes this step 3× slower), with the definition the migrations gave it.
        const def = await sql<{ def: string }>`
          select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'samples_hourly_pk'`.execute(
          db,
        );
        const keyDef = def.rows[0]?.def;
        if (keyDef) await sql`alter table samples_hourly drop constraint samples_hourly_pk`.execute(db);
        await rebuildSamplesHourly(db);
        if (keyDef) {
          await sql`set maintenance_work_mem = '512MB'`.execute(db);
          await sql`alter table samples_hourly add constraint samples_hourly_pk ${sql.raw(keyDef)}`.execute(
            db,
          );
        }
      } else await rebuildSamplesHourly(db);
      r.progress(
        `${rt.ctx.dbKind}: samples_hourly rebuilt in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
    }
    t = performance.now();
    const report = await runRetention(rt.ctx, { rawDays: r.rawDays, months: RETENTION_MONTHS });
    r.progress(
      `${rt.ctx.dbKind}: runRetention deleted ${report.deleted} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const deleted = Object.fromEntries(
      report.tables.filter((x) => x.deleted > 0).map((x) => [x.table, x.deleted]),
    );
    return { deleted, rebuiltHourly };
  } finally {
    await rt.close();
  }
}

export async function measureSqlite(ds: Dataset, r: RetentionSettings): Promise<EngineSize> {
  const src = ds.url.replace(/^sqlite:/, '');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-bench-storage-'));
  const file = path.join(dir, 'fleet.db');
  try {
    copyFileSync(src, file);
    if (existsSync(`${src}-wal`)) copyFileSync(`${src}-wal`, `${file}-wal`);
    const { deleted, rebuiltHourly } = await steadyState(`sqlite:${file}`, dir, r);
    const db = new Database(file);
    try {
      db.exec('vacuum');
      db.pragma('wal_checkpoint(TRUNCATE)');
      const names = db
        .prepare(`select name, tbl_name as tbl from sqlite_master where type in ('table', 'index')`)
        .all() as { name: string; tbl: string }[];
      const tableOf = new Map(names.map((n) => [n.name, n.tbl]));
      const pages = db.prepare('select name, sum(pgsize) as bytes from dbstat group by name').all() as {
        name: string;
        bytes: number;
      }[];
      const bytes = new Map<string, { all: number; index: number }>();
      for (const p of pages) {
        const t = tableOf.get(p.name) ?? p.name;
        const b = bytes.get(t) ?? { all: 0, index: 0 };
        b.all += p.bytes;
        if (t !== p.name) b.index += p.bytes;
        bytes.set(t, b);
      }
      const tables: TableSize[] = [];
      for (const [table, b] of bytes) {
        if (table.startsWith('sqlite_') || table.startsWith('kysely_')) continue;
        const rows = (db.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n;
        tables.push({ table, bytes: b.all, indexBytes: b.index, rows });
      }
      tables.sort((a, b) => b.bytes - a.bytes);
      return {
        engine: 'sqlite',
        databaseBytes: statSync(file).size,
        tablesBytes: tables.reduce((a, t) => a + t.bytes, 0),
        tables,
        deleted,
        retention: retentionLine(r, rebuiltHourly),
      };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function measurePostgres(
  ds: Dataset,
  serverUrl: string,
  r: RetentionSettings,
): Promise<EngineSize> {
  const source = new URL(ds.url).pathname.slice(1);
  const copy = `smart_bench_storage_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${copy} with (force)`);
    // A file-level copy of the cached data set (it must have no open connections, which it has not).
    await admin.query(`create database ${copy} template ${source}`);
    const url = withDatabase(serverUrl, copy);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-bench-storage-'));
    let deleted: Record<string, number>;
    let rebuiltHourly: boolean;
    try {
      ({ deleted, rebuiltHourly } = await steadyState(url, dir, r));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      // Compacted to the live rows: a long-running server's autovacuum reuses the freed pages for
      // new rows instead, so its files hold about this much data plus some free space.
      const t = performance.now();
      // Only the tables that lost rows: the others were just written (and clustered) and are compact.
      for (const table of Object.keys(deleted)) await c.query(`vacuum full ${c.escapeIdentifier(table)}`);
      await c.query('analyze');
      r.progress(`postgres: vacuum in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const res = await c.query<{ table: string; bytes: string; index_bytes: string; rows: string }>(
        `select coalesce(parent.relname, c.relname) as table,
                sum(pg_total_relation_size(c.oid)) as bytes,
                sum(pg_indexes_size(c.oid)) as index_bytes,
                sum(greatest(c.reltuples, 0))::bigint as rows
         from pg_class c
         join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
         left join pg_inherits i on i.inhrelid = c.oid
         left join pg_class parent on parent.oid = i.inhparent
         where c.relkind = 'r'
         group by 1`,
      );
      const tables = res.rows
        .filter((t) => !t.table.startsWith('kysely_'))
        .map((t) => ({
          table: t.table,
          bytes: Number(t.bytes),
          indexBytes: Number(t.index_bytes),
          rows: Number(t.rows),
        }))
        .sort((a, b) => b.bytes - a.bytes);
      const size = await c.query<{ bytes: string }>('select pg_database_size(current_database()) as bytes');
      return {
        engine: 'postgres',
        databaseBytes: Number(size.rows[0]?.bytes ?? 0),
        tablesBytes: tables.reduce((a, t) => a + t.bytes, 0),
        tables,
        deleted,
        retention: retentionLine(r, rebuiltHourly),
      };
    } finally {
      await c.end();
    }
  } finally {
    await admin.query(`drop database if exists ${copy} with (force)`);
    await admin.end();
  }
}
