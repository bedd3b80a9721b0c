/**
 * One run of the cluster bench: N `smart serve` processes on a fresh PostgreSQL database, agents
 * uploading ~1 MB sysinfo reports spread round-robin over the nodes (as a load balancer would), each
 * report timed from the start of its upload until a node has stored it (`reports.processed_at`).
 * The CPU of every process involved is read from /proc before and after the measured phase.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/index.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { openRuntime } from '../../src/runtime.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import type { ReportFile } from '../ingest/corpus.js';
import { upload, type Agent } from '../ingest/e2e.js';
import { forEachLimit } from '../lib/stats.js';
import { cpuByName, cpuDelta, machineBusyMs, processCpuMs } from './cpu.js';
import { startNode, type SmartNode } from './nodes.js';

export interface RunResult {
  nodes: number;
  agents: number;
  reports: number;
  xmlBytes: number;
  zipBytes: number;
  ms: number;
  /** Per report, ms: upload start → stored, and upload start → HTTP 200. */
  total: number[];
  upload: number[];
  /** Reports stored by each node (round-robin should make them equal). */
  perNode: number[];
  /** CPU ms over the measured phase. */
  cpu: {
    nodes: number[];
    /** Backends and autovacuum workers of the bench database. */
    pgBench: number;
    /** Postmaster, checkpointer, WAL writer, background writer: shared by every database. */
    pgBackground: number;
    /** Backends of other databases (other people's work on the shared server). */
    pgOther: number;
    loadGenerator: number;
    /** Busy time of the whole machine. */
    machine: number;
  };
  cores: number;
}

const DONE = new Set(['processed', 'quarantined', 'unregistered']);
const POLL_MS = 20;
const STORED_TIMEOUT_MS = 90_000;

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Watches the ledger for finished reports; one poll query for all waiting agents. */
class StoredWatcher {
  private readonly client: pg.Client;
  private readonly waiting = new Map<string, (v: { at: number; status: string; nodeId: string }) => void>();
  private readonly seen = new Map<string, { at: number; status: string; nodeId: string }>();
  private readonly finishedIds = new Set<number>();
  private floor = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastError: string | null = null;
  /** The watcher's own PostgreSQL backend: its CPU is the load generator's, not the nodes'. */
  backendPid = 0;

  constructor(url: string) {
    this.client = new pg.Client({ connectionString: url });
  }

