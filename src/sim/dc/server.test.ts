import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DC_FAULTS, startDcServer, WRONG_PASSWORD_TEXT, type DcServer } from './server.js';
import { localDayStart, searchLog, usageAt, type Account } from './usage.js';

/** 2026-04-20 12:00 Moscow. */
const T0 = Date.UTC(2026, 3, 20, 9);
let now = T0;
let srv: DcServer;

interface Reply {
  /** 'ok': full answer; 'no-headers': timed out before a status line; 'body-stalled': headers, then nothing. */
  outcome: 'ok' | 'no-headers' | 'body-stalled' | 'error';
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
}

/** One HTTP request with a short client timeout, telling apart where it got stuck. */
function call(
  path: string,
  opts: { method?: string; form?: Record<string, string>; cookie?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  return new Promise((resolve) => {
    let status: number | undefined;
    let headers: Reply['headers'];
    const req = request(`${srv.url}${path}`, {
      method: opts.method ?? (body ? 'POST' : 'GET'),
      headers: {
        ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        ...(opts.cookie ? { Cookie: opts.cookie } : {}),
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ outcome: status === undefined ? 'no-headers' : 'body-stalled', status, headers });
    }, opts.timeoutMs ?? 2_000);
    req.on('response', (res) => {
      status = res.statusCode;
      headers = res.headers;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ outcome: 'ok', status, headers, body: text });
      });
      res.on('error', () => undefined);
    });
    req.on('error', () => {
      clearTimeout(timer);
      if (status === undefined) resolve({ outcome: 'error' });
    });
    req.end(body);
  });
}

async function login(
  a: Account,
  password = a.password,
  timeoutMs = 2_000,
): Promise<{ reply: Reply; cookie?: string }> {
  const reply = await call(`/${a.folder}/login`, { form: { login: a.login, password }, timeoutMs });
  const set = reply.headers?.['set-cookie'];
  const cookie = Array.isArray(set) ? set[0]?.split(';')[0] : undefined;
  return { reply, cookie };
}

async function profileJson(a: Account, cookie: string): Promise<Record<string, unknown>> {
  const r = await call(`/${a.folder}/profile.json`, { cookie });
  expect(r.status).toBe(200);
  return JSON.parse(r.body!) as Record<string, unknown>;
}

const acc = (i: number): Account => srv.accounts[i]!;

beforeAll(async () => {
  srv = await startDcServer({
    seed: 2026,
    accounts: [
      { login: 'reg', folder: 'kodeks01', profile: 'regular', utcOffsetMin: 180 },
      { login: 'shr', folder: 'kodeks02', profile: 'sharer', utcOffsetMin: 420 },
      { login: 'idl', folder: 'kodeks03', profile: 'idle', utcOffsetMin: 180 },
      { login: 'epi', folder: 'kodeks04', profile: 'episodic', utcOffsetMin: -300 },
      { login: 'reg2', folder: 'kodeks01', profile: 'regular', utcOffsetMin: 180 },
    ],
    clock: () => now,
  });
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  now = T0;
  for (const f of DC_FAULTS) {
    srv.setFault('*', f, false);
    for (const a of srv.accounts) srv.setFault(a.login, f, false);
  }
});

