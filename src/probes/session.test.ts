import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../sim/kodeks/faults.js';
import { startKodeksServer, type KodeksServer } from '../sim/kodeks/server.js';
import { httpRequest, type HttpResponse } from './http.js';
import {
  cookieHeader,
  loginUrl,
  SessionCache,
  sessionKey,
  signedInPage,
  type Credentials,
} from './session.js';

describe('SessionCache', () => {
  const a: Credentials = { user: 'smartlogin', password: 'one' };

  it('keeps one cookie per installation, bounded, least recently used out first', () => {
    const c = new SessionCache(2);
    c.set('h1:80', a, 'KodeksData=1');
    c.set('h2:80', a, 'KodeksData=2');
    expect(c.get('h1:80', a)).toBe('KodeksData=1'); // h1 is now the most recent
    c.set('h3:80', a, 'KodeksData=3');
    expect(c.size).toBe(2);
    expect(c.get('h2:80', a)).toBeUndefined();
    expect(c.get('h1:80', a)).toBe('KodeksData=1');
    c.delete('h1:80');
    expect(c.get('h1:80', a)).toBeUndefined();
    c.clear();
    expect(c.size).toBe(0);
  });

  it('a changed password drops the cookie so the new one is tried', () => {
    const c = new SessionCache();
    c.set('h:80', a, 'KodeksData=1');
    expect(c.get('h:80', { ...a, password: 'two' })).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('keys, cookies and the login URL', () => {
    expect(sessionKey({ address: '10.0.0.1', port: 8080 })).toBe('10.0.0.1:8080');
    expect(
      cookieHeader({
        'set-cookie': ['KodeksData=ab12; Path=/; HttpOnly', 'Kodeks=1776295456; Path=/', 'junk'],
      }),
    ).toBe('KodeksData=ab12; Kodeks=1776295456');
    expect(cookieHeader({})).toBe('');
    expect(loginUrl(new URL('http://h:1/docs/')).href).toBe('http://h:1/docs/login');
    expect(loginUrl(new URL('http://h:1/')).href).toBe('http://h:1/login');
  });
});

describe('signedInPage against the simulator', () => {
  let srv: KodeksServer;
  let mainUrl: URL;
  let creds: Credentials;
  const http = { timeoutMs: 3000 };

  beforeAll(async () => {
    srv = await startKodeksServer({ seed: 11 });
    mainUrl = new URL(`${srv.url}${srv.state.profile.catalogs[0]!.path}/`);
    creds = { user: 'smartlogin', password: srv.state.profile.smartloginPassword };
  });
  afterAll(() => srv.close());
  afterEach(async () => {
    for (const f of Object.keys(srv.state.faults) as Fault[]) await srv.setFault(f, false);
  });

  const mainPage = async (cookie?: string): Promise<HttpResponse> => {
    const r = await httpRequest(mainUrl, { timeoutMs: 3000, headers: cookie ? { Cookie: cookie } : {} });
    if (!r.ok) throw new Error(r.detail);
    return r;
  };

  it('signs in, caches the cookie, reuses it, and signs in again when it expires', async () => {
    const cache = new SessionCache();
    const key = sessionKey({ address: '127.0.0.1', port: srv.port });
    const first = await signedInPage({
      mainUrl,
      creds,
      key,
      cache,
      http,
      firstPage: { page: await mainPage(), cookieSent: false },
    });
    expect(first.auth).toMatchObject({ outcome: 'ok', code: 302, detail: 'signed in' });
    expect(first.page).toMatchObject({ ok: true, status: 200 });
    if (first.page?.ok) expect(first.page.body).toContain('Пользователь: smartlogin');
    const cookie = cache.get(key, creds);
    expect(cookie).toMatch(/^KodeksData=[0-9a-f]+; Kodeks=\d+$/);

    const before = srv.state.requests;
    const page = await mainPage(cookie);
    const again = await signedInPage({
      mainUrl,
      creds,
      key,
      cache,
      http,
      firstPage: { page, cookieSent: true },
    });
    expect(again.auth).toEqual({ outcome: 'ok', detail: 'session reused' });
    expect(again.page).toBe(page);
    expect(srv.state.requests - before).toBe(1);

    srv.state.sessions.clear();
    const expired = await signedInPage({
      mainUrl,
      creds,
      key,
      cache,
      http,
      firstPage: { page: await mainPage(cookie), cookieSent: true },
    });
    expect(expired.auth).toMatchObject({ outcome: 'ok', detail: 'signed in' });
    expect(cache.get(key, creds)).not.toBe(cookie);
  });

  it('a wrong password is 401: auth failed, nothing cached', async () => {
    const cache = new SessionCache();
    const r = await signedInPage({ mainUrl, creds: { ...creds, password: 'wrong' }, key: 'k', cache, http });
    expect(r.auth).toMatchObject({
      outcome: 'failed',
      code: 401,
      detail: 'wrong smartlogin login or password',
    });
    expect(r.page).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('smartlogin takes no seat: it still signs in when the licences are exhausted', async () => {
    await srv.setFault('licences_exhausted', true);
    const r = await signedInPage({ mainUrl, creds, key: 'k', cache: new SessionCache(), http });
    expect(r.auth.outcome).toBe('ok');
    const other = srv.state.profile.users[0]!;
    const refused = await signedInPage({
      mainUrl,
      creds: { user: other.login, password: other.password },
      key: 'k',
      cache: new SessionCache(),
      http,
    });
    expect(refused.auth).toMatchObject({ outcome: 'failed', code: 403, detail: 'login refused: HTTP 403' });
  });

  it('a refused connection fails the login with its errno', async () => {
    await srv.setFault('down', true);
    const r = await signedInPage({ mainUrl, creds, key: 'k', cache: new SessionCache(), http });
    expect(r.auth).toMatchObject({ outcome: 'failed', code: 'ECONNREFUSED' });
  });
});
