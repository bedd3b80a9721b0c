/**
 * Deletes what the retention policy says is too old (docs/architecture.md "Retention"). Rows go in
 * short batches, each its own statement and transaction, with a turn of the event loop between them:
 * on SQLite the writer lock is held for one batch at a time, so report ingestion and probe writes go on
 * while a large backlog is deleted. On PostgreSQL the partitioned tables lose whole months first (DROP
 * of each partition entirely older than the cutoff); the rest (the part of the cutoff's month before
 * it, the DEFAULT partition, the tables not partitioned) is deleted in the same batches.
 */
import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import {
  DDL_LOCK_TIMEOUT,
  defaultPartitionName,
  listPartitions,
  monthBound,
  type PartitionInfo,
} from './partitions.js';
import {
  addMonths,
  cutoffsAt,
  cutoffValue,
  monthText,
  RETENTION_TABLES,
  type RetentionPolicy,
  type RetentionTable,
} from './policy.js';

export interface RetentionTableReport {
  table: string;
  /** The value compared with the time column: rows below it were deleted. */
  cutoff: number | string;
  deleted: number;
  partitionsDropped: string[];
}

export interface RetentionReport {
  rawCutoffMs: number;
  monthCutoffMs: number;
  /** `YYYY-MM`: the oldest month kept. */
  monthCutoff: string;
  tables: RetentionTableReport[];
  deleted: number;
  partitionsDropped: number;
}

export interface RetentionOptions {
  /** Rows per delete statement (default 5,000). */
  batchRows?: number;
  signal?: AbortSignal;
  /** Which windows to apply (default both). */
  windows?: readonly ('raw' | 'months')[];
  /** Called after every batch with the table and the rows it has lost so far in this run. */
  onProgress?: (table: string, deleted: number) => void;
}

interface BatchRun {
  batchRows: number;
  signal?: AbortSignal;
  onBatch(deleted: number): void;
}

const policySchema = z.object({
  rawDays: z.number().int().min(1).max(10_000),
  months: z.number().int().min(1).max(1_200),
});

/** PostgreSQL's lock_not_available (lock_timeout expired). */
const LOCK_NOT_AVAILABLE = '55P03';

/** Parent ids per lookup: the lead column's IN list. */
const LEAD_CHUNK = 200;

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('retention aborted');
}

const tuple = (cols: readonly string[]) => sql`(${sql.join(cols.map((c) => sql.ref(c)))})`;
const values = (vals: readonly unknown[]) => sql`(${sql.join(vals)})`;

/** The rows of `physical` (the table or one partition of it) that are old and not kept. */
function oldRows(t: RetentionTable, physical: string, cutoff: number | string): RawBuilder<boolean> {
  const older = sql<boolean>`${sql.ref(t.column)} < ${cutoff}`;
  return t.keep ? sql<boolean>`${older} and not (${t.keep(physical)})` : older;
}

