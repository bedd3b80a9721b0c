/**
 * «Биллинг Онлайн. Аналитика»: readings stored through the poller's own write path (storeProfile) with
 * known numbers across a month boundary, so the per-manager and overall averages (hourly and daily),
 * the clients under monitoring, the month figures and the two modes are checked exactly; then the whole
 * poller against the DC simulator over three days, every point compared with the simulator's own
 * counters; scope, another dealer, HTTP and validation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingAnalytics } from '../../src/dashboards/billing-analytics.js';
import type { BillingAnalyticsOut } from '../../src/dashboards/contract-billing-analytics.js';
import { createClient, type Client as SmartClient } from '../../src/inventory/clients.js';
import type { OnlineAccess } from '../../src/inventory/online.js';
import { storeProfile } from '../../src/online/poller.js';
import type { OnlineProfile } from '../../src/online/types.js';
import { usageAt, type DcServer } from '../../src/sim/dc/index.js';
import type { Account } from '../../src/sim/dc/usage.js';
import { createManager, type Manager } from '../../src/tenancy/managers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, type TestContext } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';
import { addBillingAccesses, openDcWorld, type DcWorld } from './billing-seed.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MSK = 180 * MIN;
const op = cliActor('test');

const r2 = (v: number) => Math.round(v * 100) / 100;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Start (ms UTC) of the Moscow day holding `ms`. */
const mskDay = (ms: number) => Math.floor((ms + MSK) / DAY) * DAY - MSK;

/** A reading with the documents limit and remainder given; the other limits untouched. */
function docs(month: string, limit: number, remaining: number): OnlineProfile {
  const full = (n: number) => ({ limit: n, remaining: n, used: 0 });
  return {
    month,
    docs: { limit, remaining, used: limit - remaining },
    search: full(3000),
    print: full(3000),
    export: full(3000),
  };
}

