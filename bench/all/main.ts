/**
 * `npm run bench`: every benchmark in a quick profile (well under 15 minutes on a 2-core machine), one
 * after another as child processes (their output goes straight through), then a summary table of
 * their headline figures at the top of docs/performance.md. Each benchmark's full-size run is its own
 * `npm run bench:<name>`; by default the quick runs leave those detailed sections alone, except the
 * cluster and storage sections, whose default size is the quick one.
 * Run: npm run bench [-- --help]. Progress goes to stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { defaultDataDir } from '../dashboards/dataset.js';
import { datasetKey, FULL_SCALE, type Scale } from '../dashboards/scale.js';
import { describeMachine, machineLine } from '../lib/machine.js';
import { renderText } from '../lib/table.js';
import { fleetScale } from '../storage/scale.js';
import { summaryRows, summaryTable, writeSummarySection, type BenchRun, type Saved } from './summary.js';
import { runMain } from '../lib/run-main.js';
import { progressSince } from '../lib/progress.js';
import { SERVER_NODE_FLAGS } from '../lib/node-flags.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const USAGE = `usage: npm run bench -- [options]
  --only LIST       run only these benches (ingest,probes,alert-latency,dashboards,cluster,storage)
  --all-sections    let every bench rewrite its own section of docs/performance.md with the quick
                    figures (default: only cluster and storage do; the others keep their full-size runs)
  --no-docs         write nothing to docs/performance.md
  --pg-url URL      PostgreSQL server for dashboards, cluster and storage (default SMART_BENCH_PG_URL,
                    SMART_TEST_PG_URL or postgres://postgres@127.0.0.1:5432/postgres)`;

const started = performance.now();
const progress = progressSince(started, 'bench ');

/** The quick dashboards/storage fleet: generates in about a minute per engine. */
const QUICK_INSTALLATIONS = 10;

function scaleArgs(s: Scale): string[] {
  return [
    '--installations',
    String(s.installations),
    '--accesses',
    String(s.accesses),
    '--clients',
    String(s.clients),
    '--managers',
    String(s.managers),
    '--alerts',
    String(s.alerts),
    '--days',
    String(s.days),
  ];
}

/** True when the full-size dashboards data set is cached on both engines (generating it takes ~50 min). */
async function fullDatasetCached(pgUrl: string): Promise<boolean> {
  const key = datasetKey(FULL_SCALE);
  if (!existsSync(path.join(defaultDataDir(), `${key}.json`))) return false;
  const c = new pg.Client({ connectionString: pgUrl });
  try {
    await c.connect();
    const res = await c.query<{ comment: string | null }>(
      `select shobj_description(oid, 'pg_database') as comment from pg_database
       where datname like 'smart_bench_dashboards_%'`,
    );
    return res.rows.some(
      (r) => r.comment !== null && (JSON.parse(r.comment) as { key?: string }).key === key,
    );
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function run(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; ms: number }> {
  const t0 = performance.now();
  progress(`${name}: npm run bench:${name} -- ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [...SERVER_NODE_FLAGS, '--import', 'tsx', `bench/${name}/main.ts`, ...args],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      progress(
        `${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${(ms / 60_000).toFixed(1)} min`,
      );
      resolve({ code: code ?? 1, ms });
    });
  });
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    args: process.argv.slice(2),
    options: {
      only: { type: 'string' },
      'all-sections': { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      'pg-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const pgUrl =
    v['pg-url'] ??
    process.env.SMART_BENCH_PG_URL ??
    process.env.SMART_TEST_PG_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres';
  const docs = v['no-docs'] !== true;
  const own = (name: string): string[] =>
    docs && (v['all-sections'] === true || ['cluster', 'storage'].includes(name)) ? [] : ['--no-docs'];
  const quick = fleetScale(QUICK_INSTALLATIONS, FULL_SCALE.days);
  const full = await fullDatasetCached(pgUrl);
  const dashScale = full ? FULL_SCALE : quick;
  progress(
    full
      ? 'dashboards: the full-size data set is cached on both engines, so it is measured'
      : `dashboards: no cached full-size data set; a ${QUICK_INSTALLATIONS}-installation fleet is generated (storage reuses it)`,
  );
  const plan: { name: string; profile: string; args: string[] }[] = [
    {
      name: 'ingest',
      profile: '30 reports per size (3 distinct of 20 MB), 10 single-thread',
      args: ['--count', '30', '--distinct-large', '3', '--single', '10'],
    },
    {
      name: 'probes',
      profile: 'N = 5000 only, 1 measured interval of 60 s, no naive loop',
      args: ['--ns', '5000', '--intervals', '1', '--no-naive'],
    },
    { name: 'alert-latency', profile: '40 runs', args: ['--runs', '40'] },
    {
      name: 'dashboards',
      profile: `${full ? 'full data set' : `${dashScale.installations} installations, ${dashScale.days} days`}, 10 runs per dashboard`,
      args: [...scaleArgs(dashScale), '--runs', '10', '--warmup', '2', '--max-s', '20', '--pg-url', pgUrl],
    },
    { name: 'cluster', profile: '240 reports, 1 and 2 nodes', args: ['--pg-url', pgUrl] },
    {
      name: 'storage',
      profile: `${quick.installations} installations, ${quick.days} days`,
      args: ['--installations', String(quick.installations), '--pg-url', pgUrl],
    },
  ];
  const only = v.only?.split(',').map((s) => s.trim());
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'smart-bench-all-'));
  const runs: BenchRun[] = [];
  try {
    for (const p of plan) {
      if (only && !only.includes(p.name)) continue;
      const file = path.join(tmp, `${p.name}.json`);
      const r = await run(p.name, [...p.args, ...own(p.name), '--save', file], process.env);
      const saved =
        r.code === 0 && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Saved) : null;
      runs.push({ name: p.name, profile: p.profile, ok: r.code === 0, ms: r.ms, saved });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const machine = describeMachine();
  const totalMs = performance.now() - started;
  const rows = summaryRows(runs);
  process.stdout.write(
    [
      '',
      `SMART benchmarks, quick profile, ${new Date().toISOString().slice(0, 10)}`,
      `machine: ${machineLine(machine)}`,
      '',
      renderText(summaryTable(rows)),
      '',
      ...runs.map(
        (r) => `${r.name}: ${r.ok ? 'ok' : 'FAILED'}, ${(r.ms / 60_000).toFixed(1)} min (${r.profile})`,
      ),
      `total ${(totalMs / 60_000).toFixed(1)} min`,
      '',
    ].join('\n'),
  );
  if (docs) {
    writeSummarySection(rows, runs, machine, totalMs);
    progress('wrote the "Summary" section of docs/performance.md');
  }
  if (runs.some((r) => !r.ok)) process.exitCode = 1;
}

runMain(main);
