/**
 * Telegram channel: one Bot API sendMessage per message, plain text (no parse_mode, so alert text
 * never needs escaping). Classification follows the Bot API error codes; docs/simulator-telegram.md
 * describes the fake server the tests run against.
 */
import { excerpt, networkFailure, readBounded, sendDeadline } from './http.js';
import type { ChannelSender, OutgoingMessage, SendResult } from './types.js';

/** Bot API limit of a message text, in UTF-16 code units as JavaScript counts them. */
export const TELEGRAM_MAX_TEXT = 4096;
const MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 15_000;

export interface TelegramSenderOptions {
  /** e.g. https://api.telegram.org, or a fake's url. */
  apiBase: string;
  token: string;
  timeoutMs?: number;
}

/** Cuts a text to the Bot API limit, marking the cut, without splitting a surrogate pair. */
export function truncateTelegramText(text: string, max = TELEGRAM_MAX_TEXT): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // a high surrogate whose pair would be cut off
  return `${text.slice(0, end)}…`;
}

interface BotApiReply {
  ok?: unknown;
  result?: { message_id?: unknown } | unknown;
  error_code?: unknown;
  description?: unknown;
  parameters?: { retry_after?: unknown; migrate_to_chat_id?: unknown };
}

function parseReply(body: string): BotApiReply | null {
  try {
    const v: unknown = JSON.parse(body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as BotApiReply) : null;
  } catch {
    return null;
  }
}

/** Classifies an HTTP answer of the Bot API. */
export function classifyTelegramReply(status: number, body: string): SendResult {
  const reply = parseReply(body);
  const description =
    typeof reply?.description === 'string' ? reply.description : excerpt(body) || `HTTP ${status}`;
  if (status === 200 && reply?.ok === true) {
    const result = reply.result as { message_id?: unknown } | undefined;
    const id = typeof result?.message_id === 'number' ? result.message_id : undefined;
    return id === undefined ? { ok: true } : { ok: true, detail: `message_id=${id}` };
  }
  if (status === 429) {
    const s = reply?.parameters?.retry_after;
    const retryAfterMs =
      typeof s === 'number' && Number.isFinite(s) && s >= 0 ? Math.ceil(s) * 1000 : undefined;
    return {
      ok: false,
      permanent: false,
      error: description,
      code: 429,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  const migrate = reply?.parameters?.migrate_to_chat_id;
  if (migrate !== undefined) {
    // The group became a supergroup: the configured chat id is stale until someone updates it.
    return {
      ok: false,
      permanent: true,
      error: `${description} (the group migrated to chat id ${String(migrate)})`,
      code: status,
    };
  }
  // 5xx and gateway pages are Telegram's or a proxy's trouble; 408 is a timeout in disguise.
  if (status >= 500 || status === 408)
    return { ok: false, permanent: false, error: description, code: status };
  // 400 chat not found / message is too long, 401 bad token, 403 blocked or kicked, 404 malformed token.
  if (status >= 400) return { ok: false, permanent: true, error: description, code: status };
  // A 2xx without ok:true (or a 3xx from a proxy) says nothing reliable: try again later.
  return { ok: false, permanent: false, error: `unexpected answer: ${description}`, code: status };
}

export function createTelegramSender(opts: TelegramSenderOptions): ChannelSender {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const endpoint = `${opts.apiBase.replace(/\/+$/, '')}/bot${opts.token}/sendMessage`;

  const send = async (msg: OutgoingMessage, signal?: AbortSignal): Promise<SendResult> => {
    const chatId = msg.target.trim();
    if (!chatId) return { ok: false, permanent: true, error: 'empty chat id' };
    const text = truncateTelegramText(msg.text);
    if (!text) return { ok: false, permanent: true, error: 'empty message text' };
    const deadline = sendDeadline(timeoutMs, signal);
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ chat_id: chatId, text, disable_web_page_preview: true }),
        signal: deadline.signal,
        redirect: 'manual',
      });
      const body = await readBounded(res, MAX_BODY_BYTES);
      return classifyTelegramReply(res.status, body);
    } catch (err) {
      const r = networkFailure(err, deadline, timeoutMs);
      // The URL carries the bot token, and some errors (a malformed apiBase) quote it.
      return r.ok ? r : { ...r, error: r.error.split(opts.token).join('<token>') };
    } finally {
      deadline.dispose();
    }
  };

  return { kind: 'telegram', send };
}
