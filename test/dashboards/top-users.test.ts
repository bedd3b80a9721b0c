/**
 * «Топ20 самых активных пользователей» over months: the ranking reads `user_usage_monthly` for bounds and
 * whole months and the daily rows and the search log only for the partial months at the range's ends.
 * Four months of per-user rows are written straight into the raw tables (installations in two time
 * zones, users whose activity differs month by month, so that a month-bounded ranking and the exact one
 * disagree), the rollup is rebuilt, and for ranges that start and end mid-month, on a month's first
 * day, within one month and across a year the top is compared with a brute-force sum of the raw rows.
 * A second part checks that the ingest path keeps the rollup equal to a rebuild.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userCards } from '../../src/dashboards/user-cards.js';
import { UNDEFINED_DOMAIN } from '../../src/ingest/parse/snapshot.js';
import {
  addUserSearches,
  rebuildUserUsageMonthly,
  refreshUserMonths,
} from '../../src/ingest/user-usage-monthly.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { buildDealerWorld, type DealerWorld } from '../helpers/tenants.js';
import { userUsageDay } from '../helpers/usage.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** 2025-11-01 … 2026-02-28 (local days). */
const START_DAY = Date.UTC(2025, 10, 1) / DAY;
const DAYS = 120;
const NOW = Date.UTC(2026, 2, 1, 12);