describe.each(DB_KINDS)('billing analytics (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let o3: OnlineAccess;
  let o4: OnlineAccess;
  let now: number;

  beforeAll(async () => {
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'ba');
    b = await buildDealerWorld(ctx, 'bb');
    now = ctx.clock.now(); // 2026-11-01 09:00 UTC = 12:00 Moscow
    ({ o3, o4 } = await addBillingAccesses(ctx, a, 'ba'));
    const store = (o: OnlineAccess, at: number, p: OnlineProfile) =>
      storeProfile(ctx, { accessId: o.id, dealerId: o.dealerId, utcOffsetMin: 180 }, p, at);
    const oct30 = Date.UTC(2026, 9, 30, 12);
    const oct31 = Date.UTC(2026, 9, 31, 12);
    // October: o1 50% then 75%, o4 10% then 20%, o3 0% then 80%.
    for (const [at, v1, v4, v3] of [
      [oct30, 200, 270, 350],
      [oct31, 100, 240, 70],
    ] as const) {
      await store(a.o1, at, docs('2026-10', 400, v1));
      await store(o4, at, docs('2026-10', 300, v4));
      await store(o3, at, docs('2026-10', 350, v3));
    }
    // November 1st (Moscow): 6 h ago o1 1%, o4 0%, o3 2%; 3 h ago o1 5%, o4 1% (o3's read failed);
    // now o1 15%, o4 10%, o3 10%, and o2's first reading ever, 100%.
    await store(a.o1, now - 6 * HOUR, docs('2026-11', 400, 396));
    await store(o4, now - 6 * HOUR, docs('2026-11', 300, 300));
    await store(o3, now - 6 * HOUR, docs('2026-11', 350, 343));
    await store(a.o1, now - 3 * HOUR, docs('2026-11', 400, 380));
    await store(o4, now - 3 * HOUR, docs('2026-11', 300, 297));
    await store(a.o1, now, docs('2026-11', 400, 340));
    await store(o4, now, docs('2026-11', 300, 270));
    await store(o3, now, docs('2026-11', 350, 315));
    await store(a.o2, now, docs('2026-11', 400, 0));
    // Dealer B: one access, read now.
    await store(b.o1, now, docs('2026-11', 400, 1));
  });
  afterAll(async () => {
    await s?.close();
  });

  const hours = () => ({ from: now - 12 * HOUR, to: now });
  /** Bucket indexes of the 12-hour range (5-minute steps): 6 h ago, 3 h ago, now. */
  const pick = (v: (number | null)[]) => [v[72], v[108], v[144]];

  it('hourly: the mean over the accesses at each point, per manager and overall; clients read', async () => {
    const out = await billingAnalytics(s.t.ctx, a.actors.admin, hours(), now);
    expect(out.mode).toBe('all');
    expect(out.all.step).toBe(5 * MIN);
    expect(out.all.timestamps).toHaveLength(145);
    expect(out.all.series).toHaveLength(1);
    expect(out.all.series[0]).toMatchObject({ key: 'all', label: 'Процент' });
    const all = out.all.series[0]!.values;
    // A reading stands for two hours (bucket 96), then a gap; o3's 6-hour-old one does not reach 3 h ago.
    expect(pick(all)).toEqual([1, 3, 33.75]);
    expect([all[71], all[96], all[97]]).toEqual([null, 1, null]);
    // Below the norm first: Petrov (o3: 10) before Ivanov (o1, o4: 12.5). o2 has no manager of its own.
    expect(out.byManager.series.map((x) => [x.key, x.label])).toEqual([
      [`m:${a.m2.id}`, 'Petrov ba'],
      [`m:${a.m1.id}`, 'Ivanov ba'],
    ]);
    expect(pick(out.byManager.series[0]!.values)).toEqual([2, null, 10]);
    expect(pick(out.byManager.series[1]!.values)).toEqual([0.5, 3, 12.5]);
    expect(out.byManager.total).toBe(2);
    // Under monitoring: none before the first reading, then the clients and accesses read.
    const [clients, accesses] = out.monitored.series;
    expect([clients!.key, clients!.label, accesses!.key]).toEqual(['clients', 'Всего клиентов', 'accesses']);
    expect(pick(clients!.values)).toEqual([2, 1, 2]);
    expect(pick(accesses!.values)).toEqual([3, 2, 4]);
    expect([clients!.values[0], clients!.values[71], clients!.values[100]]).toEqual([null, null, 0]);
    // The range is within November (Moscow): its figure is each access's last reading, averaged.
    expect(out.months).toEqual(['2026-11']);
    expect(out.monthRows).toEqual([
      { key: 'all', label: 'Все клиенты', values: [33.75], accesses: [4] },
      { key: `m:${a.m2.id}`, label: 'Petrov ba', values: [10], accesses: [1] },
      { key: `m:${a.m1.id}`, label: 'Ivanov ba', values: [12.5], accesses: [2] },
    ]);
    const limited = await billingAnalytics(s.t.ctx, a.actors.admin, { ...hours(), limit: 1 }, now);
    expect(limited.byManager.series.map((x) => x.key)).toEqual([`m:${a.m2.id}`]);
    expect(limited.byManager.total).toBe(2);
  });

  it('two months: a point per Moscow day (each access’s highest % of the day); the default 6 months: weekly, month figures', async () => {
    const out = await billingAnalytics(s.t.ctx, a.actors.admin, { from: now - 60 * DAY, to: now }, now);
    expect(out.all.step).toBe(DAY);
    const at = (day: number) => out.all.timestamps.indexOf(mskDay(day));
    const [i30, i31, i1] = [at(Date.UTC(2026, 9, 30, 12)), at(Date.UTC(2026, 9, 31, 12)), at(now)];
    expect(i1).toBe(out.all.timestamps.length - 1);
    const all = out.all.series[0]!.values;
    expect([all[i30], all[i31], all[i1]]).toEqual([r2(60 / 3), r2(175 / 3), 33.75]);
    expect(all.slice(0, i30).every((v) => v === null)).toBe(true);
    const byKey = Object.fromEntries(out.byManager.series.map((x) => [x.key, x.values]));
    expect([byKey[`m:${a.m1.id}`]![i30], byKey[`m:${a.m1.id}`]![i31], byKey[`m:${a.m1.id}`]![i1]]).toEqual([
      30, 47.5, 12.5,
    ]);
    expect([byKey[`m:${a.m2.id}`]![i30], byKey[`m:${a.m2.id}`]![i31], byKey[`m:${a.m2.id}`]![i1]]).toEqual([
      0, 80, 10,
    ]);
    const [clients, accesses] = out.monitored.series;
    expect([clients!.values[i30], clients!.values[i31], clients!.values[i1]]).toEqual([2, 2, 2]);
    expect([accesses!.values[i30], accesses!.values[i31], accesses!.values[i1]]).toEqual([3, 3, 4]);

    // The default half-year is drawn a point per week; the month figures cover its months.
    const def = await billingAnalytics(s.t.ctx, a.actors.admin, {}, now);
    expect(def.to - def.from).toBe(180 * DAY);
    expect(def.all.step).toBe(7 * DAY);
    // The last week (Mon Oct 26 – today): October's last readings (75, 20, 80) and o2's 100 today.
    expect(def.all.series[0]!.values.at(-1)).toBe(68.75);
    expect(def.months).toEqual(['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']);
    const none = [null, null, null, null, null];
    expect(def.monthRows[0]).toEqual({
      key: 'all',
      label: 'Все клиенты',
      values: [...none, r2(175 / 3), 33.75],
      accesses: [0, 0, 0, 0, 0, 3, 4],
    });
    const m1Row = def.monthRows.find((r) => r.key === `m:${a.m1.id}`)!;
    expect(m1Row.values.slice(5)).toEqual([47.5, 12.5]);
  });

  it('13 months: a point per week (Monday, Moscow), each access’s highest % of the week', async () => {
    const out = await billingAnalytics(s.t.ctx, a.actors.admin, { from: now - 395 * DAY, to: now }, now);
    expect(out.all.step).toBe(7 * DAY);
    // The last week: Monday Oct 26 to Sunday Nov 1 (today). Its highest %: October's last readings
    // (o1 75, o4 20, o3 80) and o2's 100 today.
    const monday = Date.UTC(2026, 9, 26) - MSK;
    expect(out.all.timestamps.at(-1)).toBe(monday);
    expect(out.all.series[0]!.values.at(-1)).toBe(68.75);
    expect(out.all.series[0]!.values.slice(0, -1).every((v) => v === null)).toBe(true);
    const byKey = Object.fromEntries(out.byManager.series.map((x) => [x.key, x.values.at(-1)]));
    expect(byKey).toEqual({ [`m:${a.m1.id}`]: 47.5, [`m:${a.m2.id}`]: 80 });
    expect(out.monitored.series.map((x) => x.values.at(-1))).toEqual([2, 4]);
    expect(out.months).toHaveLength(14);
    expect(out.monthRows[0]!.values.slice(-2)).toEqual([r2(175 / 3), 33.75]);
  });

  it('client mode: one or more clients, or a login, chosen', async () => {
    const ctx = s.t.ctx;
    const c1 = await billingAnalytics(ctx, a.actors.admin, { ...hours(), clientId: [a.c1.id] }, now);
    expect(c1.mode).toBe('clients');
    expect(pick(c1.all.series[0]!.values)).toEqual([0.5, 3, 12.5]);
    expect(c1.byManager.series.map((x) => x.key)).toEqual([`m:${a.m1.id}`]);
    expect(pick(c1.monitored.series[0]!.values)).toEqual([1, 1, 1]);
    const both = await billingAnalytics(
      ctx,
      a.actors.admin,
      { ...hours(), clientId: [a.c1.id, a.c2.id] },
      now,
    );
    expect(both.mode).toBe('clients');
    expect(pick(both.all.series[0]!.values)).toEqual([1, 3, 33.75]);
    const login = await billingAnalytics(ctx, a.actors.admin, { ...hours(), onlineAccessId: [o4.id] }, now);
    expect(login.mode).toBe('clients');
    expect(pick(login.all.series[0]!.values)).toEqual([0, 1, 10]);
    // Менеджер narrows the clients (Petrov's: beta, with o2 and o3) and the lines to him.
    const m2 = await billingAnalytics(ctx, a.actors.admin, { ...hours(), managerId: [a.m2.id] }, now);
    expect(m2.mode).toBe('all');
    expect(m2.byManager.series.map((x) => x.key)).toEqual([`m:${a.m2.id}`]);
    expect(pick(m2.all.series[0]!.values)).toEqual([2, null, 55]);
  });

  it('scope: a manager, a branch viewer, another dealer', async () => {
    const ctx = s.t.ctx;
    const m1 = await billingAnalytics(ctx, a.actors.manager1, hours(), now);
    expect(m1.byManager.series.map((x) => x.key)).toEqual([`m:${a.m1.id}`]);
    expect(pick(m1.all.series[0]!.values)).toEqual([0.5, 3, 12.5]);
    expect(m1.monthRows[0]!.accesses).toEqual([2]);
    const v2 = await billingAnalytics(ctx, a.actors.viewer2, hours(), now);
    expect(pick(v2.all.series[0]!.values)).toEqual([2, null, 55]);
    const bOut = await billingAnalytics(ctx, b.actors.admin, hours(), now);
    expect(pick(bOut.all.series[0]!.values)).toEqual([null, null, 99.75]);
    expect(bOut.byManager.series.map((x) => x.label)).toEqual(['Ivanov bb']);
    expect(bOut.monthRows[0]!.accesses).toEqual([1]);
    for (const mark of ['Ivanov ba', 'Petrov ba', 'alphaba', 'user1ba']) {
      expect(JSON.stringify(bOut)).not.toContain(mark);
    }
    // Another dealer's client or login as a variable matches nothing.
    const foreign = await billingAnalytics(ctx, a.actors.admin, { ...hours(), clientId: [b.c1.id] }, now);
    expect(foreign.all.series).toEqual([]);
    expect(foreign.byManager.series).toEqual([]);
    expect(foreign.monitored.series).toEqual([]);
    expect(foreign.monthRows).toEqual([{ key: 'all', label: 'Все клиенты', values: [null], accesses: [0] }]);
    const foreignLogin = await billingAnalytics(
      ctx,
      a.actors.admin,
      { ...hours(), onlineAccessId: [b.o1.id] },
      now,
    );
    expect(foreignLogin.all.series).toEqual([]);
  });

  it('over HTTP: the same answer, scoped; validation names the field', async () => {
    const admin = await loginAs(s.url, 'admin.ba', TEST_PASSWORD);
    const { from, to } = hours();
    const r = await admin.get(
      `/api/dashboards/billing-analytics?from=${from}&to=${to}&managerId=${a.m1.id},${a.m2.id}`,
    );
    expect(r.status).toBe(200);
    expect(body<BillingAnalyticsOut>(r)).toEqual(
      await billingAnalytics(s.t.ctx, a.actors.admin, { from, to, managerId: [a.m1.id, a.m2.id] }, now),
    );
    const other = await loginAs(s.url, 'manager1.bb', TEST_PASSWORD);
    const rb = await other.get(`/api/dashboards/billing-analytics?from=${from}&to=${to}`);
    expect(rb.status).toBe(200);
    expect(body<BillingAnalyticsOut>(rb).byManager.series.map((x) => x.label)).toEqual(['Ivanov bb']);
    expect(rb.text).not.toContain('Ivanov ba');
    const bad = await admin.get('/api/dashboards/billing-analytics?clientId=alpha');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('querystring.clientId');
    const backwards = await admin.get(`/api/dashboards/billing-analytics?from=${to}&to=${from}`);
    expect(backwards.status).toBe(400);
    expect(backwards.text).toContain('from');
    expect((await fetch(`${s.url}/api/dashboards/billing-analytics`)).status).toBe(401);
  });
});

