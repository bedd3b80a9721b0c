import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listClients } from '../../src/inventory/clients.js';
import { listInstallations } from '../../src/inventory/installations.js';
import { listOnlineAccesses } from '../../src/inventory/online.js';
import { listUploadTokens } from '../../src/tenancy/dealers.js';
import { listManagers } from '../../src/tenancy/managers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { listUnits } from '../../src/tenancy/units.js';
import { createApiToken, listUsers } from '../../src/tenancy/users.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type Res, type TestServer } from './harness.js';

/**
 * The acceptance check of tenant isolation, over HTTP: a user of dealer A (admin), of branch A1 (head),
 * of its department, a manager and a viewer get 404 (not 403, not data) for every object outside their
 * scope, through every endpoint; lists never include such rows; and roles that may only look get 403
 * when they try to change what they can see.
 */

type Resource = 'units' | 'users' | 'managers' | 'clients' | 'installations' | 'online-accesses';
const RESOURCES: Resource[] = ['units', 'users', 'managers', 'clients', 'installations', 'online-accesses'];
type ActorName = 'admin' | 'head1' | 'headDept' | 'manager1' | 'viewer2';
const ACTORS: ActorName[] = ['admin', 'head1', 'headDept', 'manager1', 'viewer2'];

/** A valid patch per resource, so that validation (400) never hides the scope check. */
const PATCH: Record<Resource, object> = {
  units: { name: 'Hijacked' },
  users: { displayName: 'Hijacked' },
  managers: { name: 'Hijacked' },
  clients: { legalName: 'Hijacked' },
  installations: { collectIntervalS: 600 },
  'online-accesses': { folder: 'hijacked' },
};

interface Obj {
  id: number;
  /** Strings that identify the object; none may appear in an answer about it. */
  marks: string[];
}

function objectsOf(w: DealerWorld): Record<Resource, Obj[]> {
  const u = w.users;
  return {
    units: [w.branch1, w.branch1dept, w.branch2].map((x) => ({
      id: x.id,
      marks: [`"name":"${x.name}"`, x.path],
    })),
    users: [u.admin, u.head1, u.headDept, u.manager1, u.viewer2].map((x) => ({ id: x.id, marks: [x.login] })),
    managers: [w.m1, w.m2].map((x) => ({ id: x.id, marks: [x.name, ...x.emails] })),
    clients: [w.c1, w.c2, w.c3].map((x) => ({ id: x.id, marks: [x.shortName] })),
    installations: [w.i1, w.i2, w.i3].map((x) => ({ id: x.id, marks: [x.sourceKey] })),
    'online-accesses': [w.o1, w.o2].map((x) => ({ id: x.id, marks: [x.login, `"folder":"${x.folder}"`] })),
  };
}

/** What each actor of dealer A may see, by resource (everything of dealer B is outside every scope). */
function visibleTo(a: DealerWorld): Record<ActorName, Record<Resource, number[]>> {
  const u = a.users;
  const all = (xs: { id: number }[]) => xs.map((x) => x.id);
  return {
    admin: {
      units: all([a.branch1, a.branch1dept, a.branch2]),
      users: all(Object.values(u)),
      managers: all([a.m1, a.m2]),
      clients: all([a.c1, a.c2, a.c3]),
      installations: all([a.i1, a.i2, a.i3]),
      'online-accesses': all([a.o1, a.o2]),
    },
    head1: {
      units: all([a.branch1, a.branch1dept]),
      users: all([u.head1, u.headDept, u.manager1]),
      managers: [a.m1.id],
      clients: [a.c1.id],
      installations: [a.i1.id],
      'online-accesses': [a.o1.id],
    },
    headDept: {
      units: [a.branch1dept.id],
      users: all([u.headDept, u.manager1]),
      managers: [a.m1.id],
      clients: [a.c1.id],
      installations: [a.i1.id],
      'online-accesses': [a.o1.id],
    },
    manager1: {
      units: [a.branch1dept.id],
      users: [u.manager1.id],
      managers: [a.m1.id],
      clients: [a.c1.id],
      installations: [a.i1.id],
      'online-accesses': [a.o1.id],
    },
    viewer2: {
      units: [a.branch2.id],
      users: [u.viewer2.id],
      managers: [a.m2.id],
      clients: [a.c2.id],
      installations: [a.i2.id],
      'online-accesses': [a.o2.id],
    },
  };
}

function expectHidden(r: Res, what: string, marks: string[]): void {
  expect(r.status, `${what}: ${r.text}`).toBe(404);
  expect(body<{ error: string }>(r).error, what).toBe('not_found');
  for (const m of marks) expect(r.text, `${what} leaks ${m}`).not.toContain(m);
}

