/**
 * PostgreSQL monthly partitions of the large time tables (migration 0016, docs/architecture.md
 * "Retention"). Each table listed `partitioned` in policy.ts is PARTITION BY RANGE on its time column:
 * one partition per Moscow calendar month (`<table>_pYYYYMM`; ms tables from the month's first instant
 * in Moscow, text-day tables from `YYYY-MM-01`) and a DEFAULT partition (`<table>_pdefault`) for rows of
 * months without one. Retention drops whole partitions; SQLite has none of this.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { AppContext } from '../context.js';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import {
  addMonths,
  monthOf,
  monthStart,
  monthText,
  RETENTION_TABLES,
  type Month,
  type RetentionTable,
} from './policy.js';

// Schema-agnostic: the migration runs on Kysely<unknown>.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const PARTITIONED_TABLES: readonly RetentionTable[] = RETENTION_TABLES.filter((t) => t.partitioned);

/** Partitions created ahead of the clock, so that the DEFAULT partition normally stays empty. */
export const MONTHS_AHEAD = 3;

export function partitionName(table: string, mo: Month): string {
  return `${table}_p${mo.y}${String(mo.m).padStart(2, '0')}`;
}

export function defaultPartitionName(table: string): string {
  return `${table}_pdefault`;
}

/** The value of the table's time column where the month starts. */
export function monthBound(t: RetentionTable, mo: Month): number | string {
  return t.kind === 'ms' ? monthStart(mo) : `${monthText(mo)}-01`;
}

const lit = (v: number | string): RawBuilder<unknown> => sql.lit(v);

/**
 * DDL on a partitioned table waits for every query reading it, and queues every later query behind
 * itself: it gives up after this long (and is tried again at the next run) rather than stall the
 * dashboards and ingestion behind a long read.
 */
export const DDL_LOCK_TIMEOUT = '5s';

export interface PartitionInfo {
  name: string;
  /** Null for the DEFAULT partition. */
  month: Month | null;
}

/** The partitions of a table, by name (`_pYYYYMM`, `_pdefault`); empty when it is not partitioned. */
export async function listPartitions(db: AnyDb, table: string): Promise<PartitionInfo[]> {
  const { rows } = await sql<{ name: string }>`select c.relname as name
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    join pg_namespace n on n.oid = p.relnamespace
    where p.relname = ${table} and n.nspname = current_schema()
    order by c.relname`.execute(db);
  return rows.map((r) => {
    const m = /_p(\d{4})(\d{2})$/.exec(r.name);
    return { name: r.name, month: m ? { y: Number(m[1]), m: Number(m[2]) } : null };
  });
}

