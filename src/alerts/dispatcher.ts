/**
 * Delivery. Two steps, each claimed atomically so several nodes share the work without doing it twice:
 * 1. flush: a due group (receiver × alert name) becomes outbox messages — new and repeated firing
 *    instances, resolved ones, or the `…Count` form in Telegram when more than the threshold fire —
 *    and the notification log records what was told, in the same transaction;
 * 2. send: a queued message goes out through its channel; every attempt is recorded; transient errors
 *    retry with back-off (Telegram's retry_after honoured), permanent ones fail the message, mark the
 *    channel and raise SmartNotificationFailed for the dealer. Nothing is dropped silently.
 */
import type { Selectable } from 'kysely';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { NotificationsTable, NotifyGroupsTable } from '../db/schema.js';
import { withTx } from '../db/tx.js';
import { alertDef, countSiblingOf } from './catalogue.js';
import type { ChannelSender, SendResult } from './channels/types.js';
import { TelegramLimiter } from './channels/telegram-limiter.js';
import { openDealerAlert } from './engine.js';
import { renderMessage, type MessageItem } from './messages.js';
import { enqueueForReceivers } from './outbox.js';
import { dealerAlertSettings, type DealerAlertSettings } from './settings.js';
import { loadSuppressions, suppressionOf, type Suppressions } from './suppression.js';

type GroupRow = Selectable<NotifyGroupsTable>;
type NotificationRow = Selectable<NotificationsTable>;

export interface DispatcherOptions {
  nodeId: string;
  senders: Partial<Record<'email' | 'telegram' | 'webhook', ChannelSender>>;
  publicUrl: string;
  limiter?: TelegramLimiter;
  /** How often to look for due work when nothing kicked. */
  pollMs?: number;
  leaseMs?: number;
  batch?: number;
  /** A message still undelivered after this long is failed (and surfaced). */
  giveUpAfterMs?: number;
  /** Messages sent at once. */
  concurrency?: number;
  onError?: (e: unknown) => void;
}

export interface DispatchStats {
  flushed: number;
  queued: number;
  sent: number;
  retried: number;
  failed: number;
}

const MIN_BACKOFF = 1_000;
const MAX_BACKOFF = 5 * 60_000;
/** A group with a suppressed instance is looked at again this soon (a silence or window may end). */
const SUPPRESSED_RECHECK_MS = 30_000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF, MIN_BACKOFF * 2 ** Math.max(0, attempts - 1));
}

export class Dispatcher {
  readonly stats: DispatchStats = { flushed: 0, queued: 0, sent: 0, retried: 0, failed: 0 };
  private readonly opts: Required<Omit<DispatcherOptions, 'onError' | 'limiter'>> &
    Pick<DispatcherOptions, 'onError'>;
  private readonly limiter: TelegramLimiter;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(
    private readonly ctx: AppContext,
    opts: DispatcherOptions,
  ) {
    this.opts = {
      pollMs: 250,
      leaseMs: 60_000,
      batch: 100,
      giveUpAfterMs: 24 * 3_600_000,
      concurrency: 8,
      ...opts,
    };
    this.limiter = opts.limiter ?? new TelegramLimiter();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.opts.pollMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    for (const s of Object.values(this.opts.senders)) await s?.close?.();
  }

  /** Look for work now (after a transition). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.runOnce();
        } catch (e) {
          this.opts.onError?.(e);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
  }

  /** One round: flush due groups, then send due messages. Returns how much it did. */
  async runOnce(): Promise<number> {
    const flushed = await this.flushDue();
    const sent = await this.sendDue();
    return flushed + sent;
  }

  /** Rounds until nothing is due now (tests on a fake clock). */
  async runUntilIdle(maxRounds = 1_000): Promise<void> {
    for (let i = 0; i < maxRounds; i += 1) if ((await this.runOnce()) === 0) return;
  }

  // ---- flush ----

