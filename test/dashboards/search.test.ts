/**
 * «Поисковые запросы» and «Статистика в разрезе MS AD» over data written by the real ingest path:
 * simulated ПК reports (two installations of dealer A with users in AD domains, one of dealer B) go
 * through the parser and the store across a month boundary; the log pages, filters, per-day counts and
 * the per-domain month-to-date panels must equal what the parsed reports say, within the caller's scope.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adStats } from '../../src/dashboards/ad-stats.js';
import {
  AD_STATS_PANELS,
  type AdStatsOut,
  type AdStatsPanel,
  type SearchQueriesOut,
  type SearchQueriesQuery,
} from '../../src/dashboards/contract-search.js';
import { searchQueries } from '../../src/dashboards/search-queries.js';
import { UNDEFINED_DOMAIN, type Snapshot } from '../../src/ingest/parse/snapshot.js';
import type { Installation } from '../../src/inventory/installations.js';
import { generateSysinfoXmlString, makeProfile, type ClientProfile } from '../../src/sim/kodeks/index.js';
import type { Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { ingestSysinfo } from './report-seed.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MSK = 180 * MIN;
/** Reports every 6 hours from 2026-03-29 00:00 UTC to 2026-04-02 18:00 UTC. */
const FIRST = Date.UTC(2026, 2, 29, 0);
const REPORTS = 20;
const NOW = Date.UTC(2026, 3, 3, 0);
const RANGE = { from: Date.UTC(2026, 2, 27, 21), to: NOW };

const axisDate = (ms: number) => new Date(ms + MSK).toISOString().slice(0, 10);
const localDay = (ms: number, off: number) => new Date(ms + off * MIN).toISOString().slice(0, 10);
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

function adProfile(from: number, users: number, utcOffsetMin: number): ClientProfile {
  for (let seed = from; ; seed += 1) {
    const p = makeProfile({ seed, users, seats: Math.ceil(users / 2), utcOffsetMin, eventLogDays: 1 });
    if (new Set(p.users.map((u) => u.domain).filter((d) => d !== UNDEFINED_DOMAIN)).size >= 2) return p;
  }
}

interface Truth {
  installationId: number;
  at: number;
  login: string;
  query: string;
  status: string;
  type: string;
  catalog: string | null;
}

