/**
 * «Ошибки БД», «Контроль версий» and «Время внутри файла SYSINFO» over data written by the real ingest
 * path: reports of simulated ПК (DB-error faults switched on and off, a ПК upgraded midway, one that
 * stops reporting) go through the parser and the store, and every answer must equal what the parsed
 * reports say: error series bucket by bucket (hourly from the samples, daily from the rollup), the
 * newest errors, the versions seen, the report times; scopes and HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  DbErrorsOut,
  DbErrorsQuery,
  SysinfoTimeOut,
  VersionsOut,
  VersionsQuery,
} from '../../src/dashboards/contract-db-health.js';
import { dbErrors, dbErrorsStep, sysinfoTime, versions } from '../../src/dashboards/db-health.js';
import { bucketStarts } from '../../src/dashboards/range.js';
import { visibleInstallations } from '../../src/dashboards/subjects.js';
import type { Snapshot } from '../../src/ingest/parse/snapshot.js';
import type { Installation } from '../../src/inventory/installations.js';
import type { FaultState } from '../../src/sim/kodeks/faults.js';
import { generateSysinfoXmlString, makeProfile, type ClientProfile } from '../../src/sim/kodeks/index.js';
import type { Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { ingestSysinfo } from './report-seed.js';
import { body, Client, loginAs, startTestServer, type TestServer } from '../http/harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Reports every 3 hours from 2026-03-28 00:00 UTC, 48 of them; now is an hour after the last. */
const FIRST = Date.UTC(2026, 2, 28, 0);
const REPORTS = 48;
const NOW = FIRST + (REPORTS - 1) * 3 * HOUR + HOUR;

interface Rec {
  at: number;
  receivedAt: number;
  snap: Snapshot;
}

