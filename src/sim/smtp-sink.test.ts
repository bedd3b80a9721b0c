import { createConnection } from 'node:net';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(() => sink.close());

/** A plain (non-pooled) nodemailer client, so each call opens its own connection. */
function mail(to: string, over: Record<string, string> = {}, url = sink.url): Promise<unknown> {
  const t = nodemailer.createTransport(url);
  return t
    .sendMail({
      from: 'SMART <smart@example.org>',
      to,
      subject: 'Тема письма',
      text: 'Текст\nвторая строка',
      ...over,
    })
    .finally(() => t.close());
}

/** Whether a TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('SMTP sink', () => {
  it('listens on loopback and advertises its URL', () => {
    expect(sink.url).toBe(`smtp://127.0.0.1:${sink.port}`);
  });

  it('keeps parsed messages with the envelope recipients', async () => {
    await mail('a@example.org, b@example.org', { html: '<p>HTML</p>', subject: 'S1' });
    const m = sink.messages.at(-1)!;
    expect(m).toMatchObject({
      envelopeFrom: 'smart@example.org',
      to: ['a@example.org', 'b@example.org'],
      subject: 'S1',
      text: 'Текст\nвторая строка',
      html: '<p>HTML</p>',
    });
    expect(m.from).toBe('"SMART" <smart@example.org>');
    expect(m.at).toBeGreaterThan(0);
  });

  it('accepts any credentials', async () => {
    await mail('c@example.org', { subject: 'with auth' }, `smtp://user:secret@127.0.0.1:${sink.port}`);
    expect(sink.messages.at(-1)!.subject).toBe('with auth');
  });

  it('rejects matching recipients with the given code and keeps the others', async () => {
    sink.rejectRecipients(/@blocked\.example$/g);
    await expect(mail('x@blocked.example')).rejects.toMatchObject({ responseCode: 550, command: 'RCPT TO' });
    // a global regex is not stateful here: the second attempt is rejected the same way
    await expect(mail('y@blocked.example')).rejects.toMatchObject({ responseCode: 550 });
    await mail('ok@example.org, z@blocked.example', { subject: 'partial' });
    expect(sink.messages.at(-1)).toMatchObject({ subject: 'partial', to: ['ok@example.org'] });
    sink.rejectRecipients(/@blocked\.example$/, 451);
    await expect(mail('x@blocked.example')).rejects.toMatchObject({ responseCode: 451 });
    sink.rejectRecipients(null);
    await mail('x@blocked.example', { subject: 'accepted again' });
    expect(sink.messages.at(-1)!.subject).toBe('accepted again');
    expect(() => sink.rejectRecipients(/x/, 250)).toThrow(RangeError);
  });

  it('goes down (connection refused) and comes back on the same port', async () => {
    await sink.setDown(true);
    expect(await accepts(sink.port)).toBe(false);
    await expect(mail('d@example.org')).rejects.toMatchObject({ code: 'ESOCKET' });
    await sink.setDown(true); // idempotent
    await sink.setDown(false);
    await sink.setDown(false);
    expect(await accepts(sink.port)).toBe(true);
    await mail('d@example.org', { subject: 'back' });
    expect(sink.messages.at(-1)!.subject).toBe('back');
  });

  it('waits for messages', async () => {
    const n = sink.messages.length;
    const waiting = sink.waitForMessages(n + 1, 3_000);
    await mail('w@example.org');
    await expect(waiting).resolves.toBeUndefined();
    await expect(sink.waitForMessages(n + 5, 50)).rejects.toThrow(/of/);
  });

  it('starts independent sinks with their own clock', async () => {
    const other = await startSmtpSink({ port: 0, host: '127.0.0.1', clock: () => 42 });
    try {
      await mail('p@example.org', {}, other.url);
      expect(other.messages).toMatchObject([{ at: 42, to: ['p@example.org'] }]);
    } finally {
      await other.close();
    }
  });
});