  private async claimGroups(now: number): Promise<GroupRow[]> {
    let due = this.ctx.db
      .selectFrom('notify_groups')
      .select('id')
      .where('next_flush_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_flush_at')
      .limit(this.opts.batch);
    if (this.ctx.dbKind === 'postgres') due = due.forUpdate().skipLocked();
    return this.ctx.db
      .updateTable('notify_groups')
      .set({ lease_owner: this.opts.nodeId, lease_until: now + this.opts.leaseMs })
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  private async flushDue(): Promise<number> {
    const now = this.ctx.clock.now();
    const groups = await this.claimGroups(now);
    const suppressions = new Map<number, Suppressions>();
    for (const g of groups) {
      try {
        // Read outside the transaction: on SQLite a query on ctx.db inside it would wait for itself.
        const settings = await dealerAlertSettings(this.ctx, g.dealer_id);
        await withTx(this.ctx, async (db) => {
          let s = suppressions.get(g.dealer_id);
          if (!s) suppressions.set(g.dealer_id, (s = await loadSuppressions(db, g.dealer_id, now)));
          this.stats.queued += await this.flushGroup(db, g, s, settings, now);
        });
        this.stats.flushed += 1;
      } catch (e) {
        this.opts.onError?.(e);
        await this.ctx.db
          .updateTable('notify_groups')
          .set({ lease_owner: null, lease_until: null })
          .where('id', '=', g.id)
          .execute();
      }
    }
    return groups.length;
  }

  private async flushGroup(
    db: Db,
    g: GroupRow,
    sup: Suppressions,
    settings: DealerAlertSettings,
    now: number,
  ): Promise<number> {
    const def = alertDef(g.alert_name);
    const dealer = await db
      .selectFrom('dealers')
      .select('code')
      .where('id', '=', g.dealer_id)
      .executeTakeFirst();
    const members = await db
      .selectFrom('notify_members as m')
      .innerJoin('alert_instances as i', 'i.id', 'm.instance_id')
      .select([
        'm.instance_id',
        'm.firing_sent_at',
        'm.resolved_sent_at',
        'm.last_sent_at',
        'i.name',
        'i.labels',
        'i.text',
        'i.value',
        'i.filename',
        'i.state',
        'i.active_since',
        'i.fired_at',
        'i.resolved_at',
        'i.subject_kind',
        'i.subject_id',
        'i.client_id',
        'i.unit_id',
        'i.inhibited_by',
      ])
      .where('m.group_id', '=', g.id)
      .execute();
    const release = (next: number | null, extra: Partial<GroupRow> = {}) =>
      db
        .updateTable('notify_groups')
        .set({ next_flush_at: next, lease_owner: null, lease_until: null, ...extra })
        .where('id', '=', g.id)
        .where('lease_owner', '=', this.opts.nodeId)
        .execute();
    if (!def || !dealer) {
      await release(null);
      return 0;
    }
    const timings = settings.timings(def.name);
    const item = (m: (typeof members)[number]): MessageItem => ({
      name: m.name,
      labels: JSON.parse(m.labels) as Record<string, string>,
      text: m.text,
      value: m.value,
      filename: m.filename,
      state: m.state,
      activeSince: m.active_since,
      firedAt: m.fired_at,
      resolvedAt: m.resolved_at,
    });
    const suppressed = (m: (typeof members)[number]) =>
      m.inhibited_by !== null ||
      suppressionOf(
        sup,
        {
          name: m.name,
          labels: JSON.parse(m.labels) as Record<string, string>,
          subjectKind: m.subject_kind,
          subjectId: m.subject_id,
          clientId: m.client_id,
          unitId: m.unit_id,
        },
        now,
      ) !== null;

    const firing = members.filter((m) => m.state === 'firing');
    const firingVisible = firing.filter((m) => !suppressed(m));
    const anySuppressed = firing.length > firingVisible.length;
    const toFire = firingVisible.filter(
      (m) => m.firing_sent_at === null || now - (m.last_sent_at ?? 0) >= timings.repeatIntervalMs,
    );
    const toResolve = members.filter(
      (m) => m.state === 'resolved' && m.firing_sent_at !== null && m.resolved_sent_at === null,
    );
    const silentlyDone = members.filter((m) => m.state === 'resolved' && m.firing_sent_at === null);

    const threshold = settings.countThreshold(def.name);
    const sibling = countSiblingOf(def.name);
    const countMode =
      g.receiver_kind === 'telegram' &&
      sibling !== undefined &&
      threshold !== null &&
      firingVisible.length > threshold;
    const messages: {
      name: string;
      status: 'FIRING' | 'RESOLVED';
      items: MessageItem[];
      count?: number;
      reason: string;
    }[] = [];
    let countSent = g.count_firing_sent;

    if (countMode && sibling) {
      const repeatDue = g.last_flush_at !== null && now - g.last_flush_at >= timings.repeatIntervalMs;
      if (countSent === 0 || repeatDue) {
        messages.push({
          name: sibling.name,
          status: 'FIRING',
          items: firingVisible.map(item),
          count: firingVisible.length,
          reason: 'count_firing',
        });
        countSent = 1;
      }
    } else {
      if (countSent === 1 && sibling) {
        messages.push({
          name: sibling.name,
          status: 'RESOLVED',
          items: firingVisible.map(item),
          count: firingVisible.length,
          reason: 'count_resolved',
        });
        countSent = 0;
      }
      if (g.count_only === 0) {
        if (toFire.length > 0) {
          const isRepeat = toFire.every((m) => m.firing_sent_at !== null);
          messages.push({
            name: def.name,
            status: 'FIRING',
            items: firingVisible.map(item),
            reason: isRepeat ? 'repeat' : 'firing',
          });
        }
        if (toResolve.length > 0)
          messages.push({
            name: def.name,
            status: 'RESOLVED',
            items: toResolve.map(item),
            reason: 'resolved',
          });
      }
    }

    for (const msg of messages) {
      const r = renderMessage({
        kind: g.receiver_kind as 'email' | 'telegram' | 'webhook',
        dealerCode: dealer.code,
        name: msg.name,
        status: msg.status,
        items: msg.items,
        count: msg.count,
        publicUrl: this.opts.publicUrl,
      });
      await db
        .insertInto('notifications')
        .values({
          dealer_id: g.dealer_id,
          group_id: g.id,
          channel_id: g.channel_id,
          kind: g.receiver_kind,
          target: g.receiver_target,
          alert_name: msg.name,
          reason: msg.reason,
          subject: r.subject,
          body: r.body,
          payload: JSON.stringify(r.payload),
          instance_count: msg.count ?? msg.items.length,
          status: 'queued',
          next_attempt_at: now,
          lease_owner: null,
          lease_until: null,
          created_at: now,
          sent_at: null,
          last_error: null,
        })
        .execute();
    }

    // The log: Telegram in Count form (or a Count-only receiver) counts as told.
    const told =
      countMode || g.count_only === 1 ? firingVisible.filter((m) => m.firing_sent_at === null) : toFire;
    for (const m of told) {
      await db
        .updateTable('notify_members')
        .set({ firing_sent_at: m.firing_sent_at ?? now, last_sent_at: now })
        .where('group_id', '=', g.id)
        .where('instance_id', '=', m.instance_id)
        .execute();
    }
    const finished = [...toResolve, ...silentlyDone].map((m) => m.instance_id);
    if (finished.length > 0) {
      await db
        .deleteFrom('notify_members')
        .where('group_id', '=', g.id)
        .where('instance_id', 'in', finished)
        .execute();
    }

    // Next look: the repeat of what is firing, or soon if something is held back by a silence.
    let next: number | null = null;
    const stillFiring = firingVisible.filter((m) => !finished.includes(m.instance_id));
    for (const m of stillFiring) {
      const last = told.some((t) => t.instance_id === m.instance_id) ? now : (m.last_sent_at ?? now);
      const at = Math.max(last + timings.repeatIntervalMs, now + timings.groupIntervalMs);
      next = next === null ? at : Math.min(next, at);
    }
    if (anySuppressed) next = Math.min(next ?? Infinity, now + SUPPRESSED_RECHECK_MS);
    if (firing.length === 0 && countSent === 1) next = now; // close the Count in Telegram
    await release(next, {
      last_flush_at: messages.length > 0 ? now : g.last_flush_at,
      count_firing_sent: countSent,
    });
    return messages.length;
  }

  // ---- send ----

  private async claimMessages(now: number): Promise<NotificationRow[]> {
    let due = this.ctx.db
      .selectFrom('notifications')
      .select('id')
      .where('status', '=', 'queued')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(this.opts.batch);
    if (this.ctx.dbKind === 'postgres') due = due.forUpdate().skipLocked();
    const rows = await this.ctx.db
      .updateTable('notifications')
      .set({ lease_owner: this.opts.nodeId, lease_until: now + this.opts.leaseMs })
      .where('id', 'in', due)
      .returningAll()
      .execute();
    return rows.sort((a, b) => a.id - b.id);
  }

  private async sendDue(): Promise<number> {
    const now = this.ctx.clock.now();
    const rows = await this.claimMessages(now);
    if (rows.length === 0) return 0;
    // One chain per receiver keeps a chat's messages in order; chains run side by side.
    const chains = new Map<string, NotificationRow[]>();
    for (const r of rows)
      chains.set(`${r.kind}:${r.target}`, [...(chains.get(`${r.kind}:${r.target}`) ?? []), r]);
    const queue = [...chains.values()];
    const worker = async () => {
      for (let chain = queue.shift(); chain; chain = queue.shift()) {
        let blockedUntil: number | null = null;
        for (const msg of chain) {
          if (blockedUntil !== null) {
            await this.postpone(msg, blockedUntil);
            continue;
          }
          const wait = msg.kind === 'telegram' ? this.limiter.reserve(msg.target, this.ctx.clock.now()) : 0;
          if (wait > 0) {
            blockedUntil = this.ctx.clock.now() + wait;
            await this.postpone(msg, blockedUntil);
            continue;
          }
          const ok = await this.sendOne(msg);
          if (!ok) blockedUntil = (await this.nextAttemptOf(msg.id)) ?? this.ctx.clock.now() + MIN_BACKOFF;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, queue.length) }, worker));
    return rows.length;
  }

