/**
 * The notification log's write side: an instance that fires or resolves joins the group of every
 * receiver it is routed to (one group per receiver and alert name), and the group is scheduled to be
 * flushed after its group_wait, or at the end of its current group_interval.
 */
import type { Db } from '../db/database.js';
import type { GroupTimings } from './catalogue.js';
import type { Receiver } from './routing.js';

export async function enqueueForReceivers(
  db: Db,
  dealerId: number,
  alertName: string,
  instanceId: number,
  receivers: Receiver[],
  timings: GroupTimings,
  now: number,
): Promise<void> {
  for (const r of receivers) {
    await db
      .insertInto('notify_groups')
      .values({
        dealer_id: dealerId,
        receiver_kind: r.kind,
        receiver_target: r.target,
        channel_id: r.channelId,
        alert_name: alertName,
        next_flush_at: null,
        last_flush_at: null,
        count_firing_sent: 0,
        count_only: r.countOnly ? 1 : 0,
        lease_owner: null,
        lease_until: null,
        created_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['dealer_id', 'receiver_kind', 'receiver_target', 'alert_name']).doNothing(),
      )
      .execute();
    const g = await db
      .selectFrom('notify_groups')
      .select(['id', 'next_flush_at', 'last_flush_at', 'count_only'])
      .where('dealer_id', '=', dealerId)
      .where('receiver_kind', '=', r.kind)
      .where('receiver_target', '=', r.target)
      .where('alert_name', '=', alertName)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('notify_members')
      .values({
        group_id: g.id,
        instance_id: instanceId,
        firing_sent_at: null,
        resolved_sent_at: null,
        last_sent_at: null,
      })
      .onConflict((oc) => oc.columns(['group_id', 'instance_id']).doNothing())
      .execute();
    const wanted =
      g.last_flush_at !== null && now < g.last_flush_at + timings.groupIntervalMs
        ? g.last_flush_at + timings.groupIntervalMs
        : now + timings.groupWaitMs;
    const countOnly = r.countOnly ? 1 : 0;
    if (g.next_flush_at === null || g.next_flush_at > wanted || g.count_only !== countOnly) {
      await db
        .updateTable('notify_groups')
        .set({
          next_flush_at: g.next_flush_at === null ? wanted : Math.min(g.next_flush_at, wanted),
          count_only: countOnly,
          channel_id: r.channelId,
        })
        .where('id', '=', g.id)
        .execute();
    }
  }
}