export async function isPartitioned(db: AnyDb, table: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_partitioned_table pt
    join pg_class c on c.oid = pt.partrelid
    join pg_namespace n on n.oid = c.relnamespace
    where c.relname = ${table} and n.nspname = current_schema()`.execute(db);
  return (rows[0]?.n ?? 0) > 0;
}

/**
 * Adds the month's partition. Rows of that month already in the DEFAULT partition are moved into the
 * new table before it is attached (ATTACH refuses while the DEFAULT holds rows of its range); run in
 * one transaction so no reader sees them missing.
 */
async function addPartition(db: AnyDb, t: RetentionTable, mo: Month): Promise<void> {
  const name = partitionName(t.table, mo);
  const def = defaultPartitionName(t.table);
  const lo = monthBound(t, mo);
  const hi = monthBound(t, addMonths(mo, 1));
  const col = sql.ref(t.column);
  const waiting = await sql`select 1 from ${sql.table(def)}
    where ${col} >= ${lit(lo)} and ${col} < ${lit(hi)} limit 1`.execute(db);
  if (waiting.rows.length === 0) {
    await sql`create table ${sql.table(name)} partition of ${sql.table(t.table)}
      for values from (${lit(lo)}) to (${lit(hi)})`.execute(db);
    return;
  }
  await sql`create table ${sql.table(name)} (like ${sql.table(t.table)} including defaults)`.execute(db);
  await sql`with moved as (
      delete from ${sql.table(def)} where ${col} >= ${lit(lo)} and ${col} < ${lit(hi)} returning *
    ) insert into ${sql.table(name)} select * from moved`.execute(db);
  await sql`alter table ${sql.table(t.table)} attach partition ${sql.table(name)}
    for values from (${lit(lo)}) to (${lit(hi)})`.execute(db);
}

function monthsBetween(fromTs: number, toTs: number): Month[] {
  const out: Month[] = [];
  const last = monthOf(toTs);
  for (let mo = monthOf(fromTs); mo.y * 12 + mo.m <= last.y * 12 + last.m; mo = addMonths(mo, 1))
    out.push(mo);
  return out;
}

export interface EnsureResult {
  created: string[];
}

/** Creates the missing monthly partitions for [fromTs, toTs] (Moscow months) on an executor. */
export async function ensurePartitionsOn(
  db: AnyDb,
  fromTs: number,
  toTs: number,
  only: (t: RetentionTable) => boolean = () => true,
): Promise<EnsureResult> {
  const created: string[] = [];
  const months = monthsBetween(fromTs, toTs);
  for (const t of PARTITIONED_TABLES.filter(only)) {
    // A partitioned table always has its DEFAULT partition: no partitions, not partitioned.
    const parts = await listPartitions(db, t.table);
    if (parts.length === 0) continue;
    const have = new Set(parts.map((p) => p.name));
    for (const mo of months) {
      const name = partitionName(t.table, mo);
      if (have.has(name)) continue;
      if (db.isTransaction) await addPartition(db, t, mo);
      else
        await db.transaction().execute(async (tx) => {
          await sql`set local lock_timeout = ${sql.lit(DDL_LOCK_TIMEOUT)}`.execute(tx);
          await addPartition(tx, t, mo);
        });
      created.push(name);
    }
  }
  return { created };
}

/** Creates the missing monthly partitions for [fromTs, toTs]. Does nothing on SQLite. */
export async function ensurePartitions(
  ctx: AppContext,
  fromTs: number,
  toTs: number,
  only?: (t: RetentionTable) => boolean,
): Promise<EnsureResult> {
  if (ctx.dbKind !== 'postgres') return { created: [] };
  return ensurePartitionsOn(ctx.db, fromTs, toTs, only);
}

/** How far back the migration creates partitions for existing rows; older rows go to the DEFAULT. */
const MIGRATION_MONTHS_BACK = 25;

/**
 * Rebuilds one table as a partitioned table (migration 0016): the same columns, defaults, foreign keys
 * and indexes (taken from the catalog, so indexes added by earlier migrations are kept), the primary key
 * widened by the time column where it lacks it (`search_log (id)` → `(id, at)`), the rows copied.
 */
export async function convertToPartitioned(db: AnyDb, t: RetentionTable, now: number): Promise<void> {
  if (await isPartitioned(db, t.table)) return;
  const T = t.table;
  const old = `${T}__unpartitioned`;
  const incoming = await sql<{ conname: string }>`select conname from pg_constraint
    where confrelid = ${T}::regclass`.execute(db);
  if (incoming.rows.length > 0)
    throw new Error(`${T}: foreign keys reference it (${incoming.rows.map((r) => r.conname).join(', ')})`);
  const constraints = await sql<{ name: string; type: string; def: string; has_time: boolean }>`
    select c.conname as name, c.contype as type, pg_get_constraintdef(c.oid) as def,
      exists (select 1 from pg_attribute a where a.attrelid = c.conrelid and a.attname = ${t.column}
        and a.attnum = any (c.conkey)) as has_time
    from pg_constraint c where c.conrelid = ${T}::regclass and c.contype in ('p', 'u', 'f')
    order by c.contype desc, c.conname`.execute(db);
  const indexes = await sql<{ name: string; def: string }>`
    select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
    from pg_index i where i.indrelid = ${T}::regclass
      and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.conrelid = i.indrelid)`.execute(
    db,
  );
  const allIndexes = await sql<{ name: string }>`select c.relname as name from pg_index i
    join pg_class c on c.oid = i.indexrelid where i.indrelid = ${T}::regclass`.execute(db);
  const seq = await sql<{ seq: string | null }>`select pg_get_serial_sequence(${T}, 'id') as seq
    where exists (select 1 from pg_attribute where attrelid = ${T}::regclass and attname = 'id')`.execute(db);
  const sequence = seq.rows[0]?.seq ?? null;
  const col = sql.ref(t.column);
  const monthExpr =
    t.kind === 'ms'
      ? sql`to_char(to_timestamp((${col} + ${sql.lit(ROLLUP_OFFSET_MIN * 60_000)}) / 1000.0) at time zone 'UTC', 'YYYY-MM')`
      : sql`substr(${col}, 1, 7)`;
  const held = await sql<{ m: string }>`select distinct ${monthExpr} as m from ${sql.table(T)}`.execute(db);

  // Index names are per schema: the old table's give way to the new table's.
  await sql`alter table ${sql.table(T)} rename to ${sql.table(old)}`.execute(db);
  for (const i of allIndexes.rows)
    await sql`alter index ${sql.table(i.name)} rename to ${sql.table(`${i.name}__u`)}`.execute(db);
  if (sequence) await sql`alter sequence ${sql.raw(sequence)} owned by none`.execute(db);

  await sql`create table ${sql.table(T)} (like ${sql.table(old)} including defaults)
    partition by range (${col})`.execute(db);
  for (const c of constraints.rows) {
    // A unique key of a partitioned table must contain the partition key.
    const def =
      c.type === 'f' || c.has_time
        ? c.def
        : c.def.replace(/^(PRIMARY KEY|UNIQUE) \(([^)]*)\)/, `$1 ($2, ${t.column})`);
    await sql`alter table ${sql.table(T)} add constraint ${sql.ref(c.name)} ${sql.raw(def)}`.execute(db);
  }
  for (const i of indexes.rows) await sql.raw(i.def).execute(db);

  await sql`create table ${sql.table(defaultPartitionName(T))} partition of ${sql.table(T)} default`.execute(
    db,
  );
  // Months that hold rows get their partition, from at most 25 months back to three ahead; anything
  // outside (and every month of an empty table) is left to the DEFAULT partition and to the retention
  // job, which adds the partitions around the clock on its first run.
  const first = monthStart(addMonths(monthOf(now), -MIGRATION_MONTHS_BACK));
  const last = monthStart(addMonths(monthOf(now), MONTHS_AHEAD));
  for (const { m } of held.rows) {
    const [y, mo] = m.split('-').map(Number);
    if (!y || !mo) continue;
    const start = monthStart({ y, m: mo });
    if (start >= first && start <= last) await ensurePartitionsOn(db, start, start, (x) => x.table === T);
  }

  await sql`insert into ${sql.table(T)} select * from ${sql.table(old)}`.execute(db);
  await sql`drop table ${sql.table(old)}`.execute(db);
  if (sequence) await sql`alter sequence ${sql.raw(sequence)} owned by ${sql.table(T)}.id`.execute(db);
}
