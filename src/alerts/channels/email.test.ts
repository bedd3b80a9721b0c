import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../sim/smtp-sink.js';
import { classifySmtpError, createEmailSender } from './email.js';
import type { ChannelSender, OutgoingMessage } from './types.js';

const msg = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  id: 1,
  kind: 'email',
  target: 'ops@example.org',
  subject: 'SMART: ключ защиты не найден (sim0001)',
  text: 'Клиент: ООО «Ромашка»\nПроверка: key\nС 14:00',
  ...over,
});

let sink: SmtpSink;
let sender: ChannelSender;

beforeAll(async () => {
  sink = await startSmtpSink();
  sender = createEmailSender({ url: sink.url, from: 'SMART <smart@example.org>', timeoutMs: 3_000 });
});
afterAll(async () => {
  await sender.close?.();
  await sink.close();
});
afterEach(async () => {
  sink.rejectRecipients(null);
  await sink.setDown(false);
});

describe('e-mail sender ↔ SMTP sink', () => {
  it('delivers subject, text, html and from as given', async () => {
    const before = sink.messages.length;
    const r = await sender.send(msg({ html: '<p>Ключ <b>не найден</b></p>' }));
    expect(r).toMatchObject({ ok: true });
    const m = sink.messages[before]!;
    expect(m.to).toEqual(['ops@example.org']);
    expect(m.envelopeFrom).toBe('smart@example.org');
    expect(m.from).toContain('smart@example.org');
    expect(m.from).toContain('SMART');
    expect(m.subject).toBe(msg().subject);
    expect(m.text).toBe(msg().text);
    expect(m.html).toBe('<p>Ключ <b>не найден</b></p>');
    expect(m.messageId).toBe('<smart-notification-1@example.org>');
  });

  it('gives a notification sent again the same Message-ID, so mail systems show it once', async () => {
    const before = sink.messages.length;
    expect((await sender.send(msg({ id: 77 }))).ok).toBe(true);
    expect((await sender.send(msg({ id: 77 }))).ok).toBe(true);
    expect((await sender.send(msg({ id: 78 }))).ok).toBe(true);
    expect(sink.messages.slice(before).map((m) => m.messageId)).toEqual([
      '<smart-notification-77@example.org>',
      '<smart-notification-77@example.org>',
      '<smart-notification-78@example.org>',
    ]);
  });

  it('sends text only when there is no html', async () => {
    const before = sink.messages.length;
    expect((await sender.send(msg({ id: 2 }))).ok).toBe(true);
    expect(sink.messages[before]!.html).toBeUndefined();
  });

  it('classifies a refused connection as transient, and recovers once the server is back', async () => {
    await sink.setDown(true);
    const r = await sender.send(msg());
    expect(r).toMatchObject({ ok: false, permanent: false, code: 'ECONNREFUSED' });
    await sink.setDown(false);
    expect((await sender.send(msg())).ok).toBe(true);
  });

  it('classifies a recipient rejected with 550 as permanent', async () => {
    sink.rejectRecipients(/^nobody@/);
    const r = await sender.send(msg({ target: 'nobody@example.org' }));
    expect(r).toMatchObject({ ok: false, permanent: true, code: 550 });
    if (!r.ok) expect(r.error).toContain('nobody@example.org');
    // other recipients still go through on the same pooled connection
    expect((await sender.send(msg())).ok).toBe(true);
  });

  it('classifies 553 and 551 on RCPT TO as permanent, 450 and 421 as transient', async () => {
    for (const [code, permanent] of [
      [553, true],
      [551, true],
      [450, false],
      [421, false],
    ] as const) {
      sink.rejectRecipients(/^x@/, code);
      expect(await sender.send(msg({ target: 'x@example.org' }))).toMatchObject({
        ok: false,
        permanent,
        code,
      });
    }
  });

  it('classifies an address nodemailer cannot use as permanent', async () => {
    const r = await sender.send(msg({ target: 'not an address' }));
    expect(r).toMatchObject({ ok: false, permanent: true, code: 'EENVELOPE' });
  });

  it('reports a caller abort as transient EABORT', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await sender.send(msg(), ac.signal)).toMatchObject({
      ok: false,
      permanent: false,
      code: 'EABORT',
    });
  });
});

describe('e-mail sender against a server that never greets', () => {
  let mute: Server;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    mute = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => mute.close(() => r()));
  });

  it('times out as transient', async () => {
    const port = (mute.address() as AddressInfo).port;
    const s = createEmailSender({
      url: `smtp://127.0.0.1:${port}`,
      from: 'smart@example.org',
      timeoutMs: 300,
    });
    const t0 = Date.now();
    const r = await s.send(msg());
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(r).toMatchObject({ ok: false, permanent: false, code: 'ETIMEDOUT' });
    await s.close?.();
  });
});

describe('classifySmtpError', () => {
  const err = (props: Record<string, unknown>): Error => Object.assign(new Error('x'), props);
  it.each([
    [{ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }, true],
    [{ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 503 }, false],
    [{ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553 }, false],
    [{ code: 'EMESSAGE', command: 'DATA', responseCode: 554 }, true],
    [{ code: 'EMESSAGE', command: 'DATA', responseCode: 552 }, true],
    [{ code: 'EMESSAGE', command: 'DATA', responseCode: 451 }, false],
    [{ code: 'EPROTOCOL', command: 'CONN', responseCode: 554 }, false],
    [{ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535 }, false],
    [{ code: 'ECONNECTION', command: 'CONN', responseCode: 421 }, false],
    [{ code: 'ESOCKET', originalCode: 'ECONNRESET' }, false],
    [{ code: 'ETIMEDOUT' }, false],
    [{ code: 'EDNS', originalCode: 'ENOTFOUND' }, false],
    [{ code: 'EENVELOPE', command: 'API' }, true],
  ])('%o → permanent %s', (props, permanent) => {
    expect(classifySmtpError(err(props))).toMatchObject({ ok: false, permanent });
  });

  it('reports the SMTP reply code, else the socket error code', () => {
    expect(classifySmtpError(err({ code: 'EENVELOPE', responseCode: 550 })).code).toBe(550);
    expect(classifySmtpError(err({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' })).code).toBe(
      'ECONNREFUSED',
    );
  });
});

describe('createEmailSender configuration', () => {
  it('refuses a non-SMTP URL at creation', () => {
    expect(() => createEmailSender({ url: 'http://mail.example.org', from: 'a@b.c' })).toThrow(/scheme/);
    expect(() => createEmailSender({ url: 'not a url', from: 'a@b.c' })).toThrow();
  });
});
