/** What a run found, and the tables and sentences made of it (terminal and docs alike). */
import type { Machine } from '../lib/machine.js';
import { fmt } from '../lib/stats.js';
import type { Table } from '../lib/table.js';
import type { DatasetMeta, Engine } from './dataset.js';
import { summarize, type Measured } from './measure.js';
import { describeScale, type Scale } from './scale.js';

/** The acceptance target: p95 per dashboard. */
export const TARGET_MS = 300;

export interface DashboardsResults {
  date: string;
  machine: Machine;
  load: [number, number];
  command: string;
  scale: Scale;
  runs: number;
  warmup: number;
  datasets: { engine: Engine; generated: boolean; meta: DatasetMeta }[];
  measured: Measured[];
  totalMs: number;
}

const USER_LABEL = { admin: 'dealer-admin', manager: 'manager' } as const;
const ENGINE_LABEL: Record<Engine, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

export function scaleLine(r: DashboardsResults): string {
  return describeScale(r.scale);
}

function rowsOf(meta: DatasetMeta, table: string): number {
  return meta.stats.rows[table] ?? 0;
}

/** The data set: what was generated and how long it took, per engine. */
export function datasetTable(r: DashboardsResults): Table {
  const rows = r.datasets.map((d) => {
    const m = d.meta;
    const s = m.stats.steps;
    const rollups = Object.entries(s)
      .filter(([k]) => /rebuild|rollups|keys|vacuum|time order/.test(k))
      .reduce((a, [, v]) => a + v, 0);
    const history = Object.entries(s)
      .filter(([k]) => k.includes('history') || k.includes('alert'))
      .reduce((a, [, v]) => a + v, 0);
    return [
      ENGINE_LABEL[d.engine],
      `${(m.stats.reports / 1e6).toFixed(2)} M`,
      `${(rowsOf(m, 'samples') / 1e6).toFixed(1)} M`,
      `${(rowsOf(m, 'search_log') / 1e6).toFixed(1)} M`,
      `${(rowsOf(m, 'user_usage_daily') / 1e6).toFixed(2)} M`,
      `${(rowsOf(m, 'availability_daily') / 1e3).toFixed(0)} k`,
      String(rowsOf(m, 'alert_instances')),
      `${(m.bytes / 2 ** 30).toFixed(1)} GiB`,
      m.layout ? 'time' : 'generator',
      `${fmt(s['inventory (app services)'] ?? NaN)} s`,
      `${fmt(history)} s`,
      `${fmt(rollups)} s`,
      `${fmt(m.stats.totalS / 60)} min`,
    ];
  });
  return {
    headers: [
      'DB',
      'sysinfo reports',
      'samples',
      'search log',
      'usage rows',
      'avail. days',
      'alerts',
      'size',
      'row order',
      'inventory',
      'history',
      'rollups, keys, order',
      'generated in',
    ],
    rows,
  };
}

/** Per dashboard, user and engine: p50, p95, max and p95 against the target. */
export function latencyTable(r: DashboardsResults): Table {
  const rows = r.measured.map((m) => {
    if (m.times.length === 0)
      return [
        m.dashboard,
        m.range,
        USER_LABEL[m.user],
        m.engine,
        '–',
        '–',
        '–',
        '–',
        '–',
        m.status === 'missing' ? 'not built' : 'error',
      ];
    const s = summarize(m);
    return [
      m.dashboard,
      m.range,
      USER_LABEL[m.user],
      m.engine,
      String(s.n),
      `${fmt(s.p50)} ms`,
      `${fmt(s.p95)} ms`,
      `${fmt(s.max)} ms`,
      (s.p95 / TARGET_MS).toFixed(2),
      `${fmt(m.bytes / 1024)} KiB`,
    ];
  });
  return {
    headers: [
      'dashboard',
      'range',
      'user',
      'DB',
      'n',
      'p50',
      'p95',
      'max',
      `p95/${TARGET_MS} ms`,
      'response',
    ],
    rows,
    numericFrom: 4,
  };
}

/** One line per engine: how many measured dashboards meet the target, and which do not. */
export function verdicts(r: DashboardsResults): string[] {
  const out: string[] = [];
  for (const engine of [...new Set(r.measured.map((m) => m.engine))]) {
    const mine = r.measured.filter((m) => m.engine === engine);
    const done = mine.filter((m) => m.times.length > 0);
    const slow = done.filter((m) => summarize(m).p95 >= TARGET_MS);
    const missing = mine.filter((m) => m.times.length === 0);
    const worst = done.reduce<Measured | null>(
      (a, m) => (a === null || summarize(m).p95 > summarize(a).p95 ? m : a),
      null,
    );
    let line = `${engine}: ${done.length - slow.length} of ${done.length} measured dashboard requests meet p95 < ${TARGET_MS} ms`;
    if (worst)
      line += `; slowest ${worst.dashboard} ${worst.range} as ${USER_LABEL[worst.user]}, p95 ${fmt(summarize(worst).p95)} ms`;
    if (slow.length)
      line += `; over the target: ${slow.map((m) => `${m.dashboard} ${m.range} (${USER_LABEL[m.user]}, ${fmt(summarize(m).p95)} ms)`).join(', ')}`;
    if (missing.length)
      line += `; not measured: ${[...new Set(missing.map((m) => `${m.dashboard} (${m.error ?? m.status})`))].join(', ')}`;
    out.push(line);
  }
  return out;
}

export function loadLine(r: DashboardsResults): string {
  return `load average ${r.load[0].toFixed(2)} at the start, ${r.load[1].toFixed(2)} at the end`;
}
