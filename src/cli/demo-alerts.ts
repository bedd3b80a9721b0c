/**
 * Alert delivery for the demo: an in-process SMTP sink and a fake Telegram Bot API receive what SMART
 * sends, and every message that arrives is printed, so the demo shows alerts end to end without
 * real mail or Telegram. The demo dealer gets a Telegram chat, a duty mailbox and an analytics mailbox.
 */
import type { AppContext } from '../context.js';
import type { Config } from '../config/index.js';
import type { Dealer } from '../tenancy/dealers.js';
import { startSmtpSink, type SmtpSink } from '../sim/smtp-sink.js';
import { startFakeTelegram, type FakeTelegram } from '../sim/telegram/index.js';

export const DEMO_CHAT = '-1001000000001';
export const DEMO_CHANNELS = [
  { kind: 'telegram', class: 'high', name: 'Чат дилера (демо)', target: DEMO_CHAT },
  { kind: 'email', class: 'high', name: 'Дежурный ящик', target: 'duty@demo.example' },
  { kind: 'email', class: 'analytics', name: 'Аналитика', target: 'analytics@demo.example' },
] as const;

export interface DemoDelivery {
  smtp: SmtpSink;
  telegram: FakeTelegram;
  /** The configuration with SMART's e-mail and Telegram pointed at the simulators. */
  config: Config;
  close(): Promise<void>;
}

/** Adds the demo channels once (a dealer who changed them keeps their changes). */
export async function ensureDemoChannels(ctx: AppContext, dealer: Dealer): Promise<number> {
  const existing = await ctx.db
    .selectFrom('notification_channels')
    .select('target')
    .where('dealer_id', '=', dealer.id)
    .execute();
  const have = new Set(existing.map((e) => e.target));
  const now = ctx.clock.now();
  const missing = DEMO_CHANNELS.filter((c) => !have.has(c.target));
  if (missing.length > 0) {
    await ctx.db
      .insertInto('notification_channels')
      .values(
        missing.map((c) => ({
          dealer_id: dealer.id,
          unit_id: null,
          kind: c.kind,
          class: c.class,
          name: c.name,
          target: c.target,
          enabled: 1,
          last_error: null,
          last_error_at: null,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
  return missing.length;
}

export async function startDemoDelivery(config: Config, log: (line: string) => void): Promise<DemoDelivery> {
  const smtp = await startSmtpSink();
  const telegram = await startFakeTelegram();
  let mails = 0;
  let chats = 0;
  // The sinks keep what they received; print what is new every second.
  const timer = setInterval(() => {
    for (; mails < smtp.messages.length; mails += 1) {
      const m = smtp.messages[mails]!;
      log(`mail → ${m.to.join(', ')}: ${m.subject}`);
    }
    for (; chats < telegram.messages.length; chats += 1) {
      const m = telegram.messages[chats]!;
      log(`telegram → ${m.chatId}: ${m.text.split('\n').slice(1, 3).join(' / ')}`);
    }
  }, 1_000);
  timer.unref();
  return {
    smtp,
    telegram,
    config: {
      ...config,
      smtpUrl: config.smtpUrl ?? smtp.url,
      telegramToken: config.telegramToken ?? telegram.token,
      telegramApiBase: config.telegramToken ? config.telegramApiBase : telegram.url,
    },
    close: async () => {
      clearInterval(timer);
      await smtp.close();
      await telegram.close();
    },
  };
}
