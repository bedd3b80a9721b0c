import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillDemo, backfillOnline, startDemoFleet, type DemoFleet } from '../../src/cli/demo-fleet.js';
import { seedDemo } from '../../src/cli/demo-seed.js';
import { loadConfig } from '../../src/config/index.js';
import type { Runtime } from '../../src/runtime.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { createCliEnv, smart, waitFor, type CliEnv } from './run.js';

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
    expect(first).toEqual({ reports: 13 * 4, added: 13 * 4 });
    const statuses = await t.ctx.db.selectFrom('reports').select('status').execute();
    expect(new Set(statuses.map((s) => s.status))).toEqual(new Set(['processed']));
    const states = await t.ctx.db.selectFrom('installation_state').select('installation_id').execute();
    expect(states).toHaveLength(13);
    const again = await backfillDemo(rt, demo, 3, undefined, 2);
    expect(again.added).toBe(0);
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
    expect(await backfillOnline(rt, demo, 1)).toBe(readings);
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
