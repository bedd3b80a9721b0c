import { describe, expect, it } from 'vitest';
import type { FaultState } from '../sim/kodeks/faults.js';
import { pageState } from '../sim/kodeks/page-state.js';
import { mainPageHtml, PROXY_502_HTML } from '../sim/kodeks/pages.js';
import { makeProfile } from '../sim/kodeks/profile.js';
import { classifyMainPage, isKodeksServer, mergeStates, noStates, showsLoginForm } from './page-state.js';

const KODEKS = { server: 'WWW-Kodeks/6.4', 'content-type': 'text/html; charset=utf-8' };
const profile = makeProfile({ seed: 5 });
const catalog = profile.catalogs[0]!;
const since = { since: 0 };

/** The simulator's main page under `faults`, as an anonymous visitor or as smartlogin sees it. */
function simPage(faults: FaultState, user: string | null): { status: number; body: string } {
  const st = pageState(faults);
  return { status: st.httpStatus, body: mainPageHtml(profile, catalog, st, user) };
}

describe('classifyMainPage on the simulator pages', () => {
  it('a healthy page', () => {
    for (const user of [null, 'smartlogin']) {
      const p = simPage({}, user);
      expect(classifyMainPage(p.status, KODEKS, p.body)).toEqual({
        condition: 'ok',
        notices: [],
        states: noStates(),
        loginForm: user === null,
        gatewayError: false,
      });
    }
  });

  it.each([
    ['maintenance', 503],
    ['server_not_started', 500],
    ['needs_service', 200],
  ] as const)('%s is the page condition, valued with its HTTP status', (fault, status) => {
    const p = simPage({ [fault]: since }, 'smartlogin');
    expect(p.status).toBe(status);
    const c = classifyMainPage(p.status, KODEKS, p.body);
    expect(c.condition).toBe(fault);
    expect(c.gatewayError).toBe(false);
    expect(c.states).toEqual({ ...noStates(), [fault]: status });
  });

  it.each([
    ['key_lost', 'key_not_found'],
    ['licences_exhausted', 'licences_exhausted'],
    ['db_error', 'server_errors'],
    ['search_broken', 'server_errors'],
  ] as const)('%s shows notice %s to a signed-in user only', (fault, notice) => {
    const signed = simPage({ [fault]: since }, 'smartlogin');
    expect(classifyMainPage(200, KODEKS, signed.body)).toMatchObject({
      condition: 'ok',
      notices: [notice],
      states: { ...noStates(), [notice]: 200 },
      loginForm: false,
    });
    const anon = simPage({ [fault]: since }, null);
    expect(classifyMainPage(200, KODEKS, anon.body)).toMatchObject({
      notices: [],
      states: noStates(),
      loginForm: true,
    });
  });

  it('several notices at once', () => {
    const p = simPage({ key_lost: since, db_error: since, needs_service: since }, 'smartlogin');
    const c = classifyMainPage(p.status, KODEKS, p.body);
    expect(c.condition).toBe('needs_service');
    expect(c.notices).toEqual(['key_not_found', 'server_errors']);
    expect(c.states).toEqual({ ...noStates(), needs_service: 200, key_not_found: 200, server_errors: 200 });
  });
});

describe('classifyMainPage on pages without markers', () => {
  // Real ПК pages are not public: the texts of the states must be enough on their own.
  it.each([
    [503, '<p>Режим обслуживания. Повторите попытку позже.</p>', 'maintenance'],
    [500, '<h2>Сервер не стартовал</h2>', 'server_not_started'],
    [200, '<div>ТРЕБУЕТСЯ ОБСЛУЖИВАНИЕ</div>', 'needs_service'],
  ] as const)('HTTP %i %s', (status, body, condition) => {
    expect(classifyMainPage(status, KODEKS, body)).toMatchObject({
      condition,
      states: { ...noStates(), [condition]: status },
    });
  });

  it('notices by their text', () => {
    const body = '<p>Ключ не найден</p><p>Кончились лицензии</p><p>Ошибки на сервере: том 3</p>';
    expect(classifyMainPage(200, KODEKS, body).notices).toEqual([
      'key_not_found',
      'licences_exhausted',
      'server_errors',
    ]);
  });

  it('any other non-200 is "server not working"', () => {
    for (const status of [500, 404, 403, 302]) {
      const c = classifyMainPage(status, KODEKS, '<h1>Ошибка</h1>');
      expect(c).toMatchObject({ condition: 'server_not_working', gatewayError: false });
      expect(c.states).toEqual({ ...noStates(), server_not_working: status });
    }
  });

  it('a reverse proxy error: 502/504, or 503 without the ПК marker, not from WWW-Kodeks', () => {
    const nginx = { server: 'nginx', 'content-type': 'text/html' };
    for (const status of [502, 503, 504]) {
      expect(classifyMainPage(status, nginx, PROXY_502_HTML)).toMatchObject({
        condition: 'server_not_working',
        gatewayError: true,
        states: { ...noStates(), server_not_working: status },
      });
      expect(classifyMainPage(status, {}, '').gatewayError).toBe(true);
    }
    // The ПК's own 503 is not a proxy's, and a maintenance page passed through nginx is maintenance.
    expect(classifyMainPage(503, KODEKS, '').gatewayError).toBe(false);
    const maint = simPage({ maintenance: since }, null);
    expect(classifyMainPage(503, nginx, maint.body)).toMatchObject({
      condition: 'maintenance',
      gatewayError: false,
    });
    expect(classifyMainPage(500, nginx, '').gatewayError).toBe(false);
  });
});

describe('helpers', () => {
  it('isKodeksServer, showsLoginForm, mergeStates', () => {
    expect(isKodeksServer({ server: 'WWW-Kodeks/6.4' })).toBe(true);
    expect(isKodeksServer({ server: 'nginx/1.24' })).toBe(false);
    expect(showsLoginForm('<form method="post" id="login" action="/docs/login">')).toBe(true);
    expect(showsLoginForm('<form id="search">')).toBe(false);
    expect(mergeStates({ ...noStates(), needs_service: 200 }, { ...noStates(), key_not_found: 200 })).toEqual(
      {
        ...noStates(),
        needs_service: 200,
        key_not_found: 200,
      },
    );
  });
});
