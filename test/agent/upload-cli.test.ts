import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../src/agent/config.js';
import { createNet } from '../../src/agent/net.js';
import { AgentRunner } from '../../src/agent/runner.js';
import { loadConfig } from '../../src/config/index.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { startKodeksServer, type KodeksServer } from '../../src/sim/kodeks/index.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { createCliEnv, smart, type CliEnv } from '../cli/run.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, type DealerWorld } from '../helpers/tenants.js';
import { FakeTimers, memoryLog, sha256, tmpDir, writeConfig } from './agent-harness.js';

/** Every report file under dir, oldest first (the queue's folder names sort by sequence). */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(zip|status)$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

describe.each(DB_KINDS)('closed contour: agent output folder → smart upload (%s)', (kind) => {
  let t: CliEnv;
  let rt: Runtime;
  let pk: KodeksServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let outDir: string;

  beforeAll(async () => {
    t = await createCliEnv(kind);
    rt = await openRuntime(loadConfig(t.env));
    a = await buildDealerWorld(rt.ctx, 'deala');
    b = await buildDealerWorld(rt.ctx, 'dealb');
    // The same agent name at two dealers: only --dealer can tell them apart.
    const op = cliActor('test');
    for (const w of [a, b]) {
      const c = await createClient(rt.ctx, op, { dealerId: w.dealer.id, shortName: 'twin' });
      await createInstallation(rt.ctx, op, { clientId: c.id, kind: 'closed' });
    }
    const timers = new FakeTimers();
    pk = await startKodeksServer({ seed: 11, clock: () => timers.now() });
    // The agent in closed-contour mode: no server settings at all.
    const dir = tmpDir('smart-closed-');
    const cfg = loadAgentConfig(
      writeConfig(dir, {
        client: a.i3.sourceKey,
        pkUrl: pk.url,
        smartloginPassword: pk.state.profile.smartloginPassword,
        closedContourDir: 'out',
      }),
    );
    outDir = cfg.closedContourDir as string;
    const n = createNet(cfg);
    const runner = new AgentRunner(cfg, { pk: n.pk, server: n.server, timers, log: memoryLog() });
    for (const k of ['sysinfo', 'status', 'status'] as const) {
      expect(await runner.collectOnce(k)).not.toBeNull();
      await timers.advance(15 * 60_000);
    }
    await runner.stop();
    await n.close();
  });
  afterAll(async () => {
    await pk.close();
    await rt.close();
    await t.close();
  });

  const rowsOf = (dealerId: number) =>
    rt.ctx.db
      .selectFrom('reports')
      .select(['id', 'installation_id', 'source_name', 'file_name', 'via', 'sha256', 'channel'])
      .where('dealer_id', '=', dealerId)
      .orderBy('id')
      .execute();

  it('writes files the server accepts into the output folder', () => {
    const files = filesUnder(outDir);
    expect(files.map((f) => path.basename(f))).toEqual([
      `${a.i3.sourceKey}.zip`,
      `${a.i3.sourceKey}.status`,
      `${a.i3.sourceKey}.status`,
    ]);
  });

  it('stores the folder once, in order, on the installation of that name, marked manual', async () => {
    const files = filesUnder(outDir);
    const r = await smart(t.env, ['upload', outDir, '--client', a.i3.sourceKey]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 new of 3');
    const rows = await rowsOf(a.dealer.id);
    expect(rows.map((x) => x.sha256)).toEqual(files.map((f) => sha256(fs.readFileSync(f))));
    expect(rows.every((x) => x.installation_id === a.i3.id && x.via === 'manual')).toBe(true);
    expect(rows.map((x) => x.channel)).toEqual(['sysinfo', 'status', 'status']);

    const again = await smart(t.env, ['upload', ...files, '--client', a.i3.sourceKey, '--json']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { duplicate: boolean }[]).every((x) => x.duplicate)).toBe(true);
    expect(await rowsOf(a.dealer.id)).toHaveLength(3);
  });

  it("never attaches files to another dealer's installation", async () => {
    const file = filesUnder(outDir)[1] as string;
    const r = await smart(t.env, ['upload', file, '--client', a.i3.sourceKey, '--dealer', 'dealb']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/unregistered source/);
    const rows = await rowsOf(b.dealer.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ installation_id: null, source_name: a.i3.sourceKey });
  });

  it('refuses unclear input with a message that says what to do', async () => {
    const file = filesUnder(outDir)[0] as string;
    const unknown = await smart(t.env, ['upload', file, '--client', 'nosuchclient']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no installation is named "nosuchclient"/);
    const twin = await smart(t.env, ['upload', file, '--client', 'twin']);
    expect(twin.code).toBe(2);
    expect(twin.stderr).toMatch(/several dealers .* --dealer/);
    const stray = path.join(tmpDir('smart-stray-'), 'notes.txt');
    fs.writeFileSync(stray, 'hello');
    const notReport = await smart(t.env, ['upload', stray, '--client', a.i3.sourceKey]);
    expect(notReport.code).toBe(2);
    expect(notReport.stderr).toMatch(/not a report file/);
    const badName = await smart(t.env, ['upload', file, '--client', 'bad/name', '--dealer', 'deala']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/--client: client name "bad\/name" contains/);
  });
});
