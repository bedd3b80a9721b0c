/**
 * A simulated distribution-centre (ДЦ) server hosting many online accesses under `/<folder>`, on
 * node:http. Endpoints, usage profiles and faults: docs/simulator-dc.md.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseCookies, safeEqual } from '../http-util.js';
import {
  KIND_LABELS,
  KINDS,
  localTime,
  makeAccounts,
  parseDate,
  searchLog,
  usageAt,
  type Account,
  type AccountSpec,
  type Kind,
  type Usage,
} from './usage.js';

export const DC_FAULTS = [
  'wrong_password', // logins fail as if the password were wrong
  'connection_timeout', // the request is accepted and never answered (no status line)
  'read_timeout', // status line and headers are sent, then the body stalls
  'http_4xx', // 403 Forbidden
  'http_5xx', // 500 Internal Server Error
] as const;
export type DcFault = (typeof DC_FAULTS)[number];
/** When several apply, the most severe wins: no answer, a stalled body, 500, 403, then a refused login. */
const FAULT_PRECEDENCE: readonly DcFault[] = [
  'connection_timeout',
  'read_timeout',
  'http_5xx',
  'http_4xx',
  'wrong_password',
];

export interface DcServerOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  seed?: number;
  /** Account specs (gaps filled from the seed), or how many accounts to generate. */
  accounts?: AccountSpec[] | number;
  clock?: () => number;
}

export type Consumed = Record<Kind, number> & { total: number };

export interface DcServer {
  url: string;
  port: number;
  host: string;
  accounts: readonly Account[];
  /** Units consumed through HTTP since start (any kind, any account). Reads never consume. */
  consumed(): Consumed;
  /** Switches a fault on or off for one login, or for every account with `'*'`. */
  setFault(login: string, fault: DcFault, on: boolean): void;
  /** The counters the profile shows now: ground truth plus units consumed through HTTP this month. */
  profileOf(login: string): Usage;
  close(): Promise<void>;
}