/** A small deterministic generator (the numbers need only differ between users, days and months). */
function mix(...xs: number[]): number {
  let h = 2166136261;
  for (const x of xs) {
    h ^= x;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const dayString = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);

interface Fact {
  inst: number;
  off: number;
  login: string;
  day: string;
  docs: number;
  /** Instants of intelligent searches. */
  smart: number[];
  /** Instants of other (attribute) searches, which do not count. */
  other: number[];
}

describe.each(DB_KINDS)('top users over months (%s)', (kind) => {
  let t: TestContext;
  let w: DealerWorld;
  const facts: Fact[] = [];

  beforeAll(async () => {
    t = await openTestContext(kind);
    t.clock.t = NOW;
    w = await buildDealerWorld(t.ctx, 'tu');
    const plan = [
      { inst: w.i1.id, off: 180, users: 6 },
      { inst: w.i2.id, off: 420, users: 5 },
    ];
    for (const p of plan) {
      await t.ctx.db
        .updateTable('installations')
        .set({ utc_offset_min: p.off })
        .where('id', '=', p.inst)
        .execute();
      await t.ctx.db
        .insertInto('installation_users')
        .values(
          Array.from({ length: p.users }, (_, u) => ({
            installation_id: p.inst,
            login: `u${u}`,
            domain: u % 2 ? 'ОТДЕЛ' : UNDEFINED_DOMAIN,
            blocked: 0,
            last_seen_in_report_at: NOW,
          })),
        )
        .execute();
      for (let d = START_DAY; d < START_DAY + DAYS; d += 1) {
        const month = new Date(d * DAY).getUTCMonth();
        for (let u = 0; u < p.users; u += 1) {
          // Each user has busy months and quiet ones, so monthly totals rank users differently from days.
          const busy = (month + u) % 3 === 0 ? 4 : 1;
          const h = mix(p.inst, u, d);
          if (h % 5 === 0) continue;
          const dayStart = d * DAY - p.off * MIN;
          const smart = Array.from(
            { length: (h >>> 3) % (3 * busy) },
            (_, k) => dayStart + 9 * HOUR + k * 7 * MIN + u,
          );
          const other = Array.from({ length: (h >>> 7) % 2 }, (_, k) => dayStart + 15 * HOUR + k * MIN + u);
          facts.push({
            inst: p.inst,
            off: p.off,
            login: `u${u}`,
            day: dayString(d),
            docs: (h >>> 11) % (5 * busy),
            smart,
            other,
          });
        }
      }
    }
    for (let i = 0; i < facts.length; i += 200) {
      const part = facts.slice(i, i + 200);
      await t.ctx.db
        .insertInto('user_usage_daily')
        .values(
          part.map((f) =>
            userUsageDay(f.inst, f.login, f.day, {
              db_requests: f.docs + f.smart.length,
              docs_counted: f.docs,
              docs_licensed: f.docs,
            }),
          ),
        )
        .execute();
      const searches = part.flatMap((f) => [
        ...f.smart.map((at) => ({ f, at, type: 'intelligent' })),
        ...f.other.map((at) => ({ f, at, type: 'attribute' })),
      ]);
      for (let j = 0; j < searches.length; j += 200)
        await t.ctx.db
          .insertInto('search_log')
          .values(
            searches.slice(j, j + 200).map(({ f, at, type }) => ({
              installation_id: f.inst,
              at,
              login: f.login,
              query: `q${at}`,
              type,
              source: 'ksrv',
              status: 'success',
            })),
          )
          .execute();
    }
    await rebuildUserUsageMonthly(t.ctx.db, kind);
  }, 120_000);
  afterAll(async () => t.close());

  /** Brute force over the raw facts: the range's local days for documents, [day start, to] for searches. */
  const expected = (from: number, to: number, n: number, domain?: string) => {
    const per = new Map<
      string,
      { installationId: number; login: string; searches: number; documents: number }
    >();
    for (const f of facts) {
      const lo = new Date(from + f.off * MIN).toISOString().slice(0, 10);
      const hi = new Date(to + f.off * MIN).toISOString().slice(0, 10);
      const since = Date.parse(`${lo}T00:00:00Z`) - f.off * MIN;
      const k = `${f.inst}|${f.login}`;
      const e = per.get(k) ?? { installationId: f.inst, login: f.login, searches: 0, documents: 0 };
      if (f.day >= lo && f.day <= hi) e.documents += f.docs;
      e.searches += f.smart.filter((at) => at >= since && at <= to).length;
      per.set(k, e);
    }
    const domainOf = (login: string) => (Number(login.slice(1)) % 2 ? 'ОТДЕЛ' : UNDEFINED_DOMAIN);
    return [...per.values()]
      .filter((e) => e.searches + e.documents > 0 && (!domain || domainOf(e.login) === domain))
      .sort(
        (x, y) =>
          y.searches + y.documents - (x.searches + x.documents) ||
          cmp(x.login, y.login) ||
          x.installationId - y.installationId,
      )
      .slice(0, n);
  };

  it('equals a brute-force ranking for ranges that cut months anywhere', async () => {
    const ranges: [string, number, number][] = [
      [
        'mid-month to mid-month, two whole months inside',
        Date.UTC(2025, 10, 17, 10),
        Date.UTC(2026, 1, 11, 15),
      ],
      ['from a 1st to a month end', Date.UTC(2025, 11, 1) - 180 * MIN, Date.UTC(2026, 1, 1) - 180 * MIN - 1],
      ['within one month', Date.UTC(2026, 0, 5, 3), Date.UTC(2026, 0, 20, 22)],
      ['across the year', Date.UTC(2025, 11, 28), Date.UTC(2026, 0, 3, 6)],
      ['the whole history', Date.UTC(2025, 9, 1), NOW],
      ['one day', Date.UTC(2026, 1, 10, 12), Date.UTC(2026, 1, 11, 12)],
    ];
    for (const [what, from, to] of ranges)
      for (const n of [1, 3, 20]) {
        const o = await userCards(t.ctx, w.actors.admin, { from, to, top: n, limit: 1 }, NOW);
        const got = o.top.map(({ installationId, login, searches, documents }) => ({
          installationId,
          login,
          searches,
          documents,
        }));
        const want = expected(from, to, n);
        expect(want.length, what).toBeGreaterThan(0);
        expect(got, `${what}, top ${n}`).toEqual(want);
      }
  });

  it('ranks within a domain and within a manager’s scope', async () => {
    const from = Date.UTC(2025, 10, 20);
    const to = Date.UTC(2026, 1, 5);
    const o = await userCards(t.ctx, w.actors.admin, { from, to, top: 4, domain: ['ОТДЕЛ'], limit: 1 }, NOW);
    expect(o.top.map((r) => [r.installationId, r.login, r.activity])).toEqual(
      expected(from, to, 4, 'ОТДЕЛ').map((e) => [e.installationId, e.login, e.searches + e.documents]),
    );
    // manager1 sees c1's installation only (i1)
    const m = await userCards(t.ctx, w.actors.manager1, { from, to, top: 50, limit: 1 }, NOW);
    expect(new Set(m.top.map((r) => r.installationId))).toEqual(new Set([w.i1.id]));
    expect(m.top.length).toBe(expected(from, to, 1000).filter((e) => e.installationId === w.i1.id).length);
  });

  it('keeps the rollup on the write path equal to a rebuild', async () => {
    const read = async () =>
      (
        await t.ctx.db
          .selectFrom('user_usage_monthly')
          .selectAll()
          .orderBy('installation_id')
          .orderBy('month')
          .orderBy('login')
          .execute()
      ).map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? v : Number(v)])),
      );
    const rebuilt = await read();
    // Written as reports would write it: counters per month from the daily rows, searches as added.
    await t.ctx.db.deleteFrom('user_usage_monthly').execute();
    for (const inst of [w.i1.id, w.i2.id]) {
      const days = [...new Set(facts.filter((f) => f.inst === inst).map((f) => f.day))];
      await refreshUserMonths(t.ctx.db, inst, days);
      const mine = facts.filter((f) => f.inst === inst);
      const added = mine.flatMap((f) => [
        ...f.smart.map((at) => ({ at, login: f.login, status: 'success', type: 'intelligent' })),
        ...f.other.map((at) => ({ at, login: f.login, status: 'success', type: 'attribute' })),
      ]);
      // In two halves, as two reports would add them.
      const half = Math.floor(added.length / 2);
      await addUserSearches(t.ctx.db, inst, added.slice(0, half), mine[0]!.off);
      await addUserSearches(t.ctx.db, inst, added.slice(half), mine[0]!.off);
    }
    const kept = await read();
    expect(kept.length).toBeGreaterThan(20);
    expect(kept).toEqual(rebuilt);
  });
});