describe.each(DB_KINDS)('HTTP tenant isolation (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let clients: Record<ActorName, Client>;
  let bTokenId: number;
  let bApiTokenId: number;
  /** Everything in the database as the operator sees it, to prove that no attempt changed anything. */
  const snapshot = async () => {
    const op = cliActor('test');
    return JSON.stringify([
      await listClients(s.t.ctx, op),
      await listInstallations(s.t.ctx, op),
      await listOnlineAccesses(s.t.ctx, op),
      await listManagers(s.t.ctx, op),
      await listUnits(s.t.ctx, op),
      await listUsers(s.t.ctx, op),
      await listUploadTokens(s.t.ctx, op, a.dealer.id),
      await listUploadTokens(s.t.ctx, op, b.dealer.id),
    ]);
  };
  let before: string;

  beforeAll(async () => {
    s = await startTestServer(kind);
    a = await buildDealerWorld(s.t.ctx, 'deala');
    b = await buildDealerWorld(s.t.ctx, 'dealb');
    bTokenId = (await listUploadTokens(s.t.ctx, cliActor('test'), b.dealer.id))[0]!.id;
    bApiTokenId = (await createApiToken(s.t.ctx, b.actors.admin, 'b-admin')).info.id;
    clients = {} as Record<ActorName, Client>;
    for (const name of ACTORS) clients[name] = await loginAs(s.url, a.users[name].login, TEST_PASSWORD);
    before = await snapshot();
  });
  afterAll(() => s.close());

  describe.each(ACTORS)('as %s of dealer A', (actor) => {
    it.each(RESOURCES)('lists of %s hold exactly the rows in scope', async (res) => {
      const expected = visibleTo(a)[actor][res];
      for (const url of [`/api/${res}`, `/api/${res}?dealerId=${b.dealer.id}`]) {
        const r = await clients[actor].get(url);
        expect(r.status).toBe(200);
        const got = body<{ id: number }[]>(r).map((x) => x.id);
        expect(
          got.sort((x, y) => x - y),
          url,
        ).toEqual(url.includes('?') ? [] : [...expected].sort((x, y) => x - y));
        expect(r.text).not.toContain('dealb');
      }
    });

    it.each(RESOURCES)(
      'GET, PATCH and DELETE of %s outside the scope answer 404 without data',
      async (res) => {
        const visible = new Set(visibleTo(a)[actor][res]);
        const outside = [...objectsOf(a)[res], ...objectsOf(b)[res]].filter((o) => !visible.has(o.id));
        expect(outside.length).toBeGreaterThan(0);
        for (const o of outside) {
          const c = clients[actor];
          expectHidden(await c.get(`/api/${res}/${o.id}`), `GET ${res}/${o.id}`, o.marks);
          expectHidden(await c.patch(`/api/${res}/${o.id}`, PATCH[res]), `PATCH ${res}/${o.id}`, o.marks);
          expectHidden(await c.del(`/api/${res}/${o.id}`), `DELETE ${res}/${o.id}`, o.marks);
        }
      },
    );

    it("dealer B, its upload tokens and its users' API tokens are not found", async () => {
      const c = clients[actor];
      const marks = ['dealb', 'Dealer dealb'];
      expect(body<{ id: number }[]>(await c.get('/api/dealers')).map((d) => d.id)).toEqual([a.dealer.id]);
      expectHidden(await c.get(`/api/dealers/${b.dealer.id}`), 'GET dealer', marks);
      expectHidden(await c.get(`/api/dealers/${b.dealer.id}/upload-tokens`), 'GET upload tokens', marks);
      expectHidden(
        await c.post(`/api/dealers/${b.dealer.id}/upload-tokens`, { label: 'x' }),
        'POST token',
        marks,
      );
      expectHidden(await c.del(`/api/upload-tokens/${bTokenId}`), 'DELETE upload token', marks);
      expectHidden(await c.del(`/api/api-tokens/${bApiTokenId}`), 'DELETE API token', marks);
      expect((await c.get('/api/api-tokens')).text).not.toContain('b-admin');
    });

    it('POST that points at a parent outside the scope answers 404', async () => {
      const c = clients[actor];
      const vis = visibleTo(a)[actor];
      // Parents of dealer A that this actor cannot see, plus dealer B's.
      const outUnit = [a.branch2, a.branch1, b.branch1].find((u) => !vis.units.includes(u.id))!;
      const outClient = [a.c2, a.c3, b.c1].find((x) => !vis.clients.includes(x.id))!;
      const outManager = [a.m2, b.m1].find((m) => !vis.managers.includes(m.id))!;
      const inClient = vis.clients[0]!;
      const posts: [string, object][] = [
        ['/api/units', { dealerId: b.dealer.id, name: 'X' }],
        ['/api/units', { dealerId: a.dealer.id, parentId: outUnit.id, name: 'X' }],
        ['/api/managers', { dealerId: b.dealer.id, name: 'X' }],
        ['/api/managers', { dealerId: a.dealer.id, unitId: outUnit.id, name: 'X' }],
        ['/api/clients', { dealerId: b.dealer.id, shortName: 'x' }],
        ['/api/clients', { dealerId: a.dealer.id, unitId: outUnit.id, shortName: 'x' }],
        ['/api/clients', { dealerId: a.dealer.id, shortName: 'x', managerIds: [outManager.id] }],
        ['/api/installations', { clientId: outClient.id, kind: 'closed', sourceName: 'x' }],
        ['/api/installations', { clientId: b.c1.id, kind: 'agent', sourceName: 'x' }],
        [
          '/api/installations',
          {
            clientId: inClient,
            kind: 'closed',
            sourceName: 'x',
            managers: [{ managerId: outManager.id, email: 'x@y.ru' }],
          },
        ],
        [
          '/api/online-accesses',
          { clientId: outClient.id, login: 'x', password: 'y', host: 'h.ru', folder: 'f' },
        ],
        ['/api/online-accesses', { clientId: b.c2.id, login: 'x', password: 'y', host: 'h.ru', folder: 'f' }],
        [
          '/api/users',
          { dealerId: b.dealer.id, login: 'intruder', password: 'a long password', role: 'viewer' },
        ],
        [
          '/api/users',
          {
            dealerId: a.dealer.id,
            unitId: outUnit.id,
            login: 'intruder',
            password: 'a long password',
            role: 'viewer',
          },
        ],
        [
          '/api/users',
          { login: 'intruder', password: 'a long password', role: 'manager', managerId: outManager.id },
        ],
      ];
      for (const [url, payload] of posts) {
        expectHidden(await c.post(url, payload), `POST ${url} ${JSON.stringify(payload)}`, []);
      }
      // Moving an in-scope object under an out-of-scope parent is refused the same way.
      expectHidden(
        await c.patch(`/api/clients/${inClient}`, { unitId: outUnit.id }),
        'PATCH client unit',
        [],
      );
      expectHidden(
        await c.patch(`/api/online-accesses/${vis['online-accesses'][0]}`, { clientId: outClient.id }),
        'PATCH online client',
        [],
      );
    });

    it('import and export into dealer B answer 404', async () => {
      const c = clients[actor];
      for (const url of [
        `/api/import/managers?dealer=dealb`,
        `/api/import/online?dealer=${b.dealer.id}`,
        `/api/import/managers?dealer=deala&unit=${b.branch1.id}`,
      ]) {
        const r = await c.req('POST', url, { raw: 'whatever', type: 'text/csv' });
        expectHidden(r, `POST ${url}`, ['Dealer dealb']);
      }
      for (const url of ['/api/export/managers?dealer=dealb', `/api/export/online?dealer=${b.dealer.id}`]) {
        expectHidden(await c.get(url), `GET ${url}`, ['dealb-beta', 'user1dealb']);
      }
    });
  });

  it('roles that may only look get 403 when they change what they can see', async () => {
    for (const actor of ['manager1', 'viewer2'] as const) {
      const c = clients[actor];
      const vis = visibleTo(a)[actor];
      for (const res of RESOURCES) {
        const own = res === 'users' ? undefined : vis[res][0];
        if (own === undefined) continue;
        for (const r of [
          await c.patch(`/api/${res}/${own}`, PATCH[res]),
          await c.del(`/api/${res}/${own}`),
        ]) {
          expect(r.status, `${actor} ${res}/${own}: ${r.text}`).toBe(403);
          expect(body<{ error: string }>(r).error).toBe('forbidden');
        }
      }
      const client = vis.clients[0]!;
      const forbidden: [string, object][] = [
        ['/api/clients', { shortName: 'mine' }],
        ['/api/installations', { clientId: client, kind: 'closed', sourceName: 'mine' }],
        ['/api/online-accesses', { clientId: client, login: 'x', password: 'y', host: 'h.ru', folder: 'f' }],
        ['/api/managers', { name: 'Mine' }],
        ['/api/users', { login: 'mine', password: 'a long password', role: 'viewer' }],
      ];
      for (const [url, payload] of forbidden)
        expect((await c.post(url, payload)).status, `${actor} POST ${url}`).toBe(403);
      const imp = await c.req('POST', '/api/import/online?dryRun=1', { raw: 'x', type: 'text/csv' });
      expect(imp.status, `${actor} import`).toBe(403);
    }
    // A head sees their dealer's upload tokens as existing but may not manage them.
    expect(
      (
        await clients.head1.del(
          `/api/upload-tokens/${(await listUploadTokens(s.t.ctx, cliActor('t'), a.dealer.id))[0]!.id}`,
        )
      ).status,
    ).toBe(403);
    expect((await clients.head1.get('/api/export/online?withSecrets=1')).status).toBe(403);
  });

  it('nothing outside the scopes was changed by any of the attempts', async () => {
    expect(await snapshot()).toBe(before);
  });
});
