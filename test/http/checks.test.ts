import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFailure, storeProfile } from '../../src/online/poller.js';
import { probeObservations, probeRecorder } from '../../src/probes/service.js';
import { ABNORMAL_STATES } from '../../src/probes/types.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type TestServer } from './harness.js';

/**
 * The read API of probe and online results: what each role sees of its own installations and
 * accesses, and 404 without data for everything outside its scope (the other dealer's, and its own
 * dealer's other branches).
 */

type ActorName = 'admin' | 'head1' | 'manager1' | 'viewer2';
const ACTORS: ActorName[] = ['admin', 'head1', 'manager1', 'viewer2'];
const INSTALLATION_PATHS = ['checks', 'check-events', 'availability'];
const ONLINE_PATHS = ['status', 'usage', 'search-log?day=2026-11-01', 'availability'];

const LIMIT = { limit: 400, used: 100, remaining: 300 };
const profile = (month: string) => ({ month, docs: LIMIT, search: LIMIT, print: LIMIT, export: LIMIT });

async function recordResults(s: TestServer, w: DealerWorld): Promise<void> {
  const ctx = s.t.ctx;
  const recorder = probeRecorder(ctx);
  const at = ctx.clock.now();
  for (const inst of [w.i1, w.i2, w.i3]) {
    recorder.add(
      probeObservations(
        { installationId: inst.id, dealerId: w.dealer.id },
        {
          startedAt: at,
          durationMs: 5,
          checks: [
            { check: 'tcp', outcome: 'ok', latencyMs: 1 },
            { check: 'http200', outcome: inst === w.i2 ? 'failed' : 'ok', code: inst === w.i2 ? 503 : 200 },
          ],
          states: Object.fromEntries(
            ABNORMAL_STATES.map((x) => [x, x === 'maintenance' && inst === w.i2 ? 503 : 0]),
          ) as never,
          httpLatencyMs: 3,
        },
        at,
      ),
    );
  }
  for (const o of [w.o1, w.o2]) {
    const t = { accessId: o.id, dealerId: w.dealer.id, utcOffsetMin: 180 };
    await storeProfile(ctx, t, profile('2026-11'), at);
    recorder.add([
      { subject: { kind: 'online', id: o.id, dealerId: w.dealer.id }, check: 'login', outcome: 'ok', at },
    ]);
  }
  // o2's latest read failed.
  await storeFailure(
    ctx,
    { accessId: w.o2.id, dealerId: w.dealer.id },
    {
      ok: false,
      error: 'ReadTimeOut',
      code: 'READ_TIMEOUT',
      message: `no data from ${w.dealer.code}`,
      latencyMs: 30_000,
    },
    at + 1,
  );
  recorder.add([
    {
      subject: { kind: 'online', id: w.o2.id, dealerId: w.dealer.id },
      check: 'login',
      outcome: 'failed',
      code: 'ReadTimeOut',
      at: at + 1,
    },
  ]);
  await ctx.db
    .insertInto('online_search_log')
    .values(
      [w.o1, w.o2].map((o) => ({
        online_access_id: o.id,
        dealer_id: w.dealer.id,
        day: '2026-11-01',
        at,
        user_name: `searcher-${o.login}`,
        query: `query of ${o.login}`,
        type: 'context',
        status: 'success',
      })),
    )
    .execute();
  await recorder.flush();
}