describe.each(DB_KINDS)('DB health dashboards (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let tmp: string;
  let seq = 0;
  const recs = new Map<number, Rec[]>();
  const hosts = new Map<number, string>();

  const ingest = async (
    w: DealerWorld,
    inst: Installation,
    p: ClientProfile,
    at: number,
    faults: FaultState,
  ) => {
    seq += 1;
    const { snap, receivedAt } = await ingestSysinfo(s.t, {
      dealerId: w.dealer.id,
      installationId: inst.id,
      sourceName: p.shortName,
      xml: generateSysinfoXmlString(p, at, { faults }),
      utcOffsetMin: p.utcOffsetMin,
      receivedAt: at + MIN,
      sha256: `sha-dbh-${kind}-${seq}`,
      dir: tmp,
      fileName: `r${seq}.xml`,
    });
    const list = recs.get(inst.id) ?? [];
    list.push({ at: snap.producedAt!, receivedAt, snap });
    recs.set(inst.id, list);
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-dbh-'));
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'dha');
    b = await buildDealerWorld(ctx, 'dhb');
    const base = (seed: number, pkVersion: string) =>
      makeProfile({ seed, users: 4, seats: 3, utcOffsetMin: 180, eventLogDays: 1, pkVersion });
    const p1 = base(501, '6.4.4.194 (x64)');
    const p2old = { ...base(502, '6.4.4.194 (x86_64) [patch 3]'), sysinfoVersion: '2.0.6.12' };
    const p2new = { ...p2old, pkVersion: '6.4.5.46 (x64) [patch 1]', sysinfoVersion: '2.0.6.15' };
    const pb = base(503, '6.4.5.15 (x64)');
    const err = (code: number): FaultState => ({ db_error: { since: FIRST, code } });
    type Plan = [DealerWorld, Installation, (k: number) => [ClientProfile, FaultState] | null];
    const plan: Plan[] = [
      // errors 2007 in reports 10–19 only
      [a, a.i1, (k) => [p1, k >= 10 && k < 20 ? err(2007) : {}]],
      // upgraded at report 24; an error without a code from report 30; stops after report 40
      [a, a.i2, (k) => (k > 40 ? null : [k < 24 ? p2old : p2new, k >= 30 ? err(0) : {}])],
      // a.i3 (closed contour) never reports
      [b, b.i1, () => [pb, err(2007)]],
    ];
    for (const [, inst] of plan)
      await ctx.db
        .updateTable('installations')
        .set({ utc_offset_min: 180, collect_interval_s: 3600 })
        .where('id', '=', inst.id)
        .execute();
    for (let k = 0; k < REPORTS; k += 1) {
      const at = FIRST + k * 3 * HOUR;
      for (const [w, inst, when] of plan) {
        const x = when(k);
        if (x) await ingest(w, inst, x[0], at, x[1]);
      }
    }
    s.t.clock.t = NOW;
    for (const w of [a, b])
      for (const i of await visibleInstallations(ctx, w.actors.admin, {})) hosts.set(i.id, i.host);
  }, 300_000);
  afterAll(async () => {
    await s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // ------------------------------------------------------------------ the oracle, from parsed reports

  const errorsOf = (r: Rec) => r.snap.volumeErrors.length;

  /** The error panel for these installations: which are drawn, in which order, with which values. */
  const expectedErrors = (ids: number[], q: { from: number; to: number; limit?: number }) => {
    const step = dbErrorsStep(q);
    const starts = bucketStarts(q, step, 180);
    const rows = ids.flatMap((id) => {
      const inRange = (recs.get(id) ?? []).filter((r) => r.at >= q.from && r.at <= q.to);
      const peak = Math.max(0, ...inRange.map(errorsOf));
      if (peak === 0) return [];
      const last = errorsOf(inRange.at(-1)!);
      const values = starts.map((st) => {
        const inBucket = (recs.get(id) ?? []).filter((r) => r.at >= st && r.at < st + step && r.at <= q.to);
        return inBucket.length ? Math.max(...inBucket.map(errorsOf)) : null;
      });
      return [{ key: `i:${id}`, label: hosts.get(id)!, last, peak, values }];
    });
    rows.sort((x, y) => y.last - x.last || y.peak - x.peak || x.label.localeCompare(y.label));
    return {
      step,
      timestamps: starts,
      total: rows.length,
      series: rows.slice(0, q.limit ?? 50).map((r) => [r.key, r.label, r.values] as const),
    };
  };

  const shapeErrors = (o: DbErrorsOut) => ({
    step: o.errors.step,
    timestamps: o.errors.timestamps,
    total: o.errors.total,
    series: o.errors.series.map((x) => [x.key, x.label, x.values] as const),
  });

  const run = (actor: Actor, q: DbErrorsQuery) => dbErrors(s.t.ctx, actor, q, NOW);
  const ids = () => [a.i1.id, a.i2.id, a.i3.id];

  it('draws the volume errors per report: hourly from the samples, daily from the rollup, ranked', async () => {
    for (const q of [
      { from: NOW - 30 * DAY, to: NOW }, // the default: daily, from the rollup
      { from: FIRST + 20 * HOUR + 17 * MIN, to: FIRST + 3 * DAY + 5 * HOUR }, // hourly, partial days
      { from: FIRST + 2 * DAY, to: NOW - 2 * HOUR }, // hourly, a.i1 had its errors before
      { from: FIRST - DAY, to: FIRST + 4 * DAY - 1, limit: 1 },
    ]) {
      const got = shapeErrors(await run(a.actors.admin, q));
      expect(got, JSON.stringify(q)).toEqual(expectedErrors(ids(), q));
    }
    // with the defaults the range is the last 30 days
    const def = await run(a.actors.admin, {});
    expect(def.to - def.from).toBe(30 * DAY);
    // both installations of A had errors in it
    expect(new Set(def.errors.series.map((x) => x.key))).toEqual(new Set([`i:${a.i1.id}`, `i:${a.i2.id}`]));
    // a range in which a.i1 reported only without errors: it is absent
    const quiet = await run(a.actors.admin, { from: FIRST + 25 * 3 * HOUR, to: NOW });
    expect(quiet.errors.series.map((x) => x.key)).not.toContain(`i:${a.i1.id}`);
    expect(quiet.errors.series.map((x) => x.key)).toContain(`i:${a.i2.id}`);
  });

  it('lists the newest report’s errors per installation, code and text, with the paired alert', async () => {
    const out = await run(a.actors.admin, { from: NOW - DAY, to: NOW });
    const expected = [a.i1.id, a.i2.id].flatMap((id) => {
      const last = recs.get(id)!.at(-1)!;
      const groups = new Map<string, { code: number | null; text: string; volumes: string[] }>();
      for (const e of last.snap.volumeErrors) {
        const k = `${e.code}|${e.text}`;
        const g = groups.get(k) ?? { code: e.code, text: e.text, volumes: [] };
        g.volumes.push(e.volume ?? '');
        groups.set(k, g);
      }
      return [...groups.values()].map((g) => ({
        installationId: id,
        reportAt: last.at,
        code: g.code,
        text: g.text,
        volumes: g.volumes.length,
      }));
    });
    const key = (r: { installationId: number; code: number | null; text: string }) =>
      `${r.installationId}|${r.code}|${r.text}`;
    const got = out.current.map((r) => ({
      installationId: r.installationId,
      reportAt: r.reportAt,
      code: r.code,
      text: r.text,
      volumes: r.volumes,
    }));
    expect([...got].sort((x, y) => key(x).localeCompare(key(y)))).toEqual(
      [...expected].sort((x, y) => key(x).localeCompare(key(y))),
    );
    // a.i2's fault is an error without a code: KodeksDBerrorsNoCode; a.i1 has no fault any more
    const faulty = out.current.filter(
      (r) => r.installationId === a.i2.id && r.alert === 'KodeksDBerrorsNoCode',
    );
    expect(faulty.length).toBeGreaterThan(0);
    expect(faulty[0]).toMatchObject({
      client: a.c2.shortName,
      managers: [a.m2.name],
      address: 'dha-beta.te-cloud.ru',
    });
    const ofB = await run(b.actors.admin, {});
    const b2007 = ofB.current.filter((r) => r.alert === 'KodeksDBerrorsCode2007');
    expect(b2007.length).toBeGreaterThan(0);
    expect(b2007.every((r) => r.installationId === b.i1.id && r.code === 2007)).toBe(true);
  });

  it('lists the versions seen in the range and the newest per installation', async () => {
    const runV = (actor: Actor, q: VersionsQuery) => versions(s.t.ctx, actor, q, NOW);
    const expectedUsed = (instIds: number[], q: { from: number; to: number }) => {
      const out: string[] = [];
      for (const id of instIds) {
        const seen = new Map<string, { first: number; last: number; full: string | null }>();
        let newest = new Map<string, string>();
        for (const r of recs.get(id) ?? []) {
          newest = new Map();
          for (const c of r.snap.components) {
            const k = `${c.type}|${c.version}`;
            const x = seen.get(k) ?? { first: r.at, last: r.at, full: c.full };
            x.last = r.at;
            x.full = c.full;
            seen.set(k, x);
            newest.set(c.type, c.version);
          }
        }
        for (const [k, x] of seen) {
          if (x.last < q.from || x.first > q.to) continue;
          const [type, version] = k.split('|') as [string, string];
          out.push(`${id}|${type}|${version}|${x.full}|${x.first}|${x.last}|${newest.get(type) === version}`);
        }
      }
      return out.sort();
    };
    const flat = (o: VersionsOut) =>
      o.used
        .map(
          (r) =>
            `${r.installationId}|${r.type}|${r.version}|${r.fullVersion}|${r.firstSeenAt}|${r.lastSeenAt}|${r.current}`,
        )
        .sort();
    for (const q of [
      { from: NOW - 30 * DAY, to: NOW },
      { from: FIRST + 40 * 3 * HOUR, to: NOW }, // a.i2 is on the new versions only
      { from: FIRST, to: FIRST + 10 * 3 * HOUR }, // the old ones only
    ]) {
      const out = await runV(a.actors.admin, q);
      expect(flat(out), JSON.stringify(q)).toEqual(expectedUsed(ids(), q));
      // ascending by type, then version in numeric order
      const order = out.used.map((r) => `${r.type} ${r.version}`);
      expect(order).toEqual(
        [...order].sort((x, y) => {
          const [tx, vx] = x.split(' ') as [string, string];
          const [ty, vy] = y.split(' ') as [string, string];
          if (tx !== ty) return tx.localeCompare(ty);
          const px = vx.split('.').map(Number);
          const py = vy.split('.').map(Number);
          for (let i = 0; i < 4; i += 1) if (px[i] !== py[i]) return (px[i] ?? 0) - (py[i] ?? 0);
          return 0;
        }),
      );
    }
    const out = await runV(a.actors.admin, {});
    const i2 = recs.get(a.i2.id)!.at(-1)!.snap;
    expect(out.stats.map((r) => r.installationId).sort()).toEqual([a.i1.id, a.i2.id].sort());
    expect(out.stats.find((r) => r.installationId === a.i2.id)).toMatchObject({
      pkVersion: '6.4.5.46 (x64) [patch 1]',
      pkVersionShort: i2.software.pkVersionShort,
      sysinfoVersion: '2.0.6.15',
      reportAt: recs.get(a.i2.id)!.at(-1)!.at,
      managers: [a.m2.name],
      clientName: i2.client.name,
    });
    const ksrv = out.counts.filter((c) => c.type === 'ksrv');
    expect(ksrv).toEqual([
      { type: 'ksrv', version: '6.4.4.194', installations: 1 },
      { type: 'ksrv', version: '6.4.5.46', installations: 1 },
    ]);
    const onlyKsrv = await runV(a.actors.admin, { type: ['KSRV'] });
    expect(new Set(onlyKsrv.used.map((r) => r.type))).toEqual(new Set(['ksrv']));
  });

  it('gives the time inside the newest sysinfo, oldest first, and flags the silent ones', async () => {
    const out = await sysinfoTime(s.t.ctx, a.actors.admin, {}, NOW);
    const last1 = recs.get(a.i1.id)!.at(-1)!;
    const last2 = recs.get(a.i2.id)!.at(-1)!;
    expect(out.rows.map((r) => [r.installationId, r.reportAt, r.receivedAt, r.stale])).toEqual([
      [a.i3.id, null, null, false], // never reported; a closed contour is never late
      [a.i2.id, last2.at, last2.receivedAt, true], // silent for 22 hours
      [a.i1.id, last1.at, last1.receivedAt, false],
    ]);
    expect(out.rows[1]).toMatchObject({ ageMs: NOW - last2.at, expectedMs: HOUR, kind: 'polled' });
    expect(out.rows[0]).toMatchObject({ expectedMs: null, kind: 'closed' });
  });

  it("scopes: another dealer sees none of A's, a manager only his client's", async () => {
    const q = { from: NOW - 30 * DAY, to: NOW };
    const ofB = await run(b.actors.admin, q);
    expect(shapeErrors(ofB)).toEqual(expectedErrors([b.i1.id], q));
    expect(new Set(ofB.current.map((r) => r.installationId))).toEqual(new Set([b.i1.id]));
    const named = await run(b.actors.admin, { ...q, installationId: [a.i1.id, a.i2.id] });
    expect(named.errors.total + named.current.length).toBe(0);
    const vB = await versions(s.t.ctx, b.actors.admin, { ...q, clientId: [a.c1.id] }, NOW);
    expect(vB.used.length + vB.stats.length + vB.counts.length).toBe(0);
    const tB = await sysinfoTime(s.t.ctx, b.actors.admin, { installationId: [a.i1.id] }, NOW);
    expect(tB.rows).toEqual([]);

    const m = a.actors.manager1;
    const mine = await run(m, q);
    expect(shapeErrors(mine)).toEqual(expectedErrors([a.i1.id], q));
    expect(mine.current.every((r) => r.installationId === a.i1.id)).toBe(true);
    const mv = await versions(s.t.ctx, m, q, NOW);
    expect(new Set([...mv.used, ...mv.stats].map((r) => r.installationId))).toEqual(new Set([a.i1.id]));
    const mt = await sysinfoTime(s.t.ctx, m, {}, NOW);
    expect(mt.rows.map((r) => r.installationId)).toEqual([a.i1.id]);
    const other = await run(m, { ...q, installationId: [a.i2.id] });
    expect(other.errors.total + other.current.length).toBe(0);
  });

  it('answers over HTTP, only in scope, and names invalid fields', async () => {
    const q = { from: NOW - 30 * DAY, to: NOW };
    const admin = await loginAs(s.url, a.users.admin.login, TEST_PASSWORD);
    const other = await loginAs(s.url, b.users.admin.login, TEST_PASSWORD);
    s.t.clock.t = NOW;
    const e = await admin.get(`/api/dashboards/db-errors?from=${q.from}&to=${q.to}`);
    expect(e.status).toBe(200);
    expect(body<DbErrorsOut>(e)).toEqual(JSON.parse(JSON.stringify(await run(a.actors.admin, q))));
    const v = await admin.get(`/api/dashboards/versions?from=${q.from}&to=${q.to}&type=ksrv,sysinfo`);
    expect(v.status).toBe(200);
    expect(body<VersionsOut>(v)).toEqual(
      JSON.parse(
        JSON.stringify(await versions(s.t.ctx, a.actors.admin, { ...q, type: ['ksrv', 'sysinfo'] }, NOW)),
      ),
    );
    const t = await admin.get('/api/dashboards/sysinfo-time');
    expect(t.status).toBe(200);
    expect(body<SysinfoTimeOut>(t).rows.map((r) => r.installationId)).toEqual([a.i3.id, a.i2.id, a.i1.id]);

    const aIds = `installationId=${a.i1.id},${a.i2.id},${a.i3.id}`;
    const eb = body<DbErrorsOut>(await other.get(`/api/dashboards/db-errors?${aIds}`));
    expect(eb.errors).toMatchObject({ series: [], total: 0 });
    expect(eb.current).toEqual([]);
    expect(body<VersionsOut>(await other.get(`/api/dashboards/versions?${aIds}`)).stats).toEqual([]);
    expect(body<SysinfoTimeOut>(await other.get(`/api/dashboards/sysinfo-time?${aIds}`)).rows).toEqual([]);
    const tb = body<SysinfoTimeOut>(await other.get('/api/dashboards/sysinfo-time'));
    // B's own three installations; the two that never reported first
    expect(tb.rows.map((r) => r.installationId).sort()).toEqual([b.i1.id, b.i2.id, b.i3.id].sort());
    expect(tb.rows.at(-1)).toMatchObject({
      installationId: b.i1.id,
      reportAt: recs.get(b.i1.id)!.at(-1)!.at,
    });

    for (const [url, field] of [
      ['/api/dashboards/db-errors?from=yesterday', 'querystring.from'],
      ['/api/dashboards/db-errors?limit=0', 'querystring.limit'],
      ['/api/dashboards/versions?clientId=x', 'querystring.clientId'],
      ['/api/dashboards/sysinfo-time?installationId=1;2', 'querystring.installationId'],
    ] as const) {
      const r = await admin.get(url);
      expect(r.status, url).toBe(400);
      expect(body<{ message: string }>(r).message, url).toContain(field);
    }
    const reversed = await admin.get(`/api/dashboards/db-errors?from=${NOW}&to=${NOW - DAY}`);
    expect(reversed.status).toBe(400);
    expect(body<{ message: string }>(reversed).message).toMatch(/querystring\.from: must be before to/);
    expect((await new Client(s.url).get('/api/dashboards/db-errors')).status).toBe(401);
  });
});
