import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/inventory/clients.js';
import {
  createInstallation,
  updateInstallation,
  type Installation,
} from '../../src/inventory/installations.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { readSeries } from '../../src/metrics/series.js';
import {
  installationAvailability,
  installationCheckEvents,
  installationChecks,
} from '../../src/probes/queries.js';
import { ping } from '../../src/probes/icmp.js';
import { createProbeService, type ProbeService } from '../../src/probes/service.js';
import { startKodeksServer, type KodeksServer } from '../../src/sim/kodeks/index.js';
import type { Fault } from '../../src/sim/kodeks/faults.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';

const MIN = 60_000;
const op = cliActor('test');

type Expect = Record<string, string>;
const ALL_OK: Expect = {
  icmp: 'ok',
  tcp: 'ok',
  http200: 'ok',
  Maintenance: 'ok',
  auth: 'ok',
  key: 'ok',
  warning: 'ok',
  limit: 'ok',
};

/** Each simulator fault, the checks it must change, and the abnormal states it must show. */
const FAULT_CASES: { fault: Fault; checks: Expect; states: Record<string, number> }[] = [
  {
    fault: 'down',
    checks: {
      tcp: 'failed',
      http200: 'failed',
      Maintenance: 'unknown',
      auth: 'unknown',
      key: 'unknown',
      warning: 'unknown',
      limit: 'unknown',
    },
    states: {},
  },
  {
    fault: 'maintenance',
    checks: {
      Maintenance: 'failed',
      http200: 'suppressed',
      auth: 'suppressed',
      key: 'suppressed',
      warning: 'suppressed',
      limit: 'suppressed',
    },
    states: { maintenance: 503 },
  },
  {
    fault: 'server_not_started',
    checks: { http200: 'failed', auth: 'unknown', key: 'unknown', warning: 'unknown', limit: 'unknown' },
    states: { server_not_started: 500 },
  },
  { fault: 'needs_service', checks: { warning: 'failed' }, states: { needs_service: 200 } },
  { fault: 'key_lost', checks: { key: 'failed' }, states: { key_not_found: 200 } },
  { fault: 'licences_exhausted', checks: { limit: 'failed' }, states: { licences_exhausted: 200 } },
  { fault: 'db_error', checks: { warning: 'failed' }, states: { server_errors: 200 } },
  {
    fault: 'reverse_proxy_down',
    checks: {
      http200: 'failed',
      proxy: 'failed',
      Maintenance: 'unknown',
      auth: 'unknown',
      key: 'unknown',
      warning: 'unknown',
      limit: 'unknown',
    },
    states: { server_not_working: 502 },
  },
];

