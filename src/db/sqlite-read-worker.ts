/**
 * The piscina entry of the SQLite read pool (sqlite-read-pool.ts): each worker thread keeps one read-only
 * connection to the database file named in `workerData` and answers one statement per task. Read-only,
 * so a statement that would write fails here instead of racing the main connection's writes.
 */
import { workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

export interface ReadTask {
  sql: string;
  parameters: readonly unknown[];
}

/** Rows, or the failure as a value: better-sqlite3's error class does not survive the thread boundary. */
export type ReadResult = { ok: true; rows: unknown[] } | { ok: false; message: string; code: string | null };

export interface ReadPoolWorkerData {
  file: string;
  /** The connection's page cache in MiB; null: SQLite's default. */
  cacheMb: number | null;
}

let connection: SQLite.Database | null = null;
/** Prepared once per thread: dashboards ask the same few dozen statements again and again. */
const statements = new Map<string, SQLite.Statement>();
const MAX_STATEMENTS = 500;

function open(): SQLite.Database {
  if (connection) return connection;
  const { file, cacheMb } = workerData as ReadPoolWorkerData;
  connection = new SQLite(file, { readonly: true, fileMustExist: true });
  connection.pragma('busy_timeout = 5000');
  // Negative: a size in KiB, not in pages. The cache fills only as far as the reads go.
  if (cacheMb !== null) connection.pragma(`cache_size = ${-Math.round(cacheMb * 1024)}`);
  return connection;
}

function prepared(sql: string): SQLite.Statement {
  let stmt = statements.get(sql);
  if (!stmt) {
    if (statements.size >= MAX_STATEMENTS) statements.clear();
    stmt = open().prepare(sql);
    statements.set(sql, stmt);
  }
  return stmt;
}

/** A blob parameter arrives as a Uint8Array (the thread boundary drops Buffer); better-sqlite3 wants Buffer. */
function bindable(p: unknown): unknown {
  return p instanceof Uint8Array && !Buffer.isBuffer(p)
    ? Buffer.from(p.buffer, p.byteOffset, p.byteLength)
    : p;
}

export default function runRead(task: ReadTask): ReadResult {
  try {
    const stmt = prepared(task.sql);
    if (!stmt.reader)
      return {
        ok: false,
        message: `the read pool runs only statements that return rows: ${task.sql.slice(0, 80)}`,
        code: null,
      };
    return { ok: true, rows: stmt.all(task.parameters.map(bindable)) };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return { ok: false, message: (e as Error).message, code: typeof code === 'string' ? code : null };
  }
}