describe.each(DB_KINDS)('billing analytics from the poller and the DC simulator (%s)', (kind) => {
  let w: DcWorld;
  let t: TestContext;
  let dc: DcServer;
  /** The readable accounts with their access and manager; and every hour a read was made. */
  let good: { acc: Account; access: OnlineAccess; manager: Manager; client: SmartClient }[];
  const reads: number[] = [];
  let m1: Manager;
  let m2: Manager;

  beforeAll(async () => {
    // Three days across the month's end, in Moscow (+3), Novosibirsk (+7) and Yekaterinburg (+5).
    w = await openDcWorld(kind, {
      seed: 11,
      start: Date.UTC(2026, 9, 30, 0),
      accounts: [
        { profile: 'regular', utcOffsetMin: 180 },
        { profile: 'sharer', utcOffsetMin: 180 },
        { profile: 'regular', utcOffsetMin: 420 },
        { profile: 'episodic', utcOffsetMin: 300 },
        { profile: 'idle', utcOffsetMin: 180 },
      ],
    });
    ({ t, dc } = w);
    const dealer = w.dealer;
    m1 = await createManager(t.ctx, op, { dealerId: dealer.id, name: 'Sidorov', emails: ['s@sim.example'] });
    m2 = await createManager(t.ctx, op, { dealerId: dealer.id, name: 'Orlova', emails: ['o@sim.example'] });
    const clients = [
      await createClient(t.ctx, op, { dealerId: dealer.id, shortName: 'Север' }),
      await createClient(t.ctx, op, { dealerId: dealer.id, shortName: 'Юг' }),
      await createClient(t.ctx, op, { dealerId: dealer.id, shortName: 'Запад' }),
    ];
    // Accounts 0 and 2 of client Север, 1 and 3 of Юг (managers across clients); the last one's
    // password is wrong: never read, never counted.
    const plan = [
      { client: 0, manager: m1 },
      { client: 1, manager: m1 },
      { client: 0, manager: m2 },
      { client: 1, manager: m2 },
      { client: 2, manager: m2 },
    ];
    good = [];
    for (const [i, acc] of dc.accounts.entries()) {
      const p = plan[i]!;
      const access = await w.addAccess(acc, {
        clientId: clients[p.client]!.id,
        managerId: p.manager.id,
        email: 'x@sim.example',
        password: i === 4 ? 'wrong' : acc.password,
      });
      if (i < 4) good.push({ acc, access, manager: p.manager, client: clients[p.client]! });
    }
    // The first round creates the jobs (due within seconds); then a read every hour from Oct 30 01:00
    // to Nov 2 00:00 UTC.
    await w.runner.runUntilIdle();
    for (let h = 0; h < 72; h++) {
      t.clock.advance(HOUR);
      await w.runner.runUntilIdle();
      reads.push(t.clock.now());
    }
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  /** Ground truth: % of the documents limit used by an account at an instant. */
  const truthPct = (acc: Account, at: number) => {
    const u = usageAt(acc, at).docs;
    return ((u.limit - u.remaining) / u.limit) * 100;
  };

  it('every hourly point equals the mean of what the simulated DC showed, overall and per manager', async () => {
    const now = t.clock.now();
    const out = await billingAnalytics(t.ctx, op, { from: now - 3 * DAY, to: now }, now);
    expect(out.all.step).toBe(15 * MIN);
    const all = out.all.series[0]!.values;
    const byLabel = Object.fromEntries(out.byManager.series.map((x) => [x.label, x.values]));
    for (const at of reads) {
      const i = out.all.timestamps.indexOf(at);
      expect(i, `bucket of ${new Date(at).toISOString()}`).toBeGreaterThanOrEqual(0);
      expect(all[i]).toBe(r2(mean(good.map((g) => truthPct(g.acc, at)))));
      for (const m of [m1, m2]) {
        const mine = good.filter((g) => g.manager.id === m.id);
        expect(byLabel[m.name]![i]).toBe(r2(mean(mine.map((g) => truthPct(g.acc, at)))));
      }
      expect(out.monitored.series[0]!.values[i]).toBe(2);
      expect(out.monitored.series[1]!.values[i]).toBe(4);
    }
    expect(reads).toHaveLength(72);
    // The sawtooth: well up by the end of October, down after the 1st.
    const peak = Math.max(...all.filter((v): v is number => v !== null));
    expect(peak).toBeGreaterThan(20);
    expect(all.at(-1)).toBeLessThan(peak / 2);
  });

  it('weekly points (13 months): each access’s highest % of the week, as the DC showed it', async () => {
    const now = t.clock.now();
    const out = await billingAnalytics(t.ctx, op, { from: now - 395 * DAY, to: now }, now);
    expect(out.all.step).toBe(7 * DAY);
    const weekOf = (ms: number) => out.all.timestamps.findLast((st) => st <= ms)!;
    const weeks = [...new Set(reads.map(weekOf))];
    expect(weeks).toHaveLength(2); // Mon Oct 26 – Sun Nov 1, Mon Nov 2 (Moscow)
    const weekMax = (acc: Account, week: number) =>
      Math.max(...reads.filter((r) => weekOf(r) === week).map((r) => truthPct(acc, r)));
    for (const week of weeks) {
      const i = out.all.timestamps.indexOf(week);
      expect(out.all.series[0]!.values[i]).toBe(r2(mean(good.map((g) => weekMax(g.acc, week)))));
      for (const m of [m1, m2]) {
        const mine = good.filter((g) => g.manager.id === m.id);
        const s = out.byManager.series.find((x) => x.key === `m:${m.id}`)!;
        expect(s.values[i]).toBe(r2(mean(mine.map((g) => weekMax(g.acc, week)))));
      }
      expect(out.monitored.series.map((x) => x.values[i])).toEqual([2, 4]);
    }
  });

  it('daily points: each access’s highest % of the Moscow day, averaged; the month figures', async () => {
    const now = t.clock.now();
    const out = await billingAnalytics(t.ctx, op, { from: now - 12 * DAY, to: now }, now);
    expect(out.all.step).toBe(DAY);
    const days = [...new Set(reads.map(mskDay))];
    expect(days).toHaveLength(4); // Oct 30, 31, Nov 1, 2 (Moscow)
    const dayMax = (acc: Account, day: number) =>
      Math.max(...reads.filter((r) => mskDay(r) === day).map((r) => truthPct(acc, r)));
    for (const day of days) {
      const i = out.all.timestamps.indexOf(day);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(out.all.series[0]!.values[i]).toBe(r2(mean(good.map((g) => dayMax(g.acc, day)))));
      for (const s of out.byManager.series) {
        const mine = good.filter((g) => `m:${g.manager.id}` === s.key);
        expect(s.values[i]).toBe(r2(mean(mine.map((g) => dayMax(g.acc, day)))));
      }
    }
    // The month figure: each access's last reading of its own (local) billing month.
    expect(out.months).toEqual(['2026-10', '2026-11']);
    const monthEnd = (acc: Account, month: string) => {
      const last = reads.filter((r) => usageAt(acc, r).month === month).at(-1)!;
      return truthPct(acc, last);
    };
    const rowOf = (key: string) => out.monthRows.find((r) => r.key === key)!;
    for (const [k, month] of out.months.entries()) {
      expect(rowOf('all').values[k]).toBe(r2(mean(good.map((g) => monthEnd(g.acc, month)))));
      expect(rowOf('all').accesses[k]).toBe(4);
      for (const m of [m1, m2]) {
        const mine = good.filter((g) => g.manager.id === m.id);
        expect(rowOf(`m:${m.id}`).values[k]).toBe(r2(mean(mine.map((g) => monthEnd(g.acc, month)))));
      }
    }
    // A sharer exhausts its documents early: October ends near the top of the tooth.
    expect(rowOf('all').values[0]).toBeGreaterThan(rowOf('all').values[1]!);
  });
});
