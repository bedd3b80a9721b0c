/**
 * End to end through the real server: agent upload over HTTP (multipart, as curl -F sends it) →
 * spool + ledger → parse pool → store in a temp SQLite database. Each report is timed from the start
 * of its upload until the processor has stored it, split into upload / queue / parse / store.
 */
import { createHash } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createParsePool } from '../../src/ingest/parse-pool.js';
import type { ReportParser } from '../../src/ingest/processor.js';
import { createIngest, type Ingest } from '../../src/ingest/service.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { forEachLimit } from '../lib/stats.js';
import type { ReportFile } from './corpus.js';
import { warmUp } from './warm.js';

/** One phase: `agents` uploading at once, each waiting for its report to be stored before the next. */
export interface E2ePhase {
  agents: number;
  reports: number;
  ms: number;
  /** Per report, ms: upload start → stored, and its parts (which add up to it). */
  total: number[];
  upload: number[];
  queue: number[];
  parse: number[];
  store: number[];
}

export interface E2eResult {
  /** Reports at rest in the ledger at the end, by status (all should be "processed"). */
  statuses: Record<string, number>;
  phases: E2ePhase[];
}

const STORED_TIMEOUT_MS = 120_000;

export interface Agent {
  dealer: string;
  token: string;
  /** Client name for each simulated installation (what the agent names its zip). */
  clientOf(installation: number): string;
}

interface Bench {
  runtime: Runtime;
  ingest: Ingest;
  server: RunningServer;
  /** Parse start/end per spool path, written by the timed parser. */
  parseTimes: Map<string, { start: number; end: number }>;
  /** Resolves when the report with this dealer id + sha256 has been stored. */
  stored(dealerId: number, sha256: string): Promise<{ at: number; spoolPath: string }>;
}

async function startBench(dataDir: string, threads: number, warmup: ReportFile): Promise<Bench> {
  const config = loadConfig({
    SMART_DATA_DIR: dataDir,
    SMART_LOG_LEVEL: 'silent',
    SMART_NODE_ID: 'bench',
    SMART_SECRET_KEY: '42'.repeat(32),
  });
  const runtime = await openRuntime(config);
  const pool = createParsePool({ maxThreads: threads });
  // Thread start, tsx compile and JIT stay out of the figures.
  const job = { path: warmup.path, format: 'zip' as const, utcOffsetMin: warmup.utcOffsetMin };
  await warmUp(threads, () => pool.parse(job));
  const parseTimes = new Map<string, { start: number; end: number }>();
  const parse: ReportParser = async (job) => {
    const t = { start: performance.now(), end: NaN };
    parseTimes.set(job.path, t);
    try {
      return await pool.parse(job);
    } finally {
      t.end = performance.now();
    }
  };
  const waiting = new Map<string, (v: { at: number; spoolPath: string }) => void>();
  const ingest = createIngest(runtime.ctx, config, {
    parse,
    closeParser: pool.close,
    processor: {
      concurrency: threads,
      onProcessed: (report) => {
        waiting.get(`${report.dealer_id}:${report.sha256}`)?.({
          at: performance.now(),
          spoolPath: report.spool_path,
        });
      },
    },
  });
  ingest.processor.start();
  const server = await startServer(runtime, { host: '127.0.0.1', port: 0, logger: false, ingest });
  const stored = (dealerId: number, sha256: string): Promise<{ at: number; spoolPath: string }> =>
    new Promise((resolve, reject) => {
      const key = `${dealerId}:${sha256}`;
      const timer = setTimeout(() => {
        waiting.delete(key);
        reject(new Error(`report ${sha256.slice(0, 12)} not stored within ${STORED_TIMEOUT_MS / 1000} s`));
      }, STORED_TIMEOUT_MS);
      waiting.set(key, (v) => {
        clearTimeout(timer);
        waiting.delete(key);
        resolve(v);
      });
    });
  return { runtime, ingest, server, parseTimes, stored };
}

