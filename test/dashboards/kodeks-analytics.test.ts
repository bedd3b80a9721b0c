/**
 * "Kodeks аналитика" over data written by the real ingest path: reports of simulated ПК (three
 * installations of dealer A in two time zones, one of dealer B) go through the parser and the store
 * across a month boundary, and every panel must equal what the parsed reports say, bucket by bucket,
 * for daily, hourly and weekly steps, with the domain variable, `limit`, scopes, and over HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KODEKS_ANALYTICS_PANELS,
  type Aligned,
  type KodeksAnalyticsOut,
  type KodeksAnalyticsPanel,
  type KodeksAnalyticsQuery,
} from '../../src/dashboards/contract.js';
import { kodeksAnalytics } from '../../src/dashboards/kodeks-analytics.js';
import { bucketStarts } from '../../src/dashboards/range.js';
import { visibleInstallations } from '../../src/dashboards/subjects.js';
import { UNDEFINED_DOMAIN, type Snapshot } from '../../src/ingest/parse/snapshot.js';
import { storeSnapshot } from '../../src/ingest/store.js';
import { rebuildInactiveState, rebuildUsageDaily } from '../../src/ingest/usage-rollup.js';
import type { Installation } from '../../src/inventory/installations.js';
import { rebuildSamplesDaily } from '../../src/metrics/rollup.js';
import {
  generateSysinfoXmlString,
  makeProfile,
  type ClientProfile,
  type ProfileOptions,
} from '../../src/sim/kodeks/index.js';
import type { Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { ingestSysinfo } from './report-seed.js';
import { body, Client, loginAs, startTestServer, type TestServer } from '../http/harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MSK = 180 * MIN;
/** Reports every 3 hours from 2026-03-28 00:00 UTC to 2026-04-02 21:00 UTC (April 3, 00:00 in Moscow). */
const FIRST = Date.UTC(2026, 2, 28, 0);
const REPORTS = 48;
const NOW = Date.UTC(2026, 3, 3, 0);

const axisDate = (ms: number) => new Date(ms + MSK).toISOString().slice(0, 10);
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const localDay = (ms: number, off: number) => new Date(ms + off * MIN).toISOString().slice(0, 10);

/** The first simulated client from seed `from` on that puts its users in at least two AD domains. */
function adProfile(from: number, opts: Omit<ProfileOptions, 'seed'>): ClientProfile {
  for (let seed = from; ; seed += 1) {
    const p = makeProfile({ ...opts, seed });
    if (new Set(p.users.map((u) => u.domain).filter((d) => d !== UNDEFINED_DOMAIN)).size >= 2) return p;
  }
}

type Panel = KodeksAnalyticsPanel;
interface Rec {
  at: number;
  snap: Snapshot;
}