export const SESSION_COOKIE = 'DCSESSION';
export const WRONG_PASSWORD_TEXT = 'Неверный логин или пароль';
const MAX_FORM_BYTES = 16 * 1024;
const MAX_SESSIONS = 10_000;

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8"><title>${esc(title)}</title></head>\n<body>${body}</body></html>\n`;
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
const html = (res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void =>
  send(res, status, 'text/html; charset=utf-8', body, headers);
const json = (res: ServerResponse, status: number, body: unknown): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

function loginPage(folder: string, message = ''): string {
  return page(
    'Вход',
    `${message ? `<p class="error">${esc(message)}</p>` : ''}<form method="post" action="/${esc(folder)}/login">` +
      `<input name="login"><input name="password" type="password"><button>Войти</button></form>`,
  );
}

function profilePage(a: Account, u: Usage): string {
  const rows = KINDS.map(
    (k) =>
      `<tr data-kind="${k}"><td>${KIND_LABELS[k]}</td><td class="limit">${u[k].limit}</td>` +
      `<td class="used">${u[k].used}</td><td class="remaining">${u[k].remaining}</td></tr>`,
  ).join('\n');
  return page(
    'Профиль пользователя',
    `<h1>Профиль пользователя ${esc(a.login)}</h1><p>Период: <span class="month">${u.month}</span></p>\n` +
      `<table><tr><th>Единица</th><th>Лимит</th><th>Использовано</th><th>Остаток</th></tr>\n${rows}</table>`,
  );
}

interface ExtraUse {
  at: number;
  kind: Kind;
  n: number;
}

/** Starts one simulated ДЦ server. */
export async function startDcServer(opts: DcServerOptions = {}): Promise<DcServer> {
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? Date.now;
  const accounts = makeAccounts(opts.seed ?? 1, opts.accounts ?? 10);
  const byLogin = new Map(accounts.map((a) => [a.login, a]));
  const byFolder = new Map<string, Account[]>();
  for (const a of accounts) byFolder.set(a.folder, [...(byFolder.get(a.folder) ?? []), a]);
  const sessions = new Map<string, Account>();
  const faults = new Map<string, Set<DcFault>>(); // login or '*' → faults
  const extra = new Map<string, ExtraUse[]>();
  const consumed: Consumed = { docs: 0, search: 0, print: 0, export: 0, total: 0 };
  const sockets = new Set<Socket>();

  const faultOf = (who: readonly Account[]): DcFault | null => {
    const set = new Set<DcFault>(faults.get('*'));
    for (const a of who) for (const f of faults.get(a.login) ?? []) set.add(f);
    return FAULT_PRECEDENCE.find((f) => set.has(f)) ?? null;
  };

  const profileOf = (a: Account): Usage => {
    const now = clock();
    const u = usageAt(a, now);
    const t = localTime(a.utcOffsetMin, now);
    for (const e of extra.get(a.login) ?? []) {
      const et = localTime(a.utcOffsetMin, e.at);
      if (et.year !== t.year || et.month !== t.month || e.at > now) continue;
      const c = u[e.kind];
      c.used = Math.min(c.limit, c.used + e.n);
      c.remaining = c.limit - c.used;
    }
    return u;
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dc.local');
    const [, folder = '', action = ''] = url.pathname.split('/');
    const inFolder = byFolder.get(folder);
    if (!inFolder) return html(res, 404, page('Не найдено', '<p>Страница не найдена</p>'));
    const sid = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    const session = sid ? sessions.get(sid) : undefined;
    const me = session && session.folder === folder ? session : undefined;
    let form: URLSearchParams | null = null;
    if (req.method === 'POST') form = new URLSearchParams(await readBody(req));
    const formLogin = form?.get('login');
    const formAccount = formLogin ? byLogin.get(formLogin) : undefined;
    const who = me ? [me] : formAccount && formAccount.folder === folder ? [formAccount] : inFolder;

    const fault = faultOf(who);
    if (fault === 'connection_timeout') return; // keep the socket open and never answer
    if (fault === 'read_timeout') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': 100_000 });
      res.write('<!DOCTYPE html>\n<html lang="ru"><head>'); // …and nothing more
      return;
    }
    if (fault === 'http_5xx') return html(res, 500, page('Ошибка', '<p>Internal Server Error</p>'));
    if (fault === 'http_4xx') return html(res, 403, page('Доступ запрещён', '<p>403 Forbidden</p>'));

    if (action === '' || (action === 'login' && req.method === 'GET'))
      return html(res, 200, loginPage(folder));
    if (action === 'login' && req.method === 'POST') {
      const a = formAccount && formAccount.folder === folder ? formAccount : undefined;
      const ok =
        a !== undefined && fault !== 'wrong_password' && safeEqual(form?.get('password') ?? '', a.password);
      if (!a || !ok) return html(res, 401, loginPage(folder, WRONG_PASSWORD_TEXT));
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      const id = randomBytes(16).toString('hex');
      sessions.set(id, a);
      return html(res, 302, page('Вход', '<p>OK</p>'), {
        Location: `/${folder}/profile`,
        'Set-Cookie': `${SESSION_COOKIE}=${id}; Path=/${folder}; HttpOnly`,
      });
    }
    if (action === 'logout') {
      if (sid) sessions.delete(sid);
      return html(res, 302, page('Выход', ''), { Location: `/${folder}/login` });
    }

    const isJson = action !== 'profile';
    if (!me) {
      if (isJson) return json(res, 401, { error: 'not_authenticated' });
      return html(res, 302, loginPage(folder), { Location: `/${folder}/login` });
    }
    if (action === 'profile' && req.method === 'GET') return html(res, 200, profilePage(me, profileOf(me)));
    if (action === 'profile.json' && req.method === 'GET') {
      const u = profileOf(me);
      return json(res, 200, {
        login: me.login,
        folder: me.folder,
        utcOffsetMin: me.utcOffsetMin,
        at: new Date(clock()).toISOString(),
        ...u,
      });
    }
    if (action === 'searchlog' && req.method === 'GET') {
      const date = url.searchParams.get('date') ?? '';
      if (!parseDate(date)) return json(res, 400, { error: 'date must be YYYY-MM-DD' });
      return json(res, 200, { login: me.login, date, entries: searchLog(me, date, clock()) });
    }
    if (action === 'consume' && req.method === 'POST') {
      // A user action through the site (open a document, search, print, export): spends units.
      const kind = (form?.get('kind') ?? url.searchParams.get('kind') ?? 'docs') as Kind;
      if (!KINDS.includes(kind)) return json(res, 400, { error: 'unknown kind' });
      const c = profileOf(me)[kind];
      if (c.remaining < 1) return json(res, 409, { error: 'limit exhausted', kind });
      extra.set(me.login, [...(extra.get(me.login) ?? []), { at: clock(), kind, n: 1 }]);
      consumed[kind]++;
      consumed.total++;
      return json(res, 200, { kind, remaining: c.remaining - 1 });
    }
    return html(res, 404, page('Не найдено', '<p>Страница не найдена</p>'));
  };

  const server: Server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      if (!res.headersSent) html(res, 500, page('Ошибка', esc((e as Error).message)));
      else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

  return {
    url: `http://${host}:${port}`,
    port,
    host,
    accounts,
    consumed: () => ({ ...consumed }),
    setFault(login, fault, on) {
      if (!DC_FAULTS.includes(fault)) throw new Error(`unknown fault ${String(fault)}`);
      if (login !== '*' && !byLogin.has(login)) throw new Error(`unknown login ${login}`);
      const set = faults.get(login) ?? new Set<DcFault>();
      if (on) set.add(fault);
      else set.delete(fault);
      if (set.size) faults.set(login, set);
      else faults.delete(login);
    },
    profileOf(login) {
      const a = byLogin.get(login);
      if (!a) throw new Error(`unknown login ${login}`);
      return profileOf(a);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
