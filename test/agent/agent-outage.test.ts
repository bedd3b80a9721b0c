import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgentCommand } from '../../src/agent/command.js';
import { loadAgentConfig } from '../../src/agent/config.js';
import { createNet, type AgentNet } from '../../src/agent/net.js';
import { AgentRunner } from '../../src/agent/runner.js';
import { startKodeksServer, type KodeksServer } from '../../src/sim/kodeks/index.js';
import { smart } from '../cli/run.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, type DealerWorld } from '../helpers/tenants.js';
import { settled, startIngestServer, type IngestServer } from '../ingest/harness.js';
import { AuthProxy, FakeTimers, Gate, memoryLog, tmpDir, writeConfig } from './agent-harness.js';

const MIN = 60_000;

interface LedgerRow {
  id: number;
  channel: string;
  sha256: string;
  report_at: number | null;
  status: string;
}

describe.each(DB_KINDS)('Node agent against the ПК simulator and a real server (%s)', (kind) => {
  let s: IngestServer;
  let w: DealerWorld;
  let pk: KodeksServer;
  let timers: FakeTimers;
  let gate: Gate;

  beforeAll(async () => {
    s = await startIngestServer(kind);
    w = await buildDealerWorld(s.t.ctx, 'deala');
    timers = new FakeTimers();
    // The ПК lives on the agent's clock, so each collection carries the simulated time.
    pk = await startKodeksServer({ seed: 7, clock: () => timers.now() });
    gate = new Gate({ host: '127.0.0.1', port: Number(new URL(s.url).port) });
    await gate.up();
  });
  afterAll(async () => {
    await gate.down();
    await pk.close();
    await s.close();
  });

  const ledger = async (): Promise<LedgerRow[]> =>
    (await s.t.ctx.db
      .selectFrom('reports')
      .select(['id', 'channel', 'sha256', 'report_at', 'status'])
      .where('dealer_id', '=', w.dealer.id)
      .where('source_name', '=', w.i1.sourceKey)
      .orderBy('id')
      .execute()) as LedgerRow[];

  const baseConfig = (_dir: string, extra: Record<string, unknown> = {}) => ({
    client: w.i1.sourceKey,
    pkUrl: pk.url,
    smartloginPassword: pk.state.profile.smartloginPassword,
    serverUrl: gate.url,
    dealer: w.dealer.code,
    token: w.uploadToken,
    queueDir: 'queue',
    statusIntervalMinutes: 1,
    sysinfoIntervalMinutes: 5,
    ...extra,
  });

  it('queues through a 10-minute server outage and delivers every report once, in order, afterwards', async () => {
    const dir = tmpDir('smart-agent-');
    const cfg = loadAgentConfig(writeConfig(dir, baseConfig(dir)));
    const agentNet: AgentNet = createNet(cfg);
    const log = memoryLog();
    const runner = new AgentRunner(cfg, {
      pk: agentNet.pk,
      server: agentNet.server,
      timers,
      log,
      random: () => 0.5,
    });
    const t0 = timers.now();
    try {
      runner.start();
      await timers.advance(0);
      await runner.idle();
      expect((await ledger()).length).toBe(2); // sysinfo and status at once

      await gate.down();
      await timers.advance(10 * MIN);
      await runner.idle();
      const queued = await runner.queue.list();
      // Collections kept going: one status a minute and one sysinfo at 5 and 10 minutes, none sent.
      expect(queued.map((q) => q.kind).filter((k) => k === 'status')).toHaveLength(10);
      expect(queued.map((q) => q.kind).filter((k) => k === 'sysinfo')).toHaveLength(2);
      expect((await ledger()).length).toBe(2);
      expect(log.lines.some((l) => /not reachable: connection refused.*queued/.test(l))).toBe(true);

      await gate.up();
      await timers.advance(11 * MIN);
      await runner.idle();
      expect(await runner.queue.list()).toEqual([]);
    } finally {
      await runner.stop();
      await agentNet.close();
    }
    await settled(s);

    // What the schedule says was collected over [t0, t0 + 21 min]: independent of the agent's code.
    const end = timers.now();
    const expectStatus: number[] = [];
    for (let t = t0; t <= end; t += MIN) expectStatus.push(t);
    const expectSysinfo = Math.floor((end - t0) / (5 * MIN)) + 1;

    const rows = await ledger();
    const status = rows.filter((r) => r.channel === 'status');
    const sysinfo = rows.filter((r) => r.channel === 'sysinfo');
    expect(rows.every((r) => r.status === 'processed')).toBe(true);
    // None duplicated, none lost, and in the order they were taken.
    expect(new Set(rows.map((r) => r.sha256)).size).toBe(rows.length);
    expect(status.map((r) => r.report_at)).toEqual(expectStatus);
    expect(sysinfo).toHaveLength(expectSysinfo);
    const sysTimes = sysinfo.map((r) => r.report_at as number);
    expect([...sysTimes].sort((a, b) => a - b)).toEqual(sysTimes);
  });

  it('does not store a report twice when the answer to its upload is lost', async () => {
    const dir = tmpDir('smart-agent-');
    const cfg = loadAgentConfig(writeConfig(dir, baseConfig(dir, { sysinfoIntervalMinutes: 600 })));
    const agentNet = createNet(cfg);
    const log = memoryLog();
    const runner = new AgentRunner(cfg, { pk: agentNet.pk, server: agentNet.server, timers, log });
    const before = (await ledger()).length;
    try {
      // A new moment, so this status differs from every earlier one.
      await timers.advance(30_000);
      gate.loseAnswers(1); // the first upload reaches the server, its 200 never comes back
      const item = await runner.collectOnce('status');
      expect(item).not.toBeNull();
      expect(await runner.queue.list()).toHaveLength(1);
      expect(log.lines.some((l) => /queued/.test(l))).toBe(true);
      // The server has stored it although the agent does not know.
      expect((await ledger()).length - before).toBe(1);
      await timers.advance(11 * MIN);
      await runner.idle();
      expect(await runner.queue.list()).toEqual([]);
    } finally {
      await runner.stop();
      await agentNet.close();
    }
    await settled(s);
    const rows = await ledger();
    expect(rows.length - before).toBe(1);
    expect(new Set(rows.map((r) => r.sha256)).size).toBe(rows.length);
  });

  it('uploads through an HTTP proxy that wants a password, and names a refused proxy login', async () => {
    const proxy = new AuthProxy('squid', 'p@ss word');
    await proxy.start();
    try {
      const dir = tmpDir('smart-agent-');
      const file = writeConfig(dir, baseConfig(dir, { serverUrl: s.url, proxy: proxy.url() }));
      const before = (await ledger()).length;
      const out: string[] = [];
      const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
      expect(await runAgentCommand({ config: file, once: true }, io)).toBe(0);
      const port = new URL(s.url).port;
      expect(proxy.seen.filter((x) => x.authorized && x.target.endsWith(`:${port}`)).length).toBeGreaterThan(
        0,
      );
      expect(proxy.seen.every((x) => x.authorized)).toBe(true);
      expect((await ledger()).length - before).toBe(2);

      const bad = writeConfig(
        dir,
        baseConfig(dir, { serverUrl: s.url, proxy: proxy.url('squid', 'nope') }),
        'bad.json',
      );
      const lines: string[] = [];
      const code = await runAgentCommand(
        { config: bad, selfTest: true },
        { out: (t) => lines.push(t), err: (t) => lines.push(t) },
      );
      expect(code).toBe(1);
      expect(lines.join('\n')).toMatch(/FAIL\s+proxy\s+the proxy refused the credentials \(407\)/);
      expect(lines.join('\n')).not.toMatch(/OK\s+proxy/);
    } finally {
      await proxy.close();
    }
  });

  it('runs as `smart agent run`: --once, and as a service until stopped', async () => {
    const dir = tmpDir('smart-agent-');
    // A new moment on the ПК, so these reports differ from every earlier one.
    await timers.advance(60_000);
    const file = writeConfig(dir, baseConfig(dir, { serverUrl: s.url }));
    const before = (await ledger()).length;
    const once = await smart({}, ['agent', 'run', '--config', file, '--once', '--json']);
    expect(once.code).toBe(0);
    expect(JSON.parse(once.stdout)).toMatchObject({ failed: false, sent: 2, waiting: 0 });
    expect((await ledger()).length - before).toBe(2);

    await timers.advance(60_000);
    const stop = new AbortController();
    const running = smart({}, ['agent', 'run', '--config', file], { signal: stop.signal });
    const until = Date.now() + 20_000;
    while ((await ledger()).length - before < 4 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    const r = await running;
    expect(r.code).toBe(0);
    expect((await ledger()).length - before).toBe(4);
    expect(r.stderr).toMatch(/smart-agent .* started for/);
    expect(r.stderr).toMatch(/stopped/);
  });

  it('verifies the server certificate; a caFile makes a private CA trusted', async () => {
    const dir = tmpDir('smart-tls-');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=smart-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    // TLS in front of the real server, as a reverse proxy would terminate it.
    const port = Number(new URL(s.url).port);
    const front = tls.createServer(
      { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) },
      (sock) => {
        const up = net.connect(port, '127.0.0.1');
        sock.pipe(up).pipe(sock);
        up.on('error', () => sock.destroy());
        sock.on('error', () => up.destroy());
      },
    );
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
    const httpsUrl = `https://127.0.0.1:${(front.address() as net.AddressInfo).port}`;
    try {
      const lines: string[] = [];
      const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) };
      const plain = writeConfig(dir, baseConfig(dir, { serverUrl: httpsUrl }), 'plain.json');
      expect(await runAgentCommand({ config: plain, selfTest: true }, io)).toBe(1);
      expect(lines.join('\n')).toMatch(/FAIL\s+server\s+.*self-signed \(set caFile to trust it\)/);

      await timers.advance(60_000);
      const before = (await ledger()).length;
      const trusted = writeConfig(
        dir,
        baseConfig(dir, { serverUrl: httpsUrl, caFile: 'cert.pem' }),
        'ca.json',
      );
      expect(await runAgentCommand({ config: trusted, once: true }, io)).toBe(0);
      expect((await ledger()).length - before).toBe(2);
    } finally {
      await new Promise<void>((r) => front.close(() => r()));
    }
  });

  describe('--self-test', () => {
    const run = async (extra: Record<string, unknown>) => {
      const dir = tmpDir('smart-agent-');
      const file = writeConfig(dir, baseConfig(dir, { serverUrl: s.url, ...extra }));
      const lines: string[] = [];
      const code = await runAgentCommand(
        { config: file, selfTest: true },
        { out: (t) => lines.push(t), err: (t) => lines.push(t) },
      );
      return { code, text: lines.join('\n') };
    };
    const closedPort = async (): Promise<number> => {
      const srv = net.createServer();
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
      const port = (srv.address() as net.AddressInfo).port;
      await new Promise<void>((r) => srv.close(() => r()));
      return port;
    };

    it('passes on a correct configuration', async () => {
      const r = await run({});
      expect(r.text).not.toMatch(/FAIL/);
      expect(r.text).toMatch(/OK\s+ПК sysinfo/);
      expect(r.text).toMatch(/OK\s+smartlogin/);
      expect(r.text).toMatch(/OK\s+token/);
      expect(r.code).toBe(0);
    });

    it('names a wrong smartlogin password', async () => {
      const r = await run({ smartloginPassword: 'not-the-password' });
      expect(r.code).toBe(1);
      expect(r.text).toMatch(/FAIL\s+smartlogin\s+wrong smartlogin password/);
      expect(r.text).toMatch(/OK\s+ПК sysinfo/);
    });

    it('names an unreachable ПК', async () => {
      const r = await run({ pkUrl: `http://127.0.0.1:${await closedPort()}` });
      expect(r.code).toBe(1);
      expect(r.text).toMatch(/FAIL\s+ПК sysinfo\s+the ПК at .* is not reachable: connection refused/);
      expect(r.text).toMatch(/OK\s+token/);
    });

    it('names a wrong token', async () => {
      const r = await run({ token: 'smu_wrong' });
      expect(r.code).toBe(1);
      expect(r.text).toMatch(/FAIL\s+token\s+wrong token or dealer/);
      expect(r.text).toMatch(/OK\s+server/);
    });

    it('names an unreachable proxy and an address that is not SMART', async () => {
      const proxy = await run({ proxy: `http://u:p@127.0.0.1:${await closedPort()}` });
      expect(proxy.code).toBe(1);
      expect(proxy.text).toMatch(/FAIL\s+proxy\s+the proxy at .* is not reachable: connection refused/);
      const notSmart = await run({ serverUrl: pk.url });
      expect(notSmart.code).toBe(1);
      expect(notSmart.text).toMatch(/FAIL\s+server\s+.* but not as SMART/);
    });

    it('names an unreachable server', async () => {
      const r = await run({ serverUrl: `http://127.0.0.1:${await closedPort()}` });
      expect(r.code).toBe(1);
      expect(r.text).toMatch(/FAIL\s+server\s+the server at .* is not reachable: connection refused/);
    });
  });
});
