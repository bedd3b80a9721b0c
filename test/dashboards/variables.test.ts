import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VariablesOut, VariablesQuery } from '../../src/dashboards/contract.js';
import { dashboardVariables } from '../../src/dashboards/variables.js';
import { createOnlineAccess } from '../../src/inventory/online.js';
import { makeProfile } from '../../src/sim/kodeks/index.js';
import { cliActor, type Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';
import { ingestReport } from './ingest.js';

/**
 * The selector lists: within the caller's scope, chained (a unit narrows managers, clients and objects,
 * a manager narrows clients and objects, a client the objects, an installation the domains), never
 * narrowed by their own variable; the AD domains come from a real sysinfo of a simulated ПК.
 */

const op = cliActor('test');

describe.each(DB_KINDS)('dashboard variables (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let domains: string[];

  beforeAll(async () => {
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'va');
    b = await buildDealerWorld(ctx, 'vb');
    await createOnlineAccess(ctx, op, {
      clientId: a.c2.id,
      login: 'second',
      password: 'pw',
      host: 'lab4.kodeks.ru',
      folder: 'kodeks09',
    });
    const profile = makeProfile({ seed: 42, shortName: 'alphava', users: 30 });
    await ingestReport(
      ctx,
      { dealerId: a.dealer.id, installationId: a.i1.id, sourceName: 'alphava' },
      profile,
      'sysinfo',
    );
    domains = [...new Set(profile.users.map((u) => u.domain))].sort((x, y) => x.localeCompare(y));
    // Dealer B's installation has users in a domain of its own.
    await ctx.db
      .insertInto('installation_users')
      .values({
        installation_id: b.i1.id,
        login: 'spy',
        domain: 'SECRET-B',
        registered_at: null,
        last_activity_at: null,
        fullname: null,
        phone: null,
        email: null,
        position: null,
        department: null,
        blocked: 0,
        last_seen_in_report_at: ctx.clock.now(),
      })
      .execute();
  });
  afterAll(async () => {
    await s?.close();
  });

  const run = (actor: Actor, q: VariablesQuery = {}) =>
    dashboardVariables(s.t.ctx, actor, q, s.t.clock.now());
  const idsOf = (xs: { id: number }[]) => xs.map((x) => x.id).sort((p, q) => p - q);
  const sorted = (xs: number[]) => [...xs].sort((p, q) => p - q);

  it('a dealer admin: every list of their dealer, domains from sysinfo, DC servers of the accesses', async () => {
    const out = await run(a.actors.admin);
    expect(out.dealers).toEqual([{ id: a.dealer.id, code: 'va', name: 'Dealer va' }]);
    expect(idsOf(out.units)).toEqual(sorted([a.branch1.id, a.branch1dept.id, a.branch2.id]));
    expect(out.units.find((u) => u.id === a.branch1dept.id)).toEqual({
      id: a.branch1dept.id,
      name: 'Dept',
      parentId: a.branch1.id,
    });
    expect(out.managers).toEqual([
      { id: a.m1.id, name: 'Ivanov va', unitId: a.branch1dept.id },
      { id: a.m2.id, name: 'Petrov va', unitId: a.branch2.id },
    ]);
    expect(out.clients.map((c) => c.shortName)).toEqual(['alphava', 'betava', 'gammava']);
    expect(out.installations).toEqual([
      { id: a.i1.id, clientId: a.c1.id, host: 'alphava', kind: 'agent' },
      { id: a.i2.id, clientId: a.c2.id, host: 'va-beta.te-cloud.ru', kind: 'polled' },
      { id: a.i3.id, clientId: a.c3.id, host: 'gammava', kind: 'closed' },
    ]);
    expect(out.onlineAccesses.map((o) => [o.login, o.host, o.catalog])).toEqual([
      ['user1va', 'nps2.cntd.ru', 'kodeks01'],
      ['second', 'lab4.kodeks.ru', 'kodeks09'],
      ['user2va', 'nps2.cntd.ru', 'kodeks02'],
    ]);
    expect(domains.length).toBeGreaterThan(1);
    expect(out.domains).toEqual(domains);
    expect(out.dcServers).toEqual(['lab4.kodeks.ru', 'nps2.cntd.ru']);
  });

  it('the chain: unit → managers, clients, objects; manager → clients, objects; client → objects', async () => {
    const admin = a.actors.admin;
    const byUnit = await run(admin, { unitId: [a.branch1.id] });
    expect(idsOf(byUnit.units)).toHaveLength(3); // a list is never narrowed by its own variable
    expect(idsOf(byUnit.managers)).toEqual([a.m1.id]);
    expect(idsOf(byUnit.clients)).toEqual([a.c1.id]);
    expect(idsOf(byUnit.installations)).toEqual([a.i1.id]);
    expect(byUnit.onlineAccesses.map((o) => o.login)).toEqual(['user1va']);
    expect(byUnit.dcServers).toEqual(['nps2.cntd.ru']);
    const byManager = await run(admin, { managerId: [a.m2.id] });
    expect(idsOf(byManager.managers)).toEqual(sorted([a.m1.id, a.m2.id]));
    expect(idsOf(byManager.clients)).toEqual([a.c2.id]);
    expect(idsOf(byManager.installations)).toEqual([a.i2.id]);
    expect(byManager.onlineAccesses.map((o) => o.login)).toEqual(['second', 'user2va']);
    expect(byManager.domains).toEqual([]);
    const byClient = await run(admin, { clientId: [a.c3.id] });
    expect(idsOf(byClient.clients)).toHaveLength(3);
    expect(idsOf(byClient.installations)).toEqual([a.i3.id]);
    expect(byClient.onlineAccesses).toEqual([]);
    expect(byClient.dcServers).toEqual([]);
    // An installation narrows the domains only.
    const byInst = await run(admin, { installationId: [a.i2.id] });
    expect(byInst.domains).toEqual([]);
    expect(idsOf(byInst.installations)).toHaveLength(3);
    expect((await run(admin, { installationId: [a.i1.id] })).domains).toEqual(domains);
  });

  it('the operator sees every dealer and narrows by one', async () => {
    const all = await run(op);
    expect(all.dealers.map((d) => d.code)).toEqual(['va', 'vb'].map((c) => c).sort());
    expect(all.clients).toHaveLength(6);
    expect(all.domains).toContain('SECRET-B');
    const onlyB = await run(op, { dealerId: b.dealer.id });
    expect(onlyB.dealers).toHaveLength(2);
    expect(idsOf(onlyB.clients)).toEqual(sorted([b.c1.id, b.c2.id, b.c3.id]));
    expect(idsOf(onlyB.units)).toEqual(sorted([b.branch1.id, b.branch1dept.id, b.branch2.id]));
    expect(onlyB.domains).toEqual(['SECRET-B']);
  });

  it('scope: another dealer, a manager, a branch head and viewer', async () => {
    const other = await run(b.actors.admin);
    expect(other.dealers.map((d) => d.code)).toEqual(['vb']);
    const text = JSON.stringify(other);
    for (const mark of ['alphava', 'Ivanov va', 'second', 'lab4', domains[0]!])
      expect(text).not.toContain(mark);
    // A variable pointing into dealer A matches nothing for B.
    const probe = await run(b.actors.admin, { clientId: [a.c1.id], unitId: [a.branch1.id] });
    expect(probe.installations).toEqual([]);
    expect(probe.clients).toEqual([]);
    const m1 = await run(a.actors.manager1);
    expect(idsOf(m1.units)).toEqual([a.branch1dept.id]);
    expect(idsOf(m1.managers)).toEqual([a.m1.id]);
    expect(idsOf(m1.clients)).toEqual([a.c1.id]);
    expect(idsOf(m1.installations)).toEqual([a.i1.id]);
    expect(m1.onlineAccesses.map((o) => o.login)).toEqual(['user1va']);
    expect(m1.domains).toEqual(domains);
    const head = await run(a.actors.head1);
    expect(idsOf(head.units)).toEqual(sorted([a.branch1.id, a.branch1dept.id]));
    expect(idsOf(head.clients)).toEqual([a.c1.id]);
    const viewer = await run(a.actors.viewer2);
    expect(idsOf(viewer.managers)).toEqual([a.m2.id]);
    expect(idsOf(viewer.clients)).toEqual([a.c2.id]);
    expect(viewer.domains).toEqual([]);
    expect(viewer.dcServers).toEqual(['lab4.kodeks.ru', 'nps2.cntd.ru']);
  });

  it('over HTTP: the same lists, scoped; validation names the field', async () => {
    const head = await loginAs(s.url, 'head1.va', TEST_PASSWORD);
    const r = await head.get(`/api/dashboards/variables?unitId=${a.branch1dept.id}`);
    expect(r.status).toBe(200);
    expect(body<VariablesOut>(r)).toEqual(await run(a.actors.head1, { unitId: [a.branch1dept.id] }));
    const other = await loginAs(s.url, 'manager1.vb', TEST_PASSWORD);
    const rb = await other.get(`/api/dashboards/variables?clientId=${a.c1.id},${b.c1.id}`);
    expect(rb.status).toBe(200);
    expect(idsOf(body<VariablesOut>(rb).installations)).toEqual([b.i1.id]);
    expect(rb.text).not.toContain('alphava');
    const bad = await head.get('/api/dashboards/variables?unitId=branch&dealerId=-1');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('querystring.unitId');
    expect(bad.text).toContain('querystring.dealerId');
  });
});
