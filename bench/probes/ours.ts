/**
 * SMART's way: one `probe` job per installation in the jobs table, claimed by the JobRunner (leases,
 * global and per-host limits, slots spread over the interval), results written in batches through
 * the CheckRecorder. Real clock.
 */
import { performance } from 'node:perf_hooks';
import { JobRunner, type JobHandler, type RunnerStats } from '../../src/jobs/runner.js';
import { createProbeService, PROBE_JOB } from '../../src/probes/service.js';
import { percentile, sum } from '../lib/stats.js';
import type { SimFleet } from './fleet.js';
import { judgeWindow, type LoadResult, type ProbeRecord } from './load.js';
import { startWindow } from './meter.js';
import { benchPinger, type BenchDb } from './setup.js';

export interface LoadOptions {
  n: number;
  intervalMs: number;
  intervals: number;
  warmupMs: number;
  concurrency: number;
  progress: (msg: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function statsDelta(a: RunnerStats, b: RunnerStats): NonNullable<LoadResult['runner']> {
  return {
    started: b.started - a.started,
    finished: b.finished - a.finished,
    failed: b.failed - a.failed,
    timedOut: b.timedOut - a.timedOut,
    missed: b.missed - a.missed,
  };
}

/** Probe jobs due over a second ago that no node has claimed: the runner is behind. */
async function backlog(db: BenchDb): Promise<number> {
  const now = Date.now();
  const row = await db.ctx.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', PROBE_JOB)
    .where('next_run_at', '<', now - 1_000)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function runOurs(db: BenchDb, fleet: SimFleet, o: LoadOptions): Promise<LoadResult> {
  const { ctx } = db;
  // Every simulator is on 127.0.0.1: a per-host limit below the global one would cap the whole fleet.
  const service = createProbeService(ctx, {
    concurrency: o.concurrency,
    perHostConcurrency: o.concurrency,
    pinger: benchPinger,
  });
  const inner = service.handler;
  const records: ProbeRecord[] = [];
  const flushes: { at: number; ms: number }[] = [];
  const probed = new Set<number>();
  const handler: JobHandler = {
    ...inner,
    async run(job, signal) {
      const startedAt = Date.now();
      const r = await inner.run(job, signal);
      records.push({
        subject: job.subject_id,
        dueAt: job.next_run_at,
        startedAt,
        finishedAt: Date.now(),
        ok: r.outcome === 'ok',
        ...(r.error ? { error: r.error } : {}),
      });
      probed.add(job.subject_id);
      return r;
    },
    async flush() {
      const t0 = performance.now();
      await inner.flush?.();
      flushes.push({ at: Date.now(), ms: performance.now() - t0 });
    },
  };
  const runnerErrors: string[] = [];
  const runner = new JobRunner(ctx, [handler], {
    nodeId: 'bench',
    onError: (e) => runnerErrors.push(e instanceof Error ? e.message : String(e)),
  });
  const t0 = Date.now();
  runner.start();
  try {
    // Warm-up: sessions signed in, series created, and the first runs out of the way. A new job's first
    // run is due within 10 s of the first sync, so at first the runner is behind: the window starts
    // only once nothing due waits unclaimed (steady state).
    const warmupEnd = t0 + o.warmupMs;
    const giveUp = t0 + o.warmupMs + 2 * o.intervalMs;
    let behind = await backlog(db);
    let backlogPeak = behind;
    while (Date.now() < giveUp && (Date.now() < warmupEnd || probed.size < o.n || behind > 0)) {
      await sleep(1_000);
      behind = await backlog(db);
      backlogPeak = Math.max(backlogPeak, behind);
      if ((Date.now() - t0) % 15_000 < 1_000)
        o.progress(
          `  warm-up: ${probed.size}/${o.n} installations probed, ${runner.stats.running} running, ` +
            `${behind} due and waiting`,
        );
    }
    if (probed.size < o.n || behind > 0)
      o.progress(
        `  warm-up ended with ${probed.size}/${o.n} installations probed, ${behind} jobs due and waiting`,
      );
    const warmupMs = Date.now() - t0;

    const from = Date.now();
    const to = from + o.intervals * o.intervalMs;
    const stats0 = { ...runner.stats };
    const rows0 = await db.sampleRows();
    db.statements.reset();
    const stop = startWindow(fleet);
    while (Date.now() < to) {
      await sleep(Math.min(15_000, to - Date.now()));
      const due = records.filter((r) => r.dueAt >= from).length;
      o.progress(
        `  measuring: ${((Date.now() - from) / 1000).toFixed(0)}/${(o.intervals * o.intervalMs) / 1000} s, ` +
          `${due} probes done, ${runner.stats.running} running, runner missed ${runner.stats.missed - stats0.missed}`,
      );
    }
    const usage = stop();
    const statements = db.statements.snapshot();
    const sampleRows = (await db.sampleRows()) - rows0;
    // Grace: probes due just before the end still start and finish; a slot not started within one
    // interval is missed anyway.
    const expected = o.n * o.intervals;
    const graceEnd = to + o.intervalMs + 5_000;
    const finishedInWindow = (): number => records.filter((r) => r.dueAt >= from && r.dueAt < to).length;
    while (Date.now() < graceEnd && finishedInWindow() < expected) await sleep(250);
    const window = judgeWindow(
      records,
      [
        ...(await ctx.db.selectFrom('jobs').select('subject_id').where('kind', '=', 'probe').execute()).map(
          (j) => j.subject_id,
        ),
      ],
      from,
      to,
      o.intervals,
      o.intervalMs,
    );
    const inWindow = flushes.filter((f) => f.at >= from && f.at < to).map((f) => f.ms);
    if (runnerErrors.length > 0) o.progress(`  runner errors: ${runnerErrors.slice(0, 3).join('; ')}`);
    return {
      mode: 'ours',
      n: o.n,
      intervalMs: o.intervalMs,
      intervals: o.intervals,
      ...window,
      usage,
      statements,
      sampleRows,
      flush: {
        count: inWindow.length,
        totalMs: sum(inWindow),
        maxMs: Math.max(0, ...inWindow),
        p99Ms: percentile(inWindow, 99),
      },
      runner: statsDelta(stats0, runner.stats),
      warmupMs,
      warmupBacklogPeak: backlogPeak,
    };
  } finally {
    await runner.stop();
  }
}
