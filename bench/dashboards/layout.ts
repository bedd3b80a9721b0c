/**
 * The physical order of the history tables. The generator writes one subject's whole history at a
 * time, so a subject's rows end up side by side on disk; in production they arrive day by day (hour
 * by hour), interleaved with every other subject's, so a range read of one subject touches a page per
 * few rows. A benchmark on the generator's order would flatter every read that leaves the index for
 * the row (SQLite reads the other columns from the table by rowid; PostgreSQL from the heap). So the
 * rollup and event tables are rewritten in time order: on SQLite into a fresh table of the same
 * definition, on PostgreSQL with CLUSTER on a temporary index.
 *
 * The raw `samples` table (a quarter of a billion rows) is not, and need not be: since migration 0007 it is
 * stored by its key on both engines (SQLite `WITHOUT ROWID`, PostgreSQL reads index-only through a key that
 * INCLUDEs the value), so a range read of one series finds its rows together whatever order they arrived in.
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';

/** Tables and the order rows arrive in production (time first). */
export const TIME_ORDER: readonly { table: string; order: string[] }[] = [
  { table: 'samples_daily', order: ['day', 'series_id'] },
  { table: 'search_log', order: ['at', 'installation_id'] },
  { table: 'user_usage_daily', order: ['day', 'installation_id'] },
  { table: 'installation_usage_daily', order: ['day', 'installation_id'] },
  { table: 'availability_daily', order: ['day', 'subject_id'] },
];

export const LAYOUT_VERSION = 'time-order-1';

/** Rewrites each table in time order under its own definition (columns, keys, indexes). */
export function relayoutSqlite(file: string, progress: (m: string) => void): Record<string, number> {
  const db = new SQLite(file);
  const steps: Record<string, number> = {};
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = OFF');
    db.pragma('cache_size = -1000000');
    db.pragma('temp_store = FILE');
    for (const { table, order } of TIME_ORDER) {
      const t0 = performance.now();
      const def = db
        .prepare<[string], { sql: string }>(`select sql from sqlite_master where type = 'table' and name = ?`)
        .get(table);
      // A WITHOUT ROWID table is stored in key order whatever order rows came in.
      if (!def || /without\s+rowid\s*$/i.test(def.sql)) continue;
      const indexes = db
        .prepare<[string], { sql: string }>(
          `select sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null`,
        )
        .all(table);
      const tmp = `${table}__ordered`;
      // The same definition under another name: the key constraints (and their automatic indexes) come along.
      const ddl = def.sql.replace(/^create table\s+("?)\w+\1/i, `create table "${tmp}"`);
      db.transaction(() => {
        db.exec(`drop table if exists "${tmp}"`);
        db.exec(ddl);
        db.exec(`insert into "${tmp}" select * from "${table}" order by ${order.join(', ')}`);
        db.exec(`drop table "${table}"`);
        db.exec(`alter table "${tmp}" rename to "${table}"`);
        for (const i of indexes) db.exec(i.sql);
      })();
      steps[`time order: ${table}`] = (performance.now() - t0) / 1000;
      progress(`${table} rewritten in time order in ${steps[`time order: ${table}`]!.toFixed(1)} s`);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return steps;
}

/** CLUSTER each table on a temporary index in time order (CLUSTER keeps every key and index). */
export async function relayoutPg(
  url: string,
  progress: (m: string) => void,
): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const steps: Record<string, number> = {};
  try {
    await client.query(`set maintenance_work_mem = '1GB'`);
    for (const { table, order } of TIME_ORDER) {
      const t0 = performance.now();
      const idx = `${table}__time_order`;
      await client.query(`create index ${idx} on ${table} (${order.join(', ')})`);
      await client.query(`cluster ${table} using ${idx}`);
      await client.query(`drop index ${idx}`);
      // CLUSTER resets the visibility map: without a vacuum, index-only scans would visit the heap.
      await client.query(`vacuum analyze ${table}`);
      steps[`time order: ${table}`] = (performance.now() - t0) / 1000;
      progress(`${table} clustered in time order in ${steps[`time order: ${table}`]!.toFixed(1)} s`);
    }
  } finally {
    await client.end();
  }
  return steps;
}
