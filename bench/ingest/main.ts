/**
 * Ingest benchmark (issue 3's acceptance check): reports/s and MB/s of our sysinfo parser over
 * 100 reports of ~1 MB and 100 of ~20 MB, against a plain read+unzip of the same files, the peak
 * heap of one parse, and upload→stored latency through the real server.
 * Run: npm run bench:ingest [-- --help]. Progress goes to stderr, results to stdout.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { describeMachine, machineLine, otherLoadMeter } from '../lib/machine.js';
import { renderText } from '../lib/table.js';
import { generateCorpus, type ReportSet } from './corpus.js';
import { PERFORMANCE_MD, writeIngestSection } from './docs.js';
import { runEndToEnd, type E2eResult } from './e2e.js';
import { breakDown } from './breakdown.js';
import { probeHeap } from './heap.js';
import { OptionsError, readOptions, USAGE, type BenchOptions } from './options.js';
import {
  corpusTable,
  e2eTable,
  heapTable,
  loadLine,
  breakdownTable,
  throughputTable,
  whereTimeGoes,
  type IngestResults,
  type SetResult,
} from './results.js';
import {
  benchParsePool,
  inflateOneThread,
  inflateThreads,
  parseOneThread,
  parsePool,
  type BenchParsePool,
} from './throughput.js';
import { runMain } from '../lib/run-main.js';
import { progressSince } from '../lib/progress.js';

const started = performance.now();
const progress = progressSince(started);

interface Pools {
  one: BenchParsePool;
  many: BenchParsePool;
}

async function measureSet(set: ReportSet, o: BenchOptions, pools: Pools): Promise<SetResult> {
  const single = set.files.slice(0, o.singleCount);
  // Warm up on a report of the same size: a long-running server's JIT has seen big reports too.
  const warmup = set.files[0]!;
  progress(`${set.label}: read+unzip, 1 thread`);
  const inflateOne = await inflateOneThread(set.files, warmup);
  progress(`${set.label}: read+unzip, ${o.threads} worker threads`);
  const inflatePool = await inflateThreads(set.files, warmup, o.threads);
  progress(`${set.label}: parseReportFile in process, ${single.length} files`);
  const parseOne = await parseOneThread(single, warmup);
  progress(`${set.label}: parse pool, 1 thread, ${single.length} files`);
  const parsePoolOne = await parsePool(single, warmup, pools.one);
  progress(`${set.label}: parse pool, ${o.threads} threads`);
  const pool = await parsePool(set.files, warmup, pools.many);
  progress(`${set.label}: peak heap of one parse (child process)`);
  const heap = await probeHeap(warmup);
  progress(
    `${set.label}: CPU step by step (file, unzip, tokenize, parse from memory), ${single.length} files`,
  );
  const breakdown = await breakDown(single, warmup);
  return { set, inflateOne, inflatePool, parseOne, parsePoolOne, parsePool: pool, heap, breakdown };
}

async function measureSets(sets: ReportSet[], o: BenchOptions): Promise<SetResult[]> {
  const pools: Pools = { one: benchParsePool(1), many: benchParsePool(o.threads) };
  try {
    const out: SetResult[] = [];
    for (const set of sets) out.push(await measureSet(set, o, pools));
    return out;
  } finally {
    await Promise.all([pools.one.pool.close(), pools.many.pool.close()]);
  }
}

function print(r: IngestResults): void {
  const out = [
    `SMART ingest benchmark, ${r.date}`,
    `machine: ${machineLine(r.machine)}`,
    loadLine(r),
    '',
    'Reports (simulated sysinfo, zipped as the Windows agent sends them)',
    renderText(corpusTable(r)),
  ];
  const large = r.sets[1];
  if (large && large.set.distinct < large.set.files.length) {
    out.push(
      `(${large.set.label}: ${large.set.distinct} distinct reports generated, each used ` +
        `${large.set.files.length / large.set.distinct} times: generating is slower than parsing)`,
    );
  }
  out.push(
    '',
    'Throughput ("of baseline" = MB/s vs read+unzip on the same threads)',
    renderText(throughputTable(r)),
  );
  out.push('', 'Peak heap of one parse (fresh process, used_heap_size above idle)', renderText(heapTable(r)));
  out.push('', 'Inside a parse (single thread, CPU)', renderText(breakdownTable(r)));
  if (r.e2e) {
    out.push(
      '',
      'End to end: HTTP upload → spool → parse pool → SQLite (1 MB reports)',
      renderText(e2eTable(r.e2e)),
    );
    out.push(`ledger at the end: ${JSON.stringify(r.e2e.statuses)}`);
  }
  out.push('', 'Where the time goes', ...whereTimeGoes(r).map((s) => `- ${s}`));
  out.push('', `total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2));
  if (!o) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const load0 = os.loadavg()[0]!;
  const otherLoad = otherLoadMeter();
  progress(`generating ${o.count} + ${o.count} reports (${o.distinctLarge} distinct of ~20 MB)`);
  const corpus = await generateCorpus(o.count, o.distinctLarge);
  try {
    const sets = await measureSets(corpus.sets, o);
    let e2e: E2eResult | null = null;
    if (o.e2e) {
      progress(`end to end: ${o.count} × 1 MB through HTTP, 1 agent then ${o.threads * 2}`);
      e2e = await runEndToEnd(corpus.sets[0]!.files, corpus.warmup, o.threads, o.threads * 2);
    }
    const results: IngestResults = {
      date: new Date().toISOString().slice(0, 10),
      machine: describeMachine(),
      load: [load0, os.loadavg()[0]!],
      otherLoad: otherLoad(),
      options: o,
      sets,
      e2e,
      totalMs: performance.now() - started,
    };
    print(results);
    if (o.save) writeFileSync(o.save, JSON.stringify(results));
    if (o.docs) {
      writeIngestSection(results);
      progress(`wrote the "Ingest" section of ${PERFORMANCE_MD}`);
    }
  } finally {
    await corpus.remove();
  }
}

runMain(main, { optionsError: OptionsError, text: USAGE });
