/**
 * «kAssist. Аналитика» over data written by the real ingest path: sysinfo reports of simulated ПК
 * (dealer A: a client with two kAssist installations, one installation whose statistics start in May
 * 2024, one without kAssist; dealer B: one more) go through the parser and the store. The daily bars,
 * the per-client interval tables and the coverage must equal what the parsed reports say (the newest
 * report's numbers per day), within the caller's scope, and over HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KASSIST_PANELS,
  KASSIST_TABLES,
  type KassistOut,
  type KassistPanel,
  type KassistQuery,
} from '../../src/dashboards/contract-kassist.js';
import { kassistAnalytics } from '../../src/dashboards/kassist-analytics.js';
import type { SnapshotKassistLinks } from '../../src/ingest/parse/snapshot.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import { generateSysinfoXmlString, makeProfile, type ClientProfile } from '../../src/sim/kodeks/index.js';
import { cliActor, type Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';
import { ingestSysinfo } from './report-seed.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MSK = 180 * MIN;
const NOW = Date.UTC(2026, 3, 3, 0);
/** March 2026 and two days of April, in Moscow. */
const RECENT = { from: Date.UTC(2026, 2, 1) - MSK, to: NOW };
/** Around the first kAssist statistics of the ПК (May 2024). */
const EARLY = { from: Date.UTC(2024, 3, 20) - MSK, to: Date.UTC(2024, 5, 15) - MSK };

const axisDate = (ms: number) => new Date(ms + MSK).toISOString().slice(0, 10);

/** The first simulated client from seed `from` on with (or without) kAssist users. */
function profile(from: number, kassist: boolean, utcOffsetMin: number): ClientProfile {
  for (let seed = from; ; seed += 1) {
    const p = makeProfile({ seed, users: 12, seats: 6, utcOffsetMin, eventLogDays: 1, searchLogHours: 2 });
    const users = p.users.filter((u) => u.kassistUser).length;
    if (kassist ? p.kassistVersion !== null && users >= 2 : p.kassistVersion === null) return p;
  }
}

