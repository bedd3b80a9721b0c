/**
 * An alerting world for scenario tests: a dealer with a manager, the engine fed by a real probe
 * service against Kodeks simulators, and a dispatcher delivering to a real SMTP sink and the fake
 * Telegram Bot API, all on the test's fake clock.
 */
import { createEmailSender } from '../../src/alerts/channels/email.js';
import { TelegramLimiter } from '../../src/alerts/channels/telegram-limiter.js';
import { createTelegramSender } from '../../src/alerts/channels/telegram.js';
import { createWebhookSender } from '../../src/alerts/channels/webhook.js';
import { Dispatcher } from '../../src/alerts/dispatcher.js';
import { evaluateDealer, evaluateSubjects } from '../../src/alerts/engine.js';
import { forgetAlertSettings } from '../../src/alerts/settings.js';
import type { DbKind } from '../../src/db/dialect.js';
import { createClient, type Client } from '../../src/inventory/clients.js';
import { createDealer, type Dealer } from '../../src/tenancy/dealers.js';
import { createManager, type Manager } from '../../src/tenancy/managers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { startSmtpSink, type SmtpSink } from '../../src/sim/smtp-sink.js';
import { startFakeTelegram, type FakeTelegram } from '../../src/sim/telegram/index.js';
import { openTestContext, type TestContext } from '../helpers/db.js';

export const op = cliActor('test');
export const CHAT = '-1001234567890';
export const HIGH_MAILBOX = 'duty@dealer.example';
export const MANAGER_MAIL = 'ivanova@dealer.example';

export interface AlertWorld {
  t: TestContext;
  dealer: Dealer;
  manager: Manager;
  client: Client;
  smtp: SmtpSink;
  telegram: FakeTelegram;
  dispatcher: Dispatcher;
  /** Evaluates what changed and delivers everything that is due now. */
  settle(): Promise<void>;
  /** Advances the fake clock in steps, evaluating the dealer and dispatching at each. */
  advance(ms: number, stepMs?: number): Promise<void>;
  /** Open (pending/firing) instances as `name@fingerprint → state`. */
  open(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function startAlertWorld(kind: DbKind, opts: { code?: string } = {}): Promise<AlertWorld> {
  const t = await openTestContext(kind);
  const { dealer } = await createDealer(t.ctx, op, { code: opts.code ?? 'alrt', name: 'Alert dealer' });
  const manager = await createManager(t.ctx, op, {
    dealerId: dealer.id,
    name: 'Иванова',
    emails: [MANAGER_MAIL],
  });
  const client = await createClient(t.ctx, op, {
    dealerId: dealer.id,
    shortName: 'romashka',
    managerIds: [manager.id],
  });
  const now = t.clock.now();
  await t.ctx.db
    .insertInto('notification_channels')
    .values([
      {
        dealer_id: dealer.id,
        unit_id: null,
        kind: 'telegram',
        class: 'high',
        name: 'chat',
        target: CHAT,
        enabled: 1,
        last_error: null,
        last_error_at: null,
        created_at: now,
        updated_at: now,
      },
      {
        dealer_id: dealer.id,
        unit_id: null,
        kind: 'email',
        class: 'high',
        name: 'duty',
        target: HIGH_MAILBOX,
        enabled: 1,
        last_error: null,
        last_error_at: null,
        created_at: now,
        updated_at: now,
      },
    ])
    .execute();
  forgetAlertSettings(t.ctx);
  const smtp = await startSmtpSink({ clock: () => t.clock.now() });
  const telegram = await startFakeTelegram({ clock: () => t.clock.now() });
  const dispatcher = new Dispatcher(t.ctx, {
    nodeId: 'test',
    publicUrl: 'http://smart.test',
    senders: {
      email: createEmailSender({ url: smtp.url, from: 'SMART <alert@smart.test>' }),
      telegram: createTelegramSender({ apiBase: telegram.url, token: telegram.token }),
      webhook: createWebhookSender({}),
    },
    limiter: new TelegramLimiter(),
    onError: (e) => {
      throw e;
    },
  });
  const world: AlertWorld = {
    t,
    dealer,
    manager,
    client,
    smtp,
    telegram,
    dispatcher,
    async settle() {
      await evaluateDealer(t.ctx, dealer.id);
      // Uncached settings on every flush (a read outside its transaction once deadlocked SQLite).
      forgetAlertSettings(t.ctx);
      await dispatcher.runUntilIdle();
    },
    async advance(ms, stepMs = 1_000) {
      for (let left = ms; left > 0; left -= stepMs) {
        t.clock.advance(Math.min(stepMs, left));
        await world.settle();
      }
    },
    async open() {
      const rows = await t.ctx.db
        .selectFrom('alert_instances')
        .select(['name', 'fingerprint', 'state'])
        .where('resolved_at', 'is', null)
        .execute();
      return Object.fromEntries(rows.map((r) => [`${r.name}@${r.fingerprint}`, r.state]));
    },
    async close() {
      await dispatcher.stop();
      await smtp.close();
      await telegram.close();
      await t.close();
    },
  };
  return world;
}

export { evaluateSubjects };
