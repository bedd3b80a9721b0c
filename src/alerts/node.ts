/**
 * What one node runs for alerting: event-driven evaluation of the subjects whose data just arrived
 * (`touch`, debounced into batches), the scheduled pass over every dealer (an `alert_eval` job per
 * dealer, claimed through the jobs table like probes, so N nodes split dealers), and the dispatcher.
 */
import type { AppContext } from '../context.js';
import { JobRunner, type JobHandler } from '../jobs/runner.js';
import { syncJobs } from '../jobs/leases.js';
import { createEmailSender } from './channels/email.js';
import { createTelegramSender } from './channels/telegram.js';
import type { ChannelSender } from './channels/types.js';
import { createWebhookSender } from './channels/webhook.js';
import { Dispatcher } from './dispatcher.js';
import { evaluateDealer, evaluateSubjects } from './engine.js';

export const ALERT_EVAL_JOB = 'alert_eval';

export interface AlertsConfig {
  nodeId: string;
  /** Base of runbook links in messages. */
  publicUrl: string;
  smtpUrl: string | null;
  mailFrom: string;
  telegramToken: string | null;
  telegramApiBase: string;
  /** How often every dealer is evaluated for time-based rules. */
  evalIntervalMs: number;
}

export interface AlertsNodeOptions {
  /** Senders used instead of the configured ones (tests). */
  senders?: Partial<Record<'email' | 'telegram' | 'webhook', ChannelSender>>;
  debounceMs?: number;
  dispatcherPollMs?: number;
  /** Run the scheduled pass on this node's own job runner (default true; tests drive it by hand). */
  scheduled?: boolean;
  onError?: (e: unknown) => void;
}

export interface AlertsNode {
  dispatcher: Dispatcher;
  runner: JobRunner | null;
  /** The scheduled evaluation, to be run by the node's JobRunner. */
  evalHandler: JobHandler;
  /** New data for a subject: evaluate it soon (batched). */
  touch(kind: 'installation' | 'online', id: number): void;
  /** Evaluates what was touched now (tests). */
  flushTouched(): Promise<void>;
  close(): Promise<void>;
}

export function configuredSenders(
  cfg: AlertsConfig,
): Partial<Record<'email' | 'telegram' | 'webhook', ChannelSender>> {
  return {
    ...(cfg.smtpUrl ? { email: createEmailSender({ url: cfg.smtpUrl, from: cfg.mailFrom }) } : {}),
    ...(cfg.telegramToken
      ? { telegram: createTelegramSender({ apiBase: cfg.telegramApiBase, token: cfg.telegramToken }) }
      : {}),
    webhook: createWebhookSender({}),
  };
}

export function startAlertsNode(
  ctx: AppContext,
  cfg: AlertsConfig,
  opts: AlertsNodeOptions = {},
): AlertsNode {
  const dispatcher = new Dispatcher(ctx, {
    nodeId: cfg.nodeId,
    senders: opts.senders ?? configuredSenders(cfg),
    publicUrl: cfg.publicUrl,
    pollMs: opts.dispatcherPollMs,
    onError: opts.onError,
  });
  dispatcher.start();
  const touched = { installation: new Set<number>(), online: new Set<number>() };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const flushTouched = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const installations = [...touched.installation];
    const online = [...touched.online];
    touched.installation.clear();
    touched.online.clear();
    if (installations.length === 0 && online.length === 0) return running;
    running = running
      .then(async () => {
        const r = await evaluateSubjects(ctx, { installations, online });
        if (r.changed) dispatcher.kick();
      })
      .catch((e: unknown) => opts.onError?.(e));
    return running;
  };

  const evalHandler: JobHandler = {
    kind: ALERT_EVAL_JOB,
    concurrency: 2,
    timeoutMs: 5 * 60_000,
    sync: async () => {
      const dealers = await ctx.db.selectFrom('dealers').select('id').execute();
      await syncJobs(
        ctx,
        ALERT_EVAL_JOB,
        dealers.map((d) => ({
          kind: ALERT_EVAL_JOB,
          subjectId: d.id,
          dealerId: d.id,
          host: null,
          intervalMs: cfg.evalIntervalMs,
        })),
      );
    },
    run: async (job) => {
      const r = await evaluateDealer(ctx, job.subject_id);
      if (r.changed) dispatcher.kick();
      return { outcome: 'ok' };
    },
  };

  const runner =
    opts.scheduled === false
      ? null
      : new JobRunner(ctx, [evalHandler], { nodeId: cfg.nodeId, onError: opts.onError });
  runner?.start();

  return {
    dispatcher,
    runner,
    evalHandler,
    touch(kind, id) {
      if (closed) return;
      touched[kind].add(id);
      timer ??= setTimeout(() => void flushTouched(), opts.debounceMs ?? 20);
    },
    flushTouched,
    close: async () => {
      closed = true;
      await runner?.stop();
      await flushTouched();
      await dispatcher.stop();
    },
  };
}
