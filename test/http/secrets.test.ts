import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/tenancy/scope.js';
import { createUser } from '../../src/tenancy/users.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type TestServer } from './harness.js';

/** Plaintexts that must never appear in an API answer (only in an explicit export with secrets). */
const SECRETS = [
  'online-secret-1',
  'online-secret-2',
  'sm-secret-pw',
  TEST_PASSWORD,
  'new-online-pw',
  'new-sm-pw',
];
/** Traces of stored secrets: password hashes and encrypted values. */
const TRACES = [/scrypt\$/, /v1:[A-Za-z0-9+/=]+:/, /password_?(hash|enc)/i, /"password"\s*:/];

describe.each(DB_KINDS)('HTTP answers carry no secrets (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let callers: Client[];
  beforeAll(async () => {
    s = await startTestServer(kind);
    a = await buildDealerWorld(s.t.ctx, 'deala');
    await createUser(s.t.ctx, cliActor('test'), {
      dealerId: null,
      login: 'root',
      password: TEST_PASSWORD,
      role: 'operator',
    });
    callers = [
      await loginAs(s.url, 'root', TEST_PASSWORD),
      await loginAs(s.url, 'admin.deala', TEST_PASSWORD),
      await loginAs(s.url, 'manager1.deala', TEST_PASSWORD),
    ];
  });
  afterAll(() => s.close());

  function expectClean(text: string, what: string) {
    for (const secret of SECRETS) expect(text, `${what} contains ${secret}`).not.toContain(secret);
    for (const trace of TRACES) expect(text, `${what} matches ${trace}`).not.toMatch(trace);
  }

  it('writes that carry passwords do not echo them', async () => {
    const admin = callers[1]!;
    const answers = [
      await admin.patch(`/api/online-accesses/${a.o1.id}`, { password: 'new-online-pw' }),
      await admin.patch(`/api/installations/${a.i2.id}`, { smartloginPassword: 'new-sm-pw' }),
      await admin.post('/api/online-accesses', {
        clientId: a.c3.id,
        login: 'gamma1',
        password: 'new-online-pw',
        host: 'nps2.cntd.ru',
        folder: 'kodeks07',
      }),
      await admin.post('/api/users', { login: 'fresh.user', password: TEST_PASSWORD, role: 'viewer' }),
      await admin.patch(`/api/users/${a.users.viewer2.id}`, { password: TEST_PASSWORD }),
    ];
    for (const r of answers) {
      expect(r.status, r.text).toBeLessThan(300);
      expectClean(r.text, 'write answer');
    }
    expect(body<{ passwordSet: boolean }>(answers[0]!).passwordSet).toBe(true);
    expect(body<{ smartloginPasswordSet: boolean }>(answers[1]!).smartloginPasswordSet).toBe(true);
  });

  it('no list, object, profile or export answer contains a password or a trace of one', async () => {
    const paths = [
      '/api/me',
      '/api/dealers',
      `/api/dealers/${a.dealer.id}`,
      `/api/dealers/${a.dealer.id}/upload-tokens`,
      '/api/units',
      '/api/users',
      '/api/managers',
      '/api/clients',
      '/api/installations',
      '/api/online-accesses',
      '/api/api-tokens',
      `/api/installations/${a.i2.id}`,
      `/api/online-accesses/${a.o1.id}`,
      `/api/online-accesses/${a.o2.id}`,
      `/api/users/${a.users.admin.id}`,
      '/api/export/online?dealer=deala',
      '/api/export/managers?dealer=deala',
    ];
    let checked = 0;
    for (const c of callers) {
      for (const p of paths) {
        const r = await c.get(p);
        if (r.status === 200) checked++;
        expectClean(r.text, `GET ${p}`);
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('the stored rows hold no plaintext either', async () => {
    const rows = JSON.stringify([
      await s.t.ctx.db.selectFrom('online_accesses').selectAll().execute(),
      await s.t.ctx.db.selectFrom('installations').selectAll().execute(),
      await s.t.ctx.db.selectFrom('users').selectAll().execute(),
    ]);
    for (const secret of SECRETS) expect(rows).not.toContain(secret);
  });
});