describe.each(DB_KINDS)('search queries and AD statistics (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let tmp: string;
  let seq = 0;
  const snaps = new Map<number, Snapshot[]>();
  const profiles = new Map<number, ClientProfile>();

  const ingest = async (w: DealerWorld, inst: Installation, p: ClientProfile, at: number) => {
    seq += 1;
    const { snap } = await ingestSysinfo(s.t, {
      dealerId: w.dealer.id,
      installationId: inst.id,
      sourceName: p.shortName,
      xml: generateSysinfoXmlString(p, at),
      utcOffsetMin: p.utcOffsetMin,
      receivedAt: at + MIN,
      sha256: `sha-s-${kind}-${seq}`,
      dir: tmp,
      fileName: `r${seq}.xml`,
    });
    snaps.set(inst.id, [...(snaps.get(inst.id) ?? []), snap]);
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-search-'));
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'sqa');
    b = await buildDealerWorld(ctx, 'sqb');
    const p1 = adProfile(500, 14, 180);
    const plan: [DealerWorld, Installation, ClientProfile][] = [
      [a, a.i1, p1],
      [a, a.i2, adProfile(p1.seed + 1, 8, 420)],
      [b, b.i1, adProfile(700, 6, 180)],
    ];
    for (const [, inst, p] of plan) {
      profiles.set(inst.id, p);
      await ctx.db
        .updateTable('installations')
        .set({ utc_offset_min: p.utcOffsetMin })
        .where('id', '=', inst.id)
        .execute();
    }
    for (let k = 0; k < REPORTS; k += 1)
      for (const [w, inst, p] of plan) await ingest(w, inst, p, FIRST + k * 6 * HOUR);
  }, 300_000);
  afterAll(async () => {
    await s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // ------------------------------------------------------------------ the oracle, from parsed reports

  const truthLog = (ids: number[]): Truth[] => {
    const m = new Map<string, Truth>();
    for (const id of ids)
      for (const snap of snaps.get(id) ?? [])
        for (const x of snap.searches) {
          const k = `${id}|${x.at}|${x.login}|${x.query}`;
          if (!m.has(k))
            m.set(k, {
              installationId: id,
              at: x.at,
              login: x.login,
              query: x.query,
              status: x.status,
              type: x.type,
              catalog: x.catalog,
            });
        }
    const cmp = (x: string, y: string) => (x < y ? 1 : x > y ? -1 : 0);
    return [...m.values()]
      .filter((t) => t.at >= RANGE.from && t.at <= RANGE.to)
      .sort(
        (x, y) =>
          y.at - x.at ||
          y.installationId - x.installationId ||
          cmp(x.login, y.login) ||
          cmp(x.query, y.query),
      );
  };
  const latestDomains = (id: number) =>
    new Map(
      snaps
        .get(id)!
        .at(-1)!
        .users.map((u) => [u.login, u.domain || UNDEFINED_DOMAIN]),
    );

  const run = (actor: Actor, q: Partial<SearchQueriesQuery>) =>
    searchQueries(s.t.ctx, actor, { ...RANGE, ...q } as SearchQueriesQuery, NOW);
  const key = (r: { installationId: number; at: number; login: string; query: string }) =>
    `${r.installationId}|${r.at}|${r.login}|${r.query}`;
  const allPages = async (actor: Actor, q: Partial<SearchQueriesQuery>) => {
    const rows: SearchQueriesOut['rows'] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 1000; n += 1) {
      const out = await run(actor, { ...q, cursor });
      rows.push(...out.rows);
      if (out.nextCursor === null) break;
      expect(out.rows).toHaveLength(q.limit ?? 100);
      cursor = out.nextCursor;
    }
    return rows;
  };

  // ------------------------------------------------------------------ tests

  it('pages the whole log newest first through the cursor, each row described', async () => {
    const want = truthLog([a.i1.id, a.i2.id]);
    expect(want.length).toBeGreaterThan(60);
    const rows = await allPages(a.actors.admin, { limit: 17 });
    expect(rows.map(key)).toEqual(want.map(key));
    const one = await run(a.actors.admin, {});
    expect(one.rows.map(key)).toEqual(want.slice(0, 100).map(key));
    // the columns of the spec's tables
    const doms = latestDomains(a.i1.id);
    const r = rows.find((x) => x.installationId === a.i1.id)!;
    const t = want.find((x) => key(x) === key(r))!;
    expect(r).toMatchObject({
      clientId: a.c1.id,
      status: t.status,
      type: t.type,
      catalog: t.catalog,
      domain: doms.get(r.login),
      clientname: snaps.get(a.i1.id)!.at(-1)!.client.name,
    });
    expect(r.managers.length).toBeGreaterThan(0);
  });

  it('filters by status («Пустой поиск»), user, text, type and catalog', async () => {
    const all = truthLog([a.i1.id, a.i2.id]);
    const empty = all.filter((x) => x.status === 'empty');
    expect(empty.length).toBeGreaterThan(0);
    expect((await allPages(a.actors.admin, { status: ['empty'], limit: 5 })).map(key)).toEqual(
      empty.map(key),
    );
    const success = all.filter((x) => x.status === 'success');
    expect((await run(a.actors.admin, { status: ['success'], limit: 1000 })).rows.map(key)).toEqual(
      success.map(key),
    );
    const login = all[0]!.login;
    const mine = all.filter((x) => x.login === login);
    expect((await allPages(a.actors.admin, { user: [login], limit: 3 })).map(key)).toEqual(mine.map(key));
    const text = all[all.length - 1]!.query.slice(1, 5);
    expect((await run(a.actors.admin, { text, limit: 1000 })).rows.map(key)).toEqual(
      all.filter((x) => x.query.includes(text)).map(key),
    );
    expect((await run(a.actors.admin, { type: ['attribute'], limit: 1000 })).rows.map(key)).toEqual(
      all.filter((x) => x.type === 'attribute').map(key),
    );
    const cat = all[0]!.catalog!;
    expect(
      (await run(a.actors.admin, { catalog: [cat], status: ['empty'], limit: 1000 })).rows.map(key),
    ).toEqual(all.filter((x) => x.catalog === cat && x.status === 'empty').map(key));
    expect((await run(a.actors.admin, { text: 'no such text at all' })).rows).toEqual([]);
  });

  it('counts searches and empty searches per day from the rollup', async () => {
    const out = await run(a.actors.admin, {});
    const pd = out.perDay;
    expect(pd.step).toBe(DAY);
    const perDay = new Map<string, { searches: number; empty: number }>();
    // every search ever logged of the two installations, at its installation's local day
    const m = new Map<string, Truth>();
    for (const id of [a.i1.id, a.i2.id])
      for (const snap of snaps.get(id)!)
        for (const x of snap.searches)
          m.set(`${id}|${x.at}|${x.login}|${x.query}`, { ...x, installationId: id });
    for (const t of m.values()) {
      const d = localDay(t.at, profiles.get(t.installationId)!.utcOffsetMin);
      const e = perDay.get(d) ?? { searches: 0, empty: 0 };
      e.searches += 1;
      if (t.status === 'empty') e.empty += 1;
      perDay.set(d, e);
    }
    const series = (k: string) => pd.series.find((x) => x.key === k)!.values;
    for (const [i, ts] of pd.timestamps.entries()) {
      const d = axisDate(ts);
      const e = perDay.get(d);
      if (e) {
        expect(series('searches')[i], d).toBe(e.searches);
        expect(series('empty')[i], d).toBe(e.empty);
      }
    }
    expect(series('empty').reduce<number>((x, v) => x + (v ?? 0), 0)).toBeGreaterThan(0);
  });

  it('AD statistics: month to date per domain equals the reports, with the domain variable', async () => {
    const ids = [a.i1.id, a.i2.id];
    // newest report's counters per (installation, day, login); the domains of the latest user list
    const usage = new Map<string, { day: string; domain: string; u: Snapshot['usage'][number] }>();
    const reported = new Set<string>();
    for (const id of ids) {
      const doms = latestDomains(id);
      for (const snap of snaps.get(id)!) {
        reported.add(localDay(snap.producedAt!, profiles.get(id)!.utcOffsetMin));
        for (const u of snap.usage)
          usage.set(`${id}|${u.day}|${u.login}`, {
            day: u.day,
            domain: doms.get(u.login) ?? UNDEFINED_DOMAIN,
            u,
          });
      }
    }
    const searches = new Map<string, number>(); // domain|day → searches
    for (const id of ids) {
      const doms = latestDomains(id);
      const seen = new Set<string>();
      for (const snap of snaps.get(id)!)
        for (const x of snap.searches) {
          const k = `${x.at}|${x.login}|${x.query}`;
          if (seen.has(k)) continue;
          seen.add(k);
          const dk = `${doms.get(x.login) ?? UNDEFINED_DOMAIN}|${localDay(x.at, profiles.get(id)!.utcOffsetMin)}`;
          searches.set(dk, (searches.get(dk) ?? 0) + 1);
        }
    }
    const dayValue = (p: AdStatsPanel, domain: string, day: string) => {
      let v = 0;
      for (const e of usage.values()) {
        if (e.domain !== domain || e.day !== day) continue;
        const u = e.u;
        v +=
          p === 'docsLicensed'
            ? u.docsLicensed
            : p === 'docsFree'
              ? u.docsFree
              : p === 'printed'
                ? u.printed
                : p === 'saved'
                  ? u.saved
                  : p === 'dbRequests'
                    ? u.dbRequests
                    : u.docsCounted;
      }
      if (p === 'activity') v += searches.get(`${domain}|${day}`) ?? 0;
      return v;
    };
    const mtd = (p: AdStatsPanel, domain: string, day: string) => {
      let v = 0;
      for (let d = `${day.slice(0, 8)}01`; d <= day; d = addDays(d, 1)) v += dayValue(p, domain, d);
      return v;
    };
    const domains = [...new Set([...usage.values()].map((e) => e.domain))];
    const check = (out: AdStatsOut, want: string[]) => {
      for (const p of AD_STATS_PANELS) {
        const pl = out.panels[p];
        expect(pl.step).toBe(DAY);
        expect(new Set(pl.series.map((x) => x.label)), p).toEqual(new Set(want));
        for (const sr of pl.series) {
          const exp = pl.timestamps.map((ts) => {
            const d = axisDate(ts);
            return reported.has(d) && d <= axisDate(NOW) ? mtd(p, sr.label, d) : null;
          });
          expect(sr.values, `${p} ${sr.label}`).toEqual(exp);
        }
      }
    };
    const out = await adStats(s.t.ctx, a.actors.admin, { ...RANGE }, NOW);
    check(out, domains);
    // the month restarts: March 31 carries March, April 1 only April
    const at = (d: string) => out.panels.dbRequests.timestamps.indexOf(Date.parse(`${d}T00:00:00Z`) - MSK);
    const top = out.panels.dbRequests.series[0]!;
    expect(top.values[at('2026-03-31')]!).toBeGreaterThan(top.values[at('2026-04-01')]!);
    // the licences held now, per domain of the session, from the newest reports
    const held = new Map<string, number>();
    for (const id of ids)
      for (const x of snaps.get(id)!.at(-1)!.sessions)
        if (x.holdsLicence) {
          const d = x.domain.trim() || UNDEFINED_DOMAIN;
          held.set(d, (held.get(d) ?? 0) + 1);
        }
    expect(new Map(out.licences.map((l) => [l.domain, l.inUse]))).toEqual(held);

    const named = domains.filter((d) => d !== UNDEFINED_DOMAIN).slice(0, 1);
    check(await adStats(s.t.ctx, a.actors.admin, { ...RANGE, domain: named }, NOW), named);

    // From 200 days on: a point per month (at its 1st, Moscow midnight), the month's total
    const long = await adStats(s.t.ctx, a.actors.admin, { from: NOW - 300 * DAY, to: NOW }, NOW);
    const monthTotal = (p: AdStatsPanel, domain: string, month: string) => {
      let v = 0;
      let any = false;
      for (const e of usage.values()) if (e.domain === domain && e.day.startsWith(month)) any = true;
      for (let d = `${month}-01`; d.startsWith(month); d = addDays(d, 1)) v += dayValue(p, domain, d);
      return any || v > 0 ? v : null;
    };
    for (const p of AD_STATS_PANELS) {
      const pl = long.panels[p];
      expect(pl.timestamps.length).toBe(11); // June 2025 … April 2026
      expect(pl.timestamps.at(-1)).toBe(Date.parse('2026-04-01T00:00:00Z') - MSK);
      expect(new Set(pl.series.map((x) => x.label)), p).toEqual(new Set(domains));
      for (const sr of pl.series)
        expect(sr.values, `${p} ${sr.label}`).toEqual(
          pl.timestamps.map((ts) => monthTotal(p, sr.label, axisDate(ts).slice(0, 7))),
        );
    }
    expect(long.panels.dbRequests.series[0]!.values.slice(-2).every((v) => v !== null && v > 0)).toBe(true);
  });

  it("scopes: another dealer sees none of it, a manager only his clients'", async () => {
    const ofB = await allPages(b.actors.admin, { limit: 500 });
    expect(ofB.map(key)).toEqual(truthLog([b.i1.id]).map(key));
    expect((await run(b.actors.admin, { installationId: [a.i1.id, a.i2.id] })).rows).toEqual([]);
    const pdB = (await run(b.actors.admin, { installationId: [a.i1.id] })).perDay;
    for (const sr of pdB.series) expect(sr.values.every((v) => v === null)).toBe(true);
    const mgr = await allPages(a.actors.manager1, { limit: 500 });
    expect(mgr.map(key)).toEqual(truthLog([a.i1.id]).map(key));
    expect((await run(a.actors.manager1, { installationId: [a.i2.id] })).rows).toEqual([]);

    const adB = await adStats(s.t.ctx, b.actors.admin, { ...RANGE, installationId: [a.i1.id] }, NOW);
    for (const p of AD_STATS_PANELS) expect(adB.panels[p]).toMatchObject({ series: [], total: 0 });
    expect(adB.licences).toEqual([]);
    const adM = await adStats(s.t.ctx, a.actors.manager1, { ...RANGE }, NOW);
    const adI1 = await adStats(s.t.ctx, a.actors.admin, { ...RANGE, installationId: [a.i1.id] }, NOW);
    expect(adM).toEqual(adI1);
  });

  it('answers over HTTP, only in scope, and names invalid fields', async () => {
    const base = `from=${RANGE.from}&to=${RANGE.to}`;
    const admin = await loginAs(s.url, a.users.admin.login, TEST_PASSWORD);
    const r = await admin.get(`/api/dashboards/search-queries?${base}&limit=10&status=empty`);
    expect(r.status).toBe(200);
    const page = body<SearchQueriesOut>(r);
    expect(page).toEqual(
      JSON.parse(JSON.stringify(await run(a.actors.admin, { limit: 10, status: ['empty'] }))),
    );
    const next = body<SearchQueriesOut>(
      await admin.get(
        `/api/dashboards/search-queries?${base}&limit=10&status=empty&cursor=${page.nextCursor!}`,
      ),
    );
    expect(next.rows.map(key)).toEqual(
      truthLog([a.i1.id, a.i2.id])
        .filter((x) => x.status === 'empty')
        .slice(10, 20)
        .map(key),
    );
    const ad = await admin.get(`/api/dashboards/ad-stats?${base}`);
    expect(ad.status).toBe(200);
    expect(body<AdStatsOut>(ad)).toEqual(
      JSON.parse(JSON.stringify(await adStats(s.t.ctx, a.actors.admin, RANGE, NOW))),
    );

    const other = await loginAs(s.url, b.users.admin.login, TEST_PASSWORD);
    const rb = body<SearchQueriesOut>(
      await other.get(`/api/dashboards/search-queries?${base}&installationId=${a.i1.id},${a.i2.id}`),
    );
    expect(rb.rows).toEqual([]);
    const rb2 = body<SearchQueriesOut>(await other.get(`/api/dashboards/search-queries?${base}&limit=1000`));
    expect(new Set(rb2.rows.map((x) => x.installationId))).toEqual(new Set([b.i1.id]));
    const adb = body<AdStatsOut>(
      await other.get(`/api/dashboards/ad-stats?${base}&installationId=${a.i1.id}`),
    );
    expect(adb.panels.dbRequests.series).toEqual([]);

    for (const [url, field] of [
      ['/api/dashboards/search-queries?status=bogus', 'querystring.status'],
      ['/api/dashboards/search-queries?limit=0', 'querystring.limit'],
      ['/api/dashboards/search-queries?cursor=a%2Bb', 'querystring.cursor'],
      ['/api/dashboards/search-queries?cursor=abc', 'querystring.cursor'],
      ['/api/dashboards/ad-stats?from=yesterday', 'querystring.from'],
    ] as const) {
      const e = await admin.get(url);
      expect(e.status, url).toBe(400);
      expect(body<{ message: string }>(e).message, url).toContain(field);
    }
  });
});
