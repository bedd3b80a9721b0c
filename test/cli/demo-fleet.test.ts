import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backfillDemo,
  backfillOnline,
  DEMO_FLEET_SEED,
  startDemoFleet,
  type DemoFleet,
} from '../../src/cli/demo-fleet.js';
import { backfillProbes } from '../../src/cli/demo-probes.js';
import { seedDemo } from '../../src/cli/demo-seed.js';
import { loadConfig } from '../../src/config/index.js';
import { serverAvailability } from '../../src/dashboards/availability.js';
import { serverMetrics } from '../../src/dashboards/server-metrics.js';
import type { Runtime } from '../../src/runtime.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { createCliEnv, smart, waitFor, type CliEnv } from './run.js';

const DAY = 86_400_000;

describe.each(DB_KINDS)('the demo fleet (%s)', (kind) => {
  let t: TestContext;
  let rt: Runtime;
  let demo: DemoFleet;
  let dataDir: string;

  beforeAll(async () => {
    t = await openTestContext(kind);
    t.clock.t = Date.now();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-demofleet-'));
    rt = {
      ctx: t.ctx,
      config: loadConfig({ SMART_DATA_DIR: dataDir, SMART_NODE_ID: 'demo' }),
      close: async () => {},
    };
    const seeded = await seedDemo(t.ctx, cliActor('test'));
    demo = await startDemoFleet(rt, seeded.dealer);
  });
  afterAll(async () => {
    await demo.close();
    await t.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives every demo installation its own simulated ПК and points pulls at it', async () => {
    expect(demo.fleet.servers).toHaveLength(13);
    const polled = demo.installations.filter((i) => i.kind === 'polled');
    expect(polled.length).toBeGreaterThan(0);
    for (const p of polled) {
      const url = demo.resolveBaseUrl({
        id: p.id,
        dealerId: p.dealerId,
        sourceKey: p.sourceKey,
        address: 'x',
        port: 1,
        protocol: 'http',
        smartloginUser: null,
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    const agent = demo.installations.find((i) => i.kind === 'agent')!;
    expect(demo.profileOf(agent.id).shortName).toBe(agent.sourceKey);
  });

  it('backfills history through the pipeline, once', async () => {
    const first = await backfillDemo(rt, demo, 3, undefined, 2);
    const probed = demo.installations.filter((i) => i.kind === 'polled' && i.probeEnabled).length;
    // A probe a minute for three days per probed installation.
    expect(first).toEqual({
      reports: 13 * 4,
      added: 13 * 4,
      probes: { installations: probed, probes: expect.closeTo(probed * 3 * 1440, -2) as number },
    });
    const statuses = await t.ctx.db.selectFrom('reports').select('status').execute();
    expect(new Set(statuses.map((s) => s.status))).toEqual(new Set(['processed']));
    const states = await t.ctx.db.selectFrom('installation_state').select('installation_id').execute();
    expect(states).toHaveLength(13);
    const again = await backfillDemo(rt, demo, 3, undefined, 2);
    expect(again.added).toBe(0);
    expect(again.probes).toEqual({ installations: 0, probes: 0 });
  });

  it('backfills probe history older than what is recorded, for the availability and server-metrics dashboards', async () => {
    const now = t.ctx.clock.now();
    const actor = cliActor('test');
    const probed = demo.installations.filter((i) => i.kind === 'polled' && i.probeEnabled).map((i) => i.id);
    const status = () =>
      t.ctx.db
        .selectFrom('check_status')
        .selectAll()
        .where('subject_kind', '=', 'installation')
        .orderBy('subject_id')
        .orderBy('check_name')
        .execute();
    const before = await status();
    expect(new Set(before.map((s) => s.subject_id))).toEqual(new Set(probed));

    // Nine days where three are recorded: only the six older ones are added.
    const more = await backfillProbes(rt, demo, 9, DEMO_FLEET_SEED);
    expect(more.installations).toBe(probed.length);
    expect(more.probes).toBeGreaterThan(probed.length * 6 * 1440 - probed.length * 2);
    expect(more.probes).toBeLessThan(probed.length * 6 * 1440 + probed.length * 2);
    // The current status is what the newest probes left.
    expect(await status()).toEqual(before);
    const firstEvents = await t.ctx.db
      .selectFrom('check_events')
      .select(['subject_id', (eb) => eb.fn.min<number>('at').as('at')])
      .where('subject_kind', '=', 'installation')
      .groupBy('subject_id')
      .execute();
    expect(firstEvents).toHaveLength(probed.length);
    for (const e of firstEvents) expect(Math.abs(Number(e.at) - (now - 9 * DAY))).toBeLessThan(60_000);

    // «Доступность серверов»: a point for every backfilled day of every probed installation, some below 100%.
    const avail = await serverAvailability(t.ctx, actor, { from: now - 8 * DAY, to: now }, now);
    for (const panel of [avail.interface, avail.port]) {
      expect(panel.series.map((s) => s.installationId).sort()).toEqual([...probed].sort());
      expect(panel.timestamps.length).toBeGreaterThanOrEqual(9);
      for (const s of panel.series) {
        expect(s.values.every((v) => v !== null && v > 50 && v <= 100)).toBe(true);
      }
    }
    const last = avail.interface.series.map((s) => s.values.at(-1)!);
    expect(Math.min(...last)).toBeLessThan(100);
    // ... and the counts: a probe a minute, each day.
    const days = await t.ctx.db
      .selectFrom('availability_daily')
      .select(['day', 'total'])
      .where('subject_kind', '=', 'installation')
      .where('check_name', '=', 'http200')
      .where('subject_id', '=', probed[0]!)
      .where('day', '>', now - 8 * DAY)
      .where('day', '<', Math.floor(now / DAY) * DAY)
      .execute();
    expect(days.length).toBeGreaterThanOrEqual(7);
    for (const d of days) expect(Number(d.total)).toBe(1440);

    // «Kodeks server metrics»: lines over the whole week (from the samples) and over 8.5 days (by day,
    // from the rollup), with failures in them.
    const week = await serverMetrics(t.ctx, actor, { from: now - 7 * DAY, to: now }, now);
    const long = await serverMetrics(t.ctx, actor, { from: now - 8.5 * DAY, to: now }, now);
    expect(long.checks.step).toBe(DAY);
    for (const out of [week, long]) {
      const tcp = out.checks.series.filter((s) => s.key.endsWith(':tcp'));
      expect(tcp.map((s) => s.installationId).sort()).toEqual([...probed].sort());
      // TCP is always judged: ok, or failed while a server is down.
      for (const s of tcp) expect(s.values.every((v) => v === 0 || v === 1)).toBe(true);
      const http = out.checks.series.filter((s) => s.key.endsWith(':http200'));
      expect(http).toHaveLength(probed.length);
      expect(http.some((s) => s.values.includes(0))).toBe(true);
      // Seven abnormal states per installation, drawn whenever the page could be read (not while a
      // server is down: the long outage is a gap in its lines).
      expect(out.abnormal.series).toHaveLength(7 * probed.length);
      for (const s of out.abnormal.series) {
        expect(s.values.filter((v) => v !== null).length).toBeGreaterThan(s.values.length / 2);
      }
      for (let i = 0; i < out.abnormal.timestamps.length; i += 1) {
        expect(out.abnormal.series.some((s) => s.values[i] !== null)).toBe(true);
      }
    }

    // Nothing more to add: running it again changes no count.
    const sum = async () =>
      Number(
        (
          await t.ctx.db
            .selectFrom('availability_daily')
            .select((eb) => eb.fn.sum<number>('total').as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const total = await sum();
    expect(await backfillProbes(rt, demo, 9, DEMO_FLEET_SEED)).toEqual({ installations: 0, probes: 0 });
    expect(await sum()).toBe(total);
  });

  it('serves the 30 demo online accesses from simulated DCs, of every usage profile, and backfills readings', async () => {
    const accounts = [...demo.dcs.values()].flatMap((d) => d.accounts);
    expect(accounts).toHaveLength(30);
    expect(new Set(accounts.map((a) => a.profile))).toEqual(
      new Set(['regular', 'sharer', 'idle', 'episodic']),
    );
    expect(demo.resolveOnlineBaseUrl({ host: 'nps2.cntd.ru' })).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const readings = await backfillOnline(rt, demo, 1);
    expect(readings).toBe(30 * 25);
    const states = await t.ctx.db.selectFrom('online_state').selectAll().execute();
    expect(states).toHaveLength(30);
    expect(states.every((s) => s.ok === 1 && s.docs_limit! >= 300)).toBe(true);
    // The search log of the last week is read too: every access is caught up to yesterday.
    expect(states.every((s) => s.searchlog_through !== null)).toBe(true);
    const logged = await t.ctx.db.selectFrom('online_search_log').select('day').execute();
    expect(new Set(logged.map((r) => r.day)).size).toBeGreaterThanOrEqual(1);
    expect(await backfillOnline(rt, demo, 1)).toBe(readings);
    expect(await t.ctx.db.selectFrom('online_search_log').select('day').execute()).toHaveLength(
      logged.length,
    );
    expect(await t.ctx.db.selectFrom('online_usage_monthly').select('kind').execute()).toHaveLength(
      30 *
        4 *
        new Set(
          (await t.ctx.db.selectFrom('online_usage_monthly').select('month').execute()).map((m) => m.month),
        ).size,
    );
  });
});

describe.each(DB_KINDS)('smart demo with its fleet, and smart simulate fleet (%s)', (kind) => {
  let t: CliEnv;
  beforeAll(async () => {
    t = await createCliEnv(kind);
  });
  afterAll(() => t.close());

  it('agents upload and pulls arrive while the demo runs', async () => {
    const stop = new AbortController();
    let out = '';
    const running = smart(t.env, ['demo', '--host', '127.0.0.1', '--port', '0'], {
      signal: stop.signal,
      onStdout: (all) => (out = all),
    });
    try {
      await waitFor(() => out, /running at/);
      const until = Date.now() + 90_000;
      const db = t.db().db;
      const polled = (
        await db
          .selectFrom('installations')
          .select('id')
          .where('kind', '=', 'polled')
          .where('probe_enabled', '=', 1)
          .execute()
      ).length;
      expect(polled).toBeGreaterThan(0);
      let processed: { via: string }[] = [];
      while (Date.now() < until) {
        processed = await db.selectFrom('reports').select('via').where('status', '=', 'processed').execute();
        const vias = new Set(processed.map((p) => p.via));
        const states = await db.selectFrom('installation_state').select('installation_id').execute();
        const probed = await db
          .selectFrom('check_status')
          .select('subject_id')
          .where('check_name', '=', 'http200')
          .execute();
        const online = await db
          .selectFrom('online_state')
          .select('online_access_id')
          .where('ok', '=', 1)
          .execute();
        if (
          vias.has('agent') &&
          vias.has('pull') &&
          states.length === 13 &&
          probed.length === polled &&
          online.length === 30
        )
          break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(out).toMatch(/simulated fleet: 13 ПК/);
      expect(out).toMatch(/simulated distribution centres: .*nps2\.cntd\.ru/);
      // Every probed installation passes its page check; every online access was read.
      const checks = await db
        .selectFrom('check_status')
        .selectAll()
        .where('check_name', '=', 'http200')
        .execute();
      expect(checks).toHaveLength(polled);
      expect(checks.every((c) => c.outcome === 'ok')).toBe(true);
      expect(await db.selectFrom('online_state').select('ok').where('ok', '=', 1).execute()).toHaveLength(30);
      expect(new Set(processed.map((p) => p.via))).toEqual(new Set(['agent', 'pull']));
      const states = await db.selectFrom('installation_state').select('installation_id').execute();
      expect(states.length).toBe(13);
    } finally {
      stop.abort();
    }
    expect((await running).code).toBe(0);
  });

  it('simulate fleet runs servers that answer like a ПК until stopped', async () => {
    const stop = new AbortController();
    let out = '';
    const running = smart(t.env, ['simulate', 'fleet', '--installations', '2', '--seed', '5', '--json'], {
      signal: stop.signal,
      onStdout: (all) => (out = all),
    });
    try {
      await waitFor(() => out, /"servers"/);
      const { servers } = JSON.parse(out) as { servers: { url: string; client: string }[] };
      expect(servers).toHaveLength(2);
      const res = await fetch(`${servers[0]!.url}/sysinfo/si_save_request`, {
        method: 'POST',
        body: 'type=zip',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('server')).toBe('WWW-Kodeks/6.4');
    } finally {
      stop.abort();
    }
    expect((await running).code).toBe(0);
  });

  it('simulate dc serves online accesses whose profile matches the ground truth', async () => {
    const stop = new AbortController();
    let out = '';
    const running = smart(t.env, ['simulate', 'dc', '--accounts', '2', '--seed', '3', '--json'], {
      signal: stop.signal,
      onStdout: (all) => (out = all),
    });
    try {
      await waitFor(() => out, /"accounts"/);
      const { url, accounts } = JSON.parse(out) as {
        url: string;
        accounts: { login: string; password: string; folder: string }[];
      };
      expect(accounts).toHaveLength(2);
      const a = accounts[0]!;
      const login = await fetch(`${url}/${a.folder}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: a.login, password: a.password }).toString(),
        redirect: 'manual',
      });
      expect(login.status).toBeLessThan(400);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const profile = await fetch(`${url}/${a.folder}/profile.json`, { headers: { cookie } });
      expect(profile.status).toBe(200);
      expect(JSON.stringify(await profile.json())).toMatch(/remaining/);
    } finally {
      stop.abort();
    }
    expect((await running).code).toBe(0);
  });
});
