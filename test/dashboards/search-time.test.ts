/**
 * «Время выполнения поисковых запросов» over data written by the real ingest path: simulated ПК reports
 * (dealer A: one installation with two catalogs, one east of Moscow; dealer B: one) go through the
 * parser and the store, and a few crafted searches of the spec's examples (a document number full of
 * separators, a long dash, a long text) sit in a third installation. The points panel, the counts over
 * and under the threshold, the users with the most long queries, the traits of those queries and the
 * paged «Запросы» table must equal what the parsed reports say, with the variables, the bounded window,
 * scopes, and over HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  SearchTimeOut,
  SearchTimeQuery,
  SearchTimeRow,
} from '../../src/dashboards/contract-search-time.js';
import { searchTime } from '../../src/dashboards/search-time.js';
import type { Installation } from '../../src/inventory/installations.js';
import { generateSysinfoXmlString, makeProfile, type ClientProfile } from '../../src/sim/kodeks/index.js';
import type { Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';
import { ingestSysinfo } from './report-seed.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 3, 3, 0);
const RANGE = { from: NOW - 2 * DAY, to: NOW };

interface Truth {
  installationId: number;
  at: number;
  login: string;
  query: string;
  catalog: string | null;
  status: string;
  durationMs: number;
}

/** The spec's causes of long searches, as crafted rows (installation i3 gets no reports). */
const CRAFTED = [
  { login: 'ivanova', query: 'ПНД Ф 14.1:2:3:4..112-2023', status: 'success', durationMs: 42_000 },
  { login: 'ivanova', query: 'ГОСТ Р 58256—2018', status: 'success', durationMs: 27_500 },
  {
    login: 'petrov',
    query: 'порядок проведения специальной оценки условий труда на рабочих местах',
    status: 'empty',
    durationMs: 61_000,
  },
  { login: 'petrov', query: 'гост 30245', status: 'success', durationMs: 300 },
];

const words = (q: string) => q.split(' ').length;
const seps = (q: string) => (q.match(/[.,:;/\\\-–—_]/g) ?? []).length;
const chars = (q: string) => [...q].length;
const round1 = (x: number) => Math.round(x * 10) / 10;
const cmpDesc = (x: string, y: string) => (x < y ? 1 : x > y ? -1 : 0);