  private async nextAttemptOf(id: number): Promise<number | null> {
    const r = await this.ctx.db
      .selectFrom('notifications')
      .select(['status', 'next_attempt_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    return r?.status === 'queued' ? r.next_attempt_at : null;
  }

  /** Not an attempt: the chat's bucket is empty or an earlier message of the chain is waiting. */
  private async postpone(msg: NotificationRow, until: number): Promise<void> {
    await this.ctx.db
      .updateTable('notifications')
      .set({ next_attempt_at: Math.max(until, msg.next_attempt_at), lease_owner: null, lease_until: null })
      .where('id', '=', msg.id)
      .where('lease_owner', '=', this.opts.nodeId)
      .execute();
  }

  private async sendOne(msg: NotificationRow): Promise<boolean> {
    const sender = this.opts.senders[msg.kind as 'email' | 'telegram' | 'webhook'];
    const started = this.ctx.clock.now();
    let result: SendResult;
    if (!sender) {
      result = { ok: false, permanent: false, error: `no ${msg.kind} channel is configured on this node` };
    } else {
      try {
        result = await sender.send({
          id: msg.id,
          kind: msg.kind as 'email' | 'telegram' | 'webhook',
          target: msg.target,
          subject: msg.subject,
          text: msg.body,
          payload: msg.payload ? (JSON.parse(msg.payload) as unknown) : undefined,
        });
      } catch (e) {
        result = { ok: false, permanent: false, error: e instanceof Error ? e.message : String(e) };
      }
    }
    const now = this.ctx.clock.now();
    const attempts = msg.attempts + 1;
    await withTx(this.ctx, async (db) => {
      await db
        .insertInto('notification_attempts')
        .values({
          notification_id: msg.id,
          at: now,
          node_id: this.opts.nodeId,
          ok: result.ok ? 1 : 0,
          permanent: !result.ok && result.permanent ? 1 : 0,
          error: result.ok ? null : result.error.slice(0, 1000),
          code: result.ok || result.code === undefined ? null : String(result.code),
          retry_after_ms: result.ok ? null : (result.retryAfterMs ?? null),
          duration_ms: Math.max(0, now - started),
        })
        .execute();
      if (result.ok) {
        await db
          .updateTable('notifications')
          .set({
            status: 'sent',
            sent_at: now,
            attempts,
            lease_owner: null,
            lease_until: null,
            last_error: null,
          })
          .where('id', '=', msg.id)
          .execute();
        return;
      }
      const giveUp = result.permanent || now - msg.created_at >= this.opts.giveUpAfterMs;
      if (!giveUp) {
        if (msg.kind === 'telegram' && result.retryAfterMs)
          this.limiter.penalize(msg.target, now + result.retryAfterMs);
        const next = now + Math.max(result.retryAfterMs ?? 0, backoffMs(attempts));
        await db
          .updateTable('notifications')
          .set({
            attempts,
            next_attempt_at: next,
            lease_owner: null,
            lease_until: null,
            last_error: result.error.slice(0, 1000),
          })
          .where('id', '=', msg.id)
          .execute();
        return;
      }
      await db
        .updateTable('notifications')
        .set({
          status: 'failed',
          attempts,
          lease_owner: null,
          lease_until: null,
          last_error: result.error.slice(0, 1000),
        })
        .where('id', '=', msg.id)
        .execute();
      if (msg.channel_id !== null) {
        await db
          .updateTable('notification_channels')
          .set({ last_error: result.error.slice(0, 1000), last_error_at: now })
          .where('id', '=', msg.channel_id)
          .execute();
      }
      if (msg.dealer_id !== null && msg.alert_name !== 'SmartNotificationFailed') {
        await raiseDeliveryFailure(db, msg, result.error, now);
      }
    });
    if (result.ok) this.stats.sent += 1;
    else if (result.permanent) this.stats.failed += 1;
    else this.stats.retried += 1;
    if (!result.ok && !result.permanent) return false;
    if (!result.ok) this.kick(); // the failure alert wants out
    return result.ok;
  }
}

/**
 * A permanent delivery failure becomes a firing SmartNotificationFailed for the dealer (one per
 * receiver), shown in the API and sent to the dealer's high-priority channels other than the one
 * that failed, and to the operator addresses.
 */
async function raiseDeliveryFailure(db: Db, msg: NotificationRow, error: string, now: number): Promise<void> {
  const dealerId = msg.dealer_id!;
  const dealer = await db.selectFrom('dealers').select('code').where('id', '=', dealerId).executeTakeFirst();
  if (!dealer) return;
  // A webhook URL often carries a token: people who may read alerts see its origin only.
  const shown = msg.kind === 'webhook' ? `${safeOrigin(msg.target)}/…` : msg.target;
  const id = await openDealerAlert(db, {
    dealerId,
    name: 'SmartNotificationFailed',
    key: `${msg.kind}:${msg.target}`,
    labels: { dealer: dealer.code, alertname: 'SmartNotificationFailed', receiver: `${msg.kind}:${shown}` },
    text: `${msg.kind} ${shown}: ${error}`,
    value: null,
    reason: error,
    now,
  });
  if (id === null) return;
  const channels = await db
    .selectFrom('notification_channels')
    .select(['id', 'kind', 'target'])
    .where('dealer_id', '=', dealerId)
    .where('enabled', '=', 1)
    .where('class', 'in', ['high', 'all'])
    .where('unit_id', 'is', null)
    .execute();
  await enqueueForReceivers(
    db,
    dealerId,
    'SmartNotificationFailed',
    id,
    channels
      .filter((c) => !(c.kind === msg.kind && c.target === msg.target))
      .map((c) => ({
        kind: c.kind as 'email' | 'telegram' | 'webhook',
        target: c.target,
        channelId: c.id,
        countOnly: false,
      })),
    { groupWaitMs: 0, groupIntervalMs: 60_000, repeatIntervalMs: 24 * 3_600_000 },
    now,
  );
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'webhook';
  }
}
