/** Fake Telegram Bot API: library entry point. docs/simulator-telegram.md. */
export { DEFAULT_TOKEN, MAX_TEXT, startFakeTelegram, TelegramFailureSchema } from './server.js';
export type {
  DeliveredMessage,
  FakeTelegram,
  FakeTelegramOptions,
  RejectedMessage,
  TelegramFailure,
} from './server.js';