async function affected(db: Db, q: RawBuilder<unknown>): Promise<number> {
  const r = await q.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Batches over a chunk of parent ids at a time: the index on (lead, time) finds the old rows of each
 * parent directly, so a run costs what it deletes, not a pass over the table.
 */
async function deleteByLead(
  db: Db,
  t: RetentionTable,
  physical: string,
  cutoff: number | string,
  run: BatchRun,
): Promise<number> {
  const { batchRows, signal } = run;
  const lead = t.lead!;
  let deleted = 0;
  let cursor = -1;
  for (;;) {
    throwIfAborted(signal);
    const { rows } = await sql<{ id: number }>`select id from ${sql.table(lead.parent)}
      where id > ${cursor} order by id limit ${LEAD_CHUNK}`.execute(db);
    if (rows.length === 0) return deleted;
    const ids = rows.map((r) => Number(r.id));
    for (;;) {
      const n = await affected(
        db,
        sql`delete from ${sql.table(physical)} where ${tuple(t.key)} in (
          select ${sql.join(t.key.map((k) => sql.ref(k)))} from ${sql.table(physical)}
          where ${sql.ref(lead.column)} in (${sql.join(ids)}) and ${oldRows(t, physical, cutoff)}
          limit ${batchRows})`,
      );
      deleted += n;
      run.onBatch(n);
      await yieldToEventLoop();
      throwIfAborted(signal);
      if (n < batchRows) break;
    }
    cursor = ids[ids.length - 1]!;
  }
}

/**
 * Batches over consecutive ranges of the key, `batchRows` keys each: every batch is one index range,
 * the whole run one pass over the table's key.
 */
async function deleteByKeyRange(
  db: Db,
  t: RetentionTable,
  physical: string,
  cutoff: number | string,
  run: BatchRun,
): Promise<number> {
  const { batchRows, signal } = run;
  let deleted = 0;
  let after: unknown[] | null = null;
  const keyRef = tuple(t.key);
  for (;;) {
    throwIfAborted(signal);
    const from: RawBuilder<boolean> = after ? sql<boolean>`${keyRef} > ${values(after)}` : sql<boolean>`true`;
    const { rows } = await sql<Record<string, unknown>>`select ${sql.join(t.key.map((k) => sql.ref(k)))}
      from ${sql.table(physical)} where ${from} order by ${sql.join(t.key.map((k) => sql.ref(k)))}
      limit 1 offset ${batchRows - 1}`.execute(db);
    const end = rows[0] ? t.key.map((k) => rows[0]![k]) : null;
    const upTo: RawBuilder<boolean> = end ? sql<boolean>`${keyRef} <= ${values(end)}` : sql<boolean>`true`;
    const n = await affected(
      db,
      sql`delete from ${sql.table(physical)} where ${from} and ${upTo} and ${oldRows(t, physical, cutoff)}`,
    );
    deleted += n;
    run.onBatch(n);
    await yieldToEventLoop();
    if (!end) return deleted;
    after = end;
  }
}

function deleteOld(
  db: Db,
  t: RetentionTable,
  physical: string,
  cutoff: number | string,
  run: BatchRun,
): Promise<number> {
  return t.lead ? deleteByLead(db, t, physical, cutoff, run) : deleteByKeyRange(db, t, physical, cutoff, run);
}

/** PostgreSQL: drops the partitions entirely older than the cutoff; returns them and the ones to prune. */
async function dropOldPartitions(
  db: Db,
  t: RetentionTable,
  partitions: readonly PartitionInfo[],
  cutoff: number | string,
): Promise<{ dropped: string[]; prune: string[] }> {
  const dropped: string[] = [];
  const prune: string[] = [];
  for (const p of partitions) {
    if (!p.month) {
      prune.push(p.name);
      continue;
    }
    const lo = monthBound(t, p.month);
    const hi = monthBound(t, addMonths(p.month, 1));
    if (hi <= cutoff) {
      try {
        await db.transaction().execute(async (tx) => {
          await sql`set local lock_timeout = ${sql.lit(DDL_LOCK_TIMEOUT)}`.execute(tx);
          await sql`drop table ${sql.table(p.name)}`.execute(tx);
        });
        dropped.push(p.name);
      } catch (e) {
        // Busy: its rows are deleted in batches instead, or the partition is dropped next run.
        if ((e as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw e;
        prune.push(p.name);
      }
    } else if (lo < cutoff) prune.push(p.name);
  }
  if (!prune.includes(defaultPartitionName(t.table))) prune.push(defaultPartitionName(t.table));
  return { dropped, prune };
}

export async function runRetention(
  ctx: AppContext,
  policy: RetentionPolicy,
  opts: RetentionOptions = {},
): Promise<RetentionReport> {
  const p = policySchema.parse(policy);
  const batchRows = z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .parse(opts.batchRows ?? 5_000);
  const windows = new Set(opts.windows ?? ['raw', 'months']);
  const c = cutoffsAt(ctx.clock.now(), p);
  const report: RetentionReport = {
    rawCutoffMs: c.rawMs,
    monthCutoffMs: c.monthMs,
    monthCutoff: monthText(c.month),
    tables: [],
    deleted: 0,
    partitionsDropped: 0,
  };
  for (const t of RETENTION_TABLES) {
    if (!windows.has(t.window)) continue;
    throwIfAborted(opts.signal);
    const cutoff = cutoffValue(t, c);
    const entry: RetentionTableReport = { table: t.table, cutoff, deleted: 0, partitionsDropped: [] };
    let targets = [t.table];
    const parts = ctx.dbKind === 'postgres' && t.partitioned ? await listPartitions(ctx.db, t.table) : [];
    if (parts.length > 0) {
      const { dropped, prune } = await dropOldPartitions(ctx.db, t, parts, cutoff);
      entry.partitionsDropped = dropped;
      targets = prune;
    }
    const run: BatchRun = {
      batchRows,
      signal: opts.signal,
      onBatch: (n) => {
        entry.deleted += n;
        opts.onProgress?.(t.table, entry.deleted);
      },
    };
    for (const physical of targets) await deleteOld(ctx.db, t, physical, cutoff, run);
    report.tables.push(entry);
    report.deleted += entry.deleted;
    report.partitionsDropped += entry.partitionsDropped.length;
  }
  return report;
}
