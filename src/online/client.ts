/**
 * Reads one ДЦ online access the way a person would: log in with the client's own credentials, read the
 * profile page (or the search log), log out. Read-only: the only requests ever sent are the four in
 * `ALLOWED_ACTIONS`; nothing here can spend a billing unit (spec §2.2, non-interference rule).
 * Error mapping: the table at the top of http.ts and docs/online.md.
 */
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { z } from 'zod';
import {
  decodeText,
  exchange,
  makeAgent,
  mapNetworkError,
  OnlineError,
  setCookies,
  statusError,
  type ExchangeOptions,
  type HttpReply,
} from './http.js';
import { describeIssues, parseProfilePage } from './profile-page.js';
import type {
  LimitReading,
  OnlineFailure,
  OnlineTarget,
  ProfileOutcome,
  ReadOptions,
  SearchLogEntry,
  SearchLogOutcome,
} from './types.js';

export const SESSION_COOKIE = 'DCSESSION';
export const WRONG_PASSWORD_TEXT = 'Неверный логин или пароль';
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_READ_TIMEOUT_MS = 30_000;
export const MAX_PROFILE_BYTES = 1024 * 1024;
export const MAX_SEARCHLOG_BYTES = 20 * 1024 * 1024;
/** The logout is a courtesy: it gets at most this long per phase. */
const LOGOUT_TIMEOUT_MS = 2_000;

/** Every path this client may request under the folder. `consume` is deliberately absent. */
const ALLOWED_ACTIONS = ['login', 'profile', 'searchlog', 'logout'] as const;
type Action = (typeof ALLOWED_ACTIONS)[number];

/** Share of the limit spent, from the remainder: (limit − remaining) / limit × 100; 0 when limit is 0. */
export function usedPercent(r: LimitReading): number {
  return r.limit === 0 ? 0 : ((r.limit - r.remaining) / r.limit) * 100;
}

/** `YYYY-MM-DD`, a real calendar date. */
export function isIsoDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === date;
}

interface Session {
  /** The `Cookie` header: DCSESSION and any other cookie the login set. */
  cookie: string;
}

