/** Tables and sentences of the storage bench (terminal and docs alike). */
import type { Scale } from '../dashboards/scale.js';
import type { Machine } from '../lib/machine.js';
import { fmt } from '../lib/stats.js';
import type { Table } from '../lib/table.js';
import type { EngineSize } from './measure.js';

export interface StorageResults {
  date: string;
  machine: Machine;
  scale: Scale;
  rawDays: number;
  retention: string;
  sizes: EngineSize[];
  totalMs: number;
}

const LABEL = { sqlite: 'SQLite', postgres: 'PostgreSQL' } as const;

export function mib(bytes: number): string {
  return `${fmt(bytes / 2 ** 20)} MiB`;
}

/** Years of history the steady state holds (the generated days). */
function years(r: StorageResults): number {
  return r.scale.days / 365;
}

/** Steady-state bytes (tables and indexes) per installation and year of history kept. */
export function perInstallationYear(r: StorageResults, s: EngineSize): number {
  return s.tablesBytes / r.scale.installations / years(r);
}

export function sizeTable(r: StorageResults): Table {
  return {
    headers: [
      'database',
      'file / database size',
      'tables + indexes',
      'per installation (13 months kept)',
      'per installation-year',
      'for 1000 installations',
      'rows deleted by retention',
    ],
    numericFrom: 1,
    rows: r.sizes.map((s) => [
      LABEL[s.engine],
      mib(s.databaseBytes),
      mib(s.tablesBytes),
      mib(s.tablesBytes / r.scale.installations),
      mib(perInstallationYear(r, s)),
      `${fmt((perInstallationYear(r, s) * 1000 * years(r)) / 2 ** 30)} GiB`,
      String(Object.values(s.deleted).reduce((a, b) => a + b, 0)),
    ]),
  };
}

export function topTablesTable(r: StorageResults, top = 10): Table {
  const names = new Set<string>();
  for (const s of r.sizes) for (const t of s.tables.slice(0, top)) names.add(t.table);
  const first = r.sizes[0]!;
  const order = [...names].sort(
    (a, b) =>
      (first.tables.find((t) => t.table === b)?.bytes ?? 0) -
      (first.tables.find((t) => t.table === a)?.bytes ?? 0),
  );
  const headers = ['table', 'rows'];
  for (const s of r.sizes)
    headers.push(`${LABEL[s.engine]} MiB`, 'share', 'indexes', 'bytes/row', 'KiB/inst-year');
  return {
    headers,
    numericFrom: 1,
    rows: order.map((name) => {
      const row = [name, String(first.tables.find((t) => t.table === name)?.rows ?? 0)];
      for (const s of r.sizes) {
        const t = s.tables.find((x) => x.table === name);
        const b = t?.bytes ?? 0;
        row.push(
          fmt(b / 2 ** 20),
          `${((b / s.tablesBytes) * 100).toFixed(0)} %`,
          b > 0 ? `${(((t?.indexBytes ?? 0) / b) * 100).toFixed(0)} %` : '–',
          t && t.rows > 0 ? fmt(b / t.rows, 0) : '–',
          fmt(b / r.scale.installations / (r.scale.days / 365) / 1024),
        );
      }
      return row;
    }),
  };
}