describe.each(DB_KINDS)('kAssist. Аналитика (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let a1b: Installation;
  let tmp: string;
  let seq = 0;
  /** Per installation and local day, the newest report's statistics. */
  const truth = new Map<number, Map<string, SnapshotKassistLinks>>();

  const ingest = async (w: DealerWorld, inst: Installation, p: ClientProfile, at: number) => {
    seq += 1;
    const { snap } = await ingestSysinfo(s.t, {
      dealerId: w.dealer.id,
      installationId: inst.id,
      sourceName: p.shortName,
      xml: generateSysinfoXmlString(p, at),
      utcOffsetMin: p.utcOffsetMin,
      receivedAt: at + MIN,
      sha256: `sha-k-${kind}-${seq}`,
      dir: tmp,
      fileName: `r${seq}.xml`,
    });
    const days = truth.get(inst.id) ?? new Map<string, SnapshotKassistLinks>();
    for (const k of snap.kassistLinks) days.set(k.day, k);
    truth.set(inst.id, days);
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-kassist-'));
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'kza');
    b = await buildDealerWorld(ctx, 'kzb');
    a1b = await createInstallation(ctx, cliActor('test'), {
      clientId: a.c1.id,
      kind: 'agent',
      sourceName: 'alphakza2',
    });
    const p1 = profile(400, true, 180);
    const p1b = profile(p1.seed + 1, true, 180);
    const p2 = profile(p1b.seed + 1, true, 420);
    const p3 = profile(600, false, 180);
    const pb = profile(p2.seed + 1, true, 180);
    const plan: [DealerWorld, Installation, ClientProfile, number[]][] = [
      // Each report carries the last month's complete days; the later one overwrites the overlap.
      [a, a.i1, p1, [Date.UTC(2026, 2, 12, 9), Date.UTC(2026, 3, 2, 20)]],
      [a, a1b, p1b, [Date.UTC(2026, 2, 25, 9)]],
      // Reports from May 2024 on: the ПК's statistics start on 2024-05-01.
      [a, a.i2, p2, [Date.UTC(2024, 4, 20, 6), Date.UTC(2024, 5, 10, 6)]],
      [a, a.i3, p3, [Date.UTC(2026, 3, 2, 20)]],
      [b, b.i1, pb, [Date.UTC(2026, 3, 2, 20)]],
    ];
    for (const [w, inst, p, times] of plan) {
      await ctx.db
        .updateTable('installations')
        .set({ utc_offset_min: p.utcOffsetMin })
        .where('id', '=', inst.id)
        .execute();
      for (const at of times) await ingest(w, inst, p, at);
    }
  }, 300_000);
  afterAll(async () => {
    await s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const run = (actor: Actor, q: Partial<KassistQuery>) =>
    kassistAnalytics(s.t.ctx, actor, { ...RECENT, ...q } as KassistQuery, NOW);

  /** The statistics of the axis days of a range (local day D is drawn on axis day D). */
  const daysIn = (id: number, r: { from: number; to: number }) => {
    const lo = axisDate(r.from);
    const hi = axisDate(r.to);
    return [...(truth.get(id) ?? new Map<string, SnapshotKassistLinks>()).values()].filter(
      (k) => k.day >= lo && k.day <= hi,
    );
  };
  const sumOf = (id: number, p: KassistPanel, r: { from: number; to: number }) =>
    daysIn(id, r).reduce((x, k) => x + k[p], 0);

  it('draws each installation’s statistics per day, as the newest report gave them', async () => {
    const out = await run(a.actors.admin, {});
    const ids = [a.i1.id, a1b.id];
    for (const id of ids) expect(daysIn(id, RECENT).length, `installation ${id}`).toBeGreaterThan(10);
    for (const p of KASSIST_PANELS) {
      const panel = out.panels[p];
      expect(panel.step).toBe(DAY);
      expect(panel.total).toBe(2);
      expect(new Set(panel.series.map((x) => x.installationId))).toEqual(new Set(ids));
      for (const sr of panel.series) {
        const want = new Map(daysIn(sr.installationId!, RECENT).map((k) => [k.day, k[p]]));
        const got = new Map<string, number>();
        sr.values.forEach((v, i) => {
          if (v !== null) got.set(axisDate(panel.timestamps[i]!), v);
        });
        expect(got, `${p} ${sr.label}`).toEqual(want);
      }
      // the larger sum over the range first
      const sums = panel.series.map((x) => sumOf(x.installationId!, p, RECENT));
      expect(sums).toEqual([...sums].sort((x, y) => y - x));
    }
    // the ticks are Moscow midnights, a bar per day of the range
    const ts = out.panels.added.timestamps;
    expect(axisDate(ts[0]!)).toBe('2026-03-01');
    expect(axisDate(ts.at(-1)!)).toBe('2026-04-03');
    for (const t of ts) expect((t + MSK) % DAY).toBe(0);
  });

  it('sums per client over the range, the largest first; `limit` keeps the largest', async () => {
    const out = await run(a.actors.admin, {});
    for (const t of KASSIST_TABLES) {
      expect(out.tables[t]).toEqual([
        {
          clientId: a.c1.id,
          client: a.c1.shortName,
          sum: sumOf(a.i1.id, t, RECENT) + sumOf(a1b.id, t, RECENT),
          installations: 2,
        },
      ]);
    }
    const early = await run(a.actors.admin, EARLY);
    for (const t of KASSIST_TABLES)
      expect(early.tables[t]).toEqual([
        { clientId: a.c2.id, client: a.c2.shortName, sum: sumOf(a.i2.id, t, EARLY), installations: 1 },
      ]);
    const one = await run(a.actors.admin, { limit: 1 });
    for (const p of KASSIST_PANELS) {
      const top = [a.i1.id, a1b.id].sort((x, y) => sumOf(y, p, RECENT) - sumOf(x, p, RECENT))[0];
      expect(one.panels[p].series.map((x) => x.installationId)).toEqual([top]);
      expect(one.panels[p].total).toBe(2);
    }
  });

  it('says where the statistics start: nothing before May 2024 or before the installation’s reports', async () => {
    const out = await run(a.actors.admin, {});
    const all = [a.i1.id, a1b.id, a.i2.id];
    const days = all.flatMap((id) => [...truth.get(id)!.keys()]).sort();
    // the ПК has none before May 2024 (a day without kAssist use has no row either)
    expect(days[0]! >= '2024-05-01' && days[0]! <= '2024-05-07', days[0]).toBe(true);
    expect(out.coverage).toEqual({
      firstDay: days[0],
      lastDay: days.at(-1),
      installations: 2,
      without: 2, // i2 (data only in 2024) and i3 (no kAssist)
      startingInRange: [a.i1.id, a1b.id].filter((id) => [...truth.get(id)!.keys()].sort()[0]! > '2026-03-01')
        .length,
    });
    expect(truth.get(a.i3.id)?.size ?? 0).toBe(0);
    const early = await run(a.actors.admin, EARLY);
    expect(early.coverage).toMatchObject({ installations: 1, without: 3, startingInRange: 1 });
    // no bar before the first day, bars from it on
    const sr = early.panels.added.series[0]!;
    const firstBar = sr.values.findIndex((v) => v !== null);
    expect(axisDate(early.panels.added.timestamps[firstBar]!)).toBe(days[0]);
    // a range before any statistics: empty panels and tables, and the coverage still says where they are
    const before = await run(a.actors.admin, { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 3, 1) });
    for (const p of KASSIST_PANELS) expect(before.panels[p]).toMatchObject({ series: [], total: 0 });
    for (const t of KASSIST_TABLES) expect(before.tables[t]).toEqual([]);
    expect(before.coverage.firstDay).toBe(days[0]);
  });

  it('scopes: a manager sees his clients only, another dealer none of it', async () => {
    const mgr = await run(a.actors.manager1, {});
    for (const p of KASSIST_PANELS)
      expect(new Set(mgr.panels[p].series.map((x) => x.installationId))).toEqual(new Set([a.i1.id, a1b.id]));
    const mgrEarly = await run(a.actors.manager1, EARLY);
    expect(mgrEarly.panels.added.series).toEqual([]);
    expect(mgrEarly.coverage.firstDay! > '2026-01-01').toBe(true);
    // the manager variable narrows the dealer admin's view the same way
    expect(await run(a.actors.admin, { managerId: [a.m1.id] })).toEqual(mgr);

    const other = await run(b.actors.admin, { installationId: [a.i1.id, a1b.id] });
    for (const p of KASSIST_PANELS) expect(other.panels[p].series).toEqual([]);
    for (const t of KASSIST_TABLES) expect(other.tables[t]).toEqual([]);
    expect(other.coverage).toMatchObject({ firstDay: null, installations: 0, without: 0 });
    const own = await run(b.actors.admin, {});
    expect(own.panels.added.series.map((x) => x.installationId)).toEqual([b.i1.id]);
    expect(own.tables.uniqueAdded.map((x) => x.clientId)).toEqual([b.c1.id]);
  });

  it('answers over HTTP, only in scope, and names invalid fields', async () => {
    // The route's clock is the test clock: the default range ends at its "now".
    s.t.clock.t = NOW;
    const admin = await loginAs(s.url, a.users.admin.login, TEST_PASSWORD);
    const r = await admin.get(`/api/dashboards/kassist-analytics?from=${RECENT.from}&to=${RECENT.to}`);
    expect(r.status).toBe(200);
    expect(body<KassistOut>(r)).toEqual(JSON.parse(JSON.stringify(await run(a.actors.admin, {}))));
    const def = body<KassistOut>(await admin.get('/api/dashboards/kassist-analytics'));
    expect(def.to).toBe(NOW);
    expect(def.to - def.from).toBe(30 * DAY);

    const other = await loginAs(s.url, b.users.admin.login, TEST_PASSWORD);
    const rb = body<KassistOut>(
      await other.get(`/api/dashboards/kassist-analytics?clientId=${a.c1.id}&from=${RECENT.from}`),
    );
    expect(rb.panels.added.series).toEqual([]);
    expect(rb.tables.uniqueAdded).toEqual([]);

    for (const [url, field] of [
      ['/api/dashboards/kassist-analytics?from=yesterday', 'querystring.from'],
      ['/api/dashboards/kassist-analytics?limit=0', 'querystring.limit'],
      ['/api/dashboards/kassist-analytics?clientId=abc', 'querystring.clientId'],
      [`/api/dashboards/kassist-analytics?from=${NOW}&to=${NOW - DAY}`, 'from'],
    ] as const) {
      const e = await admin.get(url);
      expect(e.status, url).toBe(400);
      expect(body<{ message: string }>(e).message, url).toContain(field);
    }
    const anon = await fetch(`${s.url}/api/dashboards/kassist-analytics`);
    expect(anon.status).toBe(401);
  });
});
