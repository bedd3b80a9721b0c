/**
 * Throughput runs over a report set: the read+unzip baseline and our parser, each on one thread
 * and on a pool of worker threads. Every run is warmed up first (thread start, tsx compile, JIT).
 */
import { parseReportFile } from '../../src/ingest/parse/index.js';
import { createParsePool, type ParsePool } from '../../src/ingest/parse-pool.js';
import { otherLoadMeter } from '../lib/machine.js';
import { MB, sum } from '../lib/stats.js';
import type { ReportFile } from './corpus.js';
import { benchWorkerPool } from './worker-pool.js';
import { warmUp } from './warm.js';
import { inflateFile } from './zip.js';

export interface Run {
  files: number;
  xmlBytes: number;
  ms: number;
  /** CPU time of the whole process (all threads): less sensitive than wall time to busy neighbours. */
  cpuMs: number;
  /** Share of the machine's CPU capacity that other processes used during the run (0..1), if known. */
  othersShare: number | null;
}

export const reportsPerSec = (r: Run): number => r.files / (r.ms / 1000);
export const mbPerSec = (r: Run): number => r.xmlBytes / MB / (r.ms / 1000);
export const cpuMsPerMB = (r: Run): number => r.cpuMs / (r.xmlBytes / MB);

async function timed(files: readonly ReportFile[], body: () => Promise<void>): Promise<Run> {
  const others = otherLoadMeter();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await body();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const othersShare = others();
  return { files: files.length, xmlBytes: sum(files.map((f) => f.xmlBytes)), ms, cpuMs, othersShare };
}

/** Fails loudly if the baseline did not inflate what the zip declares (it would flatter the ratio). */
function checkInflated(f: ReportFile, n: number): void {
  if (n !== f.xmlBytes) throw new Error(`${f.path}: inflated ${n} bytes, the zip declares ${f.xmlBytes}`);
}

export async function inflateOneThread(files: readonly ReportFile[], warmup: ReportFile): Promise<Run> {
  await warmUp(1, () => inflateFile(warmup.path));
  return timed(files, async () => {
    for (const f of files) checkInflated(f, await inflateFile(f.path));
  });
}

export async function inflateThreads(
  files: readonly ReportFile[],
  warmup: ReportFile,
  threads: number,
): Promise<Run> {
  const pool = benchWorkerPool<string, number>('inflate-worker', threads);
  try {
    await warmUp(threads, () => pool.run(warmup.path));
    return await timed(files, async () => {
      await Promise.all(files.map(async (f) => checkInflated(f, await pool.run(f.path))));
    });
  } finally {
    await pool.destroy();
  }
}

export async function parseOneThread(files: readonly ReportFile[], warmup: ReportFile): Promise<Run> {
  const parse = (f: ReportFile): Promise<unknown> =>
    parseReportFile(f.path, { kind: 'zip', utcOffsetMin: f.utcOffsetMin });
  await warmUp(1, () => parse(warmup));
  return timed(files, async () => {
    for (const f of files) await parse(f);
  });
}

export interface BenchParsePool {
  pool: ParsePool;
  threads: number;
}

/**
 * The production pool (src/ingest/parse-pool.ts) with `threads` threads, kept for the whole
 * benchmark like the main thread is: its workers' JIT warms up across runs, as a server's does.
 */
export function benchParsePool(threads: number): BenchParsePool {
  return { pool: createParsePool({ maxThreads: threads, idleTimeoutMs: 3_600_000 }), threads };
}

/** Parses every file through the pool; results are cloned back to this thread as in the server. */
export async function parsePool(
  files: readonly ReportFile[],
  warmup: ReportFile,
  { pool, threads }: BenchParsePool,
): Promise<Run> {
  const parse = (f: ReportFile): Promise<void> =>
    pool.parse({ path: f.path, format: 'zip', utcOffsetMin: f.utcOffsetMin }).then(() => undefined);
  await warmUp(threads, () => parse(warmup));
  return timed(files, () => Promise.all(files.map(parse)).then(() => undefined));
}