describe.each(DB_KINDS)('Время выполнения поисковых запросов (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let tmp: string;
  let seq = 0;
  const log = new Map<string, Truth>();

  const ingest = async (w: DealerWorld, inst: Installation, p: ClientProfile, at: number) => {
    seq += 1;
    const { snap } = await ingestSysinfo(s.t, {
      dealerId: w.dealer.id,
      installationId: inst.id,
      sourceName: p.shortName,
      xml: generateSysinfoXmlString(p, at),
      utcOffsetMin: p.utcOffsetMin,
      receivedAt: at + MIN,
      sha256: `sha-st-${kind}-${seq}`,
      dir: tmp,
      fileName: `r${seq}.xml`,
    });
    for (const x of snap.searches)
      log.set(`${inst.id}|${x.at}|${x.login}|${x.query}`, {
        installationId: inst.id,
        at: x.at,
        login: x.login,
        query: x.query,
        catalog: x.catalog,
        status: x.status,
        durationMs: x.durationMs!,
      });
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-st-'));
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'sta');
    b = await buildDealerWorld(ctx, 'stb');
    const opts = { eventLogDays: 1, searchLogHours: 24 };
    const plan: [DealerWorld, Installation, ClientProfile][] = [
      [
        a,
        a.i1,
        makeProfile({
          seed: 801,
          users: 24,
          seats: 12,
          searchScale: 4,
          catalogs: ['/docs', '/kodeks02'],
          ...opts,
        }),
      ],
      [a, a.i2, makeProfile({ seed: 802, users: 14, seats: 8, searchScale: 4, utcOffsetMin: 420, ...opts })],
      [b, b.i1, makeProfile({ seed: 803, users: 8, seats: 4, searchScale: 3, ...opts })],
    ];
    for (const [, inst, p] of plan)
      await ctx.db
        .updateTable('installations')
        .set({ utc_offset_min: p.utcOffsetMin })
        .where('id', '=', inst.id)
        .execute();
    // Every 12 hours for three days, each report with the last day of the log (overlapping).
    for (let at = NOW - 3 * DAY; at <= NOW; at += 12 * HOUR)
      for (const [w, inst, p] of plan) await ingest(w, inst, p, at);
    const crafted = CRAFTED.map((c, i) => ({
      installation_id: a.i3.id,
      at: NOW - 3 * HOUR - i * 7 * MIN,
      catalog: '/docs',
      type: 'intelligent',
      source: 'ksrv',
      login: c.login,
      query: c.query,
      status: c.status,
      duration_ms: c.durationMs,
    }));
    await ctx.db.insertInto('search_log').values(crafted).execute();
    for (const c of crafted)
      log.set(`${c.installation_id}|${c.at}|${c.login}|${c.query}`, {
        installationId: c.installation_id,
        at: c.at,
        login: c.login,
        query: c.query,
        catalog: c.catalog,
        status: c.status,
        durationMs: c.duration_ms,
      });
  }, 300_000);
  afterAll(async () => {
    await s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // ------------------------------------------------------------------ the oracle

  interface Want {
    ids: number[];
    from?: number;
    thresholdS?: number;
    status?: string[];
    catalog?: string[];
  }
  const truth = (w: Want) =>
    [...log.values()].filter(
      (x) =>
        w.ids.includes(x.installationId) &&
        x.at >= (w.from ?? RANGE.from) &&
        x.at <= RANGE.to &&
        (!w.status || w.status.includes(x.status)) &&
        (!w.catalog || (x.catalog !== null && w.catalog.includes(x.catalog))),
    );
  const over = (w: Want) => truth(w).filter((x) => x.durationMs > (w.thresholdS ?? 10) * 1000);
  const ordered = (rows: Truth[]) =>
    [...rows].sort(
      (x, y) =>
        y.durationMs - x.durationMs ||
        y.at - x.at ||
        y.installationId - x.installationId ||
        cmpDesc(x.login, y.login) ||
        cmpDesc(x.query, y.query),
    );
  const key = (r: { installationId: number; at: number; login: string; query: string }) =>
    `${r.installationId}|${r.at}|${r.login}|${r.query}`;

  const run = (actor: Actor, q: Partial<SearchTimeQuery>, budget?: number) =>
    searchTime(
      s.t.ctx,
      actor,
      { ...RANGE, ...q } as SearchTimeQuery,
      NOW,
      budget === undefined ? {} : { scanBudget: budget },
    );
  const allPages = async (actor: Actor, q: Partial<SearchTimeQuery>) => {
    const rows: SearchTimeRow[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 200; n += 1) {
      const out = await run(actor, { ...q, cursor });
      rows.push(...out.rows);
      if (out.nextCursor === null) break;
      expect(out.rows).toHaveLength(q.pageSize ?? 100);
      cursor = out.nextCursor;
    }
    return rows;
  };

  const A = () => [a.i1.id, a.i2.id, a.i3.id];

  /** Everything but the table page, checked against the oracle. */
  const check = (out: SearchTimeOut, w: Want) => {
    const all = truth(w);
    const slow = over(w);
    expect(out.counts).toEqual({ all: all.length, over: slow.length, under: all.length - slow.length });
    expect(out.thresholdS).toBe(w.thresholdS ?? 10);

    // the points: per installation catalog, per bucket the longest query (seconds)
    const t0 = out.slow.timestamps[0]!;
    const step = out.slow.step;
    expect(t0).toBeLessThanOrEqual(out.analysed.from);
    const want = new Map<string, Map<number, number>>();
    for (const x of slow) {
      const k = `c:${x.installationId}:${x.catalog ?? ''}`;
      const m = want.get(k) ?? new Map<number, number>();
      const i = Math.floor((x.at - t0) / step);
      m.set(i, Math.max(m.get(i) ?? 0, x.durationMs / 1000));
      want.set(k, m);
    }
    expect(out.slow.total).toBe(want.size);
    expect(new Set(out.slow.series.map((x) => x.key))).toEqual(new Set(want.keys()));
    for (const sr of out.slow.series) {
      const got = new Map<number, number>();
      sr.values.forEach((v, i) => {
        if (v !== null) got.set(i, v);
      });
      expect(got, sr.key).toEqual(want.get(sr.key));
      expect(sr.label.endsWith(sr.key.split(':')[2]!)).toBe(true);
    }
    // ranked by the longest query (the legend's Max)
    const maxes = out.slow.series.map((x) => Math.max(...x.values.filter((v) => v !== null)));
    expect(maxes).toEqual([...maxes].sort((x, y) => y - x));

    // the users with the most long queries
    const users = new Map<string, { id: number; login: string; n: number; max: number; sum: number }>();
    for (const x of slow) {
      const k = `${x.installationId}|${x.login}`;
      const u = users.get(k) ?? { id: x.installationId, login: x.login, n: 0, max: 0, sum: 0 };
      u.n += 1;
      u.max = Math.max(u.max, x.durationMs);
      u.sum += x.durationMs;
      users.set(k, u);
    }
    const top = [...users.values()]
      .sort((x, y) => y.n - x.n || y.max - x.max || x.id - y.id || -cmpDesc(x.login, y.login))
      .slice(0, 10);
    expect(
      out.users.map((u) => ({ id: u.installationId, login: u.login, n: u.slow, max: u.maxMs, avg: u.avgMs })),
    ).toEqual(
      top.map((u) => ({ id: u.id, login: u.login, n: u.n, max: u.max, avg: Math.round(u.sum / u.n) })),
    );
    for (const u of out.users) expect(u.share).toBeCloseTo(u.slow / slow.length, 10);

    // what the long queries look like, next to all of them
    const avg = (xs: Truth[], f: (q: string) => number) =>
      xs.length ? round1(xs.reduce((acc, x) => acc + f(x.query), 0) / xs.length) : null;
    expect(out.traits).toEqual({
      slow: {
        queries: slow.length,
        avgLength: avg(slow, chars),
        avgWords: avg(slow, words),
        avgSeparators: avg(slow, seps),
        longText: slow.filter((x) => words(x.query) >= 6).length,
        manySeparators: slow.filter((x) => seps(x.query) >= 4).length,
        longDash: slow.filter((x) => /[–—]/.test(x.query)).length,
        empty: slow.filter((x) => x.status === 'empty').length,
      },
      all: { queries: all.length, avgLength: avg(all, chars), avgWords: avg(all, words) },
    });
  };

  // ------------------------------------------------------------------ tests

  it('finds the searches over the threshold, per catalog and bucket, with the counts, users and traits', async () => {
    const w = { ids: A() };
    expect(truth(w).length).toBeGreaterThan(500);
    expect(over(w).length).toBeGreaterThan(10);
    expect(new Set(over(w).map((x) => x.catalog))).toEqual(new Set(['/docs', '/kodeks02']));
    const out = await run(a.actors.admin, {});
    expect(out.analysed).toEqual({ from: RANGE.from, to: RANGE.to, complete: true });
    expect(out.slow.step).toBe(15 * MIN);
    check(out, w);
    // the crafted queries: separators, a long dash, a long empty text
    expect(out.traits.slow.manySeparators).toBeGreaterThanOrEqual(1);
    expect(out.traits.slow.longDash).toBe(1);
    expect(out.traits.slow.longText).toBeGreaterThanOrEqual(1);
    expect(out.catalogs).toEqual(['/docs', '/kodeks02']);
  });

  it('pages «Запросы» the longest first through the cursor, each row described', async () => {
    const want = ordered(over({ ids: A() }));
    const rows = await allPages(a.actors.admin, { pageSize: 7 });
    expect(rows.map(key)).toEqual(want.map(key));
    expect(rows.map((r) => r.durationMs)).toEqual(want.map((x) => x.durationMs));
    expect(rows[0]).toMatchObject({ query: CRAFTED[2]!.query, durationMs: 61_000, client: a.c3.shortName });
    const r = rows.find((x) => x.installationId === a.i1.id)!;
    const t = want.find((x) => key(x) === key(r))!;
    expect(r).toMatchObject({ clientId: a.c1.id, catalog: t.catalog, status: t.status });
    const first = await run(a.actors.admin, {});
    expect(first.rows.map(key)).toEqual(want.slice(0, 100).map(key));
  });

  it('follows the threshold, the status and the catalog variables', async () => {
    for (const thresholdS of [3, 5, 15]) {
      const w = { ids: A(), thresholdS };
      const out = await run(a.actors.admin, { threshold: thresholdS, pageSize: 500 });
      check(out, w);
      expect(out.rows.map(key)).toEqual(ordered(over(w)).map(key));
      for (const r of out.rows) expect(r.durationMs).toBeGreaterThan(thresholdS * 1000);
    }
    expect(over({ ids: A(), thresholdS: 3 }).length).toBeGreaterThan(
      over({ ids: A(), thresholdS: 15 }).length,
    );

    const empty = { ids: A(), status: ['empty'], thresholdS: 3 };
    expect(over(empty).length).toBeGreaterThan(0);
    const e = await run(a.actors.admin, { status: ['empty'], threshold: 3, pageSize: 500 });
    check(e, empty);
    expect(e.rows.map(key)).toEqual(ordered(over(empty)).map(key));

    const cat = { ids: A(), catalog: ['/kodeks02'], thresholdS: 3 };
    const c = await run(a.actors.admin, { catalog: ['/kodeks02'], threshold: 3, pageSize: 500 });
    check(c, cat);
    expect(c.rows.map(key)).toEqual(ordered(over(cat)).map(key));
    expect(c.catalogs).toEqual(['/docs', '/kodeks02']);
  });

  it('reads a bounded window: a range with more searches than the budget is analysed from its newest part', async () => {
    const budget = 300;
    const out = await run(a.actors.admin, { threshold: 3, pageSize: 500 }, budget);
    expect(out.analysed.complete).toBe(false);
    expect(out.analysed.from).toBeGreaterThan(RANGE.from);
    expect(out.analysed.to).toBe(RANGE.to);
    const w = { ids: A(), thresholdS: 3, from: out.analysed.from };
    check(out, w);
    expect(out.rows.map(key)).toEqual(ordered(over(w)).map(key));
    // about the budget: the rollup's days are an estimate, never the whole range
    expect(out.counts.all).toBeGreaterThan(0);
    expect(out.counts.all).toBeLessThanOrEqual(3 * budget);
    expect(out.counts.all).toBeLessThan(truth({ ids: A() }).length);
    // a range that fits is read whole
    const whole = await run(a.actors.admin, { threshold: 3 }, 1_000_000);
    expect(whole.analysed.complete).toBe(true);
  });

  it("scopes: a manager sees his clients' installations only, another dealer none of it", async () => {
    const mgr = await run(a.actors.manager1, { threshold: 3 });
    check(mgr, { ids: [a.i1.id], thresholdS: 3 });
    expect(mgr).toEqual(await run(a.actors.admin, { threshold: 3, installationId: [a.i1.id] }));
    expect(await run(a.actors.manager1, { threshold: 3, installationId: [a.i2.id] })).toMatchObject({
      counts: { all: 0, over: 0, under: 0 },
      rows: [],
      users: [],
      catalogs: [],
    });
    const other = await run(b.actors.admin, { threshold: 3, installationId: A() });
    expect(other).toMatchObject({ counts: { all: 0, over: 0 }, rows: [], users: [] });
    expect(other.slow.series).toEqual([]);
    const own = await run(b.actors.admin, { threshold: 3 });
    check(own, { ids: [b.i1.id], thresholdS: 3 });
  });

  it('answers over HTTP, only in scope, and names invalid fields', async () => {
    s.t.clock.t = NOW;
    const admin = await loginAs(s.url, a.users.admin.login, TEST_PASSWORD);
    const base = `from=${RANGE.from}&to=${RANGE.to}`;
    const r = await admin.get(`/api/dashboards/search-time?${base}&threshold=5s&pageSize=10`);
    expect(r.status).toBe(200);
    const page = body<SearchTimeOut>(r);
    expect(page).toEqual(
      JSON.parse(JSON.stringify(await run(a.actors.admin, { threshold: 5, pageSize: 10 }))),
    );
    const next = body<SearchTimeOut>(
      await admin.get(
        `/api/dashboards/search-time?${base}&threshold=5&pageSize=10&cursor=${page.nextCursor!}`,
      ),
    );
    expect(next.rows.map(key)).toEqual(
      ordered(over({ ids: A(), thresholdS: 5 }))
        .slice(10, 20)
        .map(key),
    );
    const def = body<SearchTimeOut>(await admin.get('/api/dashboards/search-time'));
    expect(def).toMatchObject({ to: NOW, from: NOW - DAY, thresholdS: 10 });

    const other = await loginAs(s.url, b.users.admin.login, TEST_PASSWORD);
    const rb = body<SearchTimeOut>(
      await other.get(`/api/dashboards/search-time?${base}&threshold=3&clientId=${a.c1.id},${a.c2.id}`),
    );
    expect(rb.rows).toEqual([]);
    expect(rb.counts.all).toBe(0);

    for (const [url, field] of [
      ['/api/dashboards/search-time?threshold=0', 'querystring.threshold'],
      ['/api/dashboards/search-time?threshold=1.5s', 'querystring.threshold'],
      ['/api/dashboards/search-time?threshold=601s', 'querystring.threshold'],
      ['/api/dashboards/search-time?threshold=10m', 'querystring.threshold'],
      ['/api/dashboards/search-time?status=error', 'querystring.status'],
      ['/api/dashboards/search-time?pageSize=0', 'querystring.pageSize'],
      ['/api/dashboards/search-time?cursor=a%2Bb', 'querystring.cursor'],
      ['/api/dashboards/search-time?cursor=abc', 'querystring.cursor'],
      ['/api/dashboards/search-time?from=yesterday', 'querystring.from'],
    ] as const) {
      const e = await admin.get(url);
      expect(e.status, url).toBe(400);
      expect(body<{ message: string }>(e).message, url).toContain(field);
    }
  });
});
