import fs from 'node:fs';
import path from 'node:path';
import { findDuplicate, recordReport } from '../ingest/ledger.js';
import { createParsePool } from '../ingest/parse-pool.js';
import type { PullTarget } from '../ingest/pull.js';
import { createIngest } from '../ingest/service.js';
import { listInstallations, updateInstallation, type Installation } from '../inventory/installations.js';
import { listOnlineAccesses, onlineAccessPassword } from '../inventory/online.js';
import { catchUpSearchLog, loadOnlineTargets, storeProfile } from '../online/poller.js';
import { startDcServer, usageAt, type DcServer, type UsageProfile } from '../sim/dc/index.js';
import type { Runtime } from '../runtime.js';
import { startAgentLoop, type AgentLoop, type AgentRun } from '../sim/agent.js';
import {
  generateSysinfoZip,
  startFleet,
  type ClientProfile,
  type Fleet,
  type KodeksServer,
} from '../sim/kodeks/index.js';
import { createUploadToken, verifyUploadToken } from '../tenancy/dealers.js';
import { cliActor } from '../tenancy/scope.js';
import { backfillProbes, type ProbeBackfill } from './demo-probes.js';

/**
 * The demo's simulated fleet: one simulated ПК per demo installation. Installations reached by URL are
 * pulled from their simulator (the scheduler is told where to find them); agent installations get a
 * simulated agent that uploads through SMART's public endpoint, as the real scripts do.
 */
export interface DemoFleet {
  fleet: Fleet;
  installations: Installation[];
  profileOf(installationId: number): ClientProfile;
  /** The simulated ПК of a demo installation (faults can be switched on it). */
  serverOf(installationId: number): KodeksServer;
  /** For the pull scheduler: the simulator's URL of a polled demo installation. */
  resolveBaseUrl(t: PullTarget): string | undefined;
  /** For the probes: where the simulator of a polled demo installation listens. */
  resolveEndpoint(installationId: number): { address: string; port: number; protocol: 'http' } | undefined;
  /** One simulated distribution centre per DC host of the demo's online accesses. */
  dcs: Map<string, DcServer>;
  /** For the online poller: the simulated DC that serves an access's host. */
  resolveOnlineBaseUrl(a: { host: string }): string | undefined;
  startAgents(smartUrl: string, onRun?: (name: string, kind: string, r: AgentRun | Error) => void): void;
  close(): Promise<void>;
}

/** Seeds the simulators, the DCs and the probe history of the backfill. */
export const DEMO_FLEET_SEED = 2026;

export async function startDemoFleet(rt: Runtime, dealer: { id: number; code: string }): Promise<DemoFleet> {
  const actor = cliActor('demo');
  const installations = (await listInstallations(rt.ctx, actor, { dealerId: dealer.id })).sort(
    (a, b) => a.id - b.id,
  );
  const fleet = await startFleet({
    installations: installations.length,
    seed: DEMO_FLEET_SEED,
    profile: (i) => {
      const inst = installations[i] as Installation;
      return {
        shortName: inst.kind === 'polled' ? `cloud${inst.id}` : inst.sourceKey,
        utcOffsetMin: inst.utcOffsetMin,
      };
    },
  });
  const byId = new Map(installations.map((inst, i) => [inst.id, fleet.servers[i]!]));
  // Installations reached by URL log in as smartlogin with the password their simulator expects.
  for (const inst of installations) {
    const sim = byId.get(inst.id)!;
    if (inst.kind === 'polled' && inst.smartloginUser !== 'smartlogin') {
      await updateInstallation(rt.ctx, actor, inst.id, {
        smartloginUser: 'smartlogin',
        smartloginPassword: sim.state.profile.smartloginPassword,
      });
    }
  }
  const dcs = await startDemoDcs(rt, dealer.id);
  const loops: AgentLoop[] = [];
  return {
    fleet,
    installations,
    dcs,
    profileOf: (id) => byId.get(id)!.state.profile,
    serverOf: (id) => byId.get(id)!,
    resolveBaseUrl: (t) => byId.get(t.id)?.url,
    resolveEndpoint: (id) => {
      const sim = byId.get(id);
      return sim ? { address: sim.host, port: sim.port, protocol: 'http' } : undefined;
    },
    resolveOnlineBaseUrl: (a) => dcs.get(a.host)?.url,
    startAgents(smartUrl, onRun) {
      const token = agentToken(rt, dealer);
      void token.then((tok) => {
        for (const inst of installations.filter((i) => i.kind !== 'polled')) {
          const sim = byId.get(inst.id)!;
          loops.push(
            startAgentLoop(
              {
                pkUrl: sim.url,
                smartUrl,
                dealer: dealer.code,
                token: tok,
                clientName: inst.sourceKey,
                smartloginPassword: sim.state.profile.smartloginPassword,
              },
              { onRun: (kind, r) => onRun?.(inst.sourceKey, kind, r) },
            ),
          );
        }
      });
    },
    async close() {
      for (const l of loops) l.close();
      await fleet.close();
      await Promise.all([...dcs.values()].map((d) => d.close()));
    },
  };
}

