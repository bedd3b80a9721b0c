import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/tenancy/scope.js';
import { createUser } from '../../src/tenancy/users.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, Client, loginAs, startTestServer, type Res, type TestServer } from './harness.js';

type Obj = Record<string, unknown> & { id: number };
const ids = (r: Res) => body<Obj[]>(r).map((x) => x.id);
const message = (r: Res) => body<{ message: string }>(r).message;

describe.each(DB_KINDS)('HTTP CRUD API (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let admin: Client;
  let head1: Client;
  let root: Client;
  beforeAll(async () => {
    s = await startTestServer(kind);
    a = await buildDealerWorld(s.t.ctx, 'deala');
    await buildDealerWorld(s.t.ctx, 'dealb');
    await createUser(s.t.ctx, cliActor('test'), {
      dealerId: null,
      login: 'root',
      password: TEST_PASSWORD,
      role: 'operator',
    });
    admin = await loginAs(s.url, 'admin.deala', TEST_PASSWORD);
    head1 = await loginAs(s.url, 'head1.deala', TEST_PASSWORD);
    root = await loginAs(s.url, 'root', TEST_PASSWORD);
  });
  afterAll(() => s.close());

  /** create → read → list → update → delete → gone, for one resource. */
  async function lifecycle(c: Client, path: string, create: object, patch: object, expectPatched: object) {
    const made = await c.post(path, create);
    expect(made.status, made.text).toBe(201);
    const obj = body<Obj>(made);
    const one = await c.get(`${path}/${obj.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toEqual(obj);
    expect(ids(await c.get(path))).toContain(obj.id);
    const changed = await c.patch(`${path}/${obj.id}`, patch);
    expect(changed.status, changed.text).toBe(200);
    expect(changed.json).toMatchObject(expectPatched);
    expect((await c.get(`${path}/${obj.id}`)).json).toMatchObject(expectPatched);
    const gone = await c.del(`${path}/${obj.id}`);
    expect(gone.status).toBe(204);
    expect(gone.text).toBe('');
    const after = await c.get(`${path}/${obj.id}`);
    expect(after.status).toBe(404);
    expect(body<{ error: string }>(after).error).toBe('not_found');
    return obj;
  }

  it('dealers: the operator creates one, its upload token is shown once and can be rotated', async () => {
    const r = await root.post('/api/dealers', { code: 'newdealer', name: 'New Dealer' });
    expect(r.status).toBe(201);
    const { dealer, uploadToken } = body<{ dealer: Obj; uploadToken: string }>(r);
    expect(uploadToken).toMatch(/^smu_/);
    expect(dealer).toMatchObject({ code: 'newdealer', name: 'New Dealer' });
    expect(body<Obj>(await root.get(`/api/dealers/${dealer.id}`)).code).toBe('newdealer');
    expect(ids(await root.get('/api/dealers'))).toContain(dealer.id);
    expect(ids(await admin.get('/api/dealers'))).toEqual([a.dealer.id]);

    const t = await root.post(`/api/dealers/${dealer.id}/upload-tokens`, { label: 'rotation' });
    expect(t.status).toBe(201);
    const { token, info } = body<{ token: string; info: Obj }>(t);
    expect(token).toMatch(/^smu_/);
    const list = await root.get(`/api/dealers/${dealer.id}/upload-tokens`);
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain(uploadToken);
    expect(body<Obj[]>(list).map((x) => x.label)).toEqual(['initial', 'rotation']);
    expect((await root.del(`/api/upload-tokens/${info.id}`)).status).toBe(204);
    const revoked = body<Obj[]>(await root.get(`/api/dealers/${dealer.id}/upload-tokens`)).find(
      (x) => x.id === info.id,
    );
    expect(revoked?.revokedAt).toEqual(expect.any(Number));
    // Without a body the label defaults.
    const bare = await admin.req('POST', `/api/dealers/${a.dealer.id}/upload-tokens`);
    expect(bare.status, bare.text).toBe(201);
  });

  it('dealers: only the operator creates dealers; only dealer-wide roles see upload tokens', async () => {
    const r = await admin.post('/api/dealers', { code: 'sneaky', name: 'Sneaky' });
    expect(r.status).toBe(403);
    expect(body<{ error: string }>(r).error).toBe('forbidden');
    expect((await head1.get(`/api/dealers/${a.dealer.id}/upload-tokens`)).status).toBe(403);
    const bad = await root.post('/api/dealers', { code: 'Bad Code', name: '' });
    expect(bad.status).toBe(400);
    expect(message(bad)).toContain('body.code');
    expect(message(bad)).toContain('body.name');
  });

  it("units: create (dealer defaults to the caller's), rename, delete", async () => {
    const parent = await admin.post('/api/units', { name: 'Branch 3' });
    expect(parent.status).toBe(201);
    const p = body<Obj>(parent);
    expect(p).toMatchObject({ dealerId: a.dealer.id, parentId: null, name: 'Branch 3' });
    await lifecycle(
      admin,
      '/api/units',
      { name: 'Sales', parentId: p.id },
      { name: 'Support' },
      { name: 'Support' },
    );
    expect((await admin.del(`/api/units/${p.id}`)).status).toBe(204);
    const bad = await admin.post('/api/units', { name: 'a/b' });
    expect(bad.status).toBe(400);
    expect(message(bad)).toMatch(/body\.name: must not contain "\/"/);
    const notEmpty = await admin.del(`/api/units/${a.branch2.id}`);
    expect(notEmpty.status).toBe(409);
  });

  it('users: create, change, delete; the password never comes back', async () => {
    const u = await lifecycle(
      admin,
      '/api/users',
      { login: 'new.viewer', password: 'a long password', role: 'viewer', unitId: a.branch2.id },
      { displayName: 'New Viewer' },
      { displayName: 'New Viewer', role: 'viewer', unitId: a.branch2.id, dealerId: a.dealer.id },
    );
    expect(JSON.stringify(u)).not.toMatch(/password|hash/i);
    const weak = await admin.post('/api/users', { login: 'weak', password: 'short', role: 'god' });
    expect(weak.status).toBe(400);
    expect(message(weak)).toContain('body.password: must be at least 8 characters');
    expect(message(weak)).toContain('body.role');
    // A head cannot grant a role above their own.
    const up = await head1.post('/api/users', {
      login: 'boss',
      password: 'a long password',
      role: 'dealer-admin',
    });
    expect(up.status).toBe(403);
    const dup = await admin.post('/api/users', {
      login: 'head1.deala',
      password: 'a long password',
      role: 'viewer',
    });
    expect(dup.status).toBe(409);
  });

  it('managers: create, change, delete; e-mails are validated per item', async () => {
    await lifecycle(
      admin,
      '/api/managers',
      { name: 'Sidorov', emails: ['Sidorov@Example.ru'], unitId: a.branch2.id },
      { telegramChatId: '-100123' },
      { name: 'Sidorov', emails: ['sidorov@example.ru'], telegramChatId: '-100123' },
    );
    const bad = await admin.post('/api/managers', { name: 'X', emails: ['ok@example.ru', 'not-an-email'] });
    expect(bad.status).toBe(400);
    expect(message(bad)).toContain('body.emails.1');
  });

  it('clients: create, filter, change, delete; duplicates and unknown fields are refused', async () => {
    const made = await admin.post('/api/clients', { shortName: 'deltaco', managerIds: [a.m2.id] });
    expect(made.status).toBe(201);
    const c = body<Obj>(made);
    expect(ids(await admin.get(`/api/clients?managerId=${a.m2.id}`))).toEqual(
      [a.c2.id, c.id].sort((x, y) => x - y),
    );
    expect(ids(await admin.get('/api/clients?shortName=deltaco'))).toEqual([c.id]);
    expect((await admin.del(`/api/clients/${c.id}`)).status).toBe(204);
    await lifecycle(
      admin,
      '/api/clients',
      { shortName: 'epsilon', legalName: 'ООО Эпсилон' },
      { legalName: 'АО Эпсилон', managerIds: [a.m1.id] },
      { legalName: 'АО Эпсилон', managerIds: [a.m1.id] },
    );
    const dup = await admin.post('/api/clients', { shortName: 'alphadeala' });
    expect(dup.status).toBe(409);
    expect(body<{ error: string }>(dup).error).toBe('conflict');
    const typo = await admin.post('/api/clients', { shortname: 'x' });
    expect(typo.status).toBe(400);
    expect(message(typo)).toContain('body.shortName');
    expect(message(typo)).toContain('shortname');
  });

  it('clients: a head creating without a unit puts the client in their own unit', async () => {
    const r = await head1.post('/api/clients', { shortName: 'headsclient' });
    expect(r.status).toBe(201);
    expect(body<Obj>(r).unitId).toBe(a.branch1.id);
  });

  it('installations: create, filter, change, delete; a polled one needs an address', async () => {
    const i = await lifecycle(
      admin,
      '/api/installations',
      {
        clientId: a.c3.id,
        kind: 'polled',
        address: 'Kodeks.Example.ru',
        protocol: 'https',
        smartloginUser: 'smartlogin',
        smartloginPassword: 'install-pw-42',
      },
      { collectIntervalS: 600, probeEnabled: false },
      { collectIntervalS: 600, probeEnabled: false, address: 'kodeks.example.ru', port: 443 },
    );
    expect(i).toMatchObject({ smartloginPasswordSet: true, sourceKey: 'kodeks.example.ru:443' });
    expect(ids(await admin.get('/api/installations?kind=polled'))).toEqual([a.i2.id]);
    expect(ids(await admin.get(`/api/installations?clientId=${a.c1.id}`))).toEqual([a.i1.id]);
    const bad = await admin.post('/api/installations', { clientId: a.c3.id, kind: 'polled', port: 70000 });
    expect(bad.status).toBe(400);
    expect(message(bad)).toContain('body.address: a polled installation needs an address');
    expect(message(bad)).toContain('body.port');
    const kindBad = await admin.get('/api/installations?kind=remote');
    expect(kindBad.status).toBe(400);
    expect(message(kindBad)).toContain('querystring.kind');
  });

  it('online accesses: create, change, delete', async () => {
    const o = await lifecycle(
      admin,
      '/api/online-accesses',
      {
        clientId: a.c3.id,
        login: 'gammauser',
        password: 'online-pw-77',
        host: 'nps2.cntd.ru',
        folder: 'kodeks05',
      },
      { folder: 'kodeks06', password: 'online-pw-78' },
      { folder: 'kodeks06', passwordSet: true, protocol: 'https' },
    );
    expect(o.passwordSet).toBe(true);
    const bad = await admin.post('/api/online-accesses', {
      clientId: a.c3.id,
      login: 'x',
      password: 'y',
      host: 'nps2.cntd.ru',
      folder: 'a/b',
    });
    expect(bad.status).toBe(400);
    expect(message(bad)).toContain('body.folder');
  });

  it('a patch changes only the fields it names (no defaults wipe lists or reset settings)', async () => {
    const m = body<Obj>(await admin.post('/api/managers', { name: 'Kuznetsov', emails: ['k@example.ru'] }));
    expect((await admin.patch(`/api/managers/${m.id}`, { name: 'Kuznetsova' })).json).toMatchObject({
      name: 'Kuznetsova',
      emails: ['k@example.ru'],
    });
    const c = body<Obj>(await admin.post('/api/clients', { shortName: 'zeta', managerIds: [m.id] }));
    expect((await admin.patch(`/api/clients/${c.id}`, { legalName: 'ООО Зета' })).json).toMatchObject({
      legalName: 'ООО Зета',
      managerIds: [m.id],
    });
    const o = body<Obj>(
      await admin.post('/api/online-accesses', {
        clientId: c.id,
        login: 'zetauser',
        password: 'zeta-pw',
        host: 'nps2.cntd.ru',
        folder: 'kodeks09',
        protocol: 'http',
        managers: [{ managerId: m.id, email: 'k@example.ru' }],
      }),
    );
    expect((await admin.patch(`/api/online-accesses/${o.id}`, { folder: 'kodeks10' })).json).toMatchObject({
      folder: 'kodeks10',
      protocol: 'http',
      managers: [{ managerId: m.id, email: 'k@example.ru' }],
    });
  });

  it('validates ids in paths and query strings', async () => {
    const p = await admin.get('/api/clients/abc');
    expect(p.status).toBe(400);
    expect(message(p)).toContain('params.id: must be a positive integer id');
    const q = await admin.get('/api/clients?dealerId=-1');
    expect(q.status).toBe(400);
    expect(message(q)).toContain('querystring.dealerId');
  });

  it('refuses bad JSON, JSON over 1 MB, other content types, and unknown routes', async () => {
    const broken = await admin.req('POST', '/api/clients', {
      raw: '{"shortName":',
      type: 'application/json',
    });
    expect(broken.status).toBe(400);
    const big = await admin.post('/api/clients', {
      shortName: 'big',
      legalName: 'x'.repeat(1024 * 1024 + 10),
    });
    expect(big.status).toBe(413);
    expect(message(big)).toContain('1 MiB');
    const csv = await admin.req('POST', '/api/clients', { raw: 'a,b', type: 'text/csv' });
    expect(csv.status).toBe(415);
    const nowhere = await admin.get('/api/nowhere');
    expect(nowhere.status).toBe(404);
    expect(body<{ error: string }>(nowhere).error).toBe('not_found');
  });

  it('describes every route in the OpenAPI document, with tags and a summary', async () => {
    const ui = await new Client(s.url).get('/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('<html');
    const doc = body<{
      openapi: string;
      paths: Record<string, Record<string, { tags?: string[]; summary?: string }>>;
    }>(await new Client(s.url).get('/api/docs/json'));
    expect(doc.openapi).toMatch(/^3\./);
    const ops = Object.entries(doc.paths).flatMap(([p, m]) =>
      Object.entries(m).map(([v, op]) => ({ p, v, op })),
    );
    expect(ops.length).toBeGreaterThanOrEqual(38);
    for (const { p, v, op } of ops) {
      expect(op.tags?.length, `${v} ${p} tags`).toBeGreaterThan(0);
      expect(op.summary, `${v} ${p} summary`).toBeTruthy();
    }
    for (const p of [
      '/api/clients/{id}',
      '/api/import/managers',
      '/api/export/online',
      '/healthz',
      '/api/login',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });
});