describe.each(DB_KINDS)('Kodeks аналитика (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let tmp: string;
  let seq = 0;
  const recs = new Map<number, Rec[]>();
  const profiles = new Map<number, ClientProfile>();
  const hosts = new Map<number, string>();

  const ingest = async (w: DealerWorld, inst: Installation, p: ClientProfile, at: number) => {
    seq += 1;
    const { snap } = await ingestSysinfo(s.t, {
      dealerId: w.dealer.id,
      installationId: inst.id,
      sourceName: p.shortName,
      xml: generateSysinfoXmlString(p, at),
      utcOffsetMin: p.utcOffsetMin,
      receivedAt: at + MIN,
      sha256: `sha-${kind}-${seq}`,
      dir: tmp,
      fileName: `r${seq}.xml`,
    });
    const list = recs.get(inst.id) ?? [];
    list.push({ at: snap.producedAt!, snap });
    recs.set(inst.id, list);
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-ka-'));
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'kaa');
    b = await buildDealerWorld(ctx, 'kab');
    const p1 = adProfile(100, { users: 16, seats: 6, utcOffsetMin: 180, eventLogDays: 1 });
    const plan: [DealerWorld, Installation, ClientProfile, (k: number, at: number) => boolean][] = [
      // Moscow, with AD domains; no report at all on 2026-03-30 (Moscow), a gap.
      [a, a.i1, p1, (_k, at) => axisDate(at) !== '2026-03-30'],
      // UTC+7: its month starts 4 hours before Moscow's.
      [
        a,
        a.i2,
        adProfile(p1.seed + 1, { users: 10, seats: 4, utcOffsetMin: 420, eventLogDays: 1 }),
        () => true,
      ],
      // One report a day.
      [
        a,
        a.i3,
        makeProfile({ seed: 303, users: 5, seats: 3, utcOffsetMin: 180, eventLogDays: 1 }),
        (k) => k % 8 === 0,
      ],
      [
        b,
        b.i1,
        makeProfile({ seed: 404, users: 6, seats: 3, utcOffsetMin: 180, eventLogDays: 1 }),
        (k) => k % 2 === 0,
      ],
    ];
    for (const [, inst, p] of plan) {
      profiles.set(inst.id, p);
      await ctx.db
        .updateTable('installations')
        .set({ utc_offset_min: p.utcOffsetMin })
        .where('id', '=', inst.id)
        .execute();
    }
    for (let k = 0; k < REPORTS; k += 1) {
      const at = FIRST + k * 3 * HOUR;
      for (const [w, inst, p, when] of plan) if (when(k, at)) await ingest(w, inst, p, at);
    }
    for (const w of [a, b])
      for (const i of await visibleInstallations(ctx, w.actors.admin, {})) hosts.set(i.id, i.host);
  }, 300_000);
  afterAll(async () => {
    await s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // ------------------------------------------------------------------ the oracle, from parsed reports

  const inactiveOf = (snap: Snapshot, domains: string[] | null) =>
    snap.users.filter((u) => {
      const last = u.lastActivityAt ?? u.registeredAt;
      return (
        !u.blocked &&
        (!domains || domains.includes(u.domain)) &&
        last !== null &&
        snap.producedAt! - last >= 60 * DAY
      );
    }).length;

  const sampleValue = (panel: Panel, list: Rec[], domains: string[] | null): number => {
    const l = list.map((r) => r.snap.licensing);
    switch (panel) {
      case 'usedLicences':
        return Math.max(...l.map((x) => x.inUse!));
      case 'licenceHeadroom':
        return Math.min(...l.map((x) => x.seats! - x.inUse!));
      case 'regLicences':
        return l.at(-1)!.seats!;
      default:
        return inactiveOf(list.at(-1)!.snap, domains);
    }
  };

  /** Per local day: the newest report's counters per user, and the searches (each once). */
  const usageModel = (instId: number, domains: string[] | null) => {
    const p = profiles.get(instId)!;
    const final = new Map<string, Map<string, Snapshot['usage'][number]>>();
    const searches = new Map<string, { day: string; status: string; login: string }>();
    let users = new Map<string, string>();
    for (const r of recs.get(instId) ?? []) {
      users = new Map(r.snap.users.map((u) => [u.login, u.domain]));
      for (const u of r.snap.usage) {
        const m = final.get(u.day) ?? new Map();
        m.set(u.login, u);
        final.set(u.day, m);
      }
      for (const x of r.snap.searches) {
        const k = `${x.at}|${x.login}|${x.query}`;
        if (!searches.has(k))
          searches.set(k, { day: localDay(x.at, p.utcOffsetMin), status: x.status, login: x.login });
      }
    }
    const inDomain = (login: string) => !domains || domains.includes(users.get(login) ?? UNDEFINED_DOMAIN);
    const counted = (day: string, f: (u: Snapshot['usage'][number]) => number) =>
      [...(final.get(day)?.values() ?? [])]
        .filter((u) => inDomain(u.login))
        .reduce((acc, u) => acc + f(u), 0);
    const searchCount = (day: string, empty: boolean) =>
      [...searches.values()].filter(
        (x) => x.day === day && inDomain(x.login) && (!empty || x.status === 'empty'),
      ).length;
    const x = (panel: Panel, day: string): number => {
      switch (panel) {
        case 'dbRequests':
          return counted(day, (u) => u.dbRequests);
        case 'countedDocs':
          return counted(day, (u) => u.docsCounted);
        case 'savedDocs':
          return counted(day, (u) => u.saved);
        case 'printedDocs':
          return counted(day, (u) => u.printed);
        case 'docOrService':
          return searchCount(day, false) + counted(day, (u) => u.docsCounted + u.services);
        case 'kassistRequests':
          return counted(day, (u) => u.kassistRequests);
        default:
          return searchCount(day, true);
      }
    };
    /** The panel's value at the end of a day: month to date, trailing 30 days, or the day. */
    const at = (panel: Panel, day: string): number => {
      let first = day;
      if (panel === 'kassistRequests') first = addDays(day, -29);
      else if (panel !== 'failedSearches') first = `${day.slice(0, 8)}01`;
      let sum = 0;
      for (let d = first; d <= day; d = addDays(d, 1)) sum += x(panel, d);
      return sum;
    };
    return { at, x, anySearch: (day: string) => searchCount(day, false) > 0 };
  };

  const SAMPLE: Panel[] = ['usedLicences', 'licenceHeadroom', 'regLicences', 'inactive60d'];

  /** What every panel must show for these installations, range and query. */
  const expected = (
    instIds: number[],
    q: { from: number; to: number; limit?: number; domain?: string[] },
    step: number,
  ): Record<Panel, { total: number; series: [string, (number | null)[]][] }> => {
    const domains = q.domain ?? null;
    const range = { from: q.from, to: q.to };
    const starts = bucketStarts(range, step, 180);
    const uStep = Math.max(step, DAY);
    const uStarts = bucketStarts(range, uStep, 180);
    const toDay = axisDate(q.to);
    const fromDay = axisDate(uStarts[0]!);
    const out = {} as Record<Panel, { total: number; series: [string, (number | null)[]][] }>;
    for (const panel of KODEKS_ANALYTICS_PANELS) {
      const rows: { key: string; label: string; id: number; value: number; values: (number | null)[] }[] = [];
      for (const id of instIds) {
        const list = (recs.get(id) ?? []).filter((r) => r.at >= q.from && r.at <= q.to);
        if (list.length === 0) continue;
        if (SAMPLE.includes(panel)) {
          const values = starts.map((st) => {
            const inBucket = (recs.get(id) ?? []).filter(
              (r) => r.at >= st && r.at < st + step && r.at <= q.to,
            );
            return inBucket.length ? sampleValue(panel, inBucket, domains) : null;
          });
          rows.push({
            key: `i:${id}`,
            label: hosts.get(id)!,
            id,
            value: sampleValue(panel, [list.at(-1)!], domains),
            values,
          });
          continue;
        }
        const m = usageModel(id, domains);
        // the local days of the ПК on which it produced a report
        const off = profiles.get(id)!.utcOffsetMin;
        const present = new Set((recs.get(id) ?? []).map((r) => localDay(r.at, off)));
        const values = uStarts.map((st) => {
          const dates = Array.from({ length: uStep / DAY }, (_, k) => axisDate(st + k * DAY));
          if (panel === 'failedSearches') {
            const known = dates.filter((d) => d <= toDay && (present.has(d) || m.anySearch(d)));
            return known.length ? known.reduce((acc, d) => acc + m.x(panel, d), 0) : null;
          }
          const last = dates.filter((d) => present.has(d)).at(-1);
          return last === undefined ? null : m.at(panel, last);
        });
        let value: number;
        if (panel === 'failedSearches') {
          // ranked by the empty searches of the range's last 30 days at most
          value = 0;
          const first = [fromDay, addDays(toDay, -29)].sort()[1]!;
          for (let d = first; d <= toDay; d = addDays(d, 1)) value += m.x(panel, d);
        } else value = m.at(panel, toDay);
        rows.push({ key: `i:${id}`, label: hosts.get(id)!, id, value, values });
      }
      rows.sort(
        (x, y) => y.value - x.value || (x.label < y.label ? -1 : x.label > y.label ? 1 : 0) || x.id - y.id,
      );
      out[panel] = {
        total: rows.length,
        series: rows.slice(0, q.limit ?? 50).map((r) => [r.key, r.values]),
      };
    }
    return out;
  };

  const shape = (out: KodeksAnalyticsOut) =>
    Object.fromEntries(
      KODEKS_ANALYTICS_PANELS.map((p) => [
        p,
        { total: out.panels[p].total, series: out.panels[p].series.map((x) => [x.key, x.values]) },
      ]),
    );

  const run = (actor: Actor, q: Partial<KodeksAnalyticsQuery>) =>
    kodeksAnalytics(s.t.ctx, actor, q as KodeksAnalyticsQuery, NOW);

  const aIds = () => [a.i1.id, a.i2.id, a.i3.id];
  const panel = (out: KodeksAnalyticsOut, p: Panel, id: number) =>
    out.panels[p].series.find((x) => x.key === `i:${id}`);
  const at = (pl: Aligned, day: string) => pl.timestamps.indexOf(Date.parse(`${day}T00:00:00Z`) - MSK);

  // ------------------------------------------------------------------ tests

  it('daily buckets: every panel equals the reports; gaps are null; month to date restarts on the 1st', async () => {
    const q = { from: Date.UTC(2026, 2, 24, 21), to: NOW };
    const out = await run(a.actors.admin, q);
    expect(out.from).toBe(q.from);
    expect(out.to).toBe(NOW);
    for (const p of KODEKS_ANALYTICS_PANELS) {
      expect(out.panels[p].step, p).toBe(DAY);
      expect(out.panels[p].timestamps, p).toEqual(
        Array.from({ length: 10 }, (_, k) => Date.UTC(2026, 2, 24, 21) + k * DAY),
      );
    }
    expect(shape(out)).toEqual(expected(aIds(), q, DAY));

    // The same facts, spelled out.
    const used = out.panels.usedLicences;
    const i1 = panel(out, 'usedLicences', a.i1.id)!;
    expect(i1.label).toBe(hosts.get(a.i1.id));
    expect(i1.values[at(used, '2026-03-30')]).toBeNull(); // no report that day
    expect(i1.values[at(used, '2026-03-25')]).toBeNull(); // before the first report
    const i1Reports = recs.get(a.i1.id)!.filter((r) => axisDate(r.at) === '2026-03-31');
    expect(i1.values[at(used, '2026-03-31')]).toBe(
      Math.max(...i1Reports.map((r) => r.snap.licensing.inUse!)),
    );
    const free = panel(out, 'licenceHeadroom', a.i1.id)!;
    expect(free.values[at(used, '2026-03-31')]).toBe(
      Math.min(...i1Reports.map((r) => r.snap.licensing.seats! - r.snap.licensing.inUse!)),
    );
    expect(panel(out, 'regLicences', a.i1.id)!.values[at(used, '2026-03-31')]).toBe(6);

    // UTC+7: the counters of April 1 (local) start from zero; March 31 carries the whole of March.
    const db = out.panels.dbRequests;
    const i2 = panel(out, 'dbRequests', a.i2.id)!;
    const finalOf = (day: string) => {
      const m = new Map<string, number>();
      for (const r of recs.get(a.i2.id)!)
        for (const u of r.snap.usage) if (u.day === day) m.set(u.login, u.dbRequests);
      return [...m.values()].reduce((x, y) => x + y, 0);
    };
    expect(i2.values[at(db, '2026-04-01')]).toBe(finalOf('2026-04-01'));
    let march = 0;
    for (let d = '2026-03-01'; d <= '2026-03-31'; d = addDays(d, 1)) march += finalOf(d);
    expect(i2.values[at(db, '2026-03-31')]).toBe(march);
    expect(march).toBeGreaterThan(finalOf('2026-04-01'));
    // At 15:00 UTC on March 31 it is March at UTC+7; at 18:00 UTC it is April 1 there, and the report
    // carries April's counters only, while Moscow (the axis) is still on March 31.
    const dayOf = (t: number) =>
      recs
        .get(a.i2.id)!
        .find((r) => r.at === t)!
        .snap.usage.map((u) => u.day);
    expect(dayOf(Date.UTC(2026, 2, 31, 15)).some((d) => d.startsWith('2026-03'))).toBe(true);
    expect(dayOf(Date.UTC(2026, 2, 31, 18)).filter((d) => d.startsWith('2026-03'))).toEqual([]);
    expect(axisDate(Date.UTC(2026, 2, 31, 18))).toBe('2026-03-31');
  });

  it('a short range is hourly for the licence panels; the usage panels stay daily', async () => {
    const q = { from: Date.UTC(2026, 3, 1, 0), to: Date.UTC(2026, 3, 2, 0) };
    const out = await run(a.actors.admin, q);
    expect(out.panels.usedLicences.step).toBe(HOUR);
    expect(out.panels.usedLicences.timestamps).toHaveLength(25);
    expect(out.panels.dbRequests.step).toBe(DAY);
    expect(out.panels.dbRequests.timestamps).toEqual([Date.UTC(2026, 2, 31, 21), Date.UTC(2026, 3, 1, 21)]);
    expect(shape(out)).toEqual(expected(aIds(), q, HOUR));
    // reports every 3 hours: two gaps between points
    const v = panel(out, 'usedLicences', a.i2.id)!.values;
    expect(v.slice(0, 6).map((x) => x === null)).toEqual([false, true, true, false, true, true]);
  });

  it('a long range is weekly, weeks starting on Monday', async () => {
    const q = { from: NOW - 300 * DAY, to: NOW };
    const out = await run(a.actors.admin, q);
    expect(out.panels.usedLicences.step).toBe(7 * DAY);
    expect(out.panels.printedDocs.step).toBe(7 * DAY);
    for (const t of out.panels.usedLicences.timestamps) expect(new Date(t + MSK).getUTCDay()).toBe(1);
    expect(shape(out)).toEqual(expected(aIds(), q, 7 * DAY));
  });

  it('limit keeps the series with the highest latest value; total counts every series with data', async () => {
    const q = { from: Date.UTC(2026, 2, 24, 21), to: NOW, limit: 1 };
    const out = await run(a.actors.admin, q);
    const want = expected(aIds(), q, DAY);
    expect(shape(out)).toEqual(want);
    for (const p of KODEKS_ANALYTICS_PANELS) {
      expect(out.panels[p].series, p).toHaveLength(1);
      expect(out.panels[p].total, p).toBe(3);
    }
  });

  it('the domain variable keeps installations with users of the domain and counts only those users', async () => {
    const p1 = profiles.get(a.i1.id)!;
    const domain = p1.users.map((u) => u.domain).find((d) => d !== UNDEFINED_DOMAIN)!;
    const q = { from: Date.UTC(2026, 2, 24, 21), to: NOW, domain: [domain] };
    const out = await run(a.actors.admin, q);
    const withDomain = aIds().filter((id) => profiles.get(id)!.users.some((u) => u.domain === domain));
    expect(withDomain).toContain(a.i1.id);
    expect(shape(out)).toEqual(expected(withDomain, q, DAY));
    const all = await run(a.actors.admin, { from: q.from, to: q.to });
    const mine = (o: KodeksAnalyticsOut) => panel(o, 'dbRequests', a.i1.id)!.values.at(-1)!;
    expect(mine(out)).toBeLessThan(mine(all));
    const none = await run(a.actors.admin, { ...q, domain: ['no-such-domain'] });
    for (const p of KODEKS_ANALYTICS_PANELS) expect(none.panels[p]).toMatchObject({ series: [], total: 0 });
  });

  it("scopes: another dealer's users and another client's manager never see dealer A's series", async () => {
    const q = { from: Date.UTC(2026, 2, 24, 21), to: NOW };
    const keys = (o: KodeksAnalyticsOut) =>
      new Set(KODEKS_ANALYTICS_PANELS.flatMap((p) => o.panels[p].series.map((x) => x.key)));
    const ofB = await run(b.actors.admin, q);
    expect(keys(ofB)).toEqual(new Set([`i:${b.i1.id}`]));
    expect(shape(ofB)).toEqual(expected([b.i1.id], q, DAY));
    // dealer B naming A's installation: nothing, not an error
    const named = await run(b.actors.admin, { ...q, installationId: [a.i1.id, a.i2.id] });
    expect(keys(named).size).toBe(0);
    // A's manager of client 1 sees installation 1 only, and nothing when naming installation 2
    expect(keys(await run(a.actors.manager1, q))).toEqual(new Set([`i:${a.i1.id}`]));
    const other = await run(a.actors.manager1, { ...q, installationId: [a.i2.id] });
    expect(keys(other).size).toBe(0);
    for (const p of KODEKS_ANALYTICS_PANELS) expect(other.panels[p].total).toBe(0);
    // variables narrow within the scope
    const byClient = await run(a.actors.admin, { ...q, clientId: [a.c2.id] });
    expect(keys(byClient)).toEqual(new Set([`i:${a.i2.id}`]));
  });

  it('answers over HTTP with the same panels, only in scope, and names invalid fields', async () => {
    const q = { from: Date.UTC(2026, 2, 24, 21), to: NOW };
    const url = `/api/dashboards/kodeks-analytics?from=${q.from}&to=${q.to}`;
    const admin = await loginAs(s.url, a.users.admin.login, TEST_PASSWORD);
    const r = await admin.get(url);
    expect(r.status).toBe(200);
    expect(body<KodeksAnalyticsOut>(r)).toEqual(JSON.parse(JSON.stringify(await run(a.actors.admin, q))));

    const other = await loginAs(s.url, b.users.admin.login, TEST_PASSWORD);
    const rb = body<KodeksAnalyticsOut>(await other.get(`${url}&installationId=${a.i1.id},${a.i2.id}`));
    for (const p of KODEKS_ANALYTICS_PANELS) expect(rb.panels[p]).toMatchObject({ series: [], total: 0 });
    const rb2 = body<KodeksAnalyticsOut>(await other.get(url));
    expect(rb2.panels.usedLicences.series.map((x) => x.installationId)).toEqual([b.i1.id]);

    const manager = await loginAs(s.url, a.users.manager1.login, TEST_PASSWORD);
    const rm = body<KodeksAnalyticsOut>(
      await manager.get(`${url}&limit=5&domain=${encodeURIComponent('x,y')}`),
    );
    for (const p of KODEKS_ANALYTICS_PANELS) expect(rm.panels[p].series).toEqual([]);

    for (const [bad, field] of [
      ['from=yesterday', 'querystring.from'],
      ['limit=0', 'querystring.limit'],
      ['installationId=1;2', 'querystring.installationId'],
    ] as const) {
      const e = await admin.get(`/api/dashboards/kodeks-analytics?${bad}`);
      expect(e.status, bad).toBe(400);
      expect(body<{ error: string; message: string }>(e).message, bad).toContain(field);
    }
    const reversed = await admin.get(`/api/dashboards/kodeks-analytics?from=${NOW}&to=${NOW - DAY}`);
    expect(reversed.status).toBe(400);
    expect(body<{ message: string }>(reversed).message).toMatch(/querystring\.from: must be before to/);
    expect((await new Client(s.url).get(url)).status).toBe(401);
  });

  it('a state stored before the inactive count existed is ranked from the samples until rebuilt', async () => {
    const q = { from: Date.UTC(2026, 2, 24, 21), to: NOW };
    const before = await run(a.actors.admin, q);
    const db = s.t.ctx.db;
    await db.updateTable('installation_state').set({ users_inactive_60d: null }).execute();
    expect(await run(a.actors.admin, q)).toEqual(before);
    await rebuildInactiveState(db);
    const states = await db
      .selectFrom('installation_state')
      .select(['installation_id', 'users_inactive_60d'])
      .execute();
    for (const st of states) {
      const last = recs.get(st.installation_id)!.at(-1)!.snap;
      expect(st.users_inactive_60d, `installation ${st.installation_id}`).toBe(inactiveOf(last, null));
    }
    expect(await run(a.actors.admin, q)).toEqual(before);
  });

  it('the rollups the write path keeps equal a rebuild from the raw rows; a re-processed report changes nothing', async () => {
    const ctx = s.t.ctx;
    const dump = async () => ({
      daily: await ctx.db
        .selectFrom('samples_daily')
        .selectAll()
        .orderBy('series_id')
        .orderBy('day')
        .execute(),
      usage: await ctx.db
        .selectFrom('installation_usage_daily')
        .selectAll()
        .orderBy('installation_id')
        .orderBy('day')
        .execute(),
      domains: await ctx.db
        .selectFrom('installation_usage_domain_daily')
        .selectAll()
        .orderBy('installation_id')
        .orderBy('domain')
        .orderBy('day')
        .execute(),
    });
    // Rows whose counters are all zero (a recompute may leave them) mean nothing.
    const counters = (rows: Record<string, unknown>[]) =>
      rows
        .map((r) =>
          Object.fromEntries(
            Object.entries(r).map(([k, v]) => [k, k === 'domain' || k === 'day' ? v : Number(v)]),
          ),
        )
        .filter((r) =>
          Object.entries(r).some(([k, v]) => !['installation_id', 'domain', 'day'].includes(k) && v !== 0),
        );
    const norm = (d: Awaited<ReturnType<typeof dump>>) => ({
      daily: d.daily.map((r) => ({ ...r, sum: Math.round(Number(r.sum) * 1e6) / 1e6 })),
      usage: counters(d.usage),
      domains: counters(d.domains),
    });
    const before = norm(await dump());
    expect(before.daily.length).toBeGreaterThan(0);
    expect(before.usage.length).toBeGreaterThan(0);
    expect(before.domains.length).toBeGreaterThan(before.usage.length);

    const last = recs.get(a.i1.id)!.at(-1)!;
    const report = await ctx.db
      .selectFrom('reports')
      .select(['id', 'received_at'])
      .where('installation_id', '=', a.i1.id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    await storeSnapshot(
      ctx,
      { reportId: report.id, dealerId: a.dealer.id, installationId: a.i1.id, receivedAt: report.received_at },
      last.snap,
    );
    expect(norm(await dump())).toEqual(before);

    await rebuildSamplesDaily(ctx.db);
    await rebuildUsageDaily(ctx.db, ctx.dbKind);
    expect(norm(await dump())).toEqual(before);
  });
});
