/**
 * The smartlogin session (spec §2.4): key, licence and error notices are shown to signed-in users only.
 * Sessions are cached per installation, so a probe every minute signs in once and then reuses the
 * cookie until the ПК drops it (the page shows the login form again).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { httpRequest, type HttpRequestOptions, type HttpResponse, type HttpResult } from './http.js';
import { showsLoginForm } from './page-state.js';
import type { ProbeTarget } from './types.js';

export interface Credentials {
  user: string;
  password: string;
}

interface SessionEntry {
  cookie: string;
  /** Hash of the credentials the cookie was got with: a changed password must be tried, not skipped. */
  credential: string;
}

/** Session cookies per installation, least recently used dropped first. */
export class SessionCache {
  private readonly entries = new Map<string, SessionEntry>();

  constructor(readonly maxEntries = 10_000) {}

  get(key: string, creds: Credentials): string | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.credential !== fingerprint(creds)) {
      this.entries.delete(key);
      return undefined;
    }
    // Map order is insertion order: re-insert to mark it recently used.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.cookie;
  }

  set(key: string, creds: Credentials, cookie: string): void {
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { cookie, credential: fingerprint(creds) });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

function fingerprint(c: Credentials): string {
  return createHash('sha256').update(c.user).update('\0').update(c.password).digest('hex');
}

export function sessionKey(target: Pick<ProbeTarget, 'address' | 'port'>): string {
  return `${target.address}:${target.port}`;
}

/** `name=value; name=value` from the Set-Cookie headers, ready for a Cookie header. */
export function cookieHeader(headers: IncomingHttpHeaders): string {
  return (headers['set-cookie'] ?? [])
    .map((line) => line.split(';', 1)[0]?.trim() ?? '')
    .filter((pair) => pair.indexOf('=') > 0)
    .join('; ');
}

/** `<catalog>/login` for a main page `<catalog>/`. */
export function loginUrl(mainUrl: URL): URL {
  const u = new URL(mainUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/login`;
  u.search = '';
  return u;
}

export interface AuthOutcome {
  /** 'unknown' only when the probe was aborted. */
  outcome: 'ok' | 'failed' | 'unknown';
  code?: number | string;
  detail: string;
  latencyMs?: number;
}

export interface SessionOutcome {
  auth: AuthOutcome;
  /** The main page as the signed-in smartlogin sees it; null without a session. */
  page: HttpResult | null;
  /** Every answer received on the way (the proxy check looks at them). */
  answers: HttpResponse[];
}

export interface SessionRequest {
  mainUrl: URL;
  creds: Credentials;
  key: string;
  cache: SessionCache;
  http: Omit<HttpRequestOptions, 'method' | 'form' | 'headers'>;
  /** The main page already fetched with the cached cookie (`cookieSent`), if any. */
  firstPage?: { page: HttpResponse; cookieSent: boolean };
}

/**
 * A signed-in main page: the first page when it was fetched with a still valid cached session,
 * otherwise a fresh login (POST form `login`, `password` → 302 + KodeksData) and a GET with its cookie.
 */
export async function signedInPage(r: SessionRequest): Promise<SessionOutcome> {
  const first = r.firstPage;
  if (first?.cookieSent) {
    if (first.page.status === 200 && !showsLoginForm(first.page.body))
      return { auth: { outcome: 'ok', detail: 'session reused' }, page: first.page, answers: [] };
    r.cache.delete(r.key); // expired: the ПК shows the login form again
  }

  const answers: HttpResponse[] = [];
  const login = await httpRequest(loginUrl(r.mainUrl), {
    ...r.http,
    method: 'POST',
    form: { login: r.creds.user, password: r.creds.password },
  });
  if (!login.ok) {
    const outcome = login.code === 'ABORT_ERR' ? 'unknown' : 'failed';
    return {
      auth: { outcome, code: login.code, detail: `login: ${login.detail}`, latencyMs: login.latencyMs },
      page: null,
      answers,
    };
  }
  answers.push(login);
  const at = { code: login.status, latencyMs: login.latencyMs };
  if (login.status === 401)
    return {
      auth: { outcome: 'failed', ...at, detail: 'wrong smartlogin login or password' },
      page: null,
      answers,
    };
  const cookie = cookieHeader(login.headers);
  if (login.status < 300 || login.status > 399)
    return {
      auth: { outcome: 'failed', ...at, detail: `login refused: HTTP ${login.status}` },
      page: null,
      answers,
    };
  if (!/(^|; )KodeksData=/.test(cookie))
    return {
      auth: { outcome: 'failed', ...at, detail: 'login gave no KodeksData cookie' },
      page: null,
      answers,
    };

  const page = await httpRequest(r.mainUrl, { ...r.http, headers: { Cookie: cookie } });
  if (page.ok) {
    answers.push(page);
    if (page.status === 200 && showsLoginForm(page.body))
      return { auth: { outcome: 'failed', ...at, detail: 'session not accepted' }, page: null, answers };
  }
  r.cache.set(r.key, r.creds, cookie);
  return { auth: { outcome: 'ok', ...at, detail: 'signed in' }, page, answers };
}
