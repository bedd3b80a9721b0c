/**
 * One simulated Kodeks ПК 6.4 web server on node:http (light enough for thousands per process).
 * Endpoints and fault behaviour: docs/simulator.md.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { parseCookies, safeEqual } from '../http-util.js';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import {
  DEFAULT_SLOW_MS,
  FaultRequestSchema,
  type Fault,
  type FaultOptions,
  type FaultState,
} from './faults.js';
import { sessionsAt } from './life.js';
import { generateLegacyMetricsText, generateStatusText, httpDate } from './metrics-text.js';
import { pageState } from './page-state.js';
import {
  adminLicPageHtml,
  adminPageHtml,
  loginPageHtml,
  mainPageHtml,
  messagePageHtml,
  PROXY_502_HTML,
} from './pages.js';
import { hash32 } from './prng.js';
import { isClientProfile, makeProfile, type ClientProfile, type ProfileOptions } from './profile.js';
import { generateSysinfoXml, generateSysinfoZip, sysinfoFileName } from './sysinfo-xml.js';

export interface KodeksServerOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  seed?: number;
  /** A ready profile, or options to build one from `seed`. */
  profile?: ClientProfile | Omit<ProfileOptions, 'seed'>;
  clock?: () => number;
  /** Called for every request before anything else (tests count probes and pulls at the simulator). */
  onRequest?: (method: string, path: string) => void;
}

export interface SimServerState {
  readonly profile: ClientProfile;
  readonly faults: FaultState;
  listening: boolean;
  requests: number;
  /** KodeksData cookie → signed-in login. */
  readonly sessions: Map<string, string>;
}

export interface KodeksServer {
  url: string;
  port: number;
  host: string;
  state: SimServerState;
  setFault(fault: Fault, on: boolean, options?: FaultOptions): Promise<void>;
  close(): Promise<void>;
}

const BASE_HEADERS = { Server: 'WWW-Kodeks/6.4', 'X-Powered-By': 'Express' } as const;
const MAX_FORM_BYTES = 16 * 1024;
const MAX_SESSIONS = 1_000;

