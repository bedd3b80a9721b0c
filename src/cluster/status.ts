/**
 * What `/api/cluster` shows the operator: every node with its state, figures and what it holds now,
 * and the periodic work by kind (how much is waiting, how late the oldest is), so a backlog or a node
 * that stopped taking work is visible at a glance.
 */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { requireOperator, type Actor } from '../tenancy/scope.js';

export const ClusterNodeOut = z.object({
  nodeId: z.string(),
  host: z.string(),
  pid: z.number().int(),
  version: z.string(),
  url: z.string().nullable(),
  roles: z.array(z.string()),
  /** alive: heartbeat within the limit; stopped: clean stop; dead: silent past the limit. */
  state: z.enum(['alive', 'stopped', 'dead']),
  startedAt: z.number().int(),
  heartbeatAt: z.number().int(),
  heartbeatAgeMs: z.number().int(),
  takenOverAt: z.number().int().nullable(),
  takenOverBy: z.string().nullable(),
  stats: z.record(z.string(), z.unknown()),
  holds: z.object({
    /** Leased periodic jobs, by kind. */
    jobs: z.record(z.string(), z.number().int()),
    notifyGroups: z.number().int(),
    notifications: z.number().int(),
    /** Reports in this node's spool not processed yet, and those being processed now. */
    reportsWaiting: z.number().int(),
    reportsProcessing: z.number().int(),
  }),
});

export const ClusterJobKindOut = z.object({
  kind: z.string(),
  jobs: z.number().int(),
  leased: z.number().int(),
  /** Due now and held by nobody. */
  waiting: z.number().int(),
  /** How long the oldest waiting job has been due, ms (0: none). */
  oldestWaitingMs: z.number().int(),
  failedLastRun: z.number().int(),
  missedSlots: z.number().int(),
});

export const ClusterOut = z.object({
  now: z.number().int(),
  deadAfterMs: z.number().int(),
  nodes: z.array(ClusterNodeOut),
  jobs: z.array(ClusterJobKindOut),
  notificationsQueued: z.number().int(),
});
export type ClusterOut = z.infer<typeof ClusterOut>;

function parseJson(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}

export async function clusterStatus(ctx: AppContext, actor: Actor, deadAfterMs: number): Promise<ClusterOut> {
  requireOperator(actor);
  const now = ctx.clock.now();
  const nodes = await ctx.db.selectFrom('cluster_nodes').selectAll().orderBy('node_id').execute();
  const leasedJobs = await ctx.db
    .selectFrom('jobs')
    .select((eb) => ['lease_owner', 'kind', eb.fn.countAll<number>().as('n')])
    .where('lease_owner', 'is not', null)
    .where('lease_until', '>=', now)
    .groupBy(['lease_owner', 'kind'])
    .execute();
  const leasedOf = async (table: 'notify_groups' | 'notifications') =>
    new Map(
      (
        await ctx.db
          .selectFrom(table)
          .select((eb) => ['lease_owner', eb.fn.countAll<number>().as('n')])
          .where('lease_owner', 'is not', null)
          .where('lease_until', '>=', now)
          .groupBy('lease_owner')
          .execute()
      ).map((r) => [r.lease_owner as string, Number(r.n)]),
    );
  const groups = await leasedOf('notify_groups');
  const messages = await leasedOf('notifications');
  const reports = await ctx.db
    .selectFrom('reports')
    .select((eb) => ['node_id', 'status', eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['received', 'processing'])
    .groupBy(['node_id', 'status'])
    .execute();

  const kinds = await ctx.db
    .selectFrom('jobs')
    .select((eb) => [
      'kind',
      eb.fn.countAll<number>().as('jobs'),
      eb.fn.sum<number>(eb.case().when('lease_until', '>=', now).then(1).else(0).end()).as('leased'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(
              eb.and([
                eb('next_run_at', '<=', now),
                eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]),
              ]),
            )
            .then(1)
            .else(0)
            .end(),
        )
        .as('waiting'),
      eb.fn
        .min<number>(
          eb
            .case()
            .when(
              eb.and([
                eb('next_run_at', '<=', now),
                eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]),
              ]),
            )
            .then(eb.ref('next_run_at'))
            .end(),
        )
        .as('oldest_due'),
      eb.fn.sum<number>(eb.case().when('last_outcome', '!=', 'ok').then(1).else(0).end()).as('failed'),
      eb.fn.sum<number>('missed').as('missed'),
    ])
    .groupBy('kind')
    .orderBy('kind')
    .execute();
  const queued = await ctx.db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'queued')
    .executeTakeFirstOrThrow();

  return {
    now,
    deadAfterMs,
    nodes: nodes.map((n) => {
      const age = now - n.heartbeat_at;
      const jobs: Record<string, number> = {};
      for (const j of leasedJobs) if (j.lease_owner === n.node_id) jobs[j.kind] = Number(j.n);
      const reportsOf = (status: string) =>
        Number(reports.find((r) => r.node_id === n.node_id && r.status === status)?.n ?? 0);
      const roles = parseJson(n.roles, []);
      const stats = parseJson(n.stats, {});
      return {
        nodeId: n.node_id,
        host: n.host,
        pid: n.pid,
        version: n.version,
        url: n.url,
        roles: Array.isArray(roles) ? roles.map(String) : [],
        state: n.stopped_at !== null ? 'stopped' : age > deadAfterMs ? 'dead' : 'alive',
        startedAt: n.started_at,
        heartbeatAt: n.heartbeat_at,
        heartbeatAgeMs: age,
        takenOverAt: n.taken_over_at,
        takenOverBy: n.taken_over_by,
        stats: stats !== null && typeof stats === 'object' ? (stats as Record<string, unknown>) : {},
        holds: {
          jobs,
          notifyGroups: groups.get(n.node_id) ?? 0,
          notifications: messages.get(n.node_id) ?? 0,
          reportsWaiting: reportsOf('received'),
          reportsProcessing: reportsOf('processing'),
        },
      } as const;
    }),
    jobs: kinds.map((k) => ({
      kind: k.kind,
      jobs: Number(k.jobs),
      leased: Number(k.leased ?? 0),
      waiting: Number(k.waiting ?? 0),
      oldestWaitingMs: k.oldest_due === null || k.oldest_due === undefined ? 0 : now - Number(k.oldest_due),
      failedLastRun: Number(k.failed ?? 0),
      missedSlots: Number(k.missed ?? 0),
    })),
    notificationsQueued: Number(queued.n),
  };
}
