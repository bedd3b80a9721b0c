/**
 * "Kodeks server metrics" over probe results written by the real CheckRecorder: three hours of
 * minute-by-minute probes with a maintenance window, a port outage and a failing check, then silence.
 * Every series must equal the samples the recorder wrote (a step function, carried between samples),
 * with −1 "not judged" as a gap, the `checktype` variable, ranking and `limit`, scopes and HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Aligned, ServerMetricsOut, ServerMetricsQuery } from '../../src/dashboards/contract.js';
import { bucketStarts } from '../../src/dashboards/range.js';
import { PROBE_CARRY_MS, serverMetrics } from '../../src/dashboards/server-metrics.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import { readSeries } from '../../src/metrics/series.js';
import { probeObservations, probeRecorder, PROBE_SERIES } from '../../src/probes/service.js';
import {
  ABNORMAL_STATE_TITLES,
  ABNORMAL_STATES,
  type AbnormalState,
  type CheckName,
  type CheckOutcome,
  type ProbeResult,
} from '../../src/probes/types.js';
import { cliActor, type Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Sunday 2026-11-01 09:00 UTC (12:00 in Moscow). Probes run every minute for three hours. */
const T0 = Date.UTC(2026, 10, 1, 9);
const MINUTES = 180;
const NOW = T0 + 6 * HOUR;

const CHECKS: CheckName[] = ['icmp', 'tcp', 'http200', 'Maintenance', 'auth', 'key', 'warning', 'limit'];
const SIGNED_IN: CheckName[] = ['auth', 'key', 'warning', 'limit'];

type Script = (minute: number) => ProbeResult;
const noStates = () =>
  Object.fromEntries(ABNORMAL_STATES.map((s) => [s, 0])) as Record<AbnormalState, number>;
const result = (
  checks: Partial<Record<CheckName, CheckOutcome>>,
  states: ProbeResult['states'],
): ProbeResult => ({
  startedAt: 0,
  durationMs: 5,
  checks: CHECKS.filter((c) => checks[c]).map((c) => ({ check: c, outcome: checks[c]! })),
  states,
  httpLatencyMs: 3,
});
const allOk = (): Partial<Record<CheckName, CheckOutcome>> =>
  Object.fromEntries(CHECKS.map((c) => [c, 'ok' as CheckOutcome]));

/** Installation 2 of dealer A: maintenance 60–89, port down 120–149 (nothing after tcp judged). */
const scriptA2: Script = (m) => {
  if (m >= 60 && m < 90)
    return result(
      {
        ...allOk(),
        Maintenance: 'failed',
        http200: 'suppressed',
        ...Object.fromEntries(SIGNED_IN.map((c) => [c, 'suppressed'])),
      },
      { ...noStates(), maintenance: 503 },
    );
  if (m >= 120 && m < 150)
    return result(
      {
        icmp: 'ok',
        tcp: 'failed',
        http200: 'unknown',
        Maintenance: 'unknown',
        ...Object.fromEntries(SIGNED_IN.map((c) => [c, 'unknown'])),
      },
      null,
    );
  return result(allOk(), noStates());
};
/** Dealer A's installation of client 1: no smartlogin session (key never judged), seats full 30–39. */
const scriptA4: Script = (m) =>
  result(
    { ...allOk(), key: 'unknown', limit: m >= 30 && m < 40 ? 'failed' : 'ok' },
    {
      ...noStates(),
      licences_exhausted: m >= 30 && m < 40 ? 200 : 0,
    },
  );
const scriptB: Script = () => result(allOk(), noStates());

