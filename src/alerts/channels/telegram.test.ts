import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../../sim/telegram/index.js';
import { TelegramLimiter } from './telegram-limiter.js';
import {
  classifyTelegramReply,
  createTelegramSender,
  TELEGRAM_MAX_TEXT,
  truncateTelegramText,
} from './telegram.js';
import type { ChannelSender, OutgoingMessage } from './types.js';

let chatSeq = 1000;
/** A fresh private chat per test, so the fake's 1/s per-chat limit never links two tests. */
const freshChat = (): string => String(++chatSeq);

const msg = (target: string, over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  id: 1,
  kind: 'telegram',
  target,
  subject: 'ignored by Telegram',
  text: 'SMART: ключ защиты не найден (sim0001)\nhttps://smart.example.org/alerts/1',
  ...over,
});

let tg: FakeTelegram;
let sender: ChannelSender;

beforeAll(async () => {
  tg = await startFakeTelegram();
  sender = createTelegramSender({ apiBase: tg.url, token: tg.token, timeoutMs: 3_000 });
});
afterAll(() => tg.close());
afterEach(() => {
  tg.setFailure('*', null);
});

describe('Telegram sender ↔ fake Bot API', () => {
  it('delivers plain text to the chat', async () => {
    const chat = freshChat();
    const r = await sender.send(msg(chat));
    expect(r).toMatchObject({ ok: true });
    if (r.ok) expect(r.detail).toMatch(/^message_id=\d+$/);
    expect(tg.messages.at(-1)).toMatchObject({ chatId: chat, text: msg(chat).text });
  });

  it('reports 429 with retry_after as transient with retryAfterMs', async () => {
    const chat = freshChat();
    tg.setFailure(chat, { kind: 'retry_after', seconds: 7, times: 1 });
    const r = await sender.send(msg(chat));
    expect(r).toEqual({
      ok: false,
      permanent: false,
      code: 429,
      error: 'Too Many Requests: retry after 7',
      retryAfterMs: 7_000,
    });
    // times: 1 — the next attempt goes through
    expect((await sender.send(msg(chat))).ok).toBe(true);
  });

  it('is caught by the fake when it ignores the per-chat limit', async () => {
    const chat = freshChat();
    expect((await sender.send(msg(chat))).ok).toBe(true);
    const r = await sender.send(msg(chat));
    expect(r).toMatchObject({ ok: false, permanent: false, code: 429 });
    if (!r.ok) expect(r.retryAfterMs).toBeGreaterThanOrEqual(1_000);
  });

  it.each([502, 500, 503] as const)('reports %i as transient', async (status) => {
    const chat = freshChat();
    tg.setFailure(chat, { kind: 'status', status });
    const r = await sender.send(msg(chat));
    expect(r).toMatchObject({ ok: false, permanent: false, code: status });
  });

  it('reports a blocked bot, a kicked bot and an unknown chat as permanent', async () => {
    const blocked = freshChat();
    tg.setFailure(blocked, { kind: 'blocked' });
    expect(await sender.send(msg(blocked))).toEqual({
      ok: false,
      permanent: true,
      code: 403,
      error: 'Forbidden: bot was blocked by the user',
    });
    tg.setFailure('-100123', { kind: 'kicked' });
    expect(await sender.send(msg('-100123'))).toMatchObject({ ok: false, permanent: true, code: 403 });
    const lost = freshChat();
    tg.setFailure(lost, { kind: 'chat_not_found' });
    expect(await sender.send(msg(lost))).toEqual({
      ok: false,
      permanent: true,
      code: 400,
      error: 'Bad Request: chat not found',
    });
  });

  it('reports a wrong token as permanent 401', async () => {
    const wrong = createTelegramSender({ apiBase: tg.url, token: '1:WRONG', timeoutMs: 3_000 });
    expect(await wrong.send(msg(freshChat()))).toEqual({
      ok: false,
      permanent: true,
      code: 401,
      error: 'Unauthorized',
    });
  });

  it('cuts a text longer than the limit instead of failing for good', async () => {
    const chat = freshChat();
    const r = await sender.send(msg(chat, { text: 'я'.repeat(10_000) }));
    expect(r.ok).toBe(true);
    const got = tg.messages.at(-1)!;
    expect(got.text.length).toBe(TELEGRAM_MAX_TEXT);
    expect(got.text.endsWith('…')).toBe(true);
  });

  it('refuses an empty chat id or text without calling the API', async () => {
    expect(await sender.send(msg(' '))).toMatchObject({ ok: false, permanent: true });
    expect(await sender.send(msg(freshChat(), { text: '' }))).toMatchObject({ ok: false, permanent: true });
  });

  it('paced by TelegramLimiter on a shared clock, it is never rejected', async () => {
    let now = Date.UTC(2026, 3, 20, 9);
    const paced = await startFakeTelegram({ clock: () => now, toleranceMs: 0 });
    try {
      const s = createTelegramSender({ apiBase: paced.url, token: paced.token });
      const limiter = new TelegramLimiter();
      const groups = ['-1001', '-1002', '-1003'];
      const privates = Array.from({ length: 40 }, (_, i) => String(100 + i));
      let sent = 0;
      // Every third attempt is for a group, and 40 private chats at 1/s each would exceed 30/s:
      // all three limits bind at some point.
      for (let i = 0; sent < 400; i++) {
        const chat = i % 3 === 0 ? groups[(i / 3) % 3]! : privates[(i * 7) % privates.length]!;
        const wait = limiter.reserve(chat, now);
        if (wait > 0) {
          now += Math.min(wait, 37); // let other chats go meanwhile
          continue;
        }
        const r = await s.send(msg(chat, { id: i }));
        expect(r).toMatchObject({ ok: true });
        sent++;
      }
      expect(paced.rejected).toEqual([]);
      expect(paced.messages).toHaveLength(400);
      const first = paced.messages[0]!.at;
      const inFirstMinute = paced.messages.filter((m) => m.chatId === '-1001' && m.at < first + 60_000);
      expect(inFirstMinute).toHaveLength(20);
    } finally {
      await paced.close();
    }
  });
});

