/**
 * The client-health endpoints over HTTP: what each role of a dealer sees (its scope, never another
 * dealer's or another manager's clients), the history of one client, the settings and their checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthHistory, HealthList } from '../../src/health/contract.js';
import { computeDealerHealth } from '../../src/health/compute.js';
import { makeAccounts, type Account } from '../../src/sim/dc/usage.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type TestServer } from '../http/harness.js';
import { feedHistory } from './fleet.js';

const NOW = Date.UTC(2026, 10, 23, 6, 0);

describe.each(DB_KINDS)('client health API (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let adminA: Client;
  let managerA: Client;
  let viewerA: Client;
  let adminB: Client;

  beforeAll(async () => {
    s = await startTestServer(kind);
    s.t.clock.t = NOW - 2 * 86_400_000;
    a = await buildDealerWorld(s.t.ctx, 'hla');
    b = await buildDealerWorld(s.t.ctx, 'hlb');
    const [regular] = makeAccounts(5, [{ profile: 'regular', utcOffsetMin: 180 }]) as [Account];
    await feedHistory(s.t.ctx, { id: a.o1.id, dealerId: a.dealer.id }, regular, NOW);
    await feedHistory(s.t.ctx, { id: b.o1.id, dealerId: b.dealer.id }, regular, NOW);
    // Two stored days a week apart, so the list has a trend and the history two points.
    await computeDealerHealth(s.t.ctx, a.dealer.id, NOW - 7 * 86_400_000);
    s.t.clock.t = NOW;
    await computeDealerHealth(s.t.ctx, a.dealer.id, NOW);
    await computeDealerHealth(s.t.ctx, b.dealer.id, NOW);
    adminA = await loginAs(s.url, a.users.admin.login, TEST_PASSWORD);
    managerA = await loginAs(s.url, a.users.manager1.login, TEST_PASSWORD);
    viewerA = await loginAs(s.url, a.users.viewer2.login, TEST_PASSWORD);
    adminB = await loginAs(s.url, b.users.admin.login, TEST_PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  const ids = (r: HealthList) => r.items.map((i) => i.clientId).sort((x, y) => x - y);

  it('lists only the clients in the caller’s scope', async () => {
    const all = await adminA.get('/api/client-health');
    expect(all.status).toBe(200);
    expect(ids(body<HealthList>(all))).toEqual([a.c1.id, a.c2.id, a.c3.id].sort((x, y) => x - y));
    expect(ids(body<HealthList>(await managerA.get('/api/client-health')))).toEqual([a.c1.id]);
    expect(ids(body<HealthList>(await viewerA.get('/api/client-health')))).toEqual([a.c2.id]);
    expect(ids(body<HealthList>(await adminB.get('/api/client-health')))).toEqual(
      [b.c1.id, b.c2.id, b.c3.id].sort((x, y) => x - y),
    );
    // Another dealer's id as a filter matches nothing rather than leaking.
    const cross = await adminA.get(`/api/client-health?dealerId=${b.dealer.id}`);
    expect(body<HealthList>(cross).items).toEqual([]);
  });

  it('answers a client with a score, band, profile and a week’s trend; the others without data', async () => {
    const list = body<HealthList>(await adminA.get('/api/client-health'));
    const c1 = list.items.find((i) => i.clientId === a.c1.id)!;
    const stored = await s.t.ctx.db
      .selectFrom('client_health_daily')
      .select(['day', 'score', 'band', 'profile'])
      .where('client_id', '=', a.c1.id)
      .orderBy('day')
      .execute();
    expect(stored.map((r) => r.day)).toEqual(['2026-11-16', '2026-11-23']);
    expect(c1).toMatchObject({ day: '2026-11-23', score: stored[1]!.score, band: stored[1]!.band });
    expect(c1.score).not.toBeNull();
    expect(c1.profile).toBe('regular');
    expect(c1.trend).toBe(stored[1]!.score! - stored[0]!.score!);
    expect(c1.managers).toEqual([a.m1.name]);
    // c3 has only a closed-contour installation that never sent anything.
    expect(list.items.find((i) => i.clientId === a.c3.id)).toMatchObject({ score: null, band: 'nodata' });
    const filtered = body<HealthList>(await adminA.get('/api/client-health?profile=regular'));
    expect(ids(filtered)).toEqual([a.c1.id]);
  });

  it('gives a client’s history in scope and 404 outside it', async () => {
    const own = await managerA.get(`/api/client-health/${a.c1.id}/history?days=30`);
    expect(own.status).toBe(200);
    const h = body<HealthHistory>(own);
    expect(h.points.map((p) => p.day)).toEqual(['2026-11-16', '2026-11-23']);
    expect(h.latest?.clientId).toBe(a.c1.id);
    expect((await managerA.get(`/api/client-health/${a.c2.id}/history`)).status).toBe(404);
    expect((await adminA.get(`/api/client-health/${b.c1.id}/history`)).status).toBe(404);
    expect((await adminB.get(`/api/client-health/${a.c1.id}/history`)).status).toBe(404);
  });

  it('rejects bad input with a 400 naming the field', async () => {
    const bad = await adminA.get('/api/client-health?band=excellent');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('band');
    const days = await adminA.get(`/api/client-health/${a.c1.id}/history?days=0`);
    expect(days.status).toBe(400);
    expect(days.text).toContain('days');
    const nm = await adminA.req('PUT', '/api/client-health/settings', { body: { exhaustN: 7, exhaustM: 6 } });
    expect(nm.status).toBe(400);
    expect(nm.text).toContain('exhaustN');
    const tz = await adminA.req('PUT', '/api/client-health/settings', { body: { timeZone: 'Mars/Olympus' } });
    expect(tz.status).toBe(400);
    expect(tz.text).toContain('timeZone');
  });

  it('lets the dealer admin change the settings of their own dealer only', async () => {
    expect((await managerA.req('PUT', '/api/client-health/settings', { body: { exhaustN: 2 } })).status).toBe(
      403,
    );
    expect(
      (
        await adminA.req('PUT', `/api/client-health/settings?dealerId=${b.dealer.id}`, {
          body: { exhaustN: 2 },
        })
      ).status,
    ).toBe(404);
    const ok = await adminA.req('PUT', '/api/client-health/settings', {
      body: { exhaustN: 2, morningHour: 7 },
    });
    expect(ok.status).toBe(200);
    const got = body<{ exhaustN: number; exhaustM: number; morningHour: number }>(
      await adminA.get('/api/client-health/settings'),
    );
    expect(got).toMatchObject({ exhaustN: 2, exhaustM: 6, morningHour: 7 });
    const trail = await s.t.ctx.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'dealer_id'])
      .where('entity', '=', 'client_health_settings')
      .execute();
    expect(trail).toEqual([{ actor: a.users.admin.login, action: 'update', dealer_id: a.dealer.id }]);
    const other = body<{ exhaustN: number }>(await adminB.get('/api/client-health/settings'));
    expect(other.exhaustN).toBe(3);
    expect((await managerA.post('/api/client-health/recompute')).status).toBe(403);
    const re = await adminA.post('/api/client-health/recompute');
    expect(re.status).toBe(200);
    expect(body<{ clients: number }>(re).clients).toBe(3);
  });
});