describe.each(DB_KINDS)('Kodeks server metrics (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let a4: Installation;
  const hosts = new Map<number, string>();

  beforeAll(async () => {
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'sma');
    b = await buildDealerWorld(ctx, 'smb');
    a4 = await createInstallation(ctx, cliActor('test'), {
      clientId: a.c1.id,
      kind: 'polled',
      address: 'alpha-sma.te-cloud.ru',
      port: 8080,
      protocol: 'http',
      managers: [{ managerId: a.m1.id, email: 'ivanov@sma.example' }],
    });
    hosts
      .set(a.i2.id, 'sma-beta.te-cloud.ru')
      .set(a4.id, 'alpha-sma.te-cloud.ru:8080')
      .set(b.i2.id, 'smb-beta.te-cloud.ru');
    const recorder = probeRecorder(ctx);
    const plan: [Installation, number, Script][] = [
      [a.i2, a.dealer.id, scriptA2],
      [a4, a.dealer.id, scriptA4],
      [b.i2, b.dealer.id, scriptB],
    ];
    for (let m = 0; m < MINUTES; m += 1) {
      const at = T0 + m * MIN;
      s.t.clock.t = at;
      for (const [inst, dealerId, script] of plan)
        recorder.add(probeObservations({ installationId: inst.id, dealerId }, script(m), at));
      await recorder.flush();
    }
  }, 300_000);
  afterAll(() => s.close());

  const run = (actor: Actor, q: Partial<ServerMetricsQuery>) =>
    serverMetrics(s.t.ctx, actor, q as ServerMetricsQuery, NOW);

  /** The oracle: the recorder's samples bucketed here, independently of the SQL. */
  const expectedValues = async (
    instId: number,
    metric: string,
    label: Record<string, string>,
    starts: number[],
    step: number,
    to: number,
  ): Promise<(number | null)[]> => {
    const series = await readSeries(s.t.ctx, instId, metric, 0, Number.MAX_SAFE_INTEGER);
    const pts = series
      .find((x) => JSON.stringify(x.labels) === JSON.stringify(label))!
      .points.filter(([t]) => t <= to);
    const check = metric === PROBE_SERIES.check;
    return starts.map((st) => {
      const inBucket = pts.filter(([t]) => t >= st && t < st + step).map(([, v]) => v);
      if (inBucket.length) {
        if (!check) return Math.max(...inBucket);
        const judged = inBucket.filter((v) => v >= 0);
        return judged.length ? Math.min(...judged) : null;
      }
      const before = pts.filter(([t]) => t < st).at(-1);
      if (!before || st - before[0] > PROBE_CARRY_MS) return null;
      return check && before[1] < 0 ? null : before[1];
    });
  };

  const find = (pl: Aligned, key: string) => pl.series.find((x) => x.key === key)!;
  const minute = (pl: Aligned, m: number) => pl.timestamps.indexOf(T0 + m * MIN);

  it('minute buckets: states and checks as the recorder saw them, carried between samples', async () => {
    const q = { from: T0, to: T0 + 3 * HOUR };
    const out = await run(a.actors.admin, q);
    const starts = bucketStarts(q, MIN);
    for (const pl of [out.abnormal, out.checks, out.lowDisk]) {
      expect(pl.step).toBe(MIN);
      expect(pl.timestamps).toEqual(starts);
    }
    expect(out.lowDisk).toEqual({ step: MIN, timestamps: starts, series: [], total: 0 });

    // every series of dealer A: 7 states × 2 installations, 8 checks × 2 installations
    expect(out.abnormal.total).toBe(14);
    expect(out.checks.total).toBe(16);
    for (const x of out.abnormal.series) {
      const state = x.key.split(':')[2]! as AbnormalState;
      expect(x.label).toBe(`${ABNORMAL_STATE_TITLES[state]} ${hosts.get(x.installationId!)}`);
      expect(x.values, x.label).toEqual(
        await expectedValues(x.installationId!, PROBE_SERIES.state, { state }, starts, MIN, q.to),
      );
    }
    for (const x of out.checks.series) {
      const check = x.key.split(':')[2]!;
      expect(x.label).toBe(`${check} ${hosts.get(x.installationId!)}`);
      expect(x.values, x.label).toEqual(
        await expectedValues(x.installationId!, PROBE_SERIES.check, { check }, starts, MIN, q.to),
      );
    }

    // The same facts, spelled out from the script.
    const maint = find(out.abnormal, `i:${a.i2.id}:maintenance`);
    expect(maint.label).toBe('Режим обслуживания sma-beta.te-cloud.ru');
    expect([30, 60, 75, 89, 90, 100].map((m) => maint.values[minute(out.abnormal, m)])).toEqual([
      0, 503, 503, 503, 0, 0,
    ]);
    // the page could not be read while the port was down: no state sample, the last one carries
    expect(maint.values[minute(out.abnormal, 130)]).toBe(0);
    const full = find(out.abnormal, `i:${a4.id}:licences_exhausted`);
    expect(full.label).toBe('Кончились лицензии alpha-sma.te-cloud.ru:8080');
    expect([29, 30, 39, 40].map((m) => full.values[minute(out.abnormal, m)])).toEqual([0, 200, 200, 0]);

    const http = find(out.checks, `i:${a.i2.id}:http200`).values;
    expect([59, 60, 89, 90, 119, 120, 149, 150].map((m) => http[minute(out.checks, m)])).toEqual([
      1,
      null, // suppressed by maintenance
      null,
      1,
      1,
      null, // not judged: the port is down
      null,
      1,
    ]);
    const tcp = find(out.checks, `i:${a.i2.id}:tcp`).values;
    expect([119, 120, 149, 150].map((m) => tcp[minute(out.checks, m)])).toEqual([1, 0, 0, 1]);
    const mt = find(out.checks, `i:${a.i2.id}:Maintenance`).values;
    expect([59, 60, 89, 90].map((m) => mt[minute(out.checks, m)])).toEqual([1, 0, 0, 1]);
    expect(find(out.checks, `i:${a4.id}:key`).values.every((v) => v === null)).toBe(true);
    const limit = find(out.checks, `i:${a4.id}:limit`).values;
    expect([29, 30, 39, 40].map((m) => limit[minute(out.checks, m)])).toEqual([1, 0, 0, 1]);
  });

  it('after the probes stop, the last value holds for the carry time, then the series has a gap', async () => {
    const q = { from: T0 + 2 * HOUR, to: T0 + 7 * HOUR };
    const out = await run(a.actors.admin, q);
    expect(out.checks.step).toBe(MIN);
    const starts = bucketStarts(q, MIN);
    const tcp = find(out.checks, `i:${a4.id}:tcp`);
    expect(tcp.values).toEqual(
      await expectedValues(a4.id, PROBE_SERIES.check, { check: 'tcp' }, starts, MIN, q.to),
    );
    // the last sample is the hourly heartbeat at 02:00 or a later change; nothing after 03:00 + carry
    const lastSample = T0 + (MINUTES - 1) * MIN;
    const idx = (t: number) => Math.floor((t - starts[0]!) / MIN);
    expect(tcp.values[idx(lastSample)]).toBe(1);
    expect(tcp.values[idx(lastSample + 3 * HOUR)]).toBeNull();
    expect(tcp.values.at(-1)).toBeNull();
  });

  it('ranks failed checks first and the highest state first; limit keeps the top, total counts all', async () => {
    // at T0 + 130 min the port of installation 2 is down
    const out = await run(a.actors.admin, { from: T0, to: T0 + 130 * MIN, limit: 3 });
    expect(out.checks.total).toBe(16);
    expect(out.checks.series).toHaveLength(3);
    expect(out.checks.series[0]!.key).toBe(`i:${a.i2.id}:tcp`);
    // then the checks nobody could judge, by label
    expect(out.checks.series.slice(1).map((x) => x.label)).toEqual([
      'Maintenance sma-beta.te-cloud.ru',
      'auth sma-beta.te-cloud.ru',
    ]);

    const inMaint = await run(a.actors.admin, { from: T0, to: T0 + 70 * MIN, limit: 2 });
    expect(inMaint.abnormal.total).toBe(14);
    expect(inMaint.abnormal.series.map((x) => x.key)).toEqual([
      `i:${a.i2.id}:maintenance`,
      // ties at 0 by label: "Ключ не найден alpha-…" sorts first
      `i:${a4.id}:key_not_found`,
    ]);
    expect(inMaint.abnormal.series[0]!.values.at(-1)).toBe(503);
  });

  it('the checktype variable picks checks by name, case-insensitively', async () => {
    const q = { from: T0, to: T0 + 3 * HOUR };
    const m = await run(a.actors.admin, { ...q, checktype: ['maintenance'] });
    expect(m.checks.series.map((x) => x.label).sort()).toEqual([
      'Maintenance alpha-sma.te-cloud.ru:8080',
      'Maintenance sma-beta.te-cloud.ru',
    ]);
    const two = await run(a.actors.admin, { ...q, checktype: ['tcp', 'HTTP200'] });
    expect(new Set(two.checks.series.map((x) => x.key.split(':')[2]))).toEqual(new Set(['tcp', 'http200']));
    expect(two.checks.total).toBe(4);
    expect(two.abnormal.total).toBe(14); // states are not checks
    const none = await run(a.actors.admin, { ...q, checktype: ['Maintenance-typo'] });
    expect(none.checks).toMatchObject({ series: [], total: 0 });
  });

  it("long ranges are daily or weekly, from the daily rollup; a check's day is its lowest judged value", async () => {
    for (const [days, step] of [
      [30, DAY],
      [200, DAY],
      [700, 7 * DAY],
    ] as const) {
      const q = { from: NOW - days * DAY, to: NOW };
      const out = await run(a.actors.admin, q);
      expect(out.abnormal.step).toBe(step);
      expect(out.checks.step).toBe(step);
      const starts = bucketStarts(q, step);
      expect(out.checks.timestamps).toEqual(starts);
      const i = starts.findIndex((st) => st <= T0 && T0 < st + step);
      expect(find(out.abnormal, `i:${a.i2.id}:maintenance`).values[i]).toBe(503);
      expect(find(out.checks, `i:${a.i2.id}:tcp`).values[i]).toBe(0);
      // ok, suppressed and not judged that day: the rollup cannot tell, the samples can
      expect(find(out.checks, `i:${a.i2.id}:http200`).values[i]).toBe(1);
      expect(find(out.checks, `i:${a4.id}:key`).values[i]).toBeNull();
      expect(find(out.checks, `i:${a4.id}:limit`).values[i]).toBe(0);
      expect(find(out.checks, `i:${a4.id}:icmp`).values[i]).toBe(1);
      for (const x of out.abnormal.series) {
        const state = x.key.split(':')[2]!;
        expect(x.values).toEqual(
          await expectedValues(x.installationId!, PROBE_SERIES.state, { state }, starts, step, q.to),
        );
      }
      for (const x of out.checks.series) {
        const check = x.key.split(':')[2]!;
        expect(x.values).toEqual(
          await expectedValues(x.installationId!, PROBE_SERIES.check, { check }, starts, step, q.to),
        );
      }
    }
  });

  it("scopes: another dealer and another client's manager see none of dealer A's series", async () => {
    const q = { from: T0, to: T0 + 3 * HOUR };
    const insts = (o: ServerMetricsOut) =>
      new Set([...o.abnormal.series, ...o.checks.series].map((x) => x.installationId));
    expect(insts(await run(b.actors.admin, q))).toEqual(new Set([b.i2.id]));
    const named = await run(b.actors.admin, { ...q, installationId: [a.i2.id, a4.id] });
    expect(insts(named).size).toBe(0);
    expect(named.abnormal.total + named.checks.total).toBe(0);
    expect(insts(await run(a.actors.manager1, q))).toEqual(new Set([a4.id]));
    expect(insts(await run(a.actors.manager1, { ...q, installationId: [a.i2.id] })).size).toBe(0);
    expect(insts(await run(a.actors.viewer2, q))).toEqual(new Set([a.i2.id]));
  });

  it('an installation whose probes were switched off (no current state) still shows its history', async () => {
    const q = { from: T0, to: T0 + 3 * HOUR };
    const before = await run(a.actors.admin, q);
    // what dropStaleStatus does once the installation is no longer probed
    await s.t.ctx.db
      .deleteFrom('check_status')
      .where('subject_kind', '=', 'installation')
      .where('subject_id', '=', a4.id)
      .execute();
    const after = await run(a.actors.admin, q);
    expect(after).toEqual(before);
    expect(after.checks.series.some((x) => x.installationId === a4.id)).toBe(true);
  });

  it('answers over HTTP, only in scope, and names invalid fields', async () => {
    const q = { from: T0, to: T0 + 3 * HOUR };
    const url = `/api/dashboards/server-metrics?from=${q.from}&to=${q.to}&checktype=tcp,maintenance&limit=10`;
    const admin = await loginAs(s.url, a.users.admin.login, TEST_PASSWORD);
    const r = await admin.get(url);
    expect(r.status).toBe(200);
    const direct = await run(a.actors.admin, { ...q, checktype: ['tcp', 'maintenance'], limit: 10 });
    expect(body<ServerMetricsOut>(r)).toEqual(JSON.parse(JSON.stringify(direct)));
    expect(direct.checks.series).toHaveLength(4);

    const other = await loginAs(s.url, b.users.admin.login, TEST_PASSWORD);
    const rb = body<ServerMetricsOut>(await other.get(`${url}&installationId=${a.i2.id}`));
    expect(rb.abnormal.series).toEqual([]);
    expect(rb.checks.series).toEqual([]);
    const manager = await loginAs(s.url, a.users.manager1.login, TEST_PASSWORD);
    const rm = body<ServerMetricsOut>(await manager.get(url));
    expect(new Set(rm.checks.series.map((x) => x.installationId))).toEqual(new Set([a4.id]));

    // the default range is the last 7 days (hourly)
    const d = body<ServerMetricsOut>(await admin.get('/api/dashboards/server-metrics'));
    expect(d.to - d.from).toBe(7 * DAY);
    expect(d.checks.step).toBe(HOUR);

    for (const [bad, field] of [
      ['limit=abc', 'querystring.limit'],
      ['to=-5', 'querystring.to'],
      ['managerId=x', 'querystring.managerId'],
    ] as const) {
      const e = await admin.get(`/api/dashboards/server-metrics?${bad}`);
      expect(e.status, bad).toBe(400);
      expect(body<{ message: string }>(e).message, bad).toContain(field);
    }
    const long = await admin.get(`/api/dashboards/server-metrics?from=0&to=${NOW}`);
    expect(long.status).toBe(400);
    expect(body<{ message: string }>(long).message).toMatch(/two years/);
  });
});
