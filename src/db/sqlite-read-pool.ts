/**
 * Reads of a SQLite file on worker threads. better-sqlite3 is synchronous: on the main connection a
 * dashboard's hundred statements run one after another on the event loop, and nothing else (agents'
 * reports, the alert engine, other users) is answered meanwhile. This Kysely dialect sends each
 * statement to a piscina pool of threads, each with its own read-only connection (WAL lets readers run
 * beside the writer), so a request's independent reads run in parallel and the event loop stays free.
 *
 * Read-only by construction: no transactions, and a statement that returns no rows is refused (the
 * worker's connection is opened read-only as well). Writes stay on the main connection.
 */
import os from 'node:os';
import { workerFile } from '../lib/worker-file.js';
import {
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { Piscina } from 'piscina';
import type { Database } from './schema.js';
import type { ReadPoolWorkerData, ReadResult, ReadTask } from './sqlite-read-worker.js';

export interface SqliteReadPoolOptions {
  /** Threads (default: the cores less one for the event loop, 2 to 4: with one, the reads wait for each other). */
  threads?: number;
  /** An idle thread ends after this long (default 60 s); the next read starts it again. */
  idleTimeoutMs?: number;
  /** Each thread's page cache in MiB (default: SQLite's 2 MiB). */
  cacheMb?: number;
}

class ReadOnlyError extends Error {}

/** SQLite's error from a read thread, with its code (SQLITE_ERROR, SQLITE_READONLY, ...). */
export class SqliteReadError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

class PoolConnection implements DatabaseConnection {
  constructor(private readonly pool: Piscina<ReadTask, ReadResult>) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const r = await this.pool.run({ sql: compiled.sql, parameters: compiled.parameters });
    if (!r.ok) throw new SqliteReadError(r.message, r.code);
    return { rows: r.rows as R[] };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new ReadOnlyError('the SQLite read pool does not stream');
  }
}

class PoolDriver implements Driver {
  private pool: Piscina<ReadTask, ReadResult> | null = null;

  constructor(
    private readonly file: string,
    private readonly opts: SqliteReadPoolOptions,
  ) {}

  async init(): Promise<void> {
    const { filename, execArgv } = workerFile(import.meta.url, './sqlite-read-worker');
    const threads = this.opts.threads ?? Math.max(2, Math.min(4, os.availableParallelism() - 1));
    const workerData: ReadPoolWorkerData = { file: this.file, cacheMb: this.opts.cacheMb ?? null };
    this.pool = new Piscina<ReadTask, ReadResult>({
      filename,
      workerData,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: this.opts.idleTimeoutMs ?? 60_000,
      execArgv,
    });
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // Statements need no connection of their own: each goes to whichever thread is free.
    return new PoolConnection(this.pool!);
  }

  async beginTransaction(): Promise<void> {
    throw new ReadOnlyError('the SQLite read pool has no transactions; write on the main connection');
  }

  async commitTransaction(): Promise<void> {
    throw new ReadOnlyError('the SQLite read pool has no transactions');
  }

  async rollbackTransaction(): Promise<void> {
    throw new ReadOnlyError('the SQLite read pool has no transactions');
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }
}

class SqliteReadPoolDialect implements Dialect {
  constructor(
    private readonly file: string,
    private readonly opts: SqliteReadPoolOptions,
  ) {}

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createDriver(): Driver {
    return new PoolDriver(this.file, this.opts);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/** A Kysely that reads `file` on worker threads; destroy() ends them. */
export function openSqliteReadPool(file: string, opts: SqliteReadPoolOptions = {}): Kysely<Database> {
  return new Kysely<Database>({ dialect: new SqliteReadPoolDialect(file, opts) });
}
