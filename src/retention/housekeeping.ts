/**
 * Rows that hold no history and outlive their use, pruned by the retention job: login sessions past
 * their expiry (a session is refused from that moment anyway), and the rows of nodes that stopped or
 * were taken over and have not written a heartbeat for a week (a node restarted under the same name
 * rewrites its row; /api/cluster keeps showing a departed node for that week).
 */
import type { AppContext } from '../context.js';

export const DEPARTED_NODES_KEPT_MS = 7 * 86_400_000;

export interface HousekeepingReport {
  sessions: number;
  nodes: number;
}

export async function pruneHousekeeping(ctx: AppContext, now: number): Promise<HousekeepingReport> {
  const sessions = await ctx.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  const nodes = await ctx.db
    .deleteFrom('cluster_nodes')
    .where('heartbeat_at', '<', now - DEPARTED_NODES_KEPT_MS)
    .where((eb) => eb.or([eb('stopped_at', 'is not', null), eb('taken_over_at', 'is not', null)]))
    .executeTakeFirst();
  return { sessions: Number(sessions.numDeletedRows), nodes: Number(nodes.numDeletedRows) };
}