describe.each(DB_KINDS)('probes as jobs (%s)', (kind) => {
  let t: TestContext;
  let sims: KodeksServer[];
  let insts: Installation[];
  let service: ProbeService;
  let runner: JobRunner;
  let closedPort: number;
  let icmpSilent = false;

  const round = async () => {
    t.clock.advance(MIN);
    await runner.runUntilIdle();
  };
  const outcomes = async (inst: Installation) => {
    const c = await installationChecks(t.ctx, op, inst.id);
    return {
      checks: Object.fromEntries(c.checks.map((x) => [x.check, x.outcome])),
      states: Object.fromEntries(c.states.filter((s) => s.value !== 0).map((s) => [s.state, s.value])),
    };
  };

  beforeAll(async () => {
    t = await openTestContext(kind);
    const { dealer } = await createDealer(t.ctx, op, { code: 'pr', name: 'Probe dealer' });
    const client = await createClient(t.ctx, op, { dealerId: dealer.id, shortName: 'probed' });
    sims = await Promise.all([1, 2].map((seed) => startKodeksServer({ seed, clock: () => t.clock.now() })));
    const spare = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => spare.once('listening', r));
    closedPort = (spare.address() as net.AddressInfo).port;
    await new Promise((r) => spare.close(r));
    insts = [];
    for (const sim of sims) {
      insts.push(
        await createInstallation(t.ctx, op, {
          clientId: client.id,
          kind: 'polled',
          address: '127.0.0.1',
          port: sim.port,
          protocol: 'http',
          smartloginUser: 'smartlogin',
          smartloginPassword: sim.state.profile.smartloginPassword,
        }),
      );
    }
    // The real system ping, except while a test makes the host stop answering it (every address answers
    // ping in this sandbox, so a silent host cannot be reached for real).
    service = createProbeService(t.ctx, {
      timeoutMs: 2_000,
      pinger: (host, o) =>
        icmpSilent
          ? Promise.resolve({ outcome: 'failed', detail: '1 packets transmitted, 0 received' })
          : ping(host, o),
    });
    runner = new JobRunner(t.ctx, [service.handler], {
      nodeId: 'test',
      syncEveryMs: 0,
      onError: (e) => {
        throw e;
      },
    });
    // The first sync spreads the first runs over the coming minute; the next round runs them all.
    await round();
    await round();
  });
  afterAll(async () => {
    await runner?.stop();
    await Promise.all(sims.map((s) => s.close()));
    await t.close();
  });

  it('probes every installation that allows it once per interval, and all checks pass on a healthy ПК', async () => {
    const jobs = await t.ctx.db.selectFrom('jobs').selectAll().where('kind', '=', 'probe').execute();
    expect(jobs.map((j) => j.subject_id).sort()).toEqual(insts.map((i) => i.id).sort());
    for (const inst of insts) {
      const o = await outcomes(inst);
      expect(o.checks).toEqual(ALL_OK);
      expect(o.states).toEqual({});
      const c = await installationChecks(t.ctx, op, inst.id);
      expect(c.states).toHaveLength(7);
      expect(c.probed).toBe(true);
      expect(c.intervalS).toBe(60);
    }
    const before = jobs.map((j) => j.runs);
    await round();
    const after = await t.ctx.db
      .selectFrom('jobs')
      .select('runs')
      .where('kind', '=', 'probe')
      .orderBy('id')
      .execute();
    expect(after.map((j) => j.runs)).toEqual(before.map((r) => r + 1));
  });

  for (const c of FAULT_CASES) {
    it(`fault ${c.fault}: reflected within one interval and cleared within one more`, async () => {
      const [sim] = sims;
      const [inst, other] = insts;
      await sim!.setFault(c.fault, true);
      await round();
      const on = await outcomes(inst!);
      expect(on.checks).toEqual({ ...ALL_OK, ...c.checks });
      expect(on.states).toEqual(c.states);
      // The other installation is not affected.
      expect((await outcomes(other!)).checks).toEqual(ALL_OK);

      await sim!.setFault(c.fault, false);
      await round();
      const off = await outcomes(inst!);
      // The proxy check is reported only while a gateway error is seen (the installation is not behindProxy).
      expect(off.checks).toEqual(ALL_OK);
      expect(off.states).toEqual({});
      // Both transitions are in the event log.
      const events = await installationCheckEvents(t.ctx, op, inst!.id, { from: t.clock.now() - 2 * MIN });
      for (const [check, outcome] of Object.entries(c.checks)) {
        expect(events).toContainEqual(expect.objectContaining({ check, to: outcome }));
        expect(events).toContainEqual(expect.objectContaining({ check, from: outcome }));
      }
    });
  }

  it('icmp: a host that stops answering ping fails only the icmp check, and recovers', async () => {
    const inst = insts[0]!;
    icmpSilent = true;
    await round();
    expect((await outcomes(inst)).checks).toEqual({ ...ALL_OK, icmp: 'failed' });
    icmpSilent = false;
    await round();
    expect((await outcomes(inst)).checks).toEqual(ALL_OK);
  });

  it('a wrong smartlogin password fails auth and makes key, warning and limit unknown, not failed', async () => {
    const inst = insts[0]!;
    await updateInstallation(t.ctx, op, inst.id, { smartloginPassword: 'wrong' });
    await round();
    expect((await outcomes(inst)).checks).toEqual({
      ...ALL_OK,
      auth: 'failed',
      key: 'unknown',
      warning: 'unknown',
      limit: 'unknown',
    });
    await updateInstallation(t.ctx, op, inst.id, {
      smartloginPassword: sims[0]!.state.profile.smartloginPassword,
    });
    await round();
    expect((await outcomes(inst)).checks).toEqual(ALL_OK);
  });

  it('checks the License manager when its address is set, and stops probing when probes are switched off', async () => {
    const inst = insts[1]!;
    await updateInstallation(t.ctx, op, inst.id, { licmanAddress: '127.0.0.1', licmanPort: closedPort });
    await round();
    let o = await outcomes(inst);
    expect(o.checks.licman_icmp).toBe('ok');
    expect(o.checks.licman_tcp).toBe('failed');
    await updateInstallation(t.ctx, op, inst.id, { licmanPort: sims[1]!.port });
    await round();
    o = await outcomes(inst);
    expect(o.checks.licman_tcp).toBe('ok');
    await updateInstallation(t.ctx, op, inst.id, {
      licmanAddress: null,
      licmanPort: null,
      probeEnabled: false,
    });
    await round();
    const c = await installationChecks(t.ctx, op, inst.id);
    expect(c.probed).toBe(false);
    expect(c.checks).toEqual([]);
    await updateInstallation(t.ctx, op, inst.id, { probeEnabled: true });
    // A new job's first run falls somewhere in its first interval.
    await round();
    await round();
    expect((await outcomes(inst)).checks).toEqual(ALL_OK);
  });

  it('writes 0/1 series on change and counts every probe in the rolling availability', async () => {
    const inst = insts[0]!;
    const now = t.clock.now();
    const series = await readSeries(t.ctx, inst.id, 'probe_check', 0, now + 1);
    const http = series.find((s) => s.labels.check === 'http200')!;
    // Values seen: 1 healthy, 0 during down, -1 (not judged) during maintenance.
    expect(new Set(http.points.map(([, v]) => v))).toEqual(new Set([1, 0, -1]));
    // A change-point series: consecutive points differ, except hourly heartbeats.
    const states = await readSeries(t.ctx, inst.id, 'probe_state', 0, now + 1);
    const maint = states.find((s) => s.labels.state === 'maintenance')!;
    expect(maint.points.map(([, v]) => v)).toEqual([0, 503, 0]);

    const runs = (
      await t.ctx.db
        .selectFrom('jobs')
        .select('runs')
        .where('subject_id', '=', inst.id)
        .executeTakeFirstOrThrow()
    ).runs;
    const a = await installationAvailability(t.ctx, op, inst.id, { from: now - 2 * 86_400_000, to: now });
    expect(a.interface.current.total).toBe(runs);
    // http200 failed under down, server_not_started, reverse_proxy_down; suppressed (unavailable) under maintenance.
    expect(a.interface.current.total - a.interface.current.ok).toBe(4);
    expect(a.port.current.total - a.port.current.ok).toBe(1);
    expect(a.interface.current.pct).toBeCloseTo(((runs - 4) / runs) * 100, 3);
    expect(a.interface.points.length).toBeGreaterThanOrEqual(2);
  });
});
