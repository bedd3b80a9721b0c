/**
 * Dashboards benchmark (the acceptance check of the dashboards API): one dealer with 1,000
 * installations, 1,500 online accesses and 13 months of history, on SQLite and (with --pg or a
 * PostgreSQL URL in SMART_BENCH_PG_URL / SMART_TEST_PG_URL) PostgreSQL; prints p50/p95/max per
 * dashboard against the 300 ms target and writes the "Dashboards" section of docs/performance.md.
 * It prints and never fails on a slow dashboard. Run: npm run bench:dashboards [-- --help].
 * Progress goes to stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { describeMachine, machineLine } from '../lib/machine.js';
import { renderText } from '../lib/table.js';
import { pgDataset, sqliteDataset, type Dataset, type DatasetOptions } from './dataset.js';
import { writeDashboardsSection } from './docs.js';
import { measure, overviewClient, type Measured } from './measure.js';
import { OptionsError, readOptions, USAGE } from './options.js';
import { profileRequests, type RequestProfile } from './profile.js';
import {
  datasetTable,
  latencyTable,
  loadLine,
  scaleLine,
  verdicts,
  type DashboardsResults,
} from './results.js';
import { FULL_SCALE } from './scale.js';
import { runMain } from '../lib/run-main.js';
import { progressSince } from '../lib/progress.js';

const started = performance.now();
const progress = progressSince(started, '', 5);

function print(r: DashboardsResults): void {
  const out = [
    `SMART dashboards benchmark, ${r.date}`,
    `machine: ${machineLine(r.machine)}; ${loadLine(r)}`,
    `data: ${scaleLine(r)}`,
    '',
    'Data set',
    renderText(datasetTable(r)),
    '',
    `Requests (${r.warmup} warm-up, then ${r.runs} measured, one at a time)`,
    renderText(latencyTable(r)),
    '',
    ...verdicts(r),
    '',
    `total ${(r.totalMs / 60_000).toFixed(1)} min`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

/** The slowest `top` queries of each request (all of them, up to 60, when only some dashboards are profiled). */
function printProfiles(list: RequestProfile[], top: number): void {
  const out: string[] = [];
  for (const p of list) {
    const sum = p.queries.reduce((a, q) => a + q.ms, 0);
    out.push(
      `${p.engine} ${p.dashboard} ${p.range}: ${p.totalMs.toFixed(0)} ms, ${p.queries.length} queries, ` +
        `${sum.toFixed(0)} ms in SQL`,
    );
    for (const q of p.queries.slice(0, top))
      out.push(`  ${q.ms.toFixed(0).padStart(6)} ms  ${q.sql.slice(0, top > 4 ? 200 : 400)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  let o;
  try {
    o = readOptions(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof OptionsError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  if (!o) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (o.render) {
    const saved = JSON.parse(readFileSync(o.render, 'utf8')) as DashboardsResults;
    print(saved);
    if (o.docs) writeDashboardsSection(saved);
    return;
  }
  const load0 = os.loadavg()[0]!;
  const dso: Omit<DatasetOptions, 'pgUrl'> = {
    scale: o.scale,
    dataDir: o.dataDir,
    regenerate: o.regenerate,
    timeOrder: o.timeOrder,
    progress,
  };
  const datasets: Dataset[] = [];
  if (o.sqlite) datasets.push(await sqliteDataset({ ...dso, pgUrl: '' }));
  if (o.pgUrl) datasets.push(await pgDataset({ ...dso, pgUrl: o.pgUrl }));
  for (const d of datasets) {
    const g = d.meta.stats;
    progress(
      `${d.engine}: ${d.generated ? 'generated' : 'cached'} data set, ${(g.rows.samples ?? 0) / 1e6} M samples, ` +
        `generation took ${(g.totalS / 60).toFixed(1)} min`,
    );
  }
  if (o.generateOnly) return;
  if (o.profile) {
    for (const d of datasets)
      printProfiles(await profileRequests(d, await overviewClient(d), o.only), o.only ? 60 : 4);
    return;
  }

  const measured: Measured[] = [];
  for (const d of datasets) {
    measured.push(
      ...(await measure(d, {
        runs: o.runs,
        warmup: o.warmup,
        maxSecondsPerTarget: o.maxSecondsPerTarget,
        users: o.users,
        only: o.only,
        progress,
      })),
    );
  }
  const args = process.argv.slice(2).filter((a) => a !== '--no-docs');
  const results: DashboardsResults = {
    date: new Date().toISOString().slice(0, 10),
    machine: describeMachine(),
    load: [load0, os.loadavg()[0]!],
    command: `npm run bench:dashboards${args.length ? ` -- ${args.join(' ')}` : ''}`,
    scale: o.scale,
    runs: o.runs,
    warmup: o.warmup,
    datasets: datasets.map((d) => ({ engine: d.engine, generated: d.generated, meta: d.meta })),
    measured,
    totalMs: performance.now() - started,
  };
  if (o.save) writeFileSync(o.save, `${JSON.stringify(results)}\n`);
  print(results);
  // Only the full scale is the acceptance figure: a trial at a small scale leaves the docs alone.
  const full = JSON.stringify(o.scale) === JSON.stringify(FULL_SCALE);
  if (o.docs && full) {
    writeDashboardsSection(results);
    progress('wrote the "Dashboards" section of docs/performance.md');
  } else if (o.docs) {
    progress('not the full scale: docs/performance.md left as it is');
  }
}

runMain(main);