describe.each(DB_KINDS)('HTTP: probe and online results (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  const clients = {} as Record<ActorName, Client>;

  beforeAll(async () => {
    s = await startTestServer(kind);
    a = await buildDealerWorld(s.t.ctx, 'deala');
    b = await buildDealerWorld(s.t.ctx, 'dealb');
    await recordResults(s, a);
    await recordResults(s, b);
    for (const name of ACTORS) clients[name] = await loginAs(s.url, a.users[name].login, TEST_PASSWORD);
  });
  afterAll(() => s.close());

  it('an admin reads checks, abnormal states, events and availability of an installation', async () => {
    const c = clients.admin;
    const checks = body<{
      checks: { check: string; outcome: string; code: string | null }[];
      states: { state: string; value: number; title: string }[];
    }>(await c.get(`/api/installations/${a.i2.id}/checks`));
    expect(checks.checks).toContainEqual(
      expect.objectContaining({ check: 'http200', outcome: 'failed', code: '503' }),
    );
    expect(checks.states).toHaveLength(7);
    expect(checks.states[0]).toMatchObject({ state: 'maintenance', value: 503, title: 'Режим обслуживания' });
    const events = body<{ check: string; to: string }[]>(
      await c.get(`/api/installations/${a.i2.id}/check-events`),
    );
    expect(events).toContainEqual(expect.objectContaining({ check: 'http200', to: 'failed' }));
    const av = body<{ interface: { current: { pct: number } }; port: { current: { pct: number } } }>(
      await c.get(`/api/installations/${a.i2.id}/availability`),
    );
    expect(av.interface.current.pct).toBe(0);
    expect(av.port.current.pct).toBe(100);
    const bad = await c.get(`/api/installations/${a.i2.id}/availability?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('from');
  });

  it('an admin reads the status, monthly usage, search log and availability of an online access', async () => {
    const c = clients.admin;
    const st = body<{ ok: boolean; error: string; errorCode: string; limits: { docs: { usedPct: number } } }>(
      await c.get(`/api/online-accesses/${a.o2.id}/status`),
    );
    expect(st).toMatchObject({ ok: false, error: 'ReadTimeOut', errorCode: 'READ_TIMEOUT' });
    expect(st.limits.docs.usedPct).toBe(25);
    expect(body<unknown[]>(await c.get(`/api/online-accesses/${a.o1.id}/usage`))).toHaveLength(4);
    const log = body<{ user: string }[]>(
      await c.get(`/api/online-accesses/${a.o1.id}/search-log?day=2026-11-01`),
    );
    expect(log.map((e) => e.user)).toEqual([`searcher-${a.o1.login}`]);
    const av = body<{ current: { ok: number; total: number } }>(
      await c.get(`/api/online-accesses/${a.o2.id}/availability`),
    );
    expect(av.current).toMatchObject({ ok: 1, total: 2 });
  });

  describe.each(ACTORS)('as %s of dealer A', (actor) => {
    const visibleInstallations = (w: DealerWorld) =>
      ({ admin: [w.i1, w.i2, w.i3], head1: [w.i1], manager1: [w.i1], viewer2: [w.i2] })[actor];
    const visibleAccesses = (w: DealerWorld) =>
      ({ admin: [w.o1, w.o2], head1: [w.o1], manager1: [w.o1], viewer2: [w.o2] })[actor];

    it('reads what is in scope and gets 404 without data for everything else', async () => {
      const c = clients[actor];
      const insts = visibleInstallations(a).map((i) => i.id);
      for (const inst of [a.i1, a.i2, a.i3, b.i1, b.i2, b.i3]) {
        for (const p of INSTALLATION_PATHS) {
          const r = await c.get(`/api/installations/${inst.id}/${p}`);
          if (insts.includes(inst.id)) expect(r.status, `${p} ${inst.id}`).toBe(200);
          else {
            expect(r.status, `${p} ${inst.id}: ${r.text}`).toBe(404);
            expect(r.text).not.toContain(inst.sourceKey);
            expect(r.text).not.toContain('503');
          }
        }
      }
      const accs = visibleAccesses(a).map((o) => o.id);
      for (const o of [a.o1, a.o2, b.o1, b.o2]) {
        for (const p of ONLINE_PATHS) {
          const r = await c.get(`/api/online-accesses/${o.id}/${p}`);
          if (accs.includes(o.id)) expect(r.status, `${p} ${o.id}`).toBe(200);
          else {
            expect(r.status, `${p} ${o.id}: ${r.text}`).toBe(404);
            expect(r.text).not.toContain(o.login);
            expect(r.text).not.toContain('READ_TIMEOUT');
          }
        }
      }
    });

    it('the problems table and the per-server availability cover only accesses in scope', async () => {
      const c = clients[actor];
      const accs = visibleAccesses(a);
      const problems = body<{ accessId: number; login: string }[]>(await c.get('/api/online/problems'));
      expect(problems.map((p) => p.accessId)).toEqual(accs.filter((o) => o === a.o2).map((o) => o.id));
      const fromB = await c.get(`/api/online/problems?dealerId=${b.dealer.id}`);
      expect(body<unknown[]>(fromB)).toEqual([]);
      const servers = body<{ host: string; accesses: number; current: { ok: number; total: number } }[]>(
        await c.get('/api/online/servers/availability'),
      );
      // Both dealers use nps2.cntd.ru; only this actor's own accesses count.
      expect(servers).toEqual([
        expect.objectContaining({
          host: 'nps2.cntd.ru',
          accesses: accs.length,
          current: expect.objectContaining({ total: accs.length + (accs.includes(a.o2) ? 1 : 0) }),
        }),
      ]);
      for (const r of [
        await c.get('/api/online/problems'),
        await c.get('/api/online/servers/availability'),
      ]) {
        expect(r.text).not.toContain('dealb');
      }
    });
  });
});
