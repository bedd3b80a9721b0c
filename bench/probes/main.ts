/**
 * Probe benchmark (the acceptance check of the probes): one node probes N simulated installations
 * (HTTP + TCP + page state) every 60 s. Prints the largest N it sustains with no missed interval and
 * its CPU share, and compares it with the same N probed by a naive one-timer-per-monitor loop.
 * Run: npm run bench:probes [-- --help]. Progress goes to stderr, results to stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { describeMachine, machineLine } from '../lib/machine.js';
import { renderText } from '../lib/table.js';
import { PERFORMANCE_MD, writeProbesSection } from './docs.js';
import { startSimFleet } from './fleet.js';
import { sustained, type LoadResult } from './load.js';
import { runNaive } from './naive.js';
import { OptionsError, readOptions, USAGE, type ProbeBenchOptions } from './options.js';
import { runOurs, type LoadOptions } from './ours.js';
import {
  costTable,
  failureLines,
  loadLine,
  ratioTables,
  scheduleTable,
  TARGET_N,
  verdict,
  type ProbeBenchResults,
} from './results.js';
import { openBenchDb } from './setup.js';
import { runMain } from '../lib/run-main.js';
import { progressSince } from '../lib/progress.js';

const started = performance.now();
const progress = progressSince(started);

/** Lets the sockets of the previous run close (keep-alive sockets idle out after 4 s). */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5_000));

function loadOptions(o: ProbeBenchOptions, n: number): LoadOptions {
  return {
    n,
    intervalMs: o.intervalS * 1000,
    intervals: o.intervals,
    warmupMs: o.warmupS * 1000,
    concurrency: o.concurrency,
    progress,
  };
}

/** The naive loop runs at the target N (when ours sustained it) and at the largest N ours sustained. */
function naiveSizes(o: ProbeBenchOptions, largest: number | null, ours: LoadResult[]): number[] {
  if (o.naiveNs) return o.naiveNs;
  if (largest === null) return [ours[ours.length - 1]!.n];
  return [...new Set(largest >= TARGET_N ? [TARGET_N, largest] : [largest])];
}

function describe(x: LoadResult): string {
  return (
    `${x.ok}/${x.expected} ok, ${x.failed} failed, ${x.missed} missed, ${x.missing} not run, ` +
    `CPU ${((100 * x.usage.cpuMs) / x.usage.wallMs).toFixed(1)} % of one core`
  );
}

function print(r: ProbeBenchResults): void {
  const out = [
    `SMART probe benchmark, ${r.date}`,
    `machine: ${machineLine(r.machine)}`,
    loadLine(r),
    `fleet: ${r.fleet.servers} simulated ПК servers in ${r.fleet.shards} child processes, started in ${(r.fleet.startMs / 1000).toFixed(1)} s; ` +
      `interval ${r.options.intervalS} s, ${r.options.intervals} intervals measured after the warm-up`,
    '',
    'Schedule (lateness = start − slot; result = finish − slot)',
    renderText(scheduleTable(r)),
    '',
    'Cost of the prober process in the measured window',
    renderText(costTable(r)),
  ];
  for (const ratios of ratioTables(r)) out.push('', 'Ours against the naive loop', renderText(ratios));
  const failures = failureLines(r);
  if (failures.length) out.push('', 'Failures', ...failures.map((f) => `- ${f}`));
  out.push('', verdict(r), '', `total ${(r.totalMs / 1000).toFixed(0)} s`);
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2));
  if (!o) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (o.render) {
    const saved = JSON.parse(readFileSync(o.render, 'utf8')) as ProbeBenchResults;
    print(saved);
    if (o.docs) writeProbesSection(saved);
    return;
  }
  const load0 = os.loadavg()[0]!;
  const size = Math.max(...o.ns, ...(o.naiveNs ?? []));
  progress(`starting ${size} simulated ПК servers on ports ${o.portBase}..${o.portBase + size - 1}`);
  const fleet = await startSimFleet(size, o.portBase, o.seed);
  progress(
    `fleet ready in ${(fleet.ready.startMs / 1000).toFixed(1)} s: ${fleet.ready.shards} processes, ${fleet.ready.rssMiB.toFixed(0)} MiB`,
  );
  try {
    const ours: LoadResult[] = [];
    let largest: number | null = null;
    for (const n of o.ns) {
      progress(`ours, N = ${n}: JobRunner + probe service, ${o.intervals} × ${o.intervalS} s after warm-up`);
      const db = await openBenchDb(n, o.portBase, o.intervalS);
      try {
        const x = await runOurs(db, fleet, loadOptions(o, n));
        ours.push(x);
        progress(`ours, N = ${n}: ${describe(x)} — ${sustained(x) ? 'sustained' : 'NOT sustained'}`);
        if (!sustained(x)) break;
        largest = n;
      } finally {
        await db.close();
      }
      await settle();
    }
    const naive: LoadResult[] = [];
    if (o.naive) {
      for (const n of naiveSizes(o, largest, ours)) {
        progress(
          `naive, N = ${n}: one setInterval per monitor, ${o.intervals} × ${o.intervalS} s after warm-up`,
        );
        const db = await openBenchDb(n, o.portBase, o.intervalS);
        try {
          const x = await runNaive(db, fleet, loadOptions(o, n));
          naive.push(x);
          progress(`naive, N = ${n}: ${describe(x)}`);
        } finally {
          await db.close();
        }
        await settle();
      }
    }
    const results: ProbeBenchResults = {
      date: new Date().toISOString().slice(0, 10),
      machine: describeMachine(),
      load: [load0, os.loadavg()[0]!],
      options: o,
      fleet: fleet.ready,
      ours,
      naive,
      largest,
      totalMs: performance.now() - started,
    };
    if (o.save) writeFileSync(o.save, `${JSON.stringify(results)}\n`);
    print(results);
    if (o.docs) {
      writeProbesSection(results);
      progress(`wrote the "Probes" section of ${PERFORMANCE_MD}`);
    }
  } finally {
    await fleet.close();
  }
}

runMain(main, { optionsError: OptionsError, text: USAGE });
