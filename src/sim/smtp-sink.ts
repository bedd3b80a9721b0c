/**
 * An SMTP sink for tests and the demo: accepts any mail over plain SMTP on loopback (any credentials or
 * none, no STARTTLS), parses it, and keeps it. It can be taken down (connection refused) and told to
 * reject recipients, so the e-mail channel's error classification is exercised against a real server.
 */
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface SinkMessage {
  /** The From header as text, e.g. `"SMART" <smart@example.org>`. */
  from: string;
  /** The envelope sender (MAIL FROM). */
  envelopeFrom: string;
  /** The envelope recipients that were accepted (RCPT TO). */
  to: string[];
  subject: string;
  /** The Message-ID header, as sent. */
  messageId: string;
  text: string;
  html?: string;
  at: number;
}

export interface SmtpSinkOptions {
  /** 0 = any free port (kept across setDown). */
  port?: number;
  host?: string;
  clock?: () => number;
}

export interface SmtpSink {
  /** smtp://host:port, usable as the e-mail channel's URL. */
  url: string;
  port: number;
  host: string;
  messages: SinkMessage[];
  /** Closes the listener (new connections are refused, open ones get 421) or reopens it on the same port. */
  setDown(down: boolean): Promise<void>;
  /** Answers RCPT TO for matching addresses with `code` (5xx permanent, 4xx temporary); null stops. */
  rejectRecipients(pattern: RegExp | null, code?: number): void;
  waitForMessages(n: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

interface SmtpError extends Error {
  responseCode: number;
}

function smtpError(code: number, message: string): SmtpError {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? Date.now;
  const messages: SinkMessage[] = [];
  let rejecting: { pattern: RegExp; code: number } | null = null;
  let waiters: { n: number; done: (err?: Error) => void }[] = [];

  const options: SMTPServerOptions = {
    name: 'smtp-sink.local',
    banner: 'SMART SMTP sink',
    size: MAX_MESSAGE_BYTES,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true, // a configured user:pass must not break delivery to the sink
    disableReverseLookup: true,
    logger: false,
    // Pending sessions get 421 almost at once when the sink goes down, as a server shutting down does.
    closeTimeout: 50,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onRcptTo(address, _session, callback) {
      if (rejecting && rejecting.pattern.test(address.address)) {
        const { code } = rejecting;
        return callback(
          smtpError(
            code,
            code >= 500
              ? `<${address.address}>: Recipient address rejected: User unknown`
              : `<${address.address}>: Recipient address rejected: try again later`,
          ),
        );
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if (stream.sizeExceeded)
            return callback(smtpError(552, 'Message exceeds fixed maximum message size'));
          const html = typeof parsed.html === 'string' ? parsed.html : undefined;
          messages.push({
            from: parsed.from?.text ?? '',
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            messageId: parsed.messageId ?? '',
            // mailparser keeps the line break that ends the body; the sender did not write it
            text: (parsed.text ?? '').replace(/\r?\n$/, ''),
            ...(html !== undefined ? { html } : {}),
            at: clock(),
          });
          const ready = waiters.filter((w) => messages.length >= w.n);
          waiters = waiters.filter((w) => messages.length < w.n);
          for (const w of ready) w.done();
          callback();
        })
        .catch((err: unknown) => {
          stream.resume(); // drain, or the session hangs
          callback(smtpError(451, `Local error in processing: ${String(err)}`));
        });
    },
  };

  let server: SMTPServer | null = null;
  let port = opts.port ?? 0;

  const open = async (): Promise<void> => {
    const s = new SMTPServer(options);
    s.on('error', () => undefined); // client resets are routine for a sink
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.listen(port, host, () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    const address = s.server.address();
    if (address && typeof address === 'object') port = address.port;
    server = s;
  };

  const shut = (): Promise<void> => {
    const s = server;
    server = null;
    return s ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve();
  };

  await open();
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `smtp://${urlHost}:${port}`,
    port,
    host,
    messages,
    async setDown(down) {
      if (down) await shut();
      else if (!server) await open();
    },
    rejectRecipients(pattern, code = 550) {
      if (code < 400 || code > 599) throw new RangeError(`not a 4xx/5xx SMTP code: ${code}`);
      rejecting = pattern
        ? { pattern: new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')), code }
        : null;
    },
    waitForMessages(n, timeoutMs) {
      if (messages.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`SMTP sink: ${messages.length} of ${n} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = {
          n,
          done: (err?: Error) => {
            clearTimeout(timer);
            if (err) reject(err);
            else resolve();
          },
        };
        waiters.push(waiter);
      });
    },
    async close() {
      for (const w of waiters) w.done(new Error('SMTP sink closed'));
      waiters = [];
      await shut();
    },
  };
}
