/** What one probe benchmark run measured, and the tables and sentences that present it. */
import type { Machine } from '../lib/machine.js';
import { fmt, percentile } from '../lib/stats.js';
import type { Table } from '../lib/table.js';
import type { FleetReady } from './fleet.js';
import { cpuPerProbeMs, statementsPerProbe, sustained, type LoadResult } from './load.js';
import { cpuShare } from './meter.js';
import type { ProbeBenchOptions } from './options.js';

/** The acceptance check: one node probes at least this many installations every minute. */
export const TARGET_N = 5_000;

export interface ProbeBenchResults {
  date: string;
  machine: Machine;
  /** 1-minute load average before and after. */
  load: [number, number];
  options: ProbeBenchOptions;
  fleet: FleetReady;
  ours: LoadResult[];
  naive: LoadResult[];
  /** Largest N sustained by ours; null when none was. */
  largest: number | null;
  totalMs: number;
}

const pct = (x: number, digits = 0): string => `${fmt(100 * x, digits)} %`;
const msP = (xs: number[], q: number): string => (xs.length ? `${fmt(percentile(xs, q), 0)} ms` : '–');
const seconds = (ms: number): string => `${fmt(ms / 1000)} s`;

function label(r: LoadResult): string {
  return r.mode === 'ours' ? 'ours (JobRunner)' : 'naive (setInterval)';
}

function all(r: ProbeBenchResults): LoadResult[] {
  return [...r.ours, ...r.naive];
}

export function scheduleTable(r: ProbeBenchResults): Table {
  return {
    headers: [
      'run',
      'N',
      'probes due',
      'ran ok',
      'not run',
      'missed',
      'failed',
      'start late p50',
      'p99',
      'max',
      'result p99',
      'max',
      'warm-up',
      'sustained',
    ],
    rows: all(r).map((x) => [
      label(x),
      String(x.n),
      String(x.expected),
      String(x.ok),
      String(x.missing),
      String(x.missed),
      String(x.failed),
      msP(x.startLateMs, 50),
      msP(x.startLateMs, 99),
      msP(x.startLateMs, 100),
      msP(x.doneLateMs, 99),
      msP(x.doneLateMs, 100),
      seconds(x.warmupMs),
      sustained(x) ? 'yes' : 'NO',
    ]),
    numericFrom: 1,
  };
}

export function costTable(r: ProbeBenchResults): Table {
  const cores = r.machine.cores;
  return {
    headers: [
      'run',
      'N',
      'CPU of one core',
      'of the machine',
      'CPU ms/probe',
      'loop delay p99',
      'max',
      'loop busy',
      'max RSS',
      'recorder flushes',
      'HTTP req/probe',
      'SQL/probe',
      'sample rows/probe',
      'simulators CPU',
      'other load',
    ],
    rows: all(r).map((x) => {
      const u = x.usage;
      const f = x.flush;
      return [
        label(x),
        String(x.n),
        pct(cpuShare(u), 1),
        pct(cpuShare(u) / cores, 1),
        fmt(cpuPerProbeMs(x), 2),
        `${fmt(u.loopDelayP99Ms, 0)} ms`,
        `${fmt(u.loopDelayMaxMs, 0)} ms`,
        pct(u.loopUtilization),
        `${fmt(u.maxRssMiB, 0)} MiB`,
        f ? `${f.count}, ${seconds(f.totalMs)}, max ${fmt(f.maxMs, 0)} ms` : 'per probe',
        fmt(u.simRequests / x.expected, 2),
        fmt(statementsPerProbe(x), 2),
        fmt(x.sampleRows / x.expected, 2),
        u.simCpuMs === null ? '?' : pct(u.simCpuMs / u.wallMs),
        u.othersShare === null ? '?' : pct(u.othersShare),
      ];
    }),
    numericFrom: 1,
  };
}

/** Each naive run with the ours run at the same N. */
export function comparisons(r: ProbeBenchResults): { ours: LoadResult; naive: LoadResult }[] {
  return r.naive.flatMap((naive) => {
    const ours = r.ours.find((x) => x.n === naive.n);
    return ours ? [{ ours, naive }] : [];
  });
}

const ratio = (a: number, b: number): string => (b > 0 && Number.isFinite(a / b) ? `${fmt(a / b, 2)}` : '–');

export function ratioTables(r: ProbeBenchResults): Table[] {
  return comparisons(r).map(ratioTable);
}

