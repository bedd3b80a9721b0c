/**
 * The online client against a tiny hand-written server: malformed pages and JSON, odd logins, redirects,
 * oversized and stalled bodies, encodings. Everything the real simulator never does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_PROFILE_BYTES,
  parseZonedTime,
  readProfile,
  readSearchLog,
  usedPercent,
  type OnlineErrorKind,
  type OnlineTarget,
  type ProfileOutcome,
  type SearchLogOutcome,
} from './index.js';

/** Short timeouts only where a timeout is the expected outcome; generous ones everywhere else. */
const OPTS = { connectTimeoutMs: 5_000, readTimeoutMs: 5_000 };
const HANG = { connectTimeoutMs: 500, readTimeoutMs: 5_000 };
const STALL = { connectTimeoutMs: 5_000, readTimeoutMs: 500 };
const SID = 'abc123';

interface Seen {
  method: string;
  path: string;
  cookie?: string;
  body: string;
}
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const ROWS = (docs = ['400', '100', '300']): string =>
  [
    `<tr data-kind="docs"><td>Документы</td><td class="limit">${docs[0]}</td><td class="used">${docs[1]}</td><td class="remaining">${docs[2]}</td></tr>`,
    `<tr data-kind="search"><td>Поиск</td><td class="limit">4000</td><td class="used">500</td><td class="remaining">3500</td></tr>`,
    `<tr data-kind="print"><td>Печать</td><td class="limit">3000</td><td class="used">0</td><td class="remaining">3000</td></tr>`,
    `<tr data-kind="export"><td>Выгрузка</td><td class="limit">5000</td><td class="used">1</td><td class="remaining">4999</td></tr>`,
  ].join('\n');
