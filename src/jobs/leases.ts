/**
 * The `jobs` table: one row per periodic task and subject. A node claims due rows by writing its name
 * and a lease; the row is not due again until the run is finished (no overlap), and a dead node's
 * lease simply expires. On PostgreSQL the claim uses FOR UPDATE SKIP LOCKED, so N nodes sharing the
 * database split the work without waiting on each other; SQLite serialises writers, so the same
 * statement is already atomic there.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import type { JobRow } from '../db/schema.js';
import { withTx } from '../db/tx.js';
import { firstRunAt, nextRunAfter, phaseOffsetMs } from './schedule.js';

export interface JobSpec {
  kind: string;
  subjectId: number;
  dealerId: number | null;
  host: string | null;
  intervalMs: number;
  /** First run of a new job; default: a stable phase within the first interval. */
  firstRunAt?: number;
}

export interface SyncResult {
  added: number;
  updated: number;
  removed: number;
}

const CHUNK = 400;

/**
 * Makes the jobs of `kind` exactly `specs`: new subjects get a job, changed intervals or hosts are
 * updated (a shorter interval takes effect at once), subjects that are gone lose theirs.
 */
export async function syncJobs(ctx: AppContext, kind: string, specs: JobSpec[]): Promise<SyncResult> {
  const now = ctx.clock.now();
  const existing = await ctx.db
    .selectFrom('jobs')
    .select(['id', 'subject_id', 'interval_ms', 'host', 'dealer_id', 'next_run_at'])
    .where('kind', '=', kind)
    .execute();
  const bySubject = new Map(existing.map((j) => [j.subject_id, j]));
  const wanted = new Map(specs.map((s) => [s.subjectId, s]));
  const toAdd = specs.filter((s) => !bySubject.has(s.subjectId));
  const toRemove = existing.filter((j) => !wanted.has(j.subject_id)).map((j) => j.id);
  const toUpdate = existing.filter((j) => {
    const s = wanted.get(j.subject_id);
    return s && (s.intervalMs !== j.interval_ms || s.host !== j.host || s.dealerId !== j.dealer_id);
  });
  for (let i = 0; i < toAdd.length; i += CHUNK) {
    await ctx.db
      .insertInto('jobs')
      .values(
        toAdd.slice(i, i + CHUNK).map((s) => ({
          kind,
          subject_id: s.subjectId,
          dealer_id: s.dealerId,
          host: s.host,
          interval_ms: s.intervalMs,
          next_run_at: s.firstRunAt ?? firstRunAt(now, s.intervalMs, kind, s.subjectId),
        })),
      )
      // Another node may add the same job at the same moment; one row wins.
      .onConflict((oc) => oc.columns(['kind', 'subject_id']).doNothing())
      .execute();
  }
  for (const j of toUpdate) {
    const s = wanted.get(j.subject_id)!;
    await ctx.db
      .updateTable('jobs')
      .set({
        interval_ms: s.intervalMs,
        host: s.host,
        dealer_id: s.dealerId,
        next_run_at: Math.min(j.next_run_at, now + s.intervalMs),
      })
      .where('id', '=', j.id)
      .execute();
  }
  for (let i = 0; i < toRemove.length; i += CHUNK) {
    await ctx.db
      .deleteFrom('jobs')
      .where('id', 'in', toRemove.slice(i, i + CHUNK))
      .execute();
  }
  return { added: toAdd.length, updated: toUpdate.length, removed: toRemove.length };
}

/** Claims up to `limit` due jobs of `kind` for `owner`, oldest first. */
export async function claimDue(
  ctx: AppContext,
  kind: string,
  owner: string,
  limit: number,
  leaseMs: number,
): Promise<JobRow[]> {
  if (limit <= 0) return [];
  const now = ctx.clock.now();
  let due = ctx.db
    .selectFrom('jobs')
    .select('id')
    .where('kind', '=', kind)
    .where('next_run_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('next_run_at')
    .limit(limit);
  if (ctx.dbKind === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await ctx.db
    .updateTable('jobs')
    .set({ lease_owner: owner, lease_until: now + leaseMs, last_started_at: now })
    .where('id', 'in', due)
    .returningAll()
    .execute();
  return rows.sort((a, b) => a.next_run_at - b.next_run_at);
}

export interface JobCompletion {
  job: JobRow;
  startedAt: number;
  finishedAt: number;
  outcome: 'ok' | 'failed' | 'error';
  error?: string | null;
  /** Overrides the next slot (daily jobs at a local hour). */
  nextRunAt?: number;
}

/**
 * Records finished runs and moves each job to its next slot, in one transaction. A completion for a
 * job whose lease another node has taken over (this node was too slow) is ignored.
 */
export async function completeJobs(ctx: AppContext, owner: string, done: JobCompletion[]): Promise<void> {
  if (done.length === 0) return;
  await withTx(ctx, async (db) => {
    for (const d of done) {
      const { job } = d;
      const lateBy = d.startedAt - job.next_run_at;
      const missed = lateBy >= job.interval_ms ? Math.floor(lateBy / job.interval_ms) : 0;
      const phase = phaseOffsetMs(job.kind, job.subject_id, job.interval_ms);
      const next =
        d.nextRunAt ?? nextRunAfter(job.next_run_at, job.interval_ms, d.finishedAt, phase).nextRunAt;
      await db
        .updateTable('jobs')
        .set({
          next_run_at: next,
          lease_owner: null,
          lease_until: null,
          last_finished_at: d.finishedAt,
          last_duration_ms: d.finishedAt - d.startedAt,
          last_outcome: d.outcome,
          last_error: d.error ?? null,
          runs: sql<number>`runs + 1`,
          missed: sql<number>`missed + ${missed}`,
        })
        .where('id', '=', job.id)
        .where('lease_owner', '=', owner)
        .execute();
    }
  });
}

/**
 * Gives back this node's leases without running them (clean shutdown): another node may take them.
 * With `kinds`, only those: a node runs several runners, and one stopping must not free the jobs
 * another is still running.
 */
export async function releaseLeases(ctx: AppContext, owner: string, kinds?: string[]): Promise<number> {
  let q = ctx.db
    .updateTable('jobs')
    .set({ lease_owner: null, lease_until: null })
    .where('lease_owner', '=', owner);
  if (kinds) q = q.where('kind', 'in', kinds.length ? kinds : ['']);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** Makes jobs due now (an operator's "check again", or a test). */
export async function runSoon(ctx: AppContext, kind: string, subjectIds?: number[]): Promise<void> {
  let q = ctx.db.updateTable('jobs').set({ next_run_at: ctx.clock.now() }).where('kind', '=', kind);
  if (subjectIds) q = q.where('subject_id', 'in', subjectIds.length ? subjectIds : [-1]);
  await q.execute();
}
