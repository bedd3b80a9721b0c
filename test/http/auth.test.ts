import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/tenancy/scope.js';
import { createUser } from '../../src/tenancy/users.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, Client, loginAs, startTestServer, type TestServer } from './harness.js';

interface Me {
  user: { id: number; login: string };
  role: string;
  scope: {
    kind: string;
    dealerId: number | null;
    unit: { id: number; name: string } | null;
    managerId: number | null;
  };
  dealer: { code: string } | null;
  via: string;
}

describe.each(DB_KINDS)('HTTP auth (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let anon: Client;
  beforeAll(async () => {
    s = await startTestServer(kind);
    a = await buildDealerWorld(s.t.ctx, 'deala');
    b = await buildDealerWorld(s.t.ctx, 'dealb');
    await createUser(s.t.ctx, cliActor('test'), {
      dealerId: null,
      login: 'root',
      password: TEST_PASSWORD,
      role: 'operator',
    });
    anon = new Client(s.url);
  });
  afterAll(() => s.close());

  it('logs in, sets a safe session cookie and tells who the user is', async () => {
    const r = await anon.post('/api/login', { login: 'HEAD1.deala', password: TEST_PASSWORD });
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^smart_session=sms_[\w-]+;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain(`Max-Age=${7 * 24 * 3600}`);
    expect(cookie).not.toContain('Secure');
    expect(body<Me>(r).user.login).toBe('head1.deala');

    const c = new Client(s.url, { cookie: cookie.split(';')[0] as string });
    const me = await c.get('/api/me');
    expect(me.status).toBe(200);
    const m = body<Me>(me);
    expect(m.role).toBe('head');
    expect(m.scope).toMatchObject({ kind: 'unit', dealerId: a.dealer.id, managerId: null });
    expect(m.scope.unit).toMatchObject({ id: a.branch1.id, name: 'Branch 1' });
    expect(m.dealer?.code).toBe('deala');
    expect(m.via).toBe('session');
    expect(me.text).not.toMatch(/password|hash/i);
  });

  it('describes the scope of a manager and of the operator', async () => {
    const mgr = body<Me>(await (await loginAs(s.url, 'manager1.deala', TEST_PASSWORD)).get('/api/me'));
    expect(mgr.scope).toMatchObject({ kind: 'manager', managerId: a.m1.id, unit: null });
    const root = body<Me>(await (await loginAs(s.url, 'root', TEST_PASSWORD)).get('/api/me'));
    expect(root).toMatchObject({ role: 'operator', dealer: null, scope: { kind: 'all', dealerId: null } });
  });

  it('records the login in the audit log', async () => {
    await loginAs(s.url, 'admin.dealb', TEST_PASSWORD);
    const rows = await s.t.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'login')
      .where('entity_id', '=', String(b.users.admin.id))
      .execute();
    expect(rows.length).toBe(1);
    expect(rows[0]).toMatchObject({ actor: 'admin.dealb', entity: 'user', dealer_id: b.dealer.id });
  });

  it('answers 401 with the same message for a wrong password and an unknown login', async () => {
    const wrong = await anon.post('/api/login', { login: 'admin.deala', password: 'not the password' });
    const unknown = await anon.post('/api/login', { login: 'nobody.deala', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json).toEqual({ error: 'unauthorized', message: 'wrong login or password' });
    expect(unknown.json).toEqual(wrong.json);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('rejects a login body without a password, naming the field', async () => {
    const r = await anon.post('/api/login', { login: 'admin.deala' });
    expect(r.status).toBe(400);
    expect(body<{ message: string }>(r).message).toContain('body.password');
  });

  it('answers 401 without a cookie, with a forged cookie, and after logout', async () => {
    expect((await anon.get('/api/me')).status).toBe(401);
    expect((await new Client(s.url, { cookie: 'smart_session=sms_forged' }).get('/api/me')).status).toBe(401);
    const c = await loginAs(s.url, 'admin.deala', TEST_PASSWORD);
    expect((await c.get('/api/me')).status).toBe(200);
    const out = await c.post('/api/logout');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/smart_session=;/);
    expect((await c.get('/api/me')).status).toBe(401);
    expect((await c.get('/api/clients')).status).toBe(401);
  });

  it('ends a session when it expires', async () => {
    const c = await loginAs(s.url, 'headdept.deala', TEST_PASSWORD);
    expect((await c.get('/api/me')).status).toBe(200);
    s.t.clock.advance(s.runtime.config.sessionTtlMs + 1);
    const r = await c.get('/api/me');
    expect(r.status).toBe(401);
    expect(body<{ message: string }>(r).message).toContain('expired');
  });

  it('requires authentication on every /api route except login', async () => {
    const doc = body<{ paths: Record<string, Record<string, unknown>> }>(await anon.get('/api/docs/json'));
    const checked: string[] = [];
    for (const [p, methods] of Object.entries(doc.paths)) {
      if (!p.startsWith('/api/') || p === '/api/login') continue;
      for (const method of Object.keys(methods)) {
        const url = p.replace(/\{id\}/g, String(a.c1.id));
        const r = await anon.req(
          method.toUpperCase(),
          url,
          method === 'get' || method === 'delete' ? {} : { body: {} },
        );
        expect(r.status, `${method} ${url}`).toBe(401);
        expect(body<{ error: string }>(r).error).toBe('unauthorized');
        checked.push(`${method} ${p}`);
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(35);
  });

  it('accepts a bearer API token and refuses it once revoked', async () => {
    const c = await loginAs(s.url, 'viewer2.deala', TEST_PASSWORD);
    const created = await c.post('/api/api-tokens', { label: 'ci' });
    expect(created.status).toBe(201);
    const { token, info } = body<{ token: string; info: { id: number; prefix: string } }>(created);
    expect(token).toMatch(/^smt_/);

    const list = await c.get('/api/api-tokens');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(token);
    expect(body<{ id: number; label: string }[]>(list)).toEqual([
      expect.objectContaining({ id: info.id, label: 'ci' }),
    ]);

    const bearer = new Client(s.url, { token });
    const me = await bearer.get('/api/me');
    expect(me.status).toBe(200);
    expect(body<Me>(me)).toMatchObject({ via: 'token', user: { login: 'viewer2.deala' } });
    expect(body<{ shortName: string }[]>(await bearer.get('/api/clients')).map((x) => x.shortName)).toEqual([
      'betadeala',
    ]);

    expect((await c.del(`/api/api-tokens/${info.id}`)).status).toBe(204);
    const after = await bearer.get('/api/me');
    expect(after.status).toBe(401);
    expect(body<{ message: string }>(after).message).toContain('revoked');
    expect((await new Client(s.url, { token: 'smt_made_up' }).get('/api/me')).status).toBe(401);
    const basic = await anon.req('GET', '/api/me', { headers: { authorization: 'Basic YTpi' } });
    expect(basic.status).toBe(401);
  });

  it('a disabled user can neither log in nor keep using a session', async () => {
    const admin = await loginAs(s.url, 'admin.dealb', TEST_PASSWORD);
    const victim = await loginAs(s.url, 'headdept.dealb', TEST_PASSWORD);
    const r = await admin.patch(`/api/users/${b.users.headDept.id}`, { disabled: true });
    expect(r.status).toBe(200);
    expect(body<{ disabled: boolean }>(r).disabled).toBe(true);
    expect((await victim.get('/api/me')).status).toBe(401);
    const again = await anon.post('/api/login', { login: 'headdept.dealb', password: TEST_PASSWORD });
    expect(again.status).toBe(401);
    expect(again.json).toEqual({ error: 'unauthorized', message: 'wrong login or password' });
  });

  it('limits failed logins per address and login', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await anon.post('/api/login', { login: 'viewer2.dealb', password: `wrong ${i}` })).status).toBe(
        401,
      );
    }
    const blocked = await anon.post('/api/login', { login: 'viewer2.dealb', password: TEST_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(body<{ error: string }>(blocked).error).toBe('too_many_requests');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another login from the same address is not affected.
    expect((await anon.post('/api/login', { login: 'manager1.dealb', password: TEST_PASSWORD })).status).toBe(
      200,
    );
    // The window slides: after 15 minutes the user may try again.
    s.t.clock.advance(15 * 60_000 + 1);
    expect((await anon.post('/api/login', { login: 'viewer2.dealb', password: TEST_PASSWORD })).status).toBe(
      200,
    );
  });
});

