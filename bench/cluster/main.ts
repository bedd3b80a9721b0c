/**
 * Cluster benchmark: ingest throughput and p95 upload→stored latency with one `smart serve` and with
 * two on one PostgreSQL database, with each process's CPU share, and what N nodes would give.
 * Run: npm run bench:cluster [-- --help]. Progress goes to stderr, results to stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { generateDailyReports } from '../ingest/corpus.js';
import { describeMachine, machineLine } from '../lib/machine.js';
import { renderText } from '../lib/table.js';
import { PERFORMANCE_MD, writeClusterSection } from './docs.js';
import { OptionsError, readOptions, USAGE } from './options.js';
import { cpuTable, meaning, projectionTable, throughputTable, type ClusterResults } from './results.js';
import { runCluster, type RunResult } from './run.js';
import { runMain } from '../lib/run-main.js';
import { progressSince } from '../lib/progress.js';

const started = performance.now();
const progress = progressSince(started);

function print(x: ClusterResults): void {
  const out = [
    `SMART cluster benchmark, ${x.date}`,
    `machine: ${machineLine(x.machine)}`,
    '',
    'Ingest through smart serve on one PostgreSQL database (~1 MB reports, round-robin over the nodes)',
    renderText(throughputTable(x)),
    '',
    'CPU share of the machine during the measured phase',
    renderText(cpuTable(x)),
    '',
    'N nodes on separate machines (CPU bound, from the per-report CPU above)',
    renderText(projectionTable(x)),
    '',
    ...meaning(x).map((s) => `- ${s}`),
    '',
    `total ${(x.totalMs / 1000).toFixed(0)} s`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2), process.env);
  if (!o) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (o.render) {
    const saved = JSON.parse(readFileSync(o.render, 'utf8')) as ClusterResults;
    print(saved);
    if (o.docs) writeClusterSection(saved);
    return;
  }
  const maxNodes = Math.max(...o.nodes);
  const warmupCount = o.warmup * maxNodes;
  progress(`generating ${o.reports} reports of ~1 MB`);
  const corpus = await generateDailyReports(Math.max(o.reports, warmupCount));
  try {
    const files = corpus.sets[0]!.files;
    const runs: RunResult[] = [];
    for (const n of o.nodes) {
      runs.push(
        await runCluster({
          pgUrl: o.pgUrl,
          nodeCount: n,
          agentsPerNode: o.agentsPerNode,
          portBase: o.portBase,
          files: files.slice(0, o.reports),
          warmupFiles: files.slice(0, o.warmup * n),
          progress,
        }),
      );
    }
    const x: ClusterResults = {
      date: new Date().toISOString().slice(0, 10),
      machine: describeMachine(),
      options: o,
      runs,
      totalMs: performance.now() - started,
    };
    print(x);
    if (o.save) writeFileSync(o.save, JSON.stringify(x));
    if (o.docs) {
      writeClusterSection(x);
      progress(`wrote the "Two nodes" section of ${PERFORMANCE_MD}`);
    }
  } finally {
    await corpus.remove();
  }
}

runMain(main, { optionsError: OptionsError, text: USAGE });
