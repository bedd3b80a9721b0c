/** The per-probe records both schedulers produce, and what a measured window makes of them. */
import type { WindowUsage } from './meter.js';

export interface ProbeRecord {
  subject: number;
  /** When the probe should have started: the job's slot, or the timer's nominal tick. */
  dueAt: number;
  startedAt: number;
  finishedAt: number;
  ok: boolean;
  error?: string;
  /** Naive loop: the tick fired while this monitor's previous probe was still running. */
  overlapped?: boolean;
}

export interface LoadResult {
  mode: 'ours' | 'naive';
  n: number;
  intervalMs: number;
  intervals: number;
  /** Probes due in the window: N per interval. */
  expected: number;
  /** Probes due in the window that started (by the end of the grace period). */
  started: number;
  ok: number;
  failed: number;
  /** Slots with no probe at all (skipped by the scheduler, or never started). */
  missing: number;
  /** Probes that started one interval or more after they were due. */
  missed: number;
  overlapped: number;
  /** Start − due, ms, per probe. */
  startLateMs: number[];
  /** Finish − due, ms, per probe: how long after its slot a result exists. */
  doneLateMs: number[];
  durationMs: number[];
  usage: WindowUsage;
  /** SQL statements run in the window, by verb and table, most frequent first. */
  statements: [string, number][];
  /** Rows added to the samples table in the window. */
  sampleRows: number;
  /** Start lateness over the window: per 10 s of due time, the probes due and the latest start. */
  lateOverTime: { fromS: number; due: number; maxLateMs: number }[];
  /** Most frequent failure reasons. */
  errors: [string, number][];
  /** Ours: the recorder's flushes in the window. */
  flush?: { count: number; totalMs: number; maxMs: number; p99Ms: number };
  /** Ours: JobRunner.stats deltas over the window and the grace period. */
  runner?: { started: number; finished: number; failed: number; timedOut: number; missed: number };
  warmupMs: number;
  /** Ours: the most jobs seen due and waiting unclaimed during the warm-up (the first runs' burst). */
  warmupBacklogPeak?: number;
}

export function sustained(r: LoadResult): boolean {
  return (
    r.started === r.expected && r.ok === r.expected && r.missing === 0 && r.missed === 0 && r.failed === 0
  );
}

/** SQL statements per probe due in the window. */
export function statementsPerProbe(r: LoadResult): number {
  return r.statements.reduce((a, [, k]) => a + k, 0) / r.expected;
}

/** CPU ms of the prober per probe that was due in the window. */
export function cpuPerProbeMs(r: LoadResult): number {
  return r.usage.cpuMs / r.expected;
}

const BUCKET_MS = 10_000;

function lateOverTime(records: readonly ProbeRecord[], from: number, to: number): LoadResult['lateOverTime'] {
  const buckets = Array.from({ length: Math.ceil((to - from) / BUCKET_MS) }, (_, i) => ({
    fromS: (i * BUCKET_MS) / 1000,
    due: 0,
    maxLateMs: 0,
  }));
  for (const r of records) {
    const b = buckets[Math.floor((r.dueAt - from) / BUCKET_MS)];
    if (!b) continue;
    b.due++;
    b.maxLateMs = Math.max(b.maxLateMs, r.startedAt - r.dueAt);
  }
  return buckets;
}

/** Counts what the records due in [from, to) say, given `perSubject` slots per subject in it. */
export function judgeWindow(
  records: readonly ProbeRecord[],
  subjects: readonly number[],
  from: number,
  to: number,
  perSubject: number,
  intervalMs: number,
): Pick<
  LoadResult,
  | 'expected'
  | 'started'
  | 'ok'
  | 'failed'
  | 'missing'
  | 'missed'
  | 'overlapped'
  | 'startLateMs'
  | 'doneLateMs'
  | 'durationMs'
  | 'errors'
  | 'lateOverTime'
> {
  const inWindow = records.filter((r) => r.dueAt >= from && r.dueAt < to);
  const count = new Map<number, number>();
  for (const r of inWindow) count.set(r.subject, (count.get(r.subject) ?? 0) + 1);
  let missing = 0;
  for (const s of subjects) missing += Math.max(0, perSubject - (count.get(s) ?? 0));
  const errors = new Map<string, number>();
  for (const r of inWindow) {
    if (r.ok) continue;
    // Group by the reason, not by the port or the numbers in it.
    const key = (r.error ?? 'failed').replace(/\d+/g, 'N');
    errors.set(key, (errors.get(key) ?? 0) + 1);
  }
  const failed = inWindow.filter((r) => !r.ok).length;
  return {
    expected: subjects.length * perSubject,
    started: inWindow.length,
    ok: inWindow.length - failed,
    failed,
    missing,
    missed: inWindow.filter((r) => r.startedAt - r.dueAt >= intervalMs).length,
    overlapped: inWindow.filter((r) => r.overlapped).length,
    startLateMs: inWindow.map((r) => r.startedAt - r.dueAt),
    doneLateMs: inWindow.map((r) => r.finishedAt - r.dueAt),
    durationMs: inWindow.map((r) => r.finishedAt - r.startedAt),
    errors: [...errors.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5),
    lateOverTime: lateOverTime(inWindow, from, to),
  };
}
