import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from './server.js';

const T0 = Date.UTC(2026, 3, 20, 9);
let now = T0;
let tg: FakeTelegram;

interface Reply {
  status: number;
  body: {
    ok: boolean;
    result?: { message_id?: number; chat?: { id: number; type: string }; text?: string; username?: string };
    error_code?: number;
    description?: string;
    parameters?: { retry_after?: number };
  };
}

async function call(method: string, params: Record<string, unknown>, token = tg.token): Promise<Reply> {
  const res = await fetch(`${tg.url}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}
const send = (chatId: string | number, text = 'alert'): Promise<Reply> =>
  call('sendMessage', { chat_id: chatId, text });

beforeAll(async () => {
  tg = await startFakeTelegram({ clock: () => now });
});
afterAll(() => tg.close());
afterEach(() => {
  tg.reset();
  now += 3_600_000; // every test starts with empty flood windows
});

describe('fake Telegram Bot API', () => {
  it('answers getMe', async () => {
    const r = await call('getMe', {});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, result: { username: 'smart_sim_bot' } });
  });

  it('delivers a message and records it with the clock time', async () => {
    const r = await send(42, 'Привет');
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.result).toMatchObject({ message_id: 1, chat: { id: 42, type: 'private' }, text: 'Привет' });
    expect(tg.messages).toEqual([{ chatId: '42', text: 'Привет', at: now, messageId: 1 }]);
  });

  it('accepts form-encoded parameters too', async () => {
    const res = await fetch(`${tg.url}/bot${tg.token}/sendMessage`, {
      method: 'POST',
      body: new URLSearchParams({ chat_id: '-100', text: 'form' }),
    });
    expect(res.status).toBe(200);
    expect(tg.messages.at(-1)).toMatchObject({ chatId: '-100', text: 'form' });
  });

  it("answers a wrong token with 401 in Telegram's error shape", async () => {
    const r = await call('sendMessage', { chat_id: 1, text: 'x' }, '1:WRONG');
    expect(r).toEqual({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
    expect(tg.messages).toEqual([]);
    expect(tg.rejected).toMatchObject([{ chatId: '1', status: 401 }]);
  });

  it('answers an unknown method with 404', async () => {
    expect((await call('sendPhoto', {})).body).toEqual({
      ok: false,
      error_code: 404,
      description: 'Not Found',
    });
  });

  it('validates chat_id and text', async () => {
    expect((await call('sendMessage', { text: 'x' })).body.description).toBe('Bad Request: chat_id is empty');
    expect((await send('not-a-chat')).body.description).toBe('Bad Request: chat not found');
    expect((await send(1, '')).body.description).toBe('Bad Request: message text is empty');
    const long = await send(2, 'x'.repeat(4097));
    expect(long).toMatchObject({ status: 400, body: { description: 'Bad Request: message is too long' } });
    expect((await send(3, 'x'.repeat(4096))).status).toBe(200);
  });

  it('delivers one of 3 messages sent to one chat within a second, 429 with retry_after ≥ 1 for the rest', async () => {
    const replies = [await send(42, 'a'), await send(42, 'b')];
    now += 500;
    replies.push(await send(42, 'c'));
    expect(replies.map((r) => r.status)).toEqual([200, 429, 429]);
    for (const r of replies.slice(1)) {
      expect(r.body).toMatchObject({ ok: false, error_code: 429 });
      expect(r.body.parameters!.retry_after).toBeGreaterThanOrEqual(1);
      expect(r.body.description).toBe(`Too Many Requests: retry after ${r.body.parameters!.retry_after}`);
    }
    expect(tg.messages.map((m) => m.text)).toEqual(['a']);
    expect(tg.rejected.map((r) => r.status)).toEqual([429, 429]);
    // another chat is not affected, and the first one may send again a second later
    expect((await send(43)).status).toBe(200);
    now += 1_000;
    expect((await send(42, 'd')).status).toBe(200);
  });

  it('limits a group chat (negative id) to 20 messages per minute', async () => {
    const start = now;
    for (let i = 0; i < 20; i++) {
      expect((await send(-100500, `m${i}`)).status).toBe(200);
      now += 1_000;
    }
    const r = await send(-100500, 'one too many');
    expect(r.status).toBe(429);
    // the oldest of the 20 leaves the window at start + 60 s
    expect(r.body.parameters!.retry_after).toBe(Math.ceil((start + 60_000 - 50 - now) / 1000));
    now = start + 60_000;
    expect((await send(-100500, 'again')).status).toBe(200);
    expect(tg.messages).toHaveLength(21);
  });

  it('limits the bot to 30 messages per second across chats', async () => {
    for (let i = 1; i <= 30; i++) expect((await send(i)).status).toBe(200);
    const r = await send(31);
    expect(r.status).toBe(429);
    expect(r.body.parameters!.retry_after).toBe(1);
  });

  it('plays scripted failures, per chat or for all, a number of times or until cleared', async () => {
    tg.setFailure('42', { kind: 'retry_after', seconds: 30, times: 2 });
    expect((await send(42)).body).toMatchObject({ error_code: 429, parameters: { retry_after: 30 } });
    expect((await send(42)).status).toBe(429);
    expect((await send(42)).status).toBe(200);

    tg.setFailure('*', { kind: 'status', status: 503 });
    tg.setFailure('7', { kind: 'blocked' });
    expect((await send(7)).body).toEqual({
      ok: false,
      error_code: 403,
      description: 'Forbidden: bot was blocked by the user',
    });
    expect((await send(8)).status).toBe(503);
    expect((await send(9)).status).toBe(503);
    tg.setFailure('*', null);
    expect((await send(9)).status).toBe(200);

    tg.setFailure('10', { kind: 'chat_not_found' });
    expect((await send(10)).body.description).toBe('Bad Request: chat not found');
  });

  it("answers 502 with a gateway HTML page, as Telegram's front does", async () => {
    tg.setFailure('5', { kind: 'status', status: 502, times: 1 });
    const res = await fetch(`${tg.url}/bot${tg.token}/sendMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ chat_id: 5, text: 'x' }),
    });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(await res.text()).toContain('502 Bad Gateway');
  });

  it('exposes control endpoints', async () => {
    await send(42, 'seen');
    const state = (await (await fetch(`${tg.url}/__sim/messages`)).json()) as {
      messages: { chatId: string; text: string }[];
    };
    expect(state.messages).toMatchObject([{ chatId: '42', text: 'seen' }]);

    const post = (body: unknown): Promise<Response> =>
      fetch(`${tg.url}/__sim/failures`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post({ chatId: 43, failure: { kind: 'blocked' } })).status).toBe(200);
    expect((await send(43)).status).toBe(403);
    expect((await post({ chatId: '43', failure: null })).status).toBe(200);
    expect((await send(43)).status).toBe(200);
    expect((await post({ chatId: '43', failure: { kind: 'explode' } })).status).toBe(400);
    expect((await post('nonsense')).status).toBe(400);
  });

  it('waits for messages', async () => {
    const waiting = tg.waitForMessages(2, 2_000);
    await send(1);
    await send(2);
    await expect(waiting).resolves.toBeUndefined();
    await expect(tg.waitForMessages(5, 50)).rejects.toThrow(/2 of 5/);
  });
});

describe('fake Telegram tolerance', () => {
  it('is exact with toleranceMs 0 and lenient by 50 ms by default', async () => {
    let t = T0;
    const exact = await startFakeTelegram({ clock: () => t, toleranceMs: 0 });
    const lenient = await startFakeTelegram({ clock: () => t });
    try {
      for (const srv of [exact, lenient]) {
        const r = await fetch(`${srv.url}/bot${srv.token}/sendMessage?chat_id=1&text=a`);
        expect(r.status).toBe(200);
      }
      t += 960;
      const second = async (srv: FakeTelegram): Promise<number> =>
        (await fetch(`${srv.url}/bot${srv.token}/sendMessage?chat_id=1&text=b`)).status;
      expect(await second(exact)).toBe(429);
      expect(await second(lenient)).toBe(200);
    } finally {
      await exact.close();
      await lenient.close();
    }
  });
});