function ratioTable({ ours, naive }: { ours: LoadResult; naive: LoadResult }): Table {
  const row = (what: string, a: number, b: number, show: (x: number) => string): string[] => [
    what,
    show(a),
    show(b),
    ratio(a, b),
  ];
  const msv = (x: number): string => `${fmt(x, 0)} ms`;
  return {
    headers: [`at N = ${ours.n}`, 'ours', 'naive', 'ours/naive'],
    rows: [
      row('CPU ms per probe', cpuPerProbeMs(ours), cpuPerProbeMs(naive), (x) => fmt(x, 2)),
      row('CPU, % of one core', cpuShare(ours.usage), cpuShare(naive.usage), (x) => pct(x, 1)),
      row('start lateness p99', percentile(ours.startLateMs, 99), percentile(naive.startLateMs, 99), msv),
      row('result lateness p99', percentile(ours.doneLateMs, 99), percentile(naive.doneLateMs, 99), msv),
      row('probe duration p99', percentile(ours.durationMs, 99), percentile(naive.durationMs, 99), msv),
      row('event-loop delay p99', ours.usage.loopDelayP99Ms, naive.usage.loopDelayP99Ms, msv),
      row(
        'HTTP requests per probe',
        ours.usage.simRequests / ours.expected,
        naive.usage.simRequests / naive.expected,
        (x) => fmt(x, 2),
      ),
      row('SQL statements per probe', statementsPerProbe(ours), statementsPerProbe(naive), (x) => fmt(x, 2)),
      row('sample rows per probe', ours.sampleRows / ours.expected, naive.sampleRows / naive.expected, (x) =>
        fmt(x, 2),
      ),
      row('failed probes', ours.failed, naive.failed, (x) => String(x)),
      row('missed or not run', ours.missed + ours.missing, naive.missed + naive.missing, (x) => String(x)),
    ],
    numericFrom: 1,
  };
}

/** One line: the acceptance verdict. */
export function verdict(r: ProbeBenchResults): string {
  const best = r.ours.find((x) => x.n === r.largest);
  const head =
    r.largest === null || !best
      ? `largest N sustained: none of ${r.options.ns.join(', ')} (target ${TARGET_N}) — FAIL`
      : `largest N sustained: ${r.largest} (target ${TARGET_N}${r.largest >= TARGET_N ? ', met' : ', NOT met'}${
          r.ours.every(sustained) ? `; the largest tried` : ''
        }) — CPU ${pct(cpuShare(best.usage), 1)} of one core (${pct(cpuShare(best.usage) / r.machine.cores, 1)} of the machine)`;
  // The comparison the acceptance check asks for: the same N as the largest sustained.
  const c = comparisons(r);
  const at = c.find((x) => x.naive.n === r.largest) ?? c[c.length - 1];
  if (!at) return head;
  const { ours, naive } = at;
  return (
    `${head}; naive at ${naive.n}: CPU ${pct(cpuShare(naive.usage), 1)} of one core, ` +
    `${naive.failed} failed, ${naive.missed + naive.missing} missed, result lateness p99 ` +
    `${fmt(percentile(naive.doneLateMs, 99), 0)} ms — ours/naive: CPU per probe ` +
    `${ratio(cpuPerProbeMs(ours), cpuPerProbeMs(naive))}, result lateness p99 ` +
    `${ratio(percentile(ours.doneLateMs, 99), percentile(naive.doneLateMs, 99))}`
  );
}

/** "3.00 × insert availability_daily (upsert), 1.00 × update jobs …" per probe. */
export function statementMix(x: LoadResult, top = 4): string {
  return x.statements
    .slice(0, top)
    .map(([what, k]) => `${fmt(k / x.expected, 2)} × ${what}`)
    .join(', ');
}

/** Failure reasons of the runs that had any. */
export function failureLines(r: ProbeBenchResults): string[] {
  return all(r)
    .filter((x) => x.errors.length > 0 || x.usage.simOutOfFds)
    .map((x) => {
      const reasons = x.errors.map(([e, k]) => `${k} × ${e}`);
      if (x.usage.simOutOfFds)
        reasons.push(
          `a simulator process ran out of file descriptors (its listeners plus the burst's connections), ` +
            `so connections were closed unanswered ("socket hang up"): those failures are the test rig's ` +
            `limit as much as the loop's`,
        );
      return `${label(x)} at N = ${x.n}: ${reasons.join('; ')}`;
    });
}

export function loadLine(r: ProbeBenchResults): string {
  const others = all(r)
    .map((x) => x.usage.othersShare)
    .filter((x): x is number => x !== null);
  const base = `load average ${fmt(r.load[0], 2)} before, ${fmt(r.load[1], 2)} after`;
  return others.length
    ? `${base}; other processes used ${pct(Math.min(...others))}–${pct(Math.max(...others))} of the machine's CPU during the measured windows`
    : base;
}