/** A dealer with one agent installation per simulated installation (and one for the warm-up report). */
async function addDealer(
  b: Bench,
  code: string,
  files: readonly ReportFile[],
  warmup: ReportFile,
): Promise<{ id: number; agent: Agent }> {
  const ctx = b.runtime.ctx;
  const op = cliActor('bench');
  const { dealer, uploadToken } = await createDealer(ctx, op, { code, name: `Benchmark ${code}` });
  const offsets = new Map<number, number>();
  for (const f of [warmup, ...files]) offsets.set(f.installation, f.utcOffsetMin);
  const clientOf = (i: number): string => (i < 0 ? 'warmup' : `inst${String(i).padStart(3, '0')}`);
  for (const [inst, utcOffsetMin] of offsets) {
    const client = await createClient(ctx, op, { dealerId: dealer.id, shortName: clientOf(inst) });
    await createInstallation(ctx, op, { clientId: client.id, kind: 'agent', utcOffsetMin });
  }
  return { id: dealer.id, agent: { dealer: code, token: uploadToken, clientOf } };
}

/** Uploads as the smartupload script does: `curl -H "upload: yes" -H "dealer: D" -F file=@NAME.zip`. */
export async function upload(url: string, a: Agent, f: ReportFile): Promise<void> {
  const form = new FormData();
  form.append('file', await openAsBlob(f.path), `${a.clientOf(f.installation)}.zip`);
  const res = await fetch(`${url}/upload?token=${encodeURIComponent(a.token)}`, {
    method: 'POST',
    headers: { upload: 'yes', dealer: a.dealer },
    body: form,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`upload of ${f.path}: HTTP ${res.status} ${text}`);
}

async function runPhase(
  b: Bench,
  dealer: { id: number; agent: Agent },
  files: readonly ReportFile[],
  hashes: readonly string[],
  agents: number,
): Promise<E2ePhase> {
  const phase: E2ePhase = {
    agents,
    reports: files.length,
    ms: 0,
    total: [],
    upload: [],
    queue: [],
    parse: [],
    store: [],
  };
  const t0 = performance.now();
  // Files go out in order (day by day), so one installation's reports never overlap in time.
  await forEachLimit(files, agents, async (f, i) => {
    const done = b.stored(dealer.id, hashes[i]!);
    const start = performance.now();
    await upload(b.server.url, dealer.agent, f);
    const answered = performance.now();
    const { at, spoolPath } = await done;
    const p = b.parseTimes.get(spoolPath);
    b.parseTimes.delete(spoolPath);
    if (!p) throw new Error(`${f.path} was stored without going through the parser`);
    // The server kicks the processor before its 200 reaches us, so parsing may start first.
    const accepted = Math.min(answered, p.start);
    phase.total.push(at - start);
    phase.upload.push(accepted - start);
    phase.queue.push(p.start - accepted);
    phase.parse.push(p.end - p.start);
    phase.store.push(at - p.end);
  });
  phase.ms = performance.now() - t0;
  return phase;
}

async function ledgerStatuses(b: Bench): Promise<Record<string, number>> {
  const rows = await b.runtime.ctx.db
    .selectFrom('reports')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * Two phases over the same files, each under its own dealer (the ledger drops content a dealer has
 * already sent): one agent at a time for the latency of a lone report, then `agents` at once.
 */
export async function runEndToEnd(
  files: readonly ReportFile[],
  warmup: ReportFile,
  threads: number,
  agents: number,
): Promise<E2eResult> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'smart-bench-e2e-'));
  let b: Bench | undefined;
  try {
    b = await startBench(dataDir, threads, warmup);
    const hashes = await Promise.all(
      files.map(async (f) =>
        createHash('sha256')
          .update(await readFile(f.path))
          .digest('hex'),
      ),
    );
    const warmHash = createHash('sha256')
      .update(await readFile(warmup.path))
      .digest('hex');
    const phases: E2ePhase[] = [];
    for (const [n, concurrency] of [1, agents].entries()) {
      const dealer = await addDealer(b, `bench${n + 1}`, files, warmup);
      // One report through the whole path first warms the HTTP, spool and store code.
      await runPhase(b, dealer, [warmup], [warmHash], 1);
      phases.push(await runPhase(b, dealer, files, hashes, concurrency));
    }
    return { statuses: await ledgerStatuses(b), phases };
  } finally {
    await b?.server.close();
    await b?.ingest.close();
    await b?.runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