interface Ctx {
  target: OnlineTarget;
  base: URL;
  agent: HttpAgent | HttpsAgent;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  signal?: AbortSignal;
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number of ms`);
  return v;
}

/** `<baseUrl>/<folder>/` as a URL, or a RequestException for a malformed address. */
function folderUrl(t: OnlineTarget): URL {
  let u: URL;
  try {
    u = new URL(t.baseUrl);
  } catch {
    throw new OnlineError('RequestException', 'BAD_URL', `bad baseUrl ${JSON.stringify(t.baseUrl)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new OnlineError('RequestException', 'BAD_URL', `baseUrl must be http(s): ${t.baseUrl}`);
  const folder = t.folder.replace(/^\/+|\/+$/g, '');
  if (!folder || folder.includes('/') || folder === '.' || folder === '..')
    throw new OnlineError('RequestException', 'BAD_URL', `bad folder ${JSON.stringify(t.folder)}`);
  const basePath = u.pathname.replace(/\/+$/, '');
  return new URL(`${u.protocol}//${u.host}${basePath}/${encodeURIComponent(folder)}/`);
}

function actionUrl(base: URL, action: Action, query?: Record<string, string>): URL {
  if (!ALLOWED_ACTIONS.includes(action)) throw new Error(`refusing to request ${String(action)}`);
  const u = new URL(action, base);
  if (query) u.search = new URLSearchParams(query).toString();
  return u;
}

function opts(
  ctx: Ctx,
  what: string,
  maxBytes: number,
  extra: Partial<ExchangeOptions> = {},
): ExchangeOptions {
  return {
    method: 'GET',
    accept: 'text/html,application/xhtml+xml',
    maxBytes,
    connectTimeoutMs: ctx.connectTimeoutMs,
    readTimeoutMs: ctx.readTimeoutMs,
    signal: ctx.signal,
    what,
    ...extra,
  };
}

/** Where a 3xx points, checked to stay on the same origin and under the folder. */
function checkRedirect(reply: HttpReply, from: URL, base: URL, what: string): void {
  const loc = reply.headers.location;
  if (loc === undefined) return;
  let to: URL;
  try {
    to = new URL(loc, from);
  } catch {
    throw new OnlineError('RequestException', 'BAD_REDIRECT', `${what}: bad Location ${JSON.stringify(loc)}`);
  }
  if (to.origin !== base.origin || !to.pathname.startsWith(base.pathname))
    throw new OnlineError(
      'RequestException',
      'BAD_REDIRECT',
      `${what}: redirected off the folder to ${to.href}`,
    );
}

/** POST <folder>/login; returns the session cookie header. */
async function login(ctx: Ctx): Promise<Session> {
  const url = actionUrl(ctx.base, 'login');
  const reply = await exchange(
    url,
    ctx.agent,
    opts(ctx, 'login', MAX_PROFILE_BYTES, {
      method: 'POST',
      form: { login: ctx.target.login, password: ctx.target.password },
    }),
  );
  if (reply.status === 401)
    throw new OnlineError('LoginPasswordError', 401, 'login: HTTP 401 (wrong login, password or folder)');
  // The spec's LoginPasswordError covers a wrong address or catalogue too: the DC has no such folder.
  if (reply.status === 404)
    throw new OnlineError('LoginPasswordError', 404, 'login: HTTP 404 (no such catalogue on this server)');
  const bad = statusError(reply.status, 'login');
  if (bad) throw bad;
  if (reply.status < 200 || reply.status >= 400)
    throw new OnlineError('RequestException', reply.status, `login: unexpected HTTP ${reply.status}`);
  if (reply.status < 300 && decodeText(reply, 'login').includes(WRONG_PASSWORD_TEXT))
    throw new OnlineError(
      'LoginPasswordError',
      401,
      `login: HTTP ${reply.status} page says "${WRONG_PASSWORD_TEXT}"`,
    );
  const cookies = setCookies(reply.headers);
  const sid = cookies.get(SESSION_COOKIE);
  if (!sid)
    throw new OnlineError(
      'RequestException',
      'NO_SESSION',
      `login: HTTP ${reply.status} without a ${SESSION_COOKIE} cookie`,
    );
  if (reply.status >= 300) checkRedirect(reply, url, ctx.base, 'login');
  return { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
}

/** GET after login; maps any non-200 status. */
async function getPage(
  ctx: Ctx,
  s: Session,
  action: Action,
  maxBytes: number,
  accept: string,
  query?: Record<string, string>,
): Promise<HttpReply> {
  const url = actionUrl(ctx.base, action, query);
  const reply = await exchange(url, ctx.agent, opts(ctx, action, maxBytes, { cookie: s.cookie, accept }));
  const bad = statusError(reply.status, action);
  if (bad) throw bad;
  if (reply.status >= 300 && reply.status < 400) {
    const loc = reply.headers.location ?? '(no Location)';
    throw new OnlineError(
      'RequestException',
      'BAD_REDIRECT',
      `${action}: HTTP ${reply.status} to ${loc}: the session was not accepted`,
    );
  }
  if (reply.status !== 200)
    throw new OnlineError('RequestException', reply.status, `${action}: unexpected HTTP ${reply.status}`);
  return reply;
}

/** GET <folder>/logout, best effort: errors are swallowed and it never waits long. */
async function logout(ctx: Ctx, s: Session): Promise<void> {
  if (ctx.signal?.aborted) return;
  try {
    await exchange(actionUrl(ctx.base, 'logout'), ctx.agent, {
      ...opts(ctx, 'logout', 64 * 1024, { cookie: s.cookie }),
      connectTimeoutMs: Math.min(ctx.connectTimeoutMs, LOGOUT_TIMEOUT_MS),
      readTimeoutMs: Math.min(ctx.readTimeoutMs, LOGOUT_TIMEOUT_MS),
    });
  } catch {
    // The session expires on its own; the reading already succeeded or failed on its merits.
  }
}

function failure(e: unknown, started: number): OnlineFailure {
  const err = e instanceof OnlineError ? e : mapNetworkError(e);
  return {
    ok: false,
    error: err.kind,
    code: err.code,
    message: err.message,
    latencyMs: Date.now() - started,
  };
}

/**
 * Logs in, runs `read` with the session, logs out. The latency covers login and read, not the logout.
 * Never rejects for anything the network or the server does; only bad options throw (RangeError).
 */
async function withSession<T>(
  target: OnlineTarget,
  o: ReadOptions | undefined,
  read: (ctx: Ctx, s: Session) => Promise<T>,
): Promise<{ ok: true; value: T; latencyMs: number } | OnlineFailure> {
  const connectTimeoutMs = positive(o?.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs');
  const readTimeoutMs = positive(o?.readTimeoutMs, DEFAULT_READ_TIMEOUT_MS, 'readTimeoutMs');
  const started = Date.now();
  let base: URL;
  try {
    base = folderUrl(target);
  } catch (e) {
    return failure(e, started);
  }
  const ctx: Ctx = {
    target,
    base,
    agent: makeAgent(base),
    connectTimeoutMs,
    readTimeoutMs,
    signal: o?.signal,
  };
  let session: Session | undefined;
  try {
    session = await login(ctx);
    const value = await read(ctx, session);
    return { ok: true, value, latencyMs: Date.now() - started };
  } catch (e) {
    return failure(e, started);
  } finally {
    if (session) await logout(ctx, session);
    ctx.agent.destroy();
  }
}

/** Reads the four limits of one access from its profile page. Never consumes units. */
export async function readProfile(target: OnlineTarget, o?: ReadOptions): Promise<ProfileOutcome> {
  const r = await withSession(target, o, async (ctx, s) => {
    const reply = await getPage(ctx, s, 'profile', MAX_PROFILE_BYTES, 'text/html,application/xhtml+xml');
    const parsed = parseProfilePage(decodeText(reply, 'profile'));
    if (!parsed.ok) throw new OnlineError('RequestException', 'BAD_PAGE', `profile page: ${parsed.message}`);
    return parsed.profile;
  });
  return r.ok ? { ok: true, profile: r.value, latencyMs: r.latencyMs } : r;
}

/** `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z` or `±HH:MM` (`±HHMM`, `±HH`): UTC ms, or null. */
export function parseZonedTime(s: string): number | null {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i.exec(
      s.trim(),
    );
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return null;
  const local = Date.UTC(y, mo - 1, d, h, mi, sec, Math.floor(Number(`0${m[7] ?? ''}`) * 1000));
  if (new Date(local).getUTCDate() !== d) return null; // 31 April and the like
  const zone = m[8]!.toUpperCase();
  let offsetMin = 0;
  if (zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const oh = Number(z[2]);
    const om = Number(z[3] ?? '0');
    if (oh > 18 || om > 59) return null;
    offsetMin = (z[1] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return local - offsetMin * 60_000;
}

const entrySchema = z.object({
  time: z.string().transform((s, ctx) => {
    const t = parseZonedTime(s);
    if (t === null) {
      ctx.addIssue({ code: 'custom', message: `not a time with a UTC offset: ${JSON.stringify(s)}` });
      return z.NEVER;
    }
    return t;
  }),
  user: z.string(),
  query: z.string(),
  type: z.string(),
  status: z.enum(['success', 'empty']),
});

const searchLogSchema = z.object({
  date: z.string().optional(),
  entries: z.array(entrySchema),
});

/**
 * Reads the searches of one local day (`YYYY-MM-DD` in the access's own time zone) with their times
 * converted to UTC ms. Never consumes units. An invalid `date` throws a RangeError.
 */
export async function readSearchLog(
  target: OnlineTarget,
  date: string,
  o?: ReadOptions,
): Promise<SearchLogOutcome> {
  if (!isIsoDate(date)) throw new RangeError(`date must be YYYY-MM-DD: ${JSON.stringify(date)}`);
  const r = await withSession(target, o, async (ctx, s) => {
    const reply = await getPage(ctx, s, 'searchlog', MAX_SEARCHLOG_BYTES, 'application/json', { date });
    let data: unknown;
    try {
      data = JSON.parse(decodeText(reply, 'searchlog'));
    } catch (e) {
      if (e instanceof OnlineError) throw e;
      throw new OnlineError('RequestException', 'BAD_JSON', `searchlog: not JSON: ${(e as Error).message}`);
    }
    const parsed = searchLogSchema.safeParse(data);
    if (!parsed.success)
      throw new OnlineError('RequestException', 'BAD_JSON', `searchlog: ${describeIssues(parsed.error)}`);
    if (parsed.data.date !== undefined && parsed.data.date !== date)
      throw new OnlineError(
        'RequestException',
        'BAD_JSON',
        `searchlog: date: asked for ${date}, got ${JSON.stringify(parsed.data.date)}`,
      );
    return parsed.data.entries satisfies SearchLogEntry[];
  });
  return r.ok ? { ok: true, entries: r.value, latencyMs: r.latencyMs } : r;
}
