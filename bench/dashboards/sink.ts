/**
 * Bulk row writers for the history generator. Thirteen months of a 1,000-installation fleet are
 * hundreds of millions of rows: one Kysely statement per few hundred rows (what the app's write path
 * does per report) would take hours, so history goes in through one prepared statement per table
 * (SQLite, in big transactions) or one `insert … select from unnest(arrays)` per 50,000 rows
 * (PostgreSQL). The rows are the same ones the app's store functions write; only the batching differs.
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';

export type ColumnType = 'int' | 'float' | 'text';
export type Cell = number | string | null;

export interface TableSpec {
  name: string;
  columns: readonly (readonly [string, ColumnType])[];
}

export interface RowSink {
  /** Queues rows (each in the spec's column order); writes when a table's queue is big. */
  write(table: TableSpec, rows: Cell[][]): Promise<void>;
  /** Writes what is queued for one table now (rows others refer to). */
  flushTable(name: string): Promise<void>;
  /** Writes everything queued. */
  flush(): Promise<void>;
  /** Rows written so far per table. */
  readonly counts: Map<string, number>;
  close(): Promise<void>;
}

const BATCH = 50_000;

abstract class BufferedSink implements RowSink {
  readonly counts = new Map<string, number>();
  private queues = new Map<string, { table: TableSpec; rows: Cell[][] }>();

  async write(table: TableSpec, rows: Cell[][]): Promise<void> {
    let q = this.queues.get(table.name);
    if (!q) this.queues.set(table.name, (q = { table, rows: [] }));
    for (const r of rows) q.rows.push(r);
    if (q.rows.length >= BATCH) await this.drain(q);
  }

  async flushTable(name: string): Promise<void> {
    const q = this.queues.get(name);
    if (q) await this.drain(q);
  }

  async flush(): Promise<void> {
    for (const q of this.queues.values()) await this.drain(q);
  }

  private async drain(q: { table: TableSpec; rows: Cell[][] }): Promise<void> {
    if (q.rows.length === 0) return;
    const rows = q.rows;
    q.rows = [];
    await this.insert(q.table, rows);
    this.counts.set(q.table.name, (this.counts.get(q.table.name) ?? 0) + rows.length);
  }

  protected abstract insert(table: TableSpec, rows: Cell[][]): Promise<void>;
  abstract close(): Promise<void>;
}

/**
 * A second connection to the app's SQLite file. Durability is off while it writes (a crash means
 * generating again anyway); the app's own connection is idle meanwhile.
 */
export class SqliteSink extends BufferedSink {
  private readonly db: SQLite.Database;
  private readonly statements = new Map<string, SQLite.Statement>();

  constructor(file: string) {
    super();
    this.db = new SQLite(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('foreign_keys = OFF');
    this.db.pragma('cache_size = -1000000');
  }

  /** A statement inserting `n` rows (multi-row VALUES: a third of the per-row cost of one by one). */
  private statement(table: TableSpec, n: number): SQLite.Statement {
    const key = `${table.name}:${n}`;
    let st = this.statements.get(key);
    if (!st) {
      const cols = table.columns.map(([c]) => c);
      const tuple = `(${cols.map(() => '?').join(', ')})`;
      st = this.db.prepare(
        `insert into ${table.name} (${cols.join(', ')}) values ${Array(n).fill(tuple).join(', ')}`,
      );
      this.statements.set(key, st);
    }
    return st;
  }

  protected async insert(table: TableSpec, rows: Cell[][]): Promise<void> {
    const width = table.columns.length;
    const per = Math.max(1, Math.min(100, Math.floor(999 / width)));
    const many = this.statement(table, per);
    const one = this.statement(table, 1);
    this.db.transaction(() => {
      const flat: Cell[] = new Array<Cell>(per * width);
      let i = 0;
      for (; i + per <= rows.length; i += per) {
        for (let j = 0; j < per; j += 1) {
          const r = rows[i + j]!;
          for (let c = 0; c < width; c += 1) flat[j * width + c] = r[c] ?? null;
        }
        many.run(flat);
      }
      for (; i < rows.length; i += 1) one.run(rows[i]!);
    })();
  }

  async close(): Promise<void> {
    await this.flush();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}

const PG_ARRAY: Record<ColumnType, string> = { int: 'bigint[]', float: 'float8[]', text: 'text[]' };

/** One client; each batch is one statement whose parameters are whole columns. */
export class PgSink extends BufferedSink {
  private constructor(private readonly client: pg.Client) {
    super();
  }

  static async open(url: string): Promise<PgSink> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // Commits need not wait for the WAL flush: a crash means generating again anyway.
    await client.query('set synchronous_commit = off');
    // Foreign-key triggers off for this session (rows are consistent by construction): checking
    // each of 10^8 samples against series would double the load time.
    await client.query("set session_replication_role = 'replica'");
    return new PgSink(client);
  }

  protected async insert(table: TableSpec, rows: Cell[][]): Promise<void> {
    const cols = table.columns.map(([c]) => c);
    const params = table.columns.map((_, i) => rows.map((r) => r[i] ?? null));
    const unnest = table.columns.map(([, t], i) => `$${i + 1}::${PG_ARRAY[t]}`).join(', ');
    await this.client.query(
      `insert into ${table.name} (${cols.join(', ')}) select * from unnest(${unnest})`,
      params,
    );
  }

  async close(): Promise<void> {
    await this.flush();
    await this.client.end();
  }
}