describe.each(DB_KINDS)('HTTP health and settings (%s)', (kind) => {
  it('answers /healthz with ok, and 503 once the database is gone', async () => {
    const s = await startTestServer(kind);
    try {
      const ok = await fetch(`${s.url}/healthz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: 'ok' });
      await s.t.close();
      const down = await fetch(`${s.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: 'unavailable' });
      // Any other failure is a 500 with a generic message: the cause stays in the log.
      const broken = await fetch(`${s.url}/api/me`, { headers: { authorization: 'Bearer smt_whatever' } });
      expect(broken.status).toBe(500);
      expect(await broken.json()).toEqual({
        error: 'internal',
        message: 'internal server error; the details are in the server log',
      });
    } finally {
      await s.server.close();
    }
  });

  it('marks the cookie Secure when SMART_COOKIE_SECURE is set, with the configured lifetime', async () => {
    const s = await startTestServer(kind, { SMART_COOKIE_SECURE: 'true', SMART_SESSION_TTL_HOURS: '2' });
    try {
      await createUser(s.t.ctx, cliActor('test'), {
        dealerId: null,
        login: 'root',
        password: TEST_PASSWORD,
        role: 'operator',
      });
      const r = await new Client(s.url).post('/api/login', { login: 'root', password: TEST_PASSWORD });
      expect(r.status).toBe(200);
      expect(r.headers.get('set-cookie')).toContain('Secure');
      expect(r.headers.get('set-cookie')).toContain('Max-Age=7200');
    } finally {
      await s.close();
    }
  });
});
