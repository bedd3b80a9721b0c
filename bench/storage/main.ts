/**
 * Storage benchmark: bytes per installation-year on SQLite and PostgreSQL. A small fleet's 13 months
 * of history come from the dashboards bench's generator (cached beside its data sets), a copy gets the
 * retention windows applied and is compacted, and each table is measured.
 * Run: npm run bench:storage [-- --help]. Progress goes to stderr, results to stdout.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultDataDir, pgDataset, sqliteDataset, type Dataset } from '../dashboards/dataset.js';
import { describeScale, FULL_SCALE } from '../dashboards/scale.js';
import { describeMachine, machineLine } from '../lib/machine.js';
import { renderText } from '../lib/table.js';
import { PERFORMANCE_MD, writeStorageSection } from './docs.js';
import { measurePostgres, measureSqlite, type EngineSize } from './measure.js';
import { sizeTable, topTablesTable, type StorageResults } from './results.js';
import { fleetScale } from './scale.js';
import { runMain } from '../lib/run-main.js';
import { progressSince } from '../lib/progress.js';

const USAGE = `usage: npm run bench:storage -- [options]
  --installations N   installations of the fleet (default 20); clients, managers, online accesses
                      and alerts keep the dashboards bench's full-scale proportions
  --days N            days of history (default ${FULL_SCALE.days}, the 13 months kept)
  --raw-days N        raw samples kept (default 35, SMART_RAW_RETENTION_DAYS)
  --no-pg             SQLite only
  --pg-url URL        PostgreSQL server (default SMART_BENCH_PG_URL, SMART_TEST_PG_URL or
                      postgres://postgres@127.0.0.1:5432/postgres)
  --data-dir DIR      where generated SQLite data sets are cached (default ${defaultDataDir()})
  --no-docs           do not rewrite the "Storage" section of docs/performance.md
  --save FILE         also save the results as JSON`;

const started = performance.now();
const progress = progressSince(started);

function print(r: StorageResults): void {
  const out = [
    `SMART storage benchmark, ${r.date}`,
    `machine: ${machineLine(r.machine)}`,
    `fleet: ${describeScale(r.scale)}; ${r.retention}`,
    '',
    renderText(sizeTable(r)),
    '',
    'Largest tables (bytes per installation-year)',
    renderText(topTablesTable(r)),
    '',
    `total ${((performance.now() - started) / 1000).toFixed(0)} s`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    args: process.argv.slice(2),
    options: {
      installations: { type: 'string' },
      days: { type: 'string' },
      'raw-days': { type: 'string' },
      'no-pg': { type: 'boolean' },
      'pg-url': { type: 'string' },
      'data-dir': { type: 'string' },
      'no-docs': { type: 'boolean' },
      save: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const int = (s: string | undefined, d: number, name: string): number => {
    const n = s === undefined ? d : Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer\n${USAGE}`);
    return n;
  };
  const scale = fleetScale(int(v.installations, 20, 'installations'), int(v.days, FULL_SCALE.days, 'days'));
  const rawDays = int(v['raw-days'], 35, 'raw-days');
  const pgUrl =
    v['no-pg'] === true
      ? null
      : (v['pg-url'] ??
        process.env.SMART_BENCH_PG_URL ??
        process.env.SMART_TEST_PG_URL ??
        'postgres://postgres@127.0.0.1:5432/postgres');
  const dso = {
    scale,
    dataDir: v['data-dir'] ?? defaultDataDir(),
    regenerate: false,
    timeOrder: true,
    progress,
  };
  const sizes: EngineSize[] = [];
  const sqlite: Dataset = await sqliteDataset({ ...dso, pgUrl: '' });
  const retention = { rawDays, end: sqlite.meta.end, progress };
  progress('SQLite: copy, hourly rollup, retention, VACUUM, dbstat');
  sizes.push(await measureSqlite(sqlite, retention));
  if (pgUrl) {
    const pgDs = await pgDataset({ ...dso, pgUrl });
    progress('PostgreSQL: copy, hourly rollup, retention, VACUUM FULL, table sizes');
    sizes.push(await measurePostgres(pgDs, pgUrl, { rawDays, end: pgDs.meta.end, progress }));
  }
  const r: StorageResults = {
    date: new Date().toISOString().slice(0, 10),
    machine: describeMachine(),
    scale,
    rawDays,
    retention: [...new Set(sizes.map((s) => s.retention))].join('; '),
    sizes,
    totalMs: performance.now() - started,
  };
  print(r);
  if (v.save) writeFileSync(v.save, JSON.stringify(r));
  if (v['no-docs'] !== true) {
    writeStorageSection(r);
    progress(`wrote the "Storage" section of ${PERFORMANCE_MD}`);
  }
}

runMain(main);