/** How the demo's online accesses use their limits: mostly regular, some sharers, idle and episodic. */
const DEMO_ONLINE_PROFILES: UsageProfile[] = [
  'regular',
  'sharer',
  'regular',
  'idle',
  'episodic',
  'regular',
  'sharer',
  'idle',
  'regular',
  'episodic',
];

/**
 * A simulated DC per host of the demo dealer's online accesses, each account with the access's own
 * login, password, folder and time zone, so the poller reads them exactly as it would a real DC.
 */
async function startDemoDcs(rt: Runtime, dealerId: number): Promise<Map<string, DcServer>> {
  const actor = cliActor('demo');
  const accesses = (await listOnlineAccesses(rt.ctx, actor, { dealerId })).sort((a, b) => a.id - b.id);
  const byHost = new Map<string, typeof accesses>();
  for (const a of accesses) byHost.set(a.host, [...(byHost.get(a.host) ?? []), a]);
  const dcs = new Map<string, DcServer>();
  let i = 0;
  try {
    for (const [host, list] of byHost) {
      const accounts = [];
      for (const a of list) {
        accounts.push({
          login: a.login,
          password: await onlineAccessPassword(rt.ctx, actor, a.id),
          folder: a.folder,
          utcOffsetMin: a.utcOffsetMin,
          profile: DEMO_ONLINE_PROFILES[i++ % DEMO_ONLINE_PROFILES.length]!,
        });
      }
      dcs.set(host, await startDcServer({ seed: DEMO_FLEET_SEED + dcs.size, accounts }));
    }
  } catch (e) {
    await Promise.all([...dcs.values()].map((d) => d.close()));
    throw e;
  }
  return dcs;
}