const PROFILE = (rows = ROWS()): string =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Профиль пользователя</title></head><body>` +
  `<p>Период: <span class="month">2026-04</span></p><table>${rows}</table></body></html>`;

const defaults: Record<string, Handler> = {
  login: (_req, res) => {
    res.writeHead(302, { Location: '/f1/profile', 'Set-Cookie': `DCSESSION=${SID}; Path=/f1; HttpOnly` });
    res.end();
  },
  profile: (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(PROFILE());
  },
  searchlog: (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        login: 'u1',
        date: '2026-04-20',
        entries: [
          {
            time: '2026-04-20T09:00:01+03:00',
            user: 'u1',
            query: 'НДС',
            type: 'Атрибутный',
            status: 'success',
          },
          { time: '2026-04-20T10:30:00+05:30', user: 'u2', query: 'ГОСТ', type: 'x', status: 'empty' },
          { time: '2026-04-20T06:00:00Z', user: 'u1', query: '', type: 'x', status: 'success', extra: 1 },
        ],
      }),
    );
  },
  logout: (_req, res) => {
    res.writeHead(302, { Location: '/f1/login' });
    res.end();
  },
};

let server: Server;
let base: string;
let handlers: Record<string, Handler>;
let seen: Seen[];
const sockets = new Set<Socket>();
const target = (): OnlineTarget => ({ baseUrl: base, folder: 'f1', login: 'u1', password: 'p w&1' });

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push({ method: req.method ?? '', path, cookie: req.headers.cookie, body });
      const action = path.split('/')[2] ?? '';
      const h = handlers[action];
      if (h) h(req, res, body);
      else {
        res.writeHead(404);
        res.end('not found');
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  handlers = { ...defaults };
  seen = [];
});

const expectFailure = (
  r: ProfileOutcome | SearchLogOutcome,
  error: OnlineErrorKind,
  code: number | string,
  msg?: RegExp,
): void => {
  expect(r).toMatchObject({ ok: false, error, code });
  if (msg) expect(r.ok ? '' : r.message).toMatch(msg);
};

describe('the happy path', () => {
  it('logs in with the form, reads the profile with the cookie, logs out; nothing else', async () => {
    const r = await readProfile(target(), OPTS);
    expect(r).toMatchObject({
      ok: true,
      profile: { month: '2026-04', docs: { limit: 400, used: 100, remaining: 300 } },
    });
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /f1/login',
      'GET /f1/profile',
      'GET /f1/logout',
    ]);
    expect(new URLSearchParams(seen[0]!.body).get('password')).toBe('p w&1');
    expect(new URLSearchParams(seen[0]!.body).get('login')).toBe('u1');
    expect(seen[1]!.cookie).toBe(`DCSESSION=${SID}`);
    expect(seen[2]!.cookie).toBe(`DCSESSION=${SID}`);
    if (r.ok) expect(usedPercent(r.profile.docs)).toBe(25);
  });

  it('the search log: times with any offset to UTC ms, extra fields dropped', async () => {
    const r = await readSearchLog(target(), '2026-04-20', OPTS);
    expect(r).toEqual({
      ok: true,
      latencyMs: expect.any(Number) as number,
      entries: [
        {
          time: Date.UTC(2026, 3, 20, 6, 0, 1),
          user: 'u1',
          query: 'НДС',
          type: 'Атрибутный',
          status: 'success',
        },
        { time: Date.UTC(2026, 3, 20, 5, 0, 0), user: 'u2', query: 'ГОСТ', type: 'x', status: 'empty' },
        { time: Date.UTC(2026, 3, 20, 6), user: 'u1', query: '', type: 'x', status: 'success' },
      ],
    });
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /f1/login',
      'GET /f1/searchlog',
      'GET /f1/logout',
    ]);
  });

  it('a windows-1251 page with NBSP thousand separators', async () => {
    handlers.profile = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=windows-1251' });
      res.end(iconv.encode(PROFILE(ROWS(['1\u00a0000', '1 000', '0'])), 'windows-1251'));
    };
    const r = await readProfile(target(), OPTS);
    expect(r).toMatchObject({ ok: true, profile: { docs: { limit: 1000, used: 1000, remaining: 0 } } });
  });

  it('a charset given only by <meta>', async () => {
    handlers.profile = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(iconv.encode(PROFILE().replace('charset="utf-8"', 'charset="windows-1251"'), 'windows-1251'));
    };
    expect((await readProfile(target(), OPTS)).ok).toBe(true);
  });

  it('a gzip body, although identity was asked for', async () => {
    handlers.profile = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Encoding': 'gzip' });
      res.end(gzipSync(PROFILE()));
    };
    expect((await readProfile(target(), OPTS)).ok).toBe(true);
  });

  it('a login that answers 200 with the cookie, and a base URL with a trailing slash', async () => {
    handlers.login = (_req, res) => {
      res.writeHead(200, { 'Set-Cookie': [`OTHER=1; Path=/`, `DCSESSION=${SID}; Path=/f1`] });
      res.end('<p>Добро пожаловать</p>');
    };
    expect((await readProfile({ ...target(), baseUrl: `${base}/` }, OPTS)).ok).toBe(true);
    expect(seen[1]!.cookie).toBe(`OTHER=1; DCSESSION=${SID}`);
  });
});

describe('RequestException', () => {
  it('a malformed profile page, naming the field', async () => {
    handlers.profile = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(PROFILE(ROWS(['400', '-1', '300'])));
    };
    expectFailure(await readProfile(target(), OPTS), 'RequestException', 'BAD_PAGE', /docs\.used: negative/);
    expect(seen.at(-1)?.path).toBe('/f1/logout'); // logged out even so
  });

  it('remaining > limit, a missing kind', async () => {
    handlers.profile = (_req, res) => {
      res.writeHead(200);
      res.end(PROFILE(ROWS(['400', '0', '401'])));
    };
    expectFailure(
      await readProfile(target(), OPTS),
      'RequestException',
      'BAD_PAGE',
      /docs\.remaining: .*exceeds/,
    );
    handlers.profile = (_req, res) => {
      res.writeHead(200);
      res.end(PROFILE(ROWS().replace(/<tr data-kind="export">.*<\/tr>/, '')));
    };
    expectFailure(await readProfile(target(), OPTS), 'RequestException', 'BAD_PAGE', /export: missing row/);
  });

  it('the profile redirects to the login page (session not accepted)', async () => {
    handlers.profile = (_req, res) => {
      res.writeHead(302, { Location: '/f1/login' });
      res.end();
    };
    expectFailure(
      await readProfile(target(), OPTS),
      'RequestException',
      'BAD_REDIRECT',
      /session was not accepted/,
    );
  });

  it('a login without a session cookie', async () => {
    handlers.login = (_req, res) => {
      res.writeHead(302, { Location: '/f1/profile' });
      res.end();
    };
    expectFailure(await readProfile(target(), OPTS), 'RequestException', 'NO_SESSION');
    expect(seen.map((s) => s.path)).toEqual(['/f1/login']);
  });

  it('a login that redirects off the host or off the folder', async () => {
    handlers.login = (_req, res) => {
      res.writeHead(302, { Location: 'https://evil.example/f1/profile', 'Set-Cookie': `DCSESSION=${SID}` });
      res.end();
    };
    expectFailure(await readProfile(target(), OPTS), 'RequestException', 'BAD_REDIRECT');
    handlers.login = (_req, res) => {
      res.writeHead(302, { Location: '/other/profile', 'Set-Cookie': `DCSESSION=${SID}` });
      res.end();
    };
    expectFailure(await readProfile(target(), OPTS), 'RequestException', 'BAD_REDIRECT');
  });

  it('a body over the cap, declared or chunked', async () => {
    const big = 'x'.repeat(MAX_PROFILE_BYTES + 1);
    handlers.profile = (_req, res) => {
      res.writeHead(200, { 'Content-Length': Buffer.byteLength(big) });
      res.end(big);
    };
    expectFailure(await readProfile(target(), OPTS), 'RequestException', 'TOO_LARGE');
    handlers.profile = (_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 5; i++) res.write(big.slice(0, MAX_PROFILE_BYTES / 4));
      res.end();
    };
    expectFailure(await readProfile(target(), OPTS), 'RequestException', 'TOO_LARGE');
  });

  it('a gzip bomb is cut at the cap', async () => {
    handlers.profile = (_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip' });
      res.end(gzipSync(Buffer.alloc(50 * MAX_PROFILE_BYTES)));
    };
    expectFailure(await readProfile(target(), OPTS), 'RequestException', 'TOO_LARGE');
  });

  it('a search log that is not JSON, or JSON of the wrong shape', async () => {
    const reply = (text: string): Handler => {
      return (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(text);
      };
    };
    handlers.searchlog = reply('<html>oops</html>');
    expectFailure(
      await readSearchLog(target(), '2026-04-20', OPTS),
      'RequestException',
      'BAD_JSON',
      /not JSON/,
    );
    handlers.searchlog = reply(
      JSON.stringify({
        entries: [{ time: '2026-04-20T09:00:00', user: 'u', query: 'q', type: 't', status: 'success' }],
      }),
    );
    expectFailure(
      await readSearchLog(target(), '2026-04-20', OPTS),
      'RequestException',
      'BAD_JSON',
      /entries\.0\.time: not a time with a UTC offset/,
    );
    handlers.searchlog = reply(
      JSON.stringify({
        entries: [{ time: '2026-04-20T09:00:00Z', user: 'u', query: 'q', type: 't', status: 'ok' }],
      }),
    );
    expectFailure(
      await readSearchLog(target(), '2026-04-20', OPTS),
      'RequestException',
      'BAD_JSON',
      /entries\.0\.status/,
    );
    handlers.searchlog = reply(JSON.stringify({ date: '2026-04-19', entries: [] }));
    expectFailure(await readSearchLog(target(), '2026-04-20', OPTS), 'RequestException', 'BAD_JSON', /date/);
    handlers.searchlog = reply(JSON.stringify({ rows: [] }));
    expectFailure(
      await readSearchLog(target(), '2026-04-20', OPTS),
      'RequestException',
      'BAD_JSON',
      /entries/,
    );
  });

  it('a bad address, an abort', async () => {
    expectFailure(
      await readProfile({ ...target(), baseUrl: 'ftp://host' }, OPTS),
      'RequestException',
      'BAD_URL',
    );
    expectFailure(
      await readProfile({ ...target(), baseUrl: 'not a url' }, OPTS),
      'RequestException',
      'BAD_URL',
    );
    expectFailure(await readProfile({ ...target(), folder: 'a/b' }, OPTS), 'RequestException', 'BAD_URL');
    expect(seen).toEqual([]);

    handlers.profile = () => undefined; // never answers
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await readProfile(target(), { ...OPTS, signal: ac.signal });
    expectFailure(r, 'RequestException', 'ABORTED');
    expect(r.latencyMs).toBeLessThan(2_000);
  });

  it('bad timeouts are a programming error', async () => {
    await expect(readProfile(target(), { connectTimeoutMs: 0 })).rejects.toThrow(RangeError);
  });
});

describe('status and network mapping', () => {
  it('login: 401, or a 200 page saying the password is wrong → LoginPasswordError 401', async () => {
    handlers.login = (_req, res) => {
      res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<p class="error">Неверный логин или пароль</p>');
    };
    expectFailure(await readProfile(target(), OPTS), 'LoginPasswordError', 401);
    handlers.login = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=windows-1251' });
      res.end(iconv.encode('<p class="error">Неверный логин или пароль</p><form></form>', 'windows-1251'));
    };
    expectFailure(await readProfile(target(), OPTS), 'LoginPasswordError', 401);
    expect(seen.filter((s) => s.path !== '/f1/login')).toEqual([]);
  });

  it('other 4xx → OtherErrorCode400+, 5xx → HTTPError, with the status as code', async () => {
    for (const [status, error] of [
      [400, 'OtherErrorCode400+'],
      [404, 'OtherErrorCode400+'],
      [429, 'OtherErrorCode400+'],
      [500, 'HTTPError'],
      [502, 'HTTPError'],
      [503, 'HTTPError'],
    ] as const) {
      handlers.profile = (_req, res) => {
        res.writeHead(status);
        res.end('err');
      };
      expectFailure(await readProfile(target(), OPTS), error, status);
      handlers.profile = defaults.profile!;
      handlers.searchlog = (_req, res) => {
        res.writeHead(status);
        res.end('{}');
      };
      expectFailure(await readSearchLog(target(), '2026-04-20', OPTS), error, status);
      handlers.searchlog = defaults.searchlog!;
      handlers.login = (_req, res) => {
        res.writeHead(status);
        res.end('err');
      };
      // At login a 404 means the catalogue does not exist: a wrong address, like a wrong password.
      expectFailure(await readProfile(target(), OPTS), status === 404 ? 'LoginPasswordError' : error, status);
      handlers.login = defaults.login!;
    }
  });

  it('a 401 on the profile itself is OtherErrorCode400+ (only the login 401 means a wrong password)', async () => {
    handlers.profile = (_req, res) => {
      res.writeHead(401);
      res.end();
    };
    expectFailure(await readProfile(target(), OPTS), 'OtherErrorCode400+', 401);
  });

  it('a body that stalls after a few bytes → ReadTimeOut; a trickle within the timeout is fine', async () => {
    handlers.profile = (_req, res) => {
      res.writeHead(200);
      res.write('<html><head>');
    };
    const r = await readProfile(target(), STALL);
    expectFailure(r, 'ReadTimeOut', 'READ_TIMEOUT');
    expect(r.latencyMs).toBeGreaterThanOrEqual(STALL.readTimeoutMs - 20);

    // Five parts 250 ms apart: 1 s in all, longer than the 600 ms read timeout, yet no gap reaches it.
    handlers.profile = (_req, res) => {
      res.writeHead(200);
      const text = PROFILE();
      const parts = [0, 1, 2, 3, 4].map((k) =>
        text.slice((k * text.length) / 5, ((k + 1) * text.length) / 5),
      );
      let i = 0;
      const tick = (): void => {
        if (i === parts.length - 1) res.end(parts[i]);
        else {
          res.write(parts[i++]);
          setTimeout(tick, 250);
        }
      };
      tick();
    };
    const trickle = await readProfile(target(), { connectTimeoutMs: 5_000, readTimeoutMs: 600 });
    expect(trickle.ok).toBe(true);
    expect(trickle.latencyMs).toBeGreaterThanOrEqual(900);
  });

  it('no status line in time → ConnectionTimeout', async () => {
    handlers.login = () => undefined;
    const r = await readProfile(target(), HANG);
    expectFailure(r, 'ConnectionTimeout', 'CONNECT_TIMEOUT');
    expect(r.latencyMs).toBeGreaterThanOrEqual(HANG.connectTimeoutMs - 20);
  });

  it('a connection cut mid-body → ConnectionError ECONNRESET', async () => {
    handlers.profile = (req, res) => {
      res.writeHead(200, { 'Content-Length': 10_000 });
      res.write('<html>', () => req.socket.destroy());
    };
    expectFailure(await readProfile(target(), OPTS), 'ConnectionError', 'ECONNRESET');
    handlers.login = (req) => req.socket.destroy();
    expectFailure(await readProfile(target(), OPTS), 'ConnectionError', 'ECONNRESET');
  });

  it('a kept-alive socket closed by the server before a GET is retried once on a fresh one', async () => {
    let cuts = 0;
    handlers.profile = (req, res) => {
      if (cuts++ === 0) req.socket.destroy();
      else defaults.profile!(req, res, '');
    };
    expect((await readProfile(target(), OPTS)).ok).toBe(true);
    expect(seen.map((s) => s.path)).toEqual(['/f1/login', '/f1/profile', '/f1/profile', '/f1/logout']);
    // …but only once.
    handlers.profile = (req) => req.socket.destroy();
    expectFailure(await readProfile(target(), OPTS), 'ConnectionError', 'ECONNRESET');
  });

  it('an unknown host → ConnectionError', async () => {
    const r = await readProfile({ ...target(), baseUrl: 'http://no-such-host.invalid' }, HANG);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      // ENOTFOUND normally; a resolver that cannot be reached says EAI_AGAIN.
      expect(r.error === 'ConnectionError' || r.error === 'ConnectionTimeout').toBe(true);
    }
  });

  it('a logout that hangs or fails does not spoil a good read', async () => {
    handlers.logout = () => undefined;
    const quick = { connectTimeoutMs: 1_000, readTimeoutMs: 1_000 }; // the logout waits this long at most
    const started = Date.now();
    const r = await readProfile(target(), quick);
    expect(r.ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(4_000);
    handlers.logout = (req) => req.socket.destroy();
    expect((await readProfile(target(), quick)).ok).toBe(true);
  });
});

describe('parseZonedTime', () => {
  it('reads offsets in several spellings and refuses local times without one', () => {
    expect(parseZonedTime('2026-04-20T12:00:00+03:00')).toBe(Date.UTC(2026, 3, 20, 9));
    expect(parseZonedTime('2026-04-20T12:00:00+0300')).toBe(Date.UTC(2026, 3, 20, 9));
    expect(parseZonedTime('2026-04-20 12:00+03')).toBe(Date.UTC(2026, 3, 20, 9));
    expect(parseZonedTime('2026-04-20T00:30:00-05:00')).toBe(Date.UTC(2026, 3, 20, 5, 30));
    expect(parseZonedTime('2026-05-01T00:00:00+05:30')).toBe(Date.UTC(2026, 3, 30, 18, 30));
    expect(parseZonedTime('2026-04-20T12:00:00.250Z')).toBe(Date.UTC(2026, 3, 20, 12, 0, 0, 250));
    expect(parseZonedTime('2026-04-20T12:00:00')).toBeNull();
    expect(parseZonedTime('2026-04-31T12:00:00Z')).toBeNull();
    expect(parseZonedTime('2026-04-20T24:00:00Z')).toBeNull();
  });
});