describe('dc server', () => {
  it('logs in with the right password and refuses a wrong one', async () => {
    const ok = await login(acc(0));
    expect(ok.reply.status).toBe(302);
    expect(ok.reply.headers?.location).toBe('/kodeks01/profile');
    expect(ok.cookie).toMatch(/^DCSESSION=[0-9a-f]{32}$/);

    const bad = await login(acc(0), 'nope');
    expect(bad.reply.status).toBe(401);
    expect(bad.reply.body).toContain(WRONG_PASSWORD_TEXT);
    expect(bad.cookie).toBeUndefined();

    // A login of another folder is not accepted here.
    const other = await call('/kodeks01/login', { form: { login: 'shr', password: acc(1).password } });
    expect(other.status).toBe(401);
    expect((await call('/nosuch/login')).status).toBe(404);
  });

  it('requires a session for the profile and the search log', async () => {
    expect((await call('/kodeks01/profile')).status).toBe(302);
    expect((await call('/kodeks01/profile.json')).status).toBe(401);
    expect((await call('/kodeks01/searchlog?date=2026-04-20')).status).toBe(401);
    // A session of one folder does not open another.
    const { cookie } = await login(acc(0));
    expect((await call('/kodeks02/profile.json', { cookie })).status).toBe(401);
  });

  it('profile JSON and HTML equal the ground truth usageAt', async () => {
    for (const a of srv.accounts) {
      const { cookie } = await login(a);
      for (const t of [T0, Date.UTC(2026, 3, 3, 6), Date.UTC(2026, 6, 28, 15)]) {
        now = t;
        const truth = usageAt(a, t);
        const j = await profileJson(a, cookie!);
        expect(j).toMatchObject({ login: a.login, folder: a.folder, utcOffsetMin: a.utcOffsetMin, ...truth });
        const h = await call(`/${a.folder}/profile`, { cookie });
        expect(h.status).toBe(200);
        expect(h.body).toContain(`<span class="month">${truth.month}</span>`);
        for (const [k, label] of [
          ['docs', 'Документы'],
          ['search', 'Поиск'],
          ['print', 'Печать'],
          ['export', 'Выгрузка'],
        ] as const) {
          expect(h.body).toContain(
            `<tr data-kind="${k}"><td>${label}</td><td class="limit">${truth[k].limit}</td>` +
              `<td class="used">${truth[k].used}</td><td class="remaining">${truth[k].remaining}</td></tr>`,
          );
        }
      }
    }
  });

  it('resets the counters on the 1st in the account time zone', async () => {
    const a = acc(1); // sharer at UTC+7: exhausted by the end of the month
    const { cookie } = await login(a);
    const midnight = localDayStart(a.utcOffsetMin, 2026, 4, 0); // 2026-05-01 00:00 +07:00
    now = midnight - 1000;
    const before = (await profileJson(a, cookie!)) as { month: string; docs: { remaining: number } };
    expect(before.month).toBe('2026-04');
    expect(before.docs.remaining).toBe(0);
    now = midnight;
    const after = (await profileJson(a, cookie!)) as {
      month: string;
      docs: { used: number; limit: number; remaining: number };
    };
    expect(after.month).toBe('2026-05');
    expect(after.docs).toEqual({ limit: a.limits.docs, used: 0, remaining: a.limits.docs });
    // Still 30 April in UTC: the reset follows the account's clock, not UTC.
    expect(new Date(midnight).getUTCDate()).toBe(30);
  });

  it('serves the search log of a day as the ground truth has it', async () => {
    const a = acc(0);
    const { cookie } = await login(a);
    now = Date.UTC(2026, 3, 21, 3);
    const r = await call(`/${a.folder}/searchlog?date=2026-04-20`, { cookie });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body!) as { entries: unknown[] };
    expect(body.entries).toEqual(searchLog(a, '2026-04-20'));
    expect(body.entries.length).toBeGreaterThan(0);
    expect((await call(`/${a.folder}/searchlog?date=2026-13-01`, { cookie })).status).toBe(400);
  });

  it('reading profile and search log consumes nothing; a user action does', async () => {
    const a = acc(0);
    const { cookie } = await login(a);
    const before = usageAt(a, now);
    for (let i = 0; i < 20; i++) {
      await call(`/${a.folder}/profile`, { cookie });
      await call(`/${a.folder}/profile.json`, { cookie });
      await call(`/${a.folder}/searchlog?date=2026-04-19`, { cookie });
    }
    expect(srv.consumed()).toEqual({ docs: 0, search: 0, print: 0, export: 0, total: 0 });
    expect(await profileJson(a, cookie!)).toMatchObject(before);

    // Control: the consume endpoint (a simulated user opening a document) is counted and shown.
    const c = await call(`/${a.folder}/consume`, { form: { kind: 'docs' }, cookie });
    expect(c.status).toBe(200);
    expect(srv.consumed()).toMatchObject({ docs: 1, total: 1 });
    const j = (await profileJson(a, cookie!)) as { docs: { used: number; remaining: number } };
    expect(j.docs.used).toBe(before.docs.used + 1);
    expect(j.docs.remaining).toBe(before.docs.remaining - 1);
    expect(srv.profileOf(a.login).docs.used).toBe(before.docs.used + 1);
  });

  it('wrong_password fault makes a correct login fail, per account and for all', async () => {
    srv.setFault('reg', 'wrong_password', true);
    const r = await login(acc(0));
    expect(r.reply.status).toBe(401);
    expect(r.reply.body).toContain(WRONG_PASSWORD_TEXT);
    expect((await login(acc(4))).reply.status).toBe(302); // same folder, other login
    srv.setFault('reg', 'wrong_password', false);
    expect((await login(acc(0))).reply.status).toBe(302);
    srv.setFault('*', 'wrong_password', true);
    expect((await login(acc(2))).reply.status).toBe(401);
  });

  it('connection_timeout: no status line ever arrives', async () => {
    srv.setFault('idl', 'connection_timeout', true);
    expect((await login(acc(2), acc(2).password, 300)).reply.outcome).toBe('no-headers');
    expect((await call('/kodeks03/profile.json', { timeoutMs: 300 })).outcome).toBe('no-headers');
    expect((await login(acc(0))).reply.status).toBe(302); // others unaffected
    srv.setFault('idl', 'connection_timeout', false);
    expect((await login(acc(2))).reply.status).toBe(302);
  });

  it('read_timeout: headers arrive, the body stalls', async () => {
    const { cookie } = await login(acc(2));
    srv.setFault('idl', 'read_timeout', true);
    const r = await call('/kodeks03/profile.json', { cookie, timeoutMs: 300 });
    expect(r.outcome).toBe('body-stalled');
    expect(r.status).toBe(200);
  });

  it('http_4xx and http_5xx answer 403 and 500', async () => {
    const { cookie } = await login(acc(3));
    srv.setFault('epi', 'http_4xx', true);
    expect((await call('/kodeks04/profile.json', { cookie })).status).toBe(403);
    expect((await login(acc(3))).reply.status).toBe(403);
    srv.setFault('*', 'http_5xx', true);
    expect((await call('/kodeks04/profile.json', { cookie })).status).toBe(500);
    expect((await login(acc(0))).reply.status).toBe(500);
    srv.setFault('*', 'http_5xx', false);
    srv.setFault('epi', 'http_4xx', false);
    expect((await call('/kodeks04/profile.json', { cookie })).status).toBe(200);
    expect(() => srv.setFault('ghost', 'http_4xx', true)).toThrow(/unknown login/);
  });

  it('is deterministic: a second server with the same seed shows the same numbers', async () => {
    const other = await startDcServer({ seed: 2026, accounts: 6, clock: () => T0 });
    const again = await startDcServer({ seed: 2026, accounts: 6, clock: () => T0 });
    try {
      expect(other.accounts).toEqual(again.accounts);
      for (const a of other.accounts) expect(other.profileOf(a.login)).toEqual(again.profileOf(a.login));
      const a = other.accounts[0]!;
      const res = await fetch(`${again.url}/${a.folder}/login`, {
        method: 'POST',
        body: new URLSearchParams({ login: a.login, password: a.password }),
        redirect: 'manual',
      });
      expect(res.status).toBe(302);
      const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
      const j = (await (
        await fetch(`${again.url}/${a.folder}/profile.json`, { headers: { cookie } })
      ).json()) as object;
      expect(j).toMatchObject(usageAt(a, T0));
    } finally {
      await other.close();
      await again.close();
    }
  });
});