/** The demo agents' upload token, kept in the data directory so it survives restarts. */
async function agentToken(rt: Runtime, dealer: { id: number; code: string }): Promise<string> {
  const file = path.join(rt.config.dataDir, 'demo-agent.token');
  if (fs.existsSync(file)) {
    const saved = fs.readFileSync(file, 'utf8').trim();
    if (await verifyUploadToken(rt.ctx, dealer.code, saved)) return saved;
  }
  const { token } = await createUploadToken(rt.ctx, cliActor('demo'), dealer.id, 'demo agents');
  fs.mkdirSync(rt.config.dataDir, { recursive: true });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * History for the dashboards: one report a day per installation for `days` days back, and one an
 * hour for the last `hourlyHours` hours (two days by default), generated by each installation's simulator and fed through the ledger
 * and the processor like any upload; and for the probed installations, every probe of those days
 * with a few outages (demo-probes.ts). Running it again adds nothing (the same content is recorded
 * once; probe history stops where recorded probes begin).
 */
export async function backfillDemo(
  rt: Runtime,
  demo: DemoFleet,
  days: number,
  onProgress?: (done: number, total: number) => void,
  hourlyHours = 47,
): Promise<{ reports: number; added: number; probes: ProbeBackfill }> {
  const now = rt.ctx.clock.now();
  const hour = 3600_000;
  const lastHour = Math.floor(now / hour) * hour;
  const points: number[] = [];
  for (let d = days; d >= 2; d--) points.push(lastHour - d * 24 * hour);
  for (let h = hourlyHours; h >= 1; h--) points.push(lastHour - h * hour);
  const pool = createParsePool();
  const ingest = createIngest(rt.ctx, rt.config, { parse: pool.parse, closeParser: pool.close });
  // Claims are compare-and-set, so two drains share the queue and keep both parser threads busy.
  const drainAll = () => Promise.all([ingest.processor.drain(), ingest.processor.drain()]);
  let added = 0;
  let done = 0;
  const total = points.length * demo.installations.length;
  try {
    for (const inst of demo.installations) {
      const profile = demo.profileOf(inst.id);
      for (const at of points) {
        const file = await ingest.spool.write(
          generateSysinfoZip(profile, at),
          'zip',
          rt.config.maxUploadBytes,
        );
        if (await findDuplicate(rt.ctx, inst.dealerId, 'sysinfo', file.sha256)) {
          await ingest.spool.remove(file.path);
        } else {
          await recordReport(rt.ctx, {
            dealerId: inst.dealerId,
            installationId: inst.id,
            sourceName: inst.sourceKey,
            fileName: `${inst.sourceKey}.zip`,
            channel: 'sysinfo',
            format: 'zip',
            via: 'manual',
            sha256: file.sha256,
            sizeBytes: file.size,
            nodeId: rt.config.nodeId,
            spoolPath: file.path,
          });
          added += 1;
        }
        done += 1;
        if (done % 100 === 0) {
          await drainAll();
          onProgress?.(done, total);
        }
      }
    }
    await drainAll();
    onProgress?.(done, total);
  } finally {
    await ingest.close();
  }
  const probes = await backfillProbes(rt, demo, days, DEMO_FLEET_SEED);
  return { reports: total, added, probes };
}

/**
 * Online history for the billing dashboards: one reading an hour for the last `days` days, taken from
 * each simulated account's ground truth and stored as the poller stores a reading. Idempotent.
 */
export async function backfillOnline(rt: Runtime, demo: DemoFleet, days: number): Promise<number> {
  const actor = cliActor('demo');
  const hour = 3_600_000;
  const now = rt.ctx.clock.now();
  const last = Math.floor(now / hour) * hour;
  let readings = 0;
  for (const a of await listOnlineAccesses(rt.ctx, actor)) {
    const account = demo.dcs.get(a.host)?.accounts.find((x) => x.login === a.login && x.folder === a.folder);
    if (!account) continue;
    for (let at = last - days * 24 * hour; at <= last; at += hour) {
      const u = usageAt(account, at);
      await storeProfile(
        rt.ctx,
        { accessId: a.id, dealerId: a.dealerId, utcOffsetMin: a.utcOffsetMin },
        u,
        at,
      );
      readings++;
    }
  }
  // The nightly search log of the last days (as far back as the poller catches up), so that
  // «Поисковые запросы. Онлайн.» has data before the first night.
  const targets = await loadOnlineTargets(rt.ctx, {
    resolveBaseUrl: (a) => demo.dcs.get(a.host)?.url,
  });
  const read = { connectTimeoutMs: 5_000, readTimeoutMs: 10_000 };
  const logDays = Math.min(7, Math.max(1, days));
  for (const t of targets) {
    // Never read yet: start the catch-up `logDays` days back instead of yesterday.
    const before = new Date(now + t.utcOffsetMin * 60_000 - (logDays + 1) * 24 * hour)
      .toISOString()
      .slice(0, 10);
    await rt.ctx.db
      .updateTable('online_state')
      .set({ searchlog_through: before })
      .where('online_access_id', '=', t.accessId)
      .where('searchlog_through', 'is', null)
      .execute();
    await catchUpSearchLog(rt.ctx, t, now, read);
  }
  return readings;
}
