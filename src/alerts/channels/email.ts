/**
 * E-mail channel over SMTP with a pooled nodemailer transport. Delivery problems are classified, not
 * thrown: a refused connection, a timeout or a 4xx reply is worth retrying; a recipient the server
 * rejects with 5xx (or a message it rejects for good) is not.
 */
import nodemailer, { type NodemailerError } from 'nodemailer';
import type { ChannelSender, OutgoingMessage, SendResult } from './types.js';

const DEFAULT_TIMEOUT_MS = 30_000;

export interface EmailSenderOptions {
  /**
   * smtp://user:pass@host:port or smtps://…; nodemailer options may follow as a query
   * (?tls.rejectUnauthorized=false).
   */
  url: string;
  /** The From header and envelope sender, e.g. `SMART <smart@example.org>`. */
  from: string;
  /** Limit of one send, and of each SMTP wait (connect, greeting, idle socket). */
  timeoutMs?: number;
}

function isNodemailerError(err: unknown): err is NodemailerError {
  return err instanceof Error;
}

/** Classifies a nodemailer failure. Exported for the tests of the rules that no server can easily produce. */
export function classifySmtpError(err: unknown): SendResult & { ok: false } {
  if (!isNodemailerError(err)) return { ok: false, permanent: false, error: String(err) };
  const error = err.message.replace(/\s+/g, ' ').trim();
  const rc = err.responseCode;
  const code: string | number | undefined = rc ?? err.originalCode ?? err.code;
  const withCode = code === undefined ? {} : { code };
  if (rc !== undefined) {
    // 503 is "bad sequence of commands": a session problem, not a verdict on the message.
    const hard = rc >= 500 && rc < 600 && rc !== 503;
    // RCPT TO 5xx: this mailbox will not take mail (550 no such user, 551, 553 bad address, 556 …).
    if (hard && err.command === 'RCPT TO') return { ok: false, permanent: true, error, ...withCode };
    // 5xx after the data: this very message is refused (552 too large, 554 content rejected).
    if (hard && err.code === 'EMESSAGE') return { ok: false, permanent: true, error, ...withCode };
    // Everything else (4xx, 5xx to the greeting, MAIL FROM or AUTH) is about the server or our own
    // configuration; the message itself may well go through once that is fixed.
    return { ok: false, permanent: false, error, ...withCode };
  }
  // Problems with the message itself, found before anything was sent: a malformed address, no recipient.
  if ((err.code === 'EENVELOPE' && err.command === 'API') || err.code === 'EMAXRECIPIENTS')
    return { ok: false, permanent: true, error, ...withCode };
  if (err.code === 'EMESSAGE') return { ok: false, permanent: true, error, ...withCode };
  // ECONNECTION, ESOCKET (ECONNREFUSED), ETIMEDOUT, EDNS, ETLS, EAUTH, EABORT …
  return { ok: false, permanent: false, error, ...withCode };
}

export function createEmailSender(opts: EmailSenderOptions): ChannelSender {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const parsed = new URL(opts.url); // a malformed URL is a configuration error: fail at start-up
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:')
    throw new Error(`unsupported mail URL scheme ${parsed.protocol} (smtp: or smtps:)`);
  // The sender's domain, as mail systems expect in a Message-ID (`SMART <alert@example.org>` → example.org).
  const messageIdDomain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(opts.from)?.[1] ?? 'smart.local';

  const transport = nodemailer.createTransport({
    pool: true,
    url: opts.url,
    maxConnections: 2,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Idle pooled connections go away quickly: alerts come in bursts, and a server may drop us anyway.
    idleTimeout: 30_000,
    logger: false,
  });

  const send = async (msg: OutgoingMessage, signal?: AbortSignal): Promise<SendResult> => {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    timer.unref();
    const combined = signal ? AbortSignal.any([timeout.signal, signal]) : timeout.signal;
    try {
      const info = await transport.sendMail({
        from: opts.from,
        to: msg.target,
        subject: msg.subject,
        // One Message-ID per notification: a message sent again after a node died mid-send is the same
        // message to the receiving mail system, which shows it once.
        messageId: `<smart-notification-${msg.id}@${messageIdDomain}>`,
        text: msg.text,
        ...(msg.html !== undefined ? { html: msg.html } : {}),
        signal: combined,
      });
      const rejected = info.rejected ?? [];
      return {
        ok: true,
        detail: rejected.length
          ? `${info.response ?? 'accepted'}; rejected: ${rejected.join(', ')}`
          : (info.response ?? 'accepted'),
      };
    } catch (err) {
      if (signal?.aborted) return { ok: false, permanent: false, error: 'send aborted', code: 'EABORT' };
      if (timeout.signal.aborted)
        return { ok: false, permanent: false, error: `timed out after ${timeoutMs} ms`, code: 'ETIMEDOUT' };
      return classifySmtpError(err);
    } finally {
      clearTimeout(timer);
    }
  };

  const close = async (): Promise<void> => {
    transport.close();
  };

  return { kind: 'email', send, close };
}