function basicAuth(req: IncomingMessage): { user: string; pass: string } | null {
  const h = req.headers.authorization;
  if (!h || !/^basic /i.test(h)) return null;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? null : { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    body += chunk.toString('utf8');
    if (body.length > MAX_FORM_BYTES) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

/** Starts one simulated ПК. */
export async function startKodeksServer(opts: KodeksServerOptions = {}): Promise<KodeksServer> {
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? Date.now;
  const profile = isClientProfile(opts.profile)
    ? opts.profile
    : makeProfile({ ...(opts.profile ?? {}), seed: opts.seed ?? 1 });
  const state: SimServerState = { profile, faults: {}, listening: false, requests: 0, sessions: new Map() };
  const sockets = new Set<Socket>();
  let cookieCounter = 0;

  const users = new Map<string, string>([
    ['smartlogin', profile.smartloginPassword],
    ['admin', profile.adminPassword],
  ]);
  for (const u of profile.users) users.set(u.login, u.password);

  const checkPassword = (user: string, pass: string): boolean => {
    const expected = users.get(user);
    return expected !== undefined && safeEqual(pass, expected);
  };

  const catalogOf = (path: string) => {
    const first = `/${path.split('/')[1] ?? ''}`;
    return profile.catalogs.find((c) => c.path === first && c.path !== '/sysmon');
  };

  /** Who is signed in: Basic credentials or a KodeksData session cookie. */
  const whoIs = (req: IncomingMessage): string | null => {
    const b = basicAuth(req);
    if (b && checkPassword(b.user, b.pass)) return b.user;
    const sid = parseCookies(req.headers.cookie).get('KodeksData');
    return (sid && state.sessions.get(sid)) || null;
  };

  const newSession = (login: string | null): string => {
    const sid =
      hash32(profile.seed, 'sid', ++cookieCounter, clock()).toString(16).padStart(8, '0') +
      hash32(profile.seed, 'sid2', cookieCounter).toString(16).padStart(8, '0');
    if (login !== null) {
      if (state.sessions.size >= MAX_SESSIONS) state.sessions.delete(state.sessions.keys().next().value!);
      state.sessions.set(sid, login);
    }
    return sid;
  };

  /** The cookies the agents' jar picks up (KodeksData + Kodeks, as in the observed requests). */
  const cookies = (req: IncomingMessage, res: ServerResponse, login: string | null): void => {
    const jar = parseCookies(req.headers.cookie);
    const known = jar.get('KodeksData');
    if (known && (login === null || state.sessions.get(known) === login)) return;
    const sid = newSession(login);
    res.setHeader('Set-Cookie', [
      `KodeksData=${sid}; Path=/; HttpOnly`,
      `Kodeks=${Math.floor(clock() / 1000)}; Path=/`,
    ]);
  };

  const send = (
    res: ServerResponse,
    status: number,
    body: string,
    type: string,
    extra: Record<string, string> = {},
  ): void => {
    const buf = Buffer.from(body, 'utf8');
    res.writeHead(status, {
      ...BASE_HEADERS,
      'Content-Type': type,
      'Content-Length': String(buf.length),
      ...extra,
    });
    res.end(buf);
  };
  const html = (
    res: ServerResponse,
    status: number,
    body: string,
    extra: Record<string, string> = {},
  ): void => send(res, status, body, 'text/html; charset=utf-8', extra);

  /** Express-style plain-text answer with the lower-case headers the smartstatus script greps for. */
  const metricsAnswer = (res: ServerResponse, body: string): void => {
    const buf = Buffer.from(body, 'utf8');
    res.statusCode = 200;
    res.setHeader('X-Powered-By', 'Express');
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.setHeader('content-length', String(buf.length));
    res.setHeader(
      'etag',
      `W/"${buf.length.toString(16)}-${createHash('sha1').update(buf).digest('base64').slice(0, 27)}"`,
    );
    res.setHeader('date', httpDate(clock()));
    res.setHeader('connection', 'close');
    res.shouldKeepAlive = false;
    res.end(buf);
  };

  const unauthorized = (res: ServerResponse, realm: string): void =>
    html(res, 401, messagePageHtml('Требуется авторизация', 'Укажите имя пользователя и пароль.'), {
      'WWW-Authenticate': `Basic realm="${realm}", charset="UTF-8"`,
    });

  const sysinfo = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const form = req.method === 'POST' ? await readForm(req) : url.searchParams;
    const now = clock();
    const asZip = form.get('type') === 'zip';
    cookies(req, res, null);
    res.setHeader('Server', BASE_HEADERS.Server);
    res.setHeader('X-Powered-By', BASE_HEADERS['X-Powered-By']);
    res.setHeader('Connection', 'close');
    res.shouldKeepAlive = false;
    if (asZip) {
      const name = sysinfoFileName(profile, now, 'zip');
      res.writeHead(200, {
        'Content-Disposition': `attachment; filename="${name}"`,
        'Content-Type': `application/octet-stream;name="${name}"`,
      });
      await pipeline(generateSysinfoZip(profile, now, { faults: state.faults }), res);
    } else {
      res.writeHead(200, { 'Content-Type': `text/xml; charset=${profile.encoding}` });
      await pipeline(Readable.from(generateSysinfoXml(profile, now, { faults: state.faults })), res);
    }
  };

  const login = async (req: IncomingMessage, res: ServerResponse, catalogPath: string): Promise<void> => {
    const c = catalogOf(catalogPath) ?? profile.catalogs[0]!;
    if (req.method !== 'POST') return html(res, 200, loginPageHtml(c));
    const page = pageState(state.faults);
    if (page.condition === 'maintenance' || page.condition === 'server_not_started') {
      return html(res, page.httpStatus, messagePageHtml('Вход невозможен', page.message ?? ''));
    }
    const form = await readForm(req);
    const user = form.get('login') ?? form.get('username') ?? '';
    const pass = form.get('password') ?? '';
    if (!checkPassword(user, pass)) {
      return html(res, 401, loginPageHtml(c, 'Неверное имя пользователя или пароль'));
    }
    // SMART's own account never takes a workplace; everyone else needs a free one.
    if (state.faults.licences_exhausted && user !== 'smartlogin' && user !== 'admin') {
      return html(res, 403, messagePageHtml('Вход невозможен', 'Нет свободных рабочих мест для входа.'));
    }
    cookies(req, res, user);
    res.setHeader('Location', `${c.path}/`);
    html(res, 302, messagePageHtml('Вход выполнен', `Перенаправление на ${c.path}/`));
  };

  const simApi = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const json = (status: number, body: unknown): void =>
      send(res, status, JSON.stringify(body), 'application/json');
    if (path === '/__sim/state' && req.method === 'GET') {
      return json(200, {
        shortName: profile.shortName,
        legalName: profile.legalName,
        regnum: profile.regnum,
        seed: profile.seed,
        utcOffsetMin: profile.utcOffsetMin,
        seats: profile.seats,
        users: profile.users.length,
        catalogs: profile.catalogs.map((c) => c.path),
        smartloginPassword: profile.smartloginPassword,
        now: clock(),
        faults: state.faults,
        requests: state.requests,
      });
    }
    if (path === '/__sim/faults' && req.method === 'POST') {
      let raw = '';
      for await (const chunk of req as AsyncIterable<Buffer>) {
        raw += chunk.toString('utf8');
        if (raw.length > MAX_FORM_BYTES) return json(413, { error: 'body too large' });
      }
      let parsed;
      try {
        parsed = FaultRequestSchema.safeParse(JSON.parse(raw));
      } catch {
        return json(400, { error: 'body is not JSON' });
      }
      if (!parsed.success) return json(400, { error: parsed.error.issues.map((i) => i.message).join('; ') });
      const { fault, on, code, delayMs } = parsed.data;
      // Answer first, act once the answer is out: "down" closes the listener this request came through.
      res.once('finish', () => void api.setFault(fault, on, { code, delayMs }));
      return json(200, { ok: true, fault, on });
    }
    json(404, { error: 'unknown simulator endpoint' });
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim.local');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return html(res, 400, messagePageHtml('Неверный запрос', url.pathname));
    }
    if (path.startsWith('/__sim/')) return simApi(req, res, path);

    const f = state.faults;
    if (f.tcp_closed) {
      req.socket.destroy();
      return;
    }
    if (f.slow) await new Promise((r) => setTimeout(r, f.slow?.delayMs ?? DEFAULT_SLOW_MS));
    if (f.reverse_proxy_down) {
      res.writeHead(502, {
        Server: 'nginx',
        'Content-Type': 'text/html',
        'Content-Length': String(PROXY_502_HTML.length),
      });
      res.end(PROXY_502_HTML);
      return;
    }

    if (path === '/sysinfo/si_save_request') return sysinfo(req, res, url);
    if (path === '/sysinfo/metrics') {
      cookies(req, res, null);
      return metricsAnswer(res, generateLegacyMetricsText(profile, clock(), { faults: f }));
    }
    if (path === '/sysmon/metrics' || path === '/sysmon/metrics/') {
      const b = basicAuth(req);
      if (!b || b.user !== 'smartlogin' || !checkPassword(b.user, b.pass)) return unauthorized(res, 'sysmon');
      cookies(req, res, 'smartlogin');
      return metricsAnswer(res, generateStatusText(profile, clock(), { faults: f }));
    }
    if (path === '/admin' || path.startsWith('/admin/')) {
      const who = whoIs(req);
      if (who !== 'smartlogin' && who !== 'admin') return unauthorized(res, 'admin');
      cookies(req, res, who);
      const now = clock();
      if (path === '/admin/lic') return html(res, 200, adminLicPageHtml(profile, now, f));
      return html(res, 200, adminPageHtml(profile, now, sessionsAt(profile, now, f).length));
    }
    if (path === '/login' || path.endsWith('/login'))
      return login(req, res, path === '/login' ? '/docs' : path);
    if (path === '/' || path === '') {
      res.setHeader('Location', `${profile.catalogs[0]?.path ?? '/docs'}/`);
      return html(res, 302, messagePageHtml('Перенаправление', 'Главная страница'));
    }
    const c = catalogOf(path);
    if (c && (path === c.path || path === `${c.path}/`)) {
      const user = whoIs(req);
      const page = pageState(f);
      cookies(req, res, user);
      return html(res, page.httpStatus, mainPageHtml(profile, c, page, user));
    }
    html(res, 404, messagePageHtml('Страница не найдена', path));
  };

  const server: Server = createServer((req, res) => {
    state.requests++;
    opts.onRequest?.(req.method ?? 'GET', (req.url ?? '/').split('?')[0] ?? '/');
    // The simulated clock, not this machine's, is what the ПК reports as its time.
    res.sendDate = false;
    res.setHeader('Date', httpDate(clock()));
    route(req, res).catch((e: unknown) => {
      if (!res.headersSent) html(res, 500, messagePageHtml('Ошибка', (e as Error).message));
      else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        state.listening = true;
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (!state.listening) return resolve();
      state.listening = false;
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });

  const port = await listen(opts.port ?? 0);
  const api: KodeksServer = {
    url: `http://${host}:${port}`,
    port,
    host,
    state,
    async setFault(fault: Fault, on: boolean, options: FaultOptions = {}): Promise<void> {
      if (on) {
        const active: FaultState[Fault] = { since: clock() };
        if (options.code !== undefined) active.code = options.code;
        if (options.delayMs !== undefined) active.delayMs = options.delayMs;
        state.faults[fault] = active;
      } else delete state.faults[fault];
      if (fault === 'down') {
        if (on) await stop();
        else if (!state.listening) await listen(port);
      }
    },
    close: stop,
  };
  return api;
}
