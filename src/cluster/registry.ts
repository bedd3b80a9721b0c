/**
 * The nodes sharing one database (`cluster_nodes`, migration 0014). Each `smart serve` registers at
 * start, writes a heartbeat every few seconds and marks itself stopped on a clean stop. A node whose
 * heartbeat is older than the dead-after limit is presumed dead: the first live node to notice takes
 * its leases (jobs, notification groups and messages) and the reports waiting in its spool that it can
 * read, so its work resumes within seconds of the limit instead of when every lease has run out.
 */
import fs from 'node:fs';
import type { AppContext } from '../context.js';
import type { ClusterNodesTable } from '../db/schema.js';
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import { withTx } from '../db/tx.js';
import { nextRunAfter, phaseOffsetMs } from '../jobs/schedule.js';

export type ClusterNodeRow = Selectable<ClusterNodesTable>;

export const NODE_ROLES = ['ingest', 'checks', 'alerts', 'health', 'asrp', 'maintenance'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

export interface NodeInfo {
  nodeId: string;
  host: string;
  pid: number;
  version: string;
  url: string | null;
  roles: NodeRole[];
}

/** Writes (or rewrites, after a restart under the same name) this node's row as alive. */
export async function registerNode(ctx: AppContext, info: NodeInfo): Promise<void> {
  const now = ctx.clock.now();
  const row = {
    host: info.host,
    pid: info.pid,
    version: info.version,
    url: info.url,
    roles: JSON.stringify(info.roles),
    started_at: now,
    heartbeat_at: now,
    stopped_at: null,
    stats: '{}',
    taken_over_at: null,
    taken_over_by: null,
  };
  await ctx.db
    .insertInto('cluster_nodes')
    .values({ node_id: info.nodeId, ...row })
    .onConflict((oc) => oc.column('node_id').doUpdateSet(row))
    .execute();
}

/**
 * The heartbeat: the node is alive and these are its figures. A node that was presumed dead and comes
 * back (a long pause, not a crash) is alive again; what it was doing has been taken over, and its late
 * completions are ignored by the lease checks.
 */
export async function heartbeat(ctx: AppContext, nodeId: string, stats: object): Promise<void> {
  await ctx.db
    .updateTable('cluster_nodes')
    .set({
      heartbeat_at: ctx.clock.now(),
      stats: JSON.stringify(stats),
      stopped_at: null,
      taken_over_at: null,
      taken_over_by: null,
    })
    .where('node_id', '=', nodeId)
    .execute();
}

export async function markStopped(ctx: AppContext, nodeId: string): Promise<void> {
  await ctx.db
    .updateTable('cluster_nodes')
    .set({ stopped_at: ctx.clock.now() })
    .where('node_id', '=', nodeId)
    .execute();
}

/** Runs of jobs this frequent that a dead node had started count as done: their next slot is soon. */
export const RERUN_LONGER_THAN_MS = 3_600_000;

/**
 * Frees the dead node's job leases. A job it had claimed was started there, and whether its results were
 * written before it died is unknown. A frequent job (a probe, a pull, the alert pass: an interval of an hour
 * or less) moves to its next slot, as if the run had finished: the next run comes within the interval, and
 * the installation is not probed twice in one. A rare job (the nightly search log, the weekly ASRP upload)
 * runs again at once rather than wait a day or a week.
 */
async function releaseJobs(db: Db, dead: string, now: number): Promise<number> {
  const held = await db
    .selectFrom('jobs')
    .select(['id', 'kind', 'subject_id', 'interval_ms', 'next_run_at'])
    .where('lease_owner', '=', dead)
    .execute();
  const bySlot = new Map<number, number[]>();
  for (const j of held) {
    const next =
      j.interval_ms > RERUN_LONGER_THAN_MS
        ? j.next_run_at
        : nextRunAfter(j.next_run_at, j.interval_ms, now, phaseOffsetMs(j.kind, j.subject_id, j.interval_ms))
            .nextRunAt;
    bySlot.set(next, [...(bySlot.get(next) ?? []), j.id]);
  }
  for (const [next, ids] of bySlot) {
    for (let i = 0; i < ids.length; i += 500) {
      await db
        .updateTable('jobs')
        .set({ lease_owner: null, lease_until: null, next_run_at: next })
        .where('id', 'in', ids.slice(i, i + 500))
        .where('lease_owner', '=', dead)
        .execute();
    }
  }
  return held.length;
}

export interface Takeover {
  deadNode: string;
  jobs: number;
  notifyGroups: number;
  notifications: number;
  /** Reports of the dead node's spool moved to this node (their files are readable from here). */
  reports: number;
  /** Reports left for the dead node: their files are on its own disk. */
  reportsLeft: number;
}

/**
 * Takes over every node presumed dead: its leases are released (any node may claim the work now) and the
 * reports it had received but not processed move to `me` when their files are readable here (a shared
 * spool, or nodes on one machine). One transaction per dead node; on PostgreSQL the node's row is locked
 * SKIP LOCKED, so two live nodes never take over the same dead one.
 */
export async function takeOverDeadNodes(
  ctx: AppContext,
  me: string,
  deadAfterMs: number,
): Promise<Takeover[]> {
  const now = ctx.clock.now();
  const candidates = await ctx.db
    .selectFrom('cluster_nodes')
    .select('node_id')
    .where('node_id', '!=', me)
    .where('stopped_at', 'is', null)
    .where('taken_over_at', 'is', null)
    .where('heartbeat_at', '<', now - deadAfterMs)
    .execute();
  const out: Takeover[] = [];
  for (const { node_id: dead } of candidates) {
    const t = await withTx(ctx, async (db) => {
      let lock = db
        .selectFrom('cluster_nodes')
        .select('node_id')
        .where('node_id', '=', dead)
        .where('stopped_at', 'is', null)
        .where('taken_over_at', 'is', null)
        .where('heartbeat_at', '<', now - deadAfterMs);
      if (ctx.dbKind === 'postgres') lock = lock.forUpdate().skipLocked();
      if (!(await lock.executeTakeFirst())) return null;
      const released = { lease_owner: null, lease_until: null };
      const jobs = await releaseJobs(db, dead, now);
      const groups = await db
        .updateTable('notify_groups')
        .set(released)
        .where('lease_owner', '=', dead)
        .executeTakeFirst();
      const messages = await db
        .updateTable('notifications')
        .set({ ...released, next_attempt_at: now })
        .where('lease_owner', '=', dead)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      const waiting = await db
        .selectFrom('reports')
        .select(['id', 'spool_path'])
        .where('node_id', '=', dead)
        .where('status', 'in', ['received', 'processing'])
        .execute();
      const readable = waiting
        .filter((r) => r.spool_path !== '' && fs.existsSync(r.spool_path))
        .map((r) => r.id);
      for (let i = 0; i < readable.length; i += 500) {
        await db
          .updateTable('reports')
          .set({ node_id: me, status: 'received', lease_until: null })
          .where('id', 'in', readable.slice(i, i + 500))
          .execute();
      }
      await db
        .updateTable('cluster_nodes')
        .set({ taken_over_at: now, taken_over_by: me })
        .where('node_id', '=', dead)
        .execute();
      return {
        deadNode: dead,
        jobs,
        notifyGroups: Number(groups.numUpdatedRows),
        notifications: Number(messages.numUpdatedRows),
        reports: readable.length,
        reportsLeft: waiting.length - readable.length,
      };
    });
    if (t) out.push(t);
  }
  return out;
}