  async start(): Promise<void> {
    await this.client.connect();
    const me = await this.client.query<{ pid: number }>('select pg_backend_pid() as pid');
    this.backendPid = me.rows[0]!.pid;
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      try {
        await this.poll();
        this.lastError = null;
      } catch (e) {
        // A failed poll (a busy server, a dropped connection) is retried; the timeout reports it.
        this.lastError = (e as Error).message;
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
  }

  private async poll(): Promise<void> {
    const res = await this.client.query<{
      id: number;
      dealer_id: number;
      sha256: string;
      status: string;
      processed_at: string | null;
      node_id: string;
    }>(
      `select id, dealer_id, sha256, status, processed_at, node_id from reports
       where id > $1 and status = any($2) order by id`,
      [this.floor, [...DONE]],
    );
    for (const r of res.rows) {
      if (this.finishedIds.has(r.id)) continue;
      this.finishedIds.add(r.id);
      const key = `${r.dealer_id}:${r.sha256}`;
      const v = { at: Number(r.processed_at ?? Date.now()), status: r.status, nodeId: r.node_id };
      const w = this.waiting.get(key);
      if (w) {
        this.waiting.delete(key);
        w(v);
      } else this.seen.set(key, v);
    }
    while (this.finishedIds.has(this.floor + 1)) this.finishedIds.delete(++this.floor);
  }

  stored(dealerId: number, sha256: string): Promise<{ at: number; status: string; nodeId: string }> {
    const key = `${dealerId}:${sha256}`;
    const early = this.seen.get(key);
    if (early) {
      this.seen.delete(key);
      return Promise.resolve(early);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        void this.describe(dealerId, sha256).then((state) =>
          reject(
            new Error(
              `report ${sha256.slice(0, 12)} not stored within ${STORED_TIMEOUT_MS / 1000} s: ${state}` +
                (this.lastError ? `; last poll error: ${this.lastError}` : ''),
            ),
          ),
        );
      }, STORED_TIMEOUT_MS);
      this.waiting.set(key, (v) => {
        clearTimeout(timer);
        resolve(v);
      });
    });
  }

  /** The ledger row of a report that never finished, for the error message. */
  private async describe(dealerId: number, sha256: string): Promise<string> {
    try {
      const res = await this.client.query(
        'select id, status, node_id, attempts, error_reason, error_message from reports where dealer_id = $1 and sha256 = $2',
        [dealerId, sha256],
      );
      const activity = await this.client.query(
        `select pid, state, wait_event_type, wait_event, now() - xact_start as in_xact, left(query, 300) as query
         from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      const row = res.rows.length ? JSON.stringify(res.rows[0]) : 'no ledger row';
      return `${row}\nbackends of the bench database:\n${activity.rows.map((r) => JSON.stringify(r)).join('\n')}`;
    } catch (e) {
      return `ledger not readable (${(e as Error).message})`;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.client.end();
  }
}

/** Creates the database and migrates it; two dealers (warm-up, measured) with one agent installation each. */
async function setUp(
  url: string,
  secretKeyHex: string,
  files: readonly ReportFile[],
): Promise<{ warm: { id: number; agent: Agent }; bench: { id: number; agent: Agent } }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'smart-bench-cluster-setup-'));
  const rt = await openRuntime(
    loadConfig({
      SMART_DATABASE_URL: url,
      SMART_DATA_DIR: dataDir,
      SMART_LOG_LEVEL: 'silent',
      SMART_NODE_ID: 'bench-setup',
      SMART_SECRET_KEY: secretKeyHex,
    }),
  );
  try {
    const op = cliActor('bench');
    const offsets = new Map<number, number>();
    for (const f of files) offsets.set(f.installation, f.utcOffsetMin);
    const clientOf = (i: number): string => `inst${String(i).padStart(3, '0')}`;
    const dealer = async (code: string): Promise<{ id: number; agent: Agent }> => {
      const { dealer: d, uploadToken } = await createDealer(rt.ctx, op, { code, name: `Benchmark ${code}` });
      for (const [inst, utcOffsetMin] of offsets) {
        const client = await createClient(rt.ctx, op, { dealerId: d.id, shortName: clientOf(inst) });
        await createInstallation(rt.ctx, op, { clientId: client.id, kind: 'agent', utcOffsetMin });
      }
      return { id: d.id, agent: { dealer: code, token: uploadToken, clientOf } };
    };
    return { warm: await dealer('warm'), bench: await dealer('bench') };
  } finally {
    await rt.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface Phase {
  total: number[];
  upload: number[];
  perNode: Map<string, number>;
}

/** Closed loop: `agents` lanes, report i to node i mod N; each lane waits until its report is stored. */
async function uploadAll(
  nodes: readonly SmartNode[],
  watcher: StoredWatcher,
  dealer: { id: number; agent: Agent },
  files: readonly ReportFile[],
  hashes: readonly string[],
  agents: number,
): Promise<Phase> {
  const phase: Phase = { total: [], upload: [], perNode: new Map() };
  await forEachLimit(files, agents, async (f, i) => {
    const node = nodes[i % nodes.length]!;
    const done = watcher.stored(dealer.id, hashes[i]!);
    const start = Date.now();
    await upload(node.url, dealer.agent, f);
    const answered = Date.now();
    const { at, status, nodeId } = await done;
    if (status !== 'processed') throw new Error(`${f.path} ended as ${status}, not processed`);
    phase.total.push(at - start);
    phase.upload.push(answered - start);
    phase.perNode.set(nodeId, (phase.perNode.get(nodeId) ?? 0) + 1);
  });
  return phase;
}

/** Postgres processes split by role, from their command lines ("postgres: 15/main: user db …"). */
function pgRoles(database: string, pids: Iterable<number>): { bench: Set<number>; background: Set<number> } {
  const bench = new Set<number>();
  const background = new Set<number>();
  for (const pid of pids) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (cmd.includes(database)) bench.add(pid);
    else if (
      !/postgres: [^:]+: \S+ \S+ \S+/.test(cmd) ||
      /(checkpointer|background writer|walwriter|autovacuum launcher|logical replication|stats collector)/.test(
        cmd,
      )
    )
      background.add(pid);
  }
  return { bench, background };
}

export async function runCluster(opts: {
  pgUrl: string;
  nodeCount: number;
  agentsPerNode: number;
  portBase: number;
  files: readonly ReportFile[];
  warmupFiles: readonly ReportFile[];
  progress: (msg: string) => void;
}): Promise<RunResult> {
  const database = `smart_bench_cluster_${process.pid}_${opts.nodeCount}`;
  const url = withDatabase(opts.pgUrl, database);
  const secretKeyHex = randomBytes(32).toString('hex');
  const admin = new pg.Client({ connectionString: opts.pgUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.query(`create database ${database}`);
  const nodes: SmartNode[] = [];
  let watcher: StoredWatcher | null = null;
  try {
    const all = [...opts.warmupFiles, ...opts.files];
    const dealers = await setUp(url, secretKeyHex, all);
    const hash = async (f: ReportFile): Promise<string> =>
      createHash('sha256')
        .update(await readFile(f.path))
        .digest('hex');
    const warmHashes = await Promise.all(opts.warmupFiles.map(hash));
    const hashes = await Promise.all(opts.files.map(hash));
    for (let i = 0; i < opts.nodeCount; i++) {
      opts.progress(`${opts.nodeCount} node(s): starting smart serve node${i + 1}`);
      nodes.push(
        await startNode({ id: `node${i + 1}`, port: opts.portBase + i, databaseUrl: url, secretKeyHex }),
      );
    }
    watcher = new StoredWatcher(url);
    await watcher.start();
    const agents = opts.agentsPerNode * opts.nodeCount;
    opts.progress(`${opts.nodeCount} node(s): warm-up, ${opts.warmupFiles.length} reports`);
    await uploadAll(nodes, watcher, dealers.warm, opts.warmupFiles, warmHashes, agents);

    opts.progress(`${opts.nodeCount} node(s): ${opts.files.length} reports, ${agents} agents at once`);
    const nodeCpu0 = nodes.map((n) => processCpuMs(n.pid) ?? 0);
    const pg0 = cpuByName('postgres');
    const self0 = process.cpuUsage();
    const busy0 = machineBusyMs();
    const t0 = performance.now();
    const phase = await uploadAll(nodes, watcher, dealers.bench, opts.files, hashes, agents).catch(
      (e: unknown) => {
        for (const n of nodes)
          opts.progress(`${n.id} (${n.alive() ? 'running' : 'exited'}) said:\n${n.log()}`);
        throw e;
      },
    );
    const ms = performance.now() - t0;
    const busy1 = machineBusyMs();
    const self = process.cpuUsage(self0);
    const pg1 = cpuByName('postgres');
    const nodeCpu1 = nodes.map((n) => processCpuMs(n.pid) ?? 0);
    const roles = pgRoles(database, pg1.keys());
    roles.bench.delete(watcher.backendPid);
    const watcherPg = cpuDelta(pg0, pg1, new Set([watcher.backendPid]));
    const pgAll = cpuDelta(pg0, pg1) - watcherPg;
    const pgBench = cpuDelta(pg0, pg1, roles.bench);
    const pgBackground = cpuDelta(pg0, pg1, roles.background);
    return {
      nodes: opts.nodeCount,
      agents,
      reports: opts.files.length,
      xmlBytes: opts.files.reduce((a, f) => a + f.xmlBytes, 0),
      zipBytes: opts.files.reduce((a, f) => a + f.zipBytes, 0),
      ms,
      total: phase.total,
      upload: phase.upload,
      perNode: nodes.map((n) => phase.perNode.get(n.id) ?? 0),
      cpu: {
        nodes: nodes.map((_, i) => nodeCpu1[i]! - nodeCpu0[i]!),
        pgBench,
        pgBackground,
        pgOther: pgAll - pgBench - pgBackground,
        // The watcher's polling runs on this process's event loop and its own backend: both count here.
        loadGenerator: (self.user + self.system) / 1000 + watcherPg,
        machine: busy1 - busy0,
      },
      cores: os.availableParallelism(),
    };
  } finally {
    await watcher?.stop();
    for (const n of nodes) await n.stop();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
}