describe('Telegram sender against broken endpoints', () => {
  let srv: Server;
  let base: string;
  let behaviour: (res: ServerResponse) => void = (res) => res.end();
  beforeAll(async () => {
    srv = createServer((req, res) => {
      req.resume();
      behaviour(res);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  it('reports a timeout as transient, without the token in the error', async () => {
    behaviour = () => undefined; // never answer
    const s = createTelegramSender({ apiBase: base, token: '1:SECRET', timeoutMs: 200 });
    const r = await s.send(msg('42'));
    expect(r).toMatchObject({ ok: false, permanent: false, code: 'ETIMEDOUT' });
    expect(JSON.stringify(r)).not.toContain('SECRET');
  });

  it('reads at most 64 KiB of a huge error page', async () => {
    behaviour = (res) => {
      res.writeHead(500, { 'Content-Type': 'text/html' });
      res.end('<html>' + 'x'.repeat(5_000_000) + '</html>');
    };
    const s = createTelegramSender({ apiBase: base, token: '1:SECRET', timeoutMs: 3_000 });
    const r = await s.send(msg('42'));
    expect(r).toMatchObject({ ok: false, permanent: false, code: 500 });
    if (!r.ok) expect(r.error.length).toBeLessThan(300);
  });

  it('reports a refused connection as transient', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const s = createTelegramSender({ apiBase: `http://127.0.0.1:${port}`, token: '1:SECRET' });
    expect(await s.send(msg('42'))).toMatchObject({ ok: false, permanent: false, code: 'ECONNREFUSED' });
  });

  it('does not leak the token when the API base is malformed', async () => {
    const s = createTelegramSender({ apiBase: 'http://[bad', token: '1:SECRET' });
    const r = await s.send(msg('42'));
    expect(r).toMatchObject({ ok: false, permanent: false });
    expect(JSON.stringify(r)).not.toContain('SECRET');
  });
});

describe('classifyTelegramReply', () => {
  it.each([
    [200, { ok: true, result: { message_id: 5 } }, { ok: true, detail: 'message_id=5' }],
    [
      429,
      { ok: false, error_code: 429, description: 'x', parameters: { retry_after: 3 } },
      { permanent: false, retryAfterMs: 3000 },
    ],
    [
      400,
      { ok: false, error_code: 400, description: 'Bad Request: message is too long' },
      { permanent: true },
    ],
    [
      400,
      {
        ok: false,
        error_code: 400,
        description: 'Bad Request: group chat was upgraded to a supergroup chat',
        parameters: { migrate_to_chat_id: -1001234 },
      },
      { permanent: true },
    ],
    [
      403,
      { ok: false, error_code: 403, description: 'Forbidden: bot was kicked from the group chat' },
      { permanent: true },
    ],
    [404, { ok: false, error_code: 404, description: 'Not Found' }, { permanent: true }],
    [504, 'Gateway Time-out', { permanent: false }],
    [200, 'not json', { permanent: false }],
  ])('%i %j', (status, body, expected) => {
    expect(
      classifyTelegramReply(status, typeof body === 'string' ? body : JSON.stringify(body)),
    ).toMatchObject(expected);
  });

  it('names the new chat id when a group migrated', () => {
    const r = classifyTelegramReply(
      400,
      JSON.stringify({
        ok: false,
        error_code: 400,
        description: 'upgraded',
        parameters: { migrate_to_chat_id: -1001234 },
      }),
    );
    expect(!r.ok && r.error).toContain('-1001234');
  });
});

describe('truncateTelegramText', () => {
  it('leaves short texts alone and never splits a surrogate pair', () => {
    expect(truncateTelegramText('abc')).toBe('abc');
    const emoji = 'a' + '😀'.repeat(3000); // 6001 code units
    const cut = truncateTelegramText(emoji);
    expect(cut.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
    expect(cut.endsWith('😀…')).toBe(true);
    expect(truncateTelegramText('x'.repeat(4096))).toHaveLength(4096);
    expect(truncateTelegramText('x'.repeat(4097))).toHaveLength(4096);
  });
});
