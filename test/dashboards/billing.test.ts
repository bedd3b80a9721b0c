import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingStats } from '../../src/dashboards/billing.js';
import type { BillingStatsOut } from '../../src/dashboards/contract.js';
import { createClient } from '../../src/inventory/clients.js';
import type { OnlineAccess } from '../../src/inventory/online.js';
import { usedPercent } from '../../src/online/client.js';
import { storeFailure, storeProfile } from '../../src/online/poller.js';
import type { OnlineProfile } from '../../src/online/types.js';
import type { DcServer } from '../../src/sim/dc/index.js';
import { createManager } from '../../src/tenancy/managers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, type TestContext } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';
import { addBillingAccesses, openDcWorld, type DcWorld } from './billing-seed.js';

/**
 * «Биллинг Онлайн. Статистика»: readings stored through the poller's own write path (storeProfile,
 * storeFailure) with known numbers, so the table, its footer means, the remainder graphs (with the
 * two-hour carry and the gaps after it) and the average % of documents used overall and per manager are
 * checked exactly; then the whole poller against the DC simulator; scope and HTTP.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const op = cliActor('test');

const r2 = (v: number) => Math.round(v * 100) / 100;

function profile(
  docs: [number, number],
  search: [number, number],
  print: [number, number],
  exp: [number, number],
): OnlineProfile {
  const c = ([limit, remaining]: [number, number]) => ({ limit, remaining, used: limit - remaining });
  return { month: '2026-11', docs: c(docs), search: c(search), print: c(print), export: c(exp) };
}

describe.each(DB_KINDS)('billing statistics (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let o3: OnlineAccess;
  let o4: OnlineAccess;
  let now: number;

  beforeAll(async () => {
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'bl');
    b = await buildDealerWorld(ctx, 'bm');
    now = ctx.clock.now(); // 2026-11-01 09:00 UTC
    ({ o3, o4 } = await addBillingAccesses(ctx, a, 'bl'));
    const store = (o: OnlineAccess, at: number, p: OnlineProfile) =>
      storeProfile(ctx, { accessId: o.id, dealerId: a.dealer.id, utcOffsetMin: 180 }, p, at);
    // Reads 6 h ago, 3 h ago (o2's failed then: no reading) and now.
    const t = [now - 6 * HOUR, now - 3 * HOUR, now];
    const o1Docs = [300, 200, 100];
    const o1Search = [3600, 3300, 3000];
    const o1Print = [2950, 2920, 2900];
    const o1Export = [3000, 2995, 2990];
    const o3Docs = [270, 240, 150];
    const o3Search = [3900, 3800, 3600];
    const o4Docs = [350, 280, 175];
    for (let k = 0; k < 3; k++) {
      await store(
        a.o1,
        t[k]!,
        profile([400, o1Docs[k]!], [4000, o1Search[k]!], [3000, o1Print[k]!], [3000, o1Export[k]!]),
      );
      await store(o3, t[k]!, profile([300, o3Docs[k]!], [4000, o3Search[k]!], [3000, 3000], [3000, 3000]));
      await store(o4, t[k]!, profile([350, o4Docs[k]!], [4000, 4000], [3000, 3000], [3000, 2000]));
    }
    await store(a.o2, t[0]!, profile([400, 400], [4000, 4000], [3000, 3000], [3000, 3000]));
    await store(a.o2, t[2]!, profile([400, 380], [4000, 3900], [3000, 3000], [3000, 3000]));
    // o2's next read fails: the last good reading stays in the table, and it is a problem.
    await storeFailure(
      ctx,
      { accessId: a.o2.id, dealerId: a.dealer.id },
      { ok: false, error: 'ReadTimeOut', code: 'READ_TIMEOUT', message: 'no body', latencyMs: 30_000 },
      now,
    );
    // Dealer B: one access with a reading of its own.
    await storeProfile(
      ctx,
      { accessId: b.o1.id, dealerId: b.dealer.id, utcOffsetMin: 180 },
      profile([400, 1], [4000, 1], [3000, 1], [3000, 1]),
      now,
    );
  });
  afterAll(async () => {
    await s?.close();
  });

  const range = () => ({ from: now - 12 * HOUR, to: now });

  it('the table: latest remainders, % used, managers, fewest documents first; footer means', async () => {
    const out = await billingStats(s.t.ctx, a.actors.admin, range(), now);
    expect(out.table.map((r) => r.login)).toEqual(['user1bl', 'third', 'fourth', 'user2bl']);
    const row = Object.fromEntries(out.table.map((r) => [r.login, r]));
    expect(row.user1bl).toEqual({
      onlineAccessId: a.o1.id,
      clientId: a.c1.id,
      client: 'alphabl',
      login: 'user1bl',
      host: 'nps2.cntd.ru',
      catalog: 'kodeks01',
      docsRemaining: 100,
      docsUsedPct: 75,
      searchRemaining: 3000,
      searchUsedPct: 25,
      printRemaining: 2900,
      exportRemaining: 2990,
      managers: ['Ivanov bl'],
      readAt: now,
    });
    expect(row.user2bl).toMatchObject({
      docsRemaining: 380,
      docsUsedPct: 5,
      searchUsedPct: 2.5,
      managers: [],
    });
    expect(row.third).toMatchObject({ docsUsedPct: 50, searchUsedPct: 10, managers: ['Petrov bl'] });
    expect(row.fourth).toMatchObject({ docsUsedPct: 50, searchUsedPct: 0, exportRemaining: 2000 });
    expect(out.mean).toEqual({
      docsRemaining: 201.25,
      docsUsedPct: 45,
      searchRemaining: 3625,
      searchUsedPct: 9.38,
      printRemaining: 2975,
      exportRemaining: 2747.5,
    });
    expect(out.problems).toEqual([
      {
        onlineAccessId: a.o2.id,
        client: 'betabl',
        address: 'nps2.cntd.ru',
        catalog: 'kodeks02',
        login: 'user2bl',
        error: 'ReadTimeOut',
        since: now,
        managers: [],
      },
    ]);
  });

  it('remainder graphs: readings carried two hours into narrower buckets, then a gap; least left first', async () => {
    const out = await billingStats(s.t.ctx, a.actors.admin, { ...range(), limit: 2 }, now);
    const docs = out.remaining.docs;
    expect(docs.step).toBe(5 * MIN);
    expect(docs.timestamps).toHaveLength(145);
    expect(docs.timestamps[0]).toBe(now - 12 * HOUR);
    expect(docs.timestamps[144]).toBe(now);
    expect(docs.total).toBe(4);
    expect(docs.series.map((x) => [x.key, x.label])).toEqual([
      [`o:${a.o1.id}`, 'alphabl / user1bl'],
      [`o:${o3.id}`, 'betabl / third'],
    ]);
    const expected = (v: [number, number, number]) => {
      const out: (number | null)[] = new Array<number | null>(145).fill(null);
      for (let i = 72; i <= 96; i++) out[i] = v[0]; // 6 h ago, carried to 4 h ago
      for (let i = 108; i <= 132; i++) out[i] = v[1];
      out[144] = v[2];
      return out;
    };
    expect(docs.series[0]!.values).toEqual(expected([300, 200, 100]));
    expect(docs.series[1]!.values).toEqual(expected([270, 240, 150]));
    expect(out.remaining.search.series.map((x) => x.key)).toEqual([`o:${a.o1.id}`, `o:${o3.id}`]);
    expect(out.remaining.export.series[0]!.values[144]).toBe(2000);
    expect(out.remaining.print.series[0]!.values.filter((v) => v !== null)).toEqual([
      ...new Array<number>(25).fill(2950),
      ...new Array<number>(25).fill(2920),
      2900,
    ]);
  });

  it('average % of the document limit used: over every access, and per manager', async () => {
    const out = await billingStats(s.t.ctx, a.actors.admin, range(), now);
    const avg = out.avgDocsUsedPct;
    expect(avg.series).toHaveLength(1);
    expect(avg.series[0]).toMatchObject({ key: 'all', label: 'Процент' });
    const v = avg.series[0]!.values;
    // 6 h ago: 25, 0, 10, 0; 3 h ago o2 had no reading (and its 6 h old one is past the carry): 50, 20, 20;
    // now: 75, 5, 50, 50.
    expect([v[72], v[96], v[97], v[108], v[133], v[144]]).toEqual([8.75, 8.75, null, 30, null, 45]);
    const byManager = out.avgDocsUsedPctByManager;
    expect(byManager.series.map((x) => [x.key, x.label])).toEqual([
      [`m:${a.m2.id}`, 'Petrov bl'],
      [`m:${a.m1.id}`, 'Ivanov bl'],
    ]);
    const pick = (vals: (number | null)[]) => [vals[72], vals[108], vals[144]];
    expect(pick(byManager.series[0]!.values)).toEqual([10, 20, 50]);
    expect(pick(byManager.series[1]!.values)).toEqual([12.5, 35, 62.5]);
    expect(byManager.total).toBe(2);
    // The default range (30 days): the remainders by 3 hours, the averages a point per Moscow day from
    // the daily rollup (the day's highest %: its last reading); today's holds now's readings, as above.
    const month = await billingStats(s.t.ctx, a.actors.admin, {}, now);
    expect(month.remaining.docs.step).toBe(3 * HOUR);
    expect(month.avgDocsUsedPct.step).toBe(DAY);
    expect(month.avgDocsUsedPct.timestamps.at(-1)).toBe(Date.UTC(2026, 9, 31, 21));
    expect(month.avgDocsUsedPct.series[0]!.values.at(-1)).toBe(45);
    expect(month.avgDocsUsedPctByManager.step).toBe(DAY);
    expect(month.avgDocsUsedPctByManager.series.map((x) => x.values.at(-1))).toEqual([50, 62.5]);
    // Daily «Осталось» points (long ranges) come from the rollup too: a day's lowest remainder.
    const year = await billingStats(s.t.ctx, a.actors.admin, { from: now - 200 * DAY, to: now }, now);
    expect(year.remaining.docs.step).toBe(DAY);
    expect(year.remaining.docs.series.map((x) => x.values.at(-1))).toEqual(
      month.remaining.docs.series.map((x) => x.values.at(-1)),
    );
  });

  it('scope: another dealer, a manager, a branch viewer', async () => {
    const ctx = s.t.ctx;
    const bOut = await billingStats(ctx, b.actors.admin, range(), now);
    expect(bOut.table.map((r) => r.login).sort()).toEqual(['user1bm', 'user2bm']);
    expect(bOut.table[0]).toMatchObject({ login: 'user1bm', docsRemaining: 1 });
    expect(bOut.problems).toEqual([]);
    for (const mark of ['user1bl', 'alphabl', 'Ivanov bl', 'third', 'fourth']) {
      expect(JSON.stringify(bOut)).not.toContain(mark);
    }
    const m1 = await billingStats(ctx, a.actors.manager1, range(), now);
    expect(m1.table.map((r) => r.login)).toEqual(['user1bl', 'fourth']);
    expect(m1.avgDocsUsedPctByManager.series.map((x) => x.key)).toEqual([`m:${a.m1.id}`]);
    expect(m1.avgDocsUsedPct.series[0]!.values[144]).toBe(62.5);
    expect(m1.problems).toEqual([]);
    const v2 = await billingStats(ctx, a.actors.viewer2, range(), now);
    expect(v2.table.map((r) => r.login)).toEqual(['third', 'user2bl']);
    expect(v2.problems.map((p) => p.login)).toEqual(['user2bl']);
    expect(v2.mean.docsRemaining).toBe(265);
    // Variables narrow: one manager, one client.
    const byVar = await billingStats(ctx, a.actors.admin, { ...range(), managerId: [a.m2.id] }, now);
    expect(byVar.table.map((r) => r.login)).toEqual(['third', 'user2bl']);
    const byClient = await billingStats(ctx, a.actors.admin, { ...range(), clientId: [a.c1.id] }, now);
    expect(byClient.problems).toEqual([]);
    expect(byClient.remaining.docs.total).toBe(2);
  });

  it('over HTTP: the same answer, scoped; validation names the field', async () => {
    const admin = await loginAs(s.url, 'admin.bl', TEST_PASSWORD);
    const { from, to } = range();
    const r = await admin.get(`/api/dashboards/billing-stats?from=${from}&to=${to}&limit=2`);
    expect(r.status).toBe(200);
    expect(body<BillingStatsOut>(r)).toEqual(
      await billingStats(s.t.ctx, a.actors.admin, { from, to, limit: 2 }, now),
    );
    const other = await loginAs(s.url, 'manager1.bm', TEST_PASSWORD);
    const rb = await other.get('/api/dashboards/billing-stats');
    expect(rb.status).toBe(200);
    expect(body<BillingStatsOut>(rb).table.map((x) => x.login)).toEqual(['user1bm']);
    expect(rb.text).not.toContain('user1bl');
    const bad = await admin.get('/api/dashboards/billing-stats?managerId=m1&limit=5000');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('querystring.managerId');
    expect(bad.text).toContain('querystring.limit');
  });
});

describe.each(DB_KINDS)('billing statistics from the poller and the DC simulator (%s)', (kind) => {
  let w: DcWorld;
  let t: TestContext;
  let dc: DcServer;
  let accesses: OnlineAccess[];

  beforeAll(async () => {
    w = await openDcWorld(kind, {
      seed: 5,
      start: Date.UTC(2026, 10, 12, 6, 0),
      accounts: [
        { profile: 'regular', utcOffsetMin: 180 },
        { profile: 'sharer', utcOffsetMin: 180 },
        { profile: 'idle', utcOffsetMin: 420 },
      ],
    });
    ({ t, dc } = w);
    const m = await createManager(t.ctx, op, {
      dealerId: w.dealer.id,
      name: 'Sidorov',
      emails: ['s@sim.example'],
    });
    const client = await createClient(t.ctx, op, { dealerId: w.dealer.id, shortName: 'simclient' });
    accesses = [];
    for (const acc of dc.accounts)
      accesses.push(await w.addAccess(acc, { clientId: client.id, managerId: m.id, email: 's@sim.example' }));
    for (let h = 0; h < 6; h++) {
      t.clock.advance(HOUR);
      await w.runner.runUntilIdle();
    }
  });
  afterAll(async () => {
    await w?.close();
  });

  it('the table and the last points equal what the simulated DC shows', async () => {
    const now = t.clock.now();
    const out = await billingStats(t.ctx, op, { from: now - 6 * HOUR, to: now }, now);
    expect(out.table).toHaveLength(3);
    const pcts: number[] = [];
    for (const a of accesses) {
      const truth = dc.profileOf(a.login);
      const row = out.table.find((r) => r.onlineAccessId === a.id)!;
      expect(row).toMatchObject({
        docsRemaining: truth.docs.remaining,
        docsUsedPct: r2(usedPercent(truth.docs)),
        searchRemaining: truth.search.remaining,
        searchUsedPct: r2(usedPercent(truth.search)),
        printRemaining: truth.print.remaining,
        exportRemaining: truth.export.remaining,
        managers: ['Sidorov'],
        readAt: now,
      });
      pcts.push(usedPercent(truth.docs));
      const series = out.remaining.docs.series.find((x) => x.onlineAccessId === a.id)!;
      expect(series.values.at(-1)).toBe(truth.docs.remaining);
    }
    const exactMean = pcts.reduce((x, y) => x + y, 0) / pcts.length;
    expect(out.mean.docsUsedPct).toBe(r2(exactMean));
    expect(out.avgDocsUsedPct.series[0]!.values.at(-1)).toBe(r2(exactMean));
    expect(out.avgDocsUsedPctByManager.series.map((x) => [x.label, x.values.at(-1)])).toEqual([
      ['Sidorov', r2(exactMean)],
    ]);
    expect(out.problems).toEqual([]);
    expect(dc.consumed().total).toBe(0);
  });
});
