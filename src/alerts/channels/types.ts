/**
 * What the dispatcher hands to a channel and what it gets back. Senders never throw for delivery
 * problems: they classify them, so the dispatcher only decides between "done", "retry later" and
 * "give up".
 */

export type ChannelKind = 'email' | 'telegram' | 'webhook';

export interface OutgoingMessage {
  id: number;
  kind: ChannelKind;
  /** An e-mail address, a Telegram chat id or a webhook URL. */
  target: string;
  subject: string;
  text: string;
  html?: string;
  /** The webhook JSON body. */
  payload?: unknown;
}

export type SendResult =
  | { ok: true; detail?: string }
  | {
      ok: false;
      /** True when sending the same message again cannot succeed (bad address, bot blocked, 404 …). */
      permanent: boolean;
      error: string;
      /** SMTP reply code, HTTP status, or a Node/nodemailer error code such as ECONNREFUSED. */
      code?: string | number;
      /** The earliest sensible retry, when the far end said so (Telegram retry_after, Retry-After). */
      retryAfterMs?: number;
    };

export interface ChannelSender {
  kind: ChannelKind;
  send(msg: OutgoingMessage, signal?: AbortSignal): Promise<SendResult>;
  close?(): Promise<void>;
}
