/**
 * Writes the "Dashboards" section of docs/performance.md from a run's results, leaving every other
 * section as it is (other benchmarks own theirs). Notes on bottlenecks found by hand go below the
 * generated part, under "### Notes", which a rerun keeps.
 */
import { existsSync, readFileSync } from 'node:fs';
import { PERFORMANCE_MD, replaceSection } from '../lib/docs-section.js';
import { machineLine } from '../lib/machine.js';
import { fmt } from '../lib/stats.js';
import { renderMarkdown } from '../lib/table.js';
import {
  datasetTable,
  latencyTable,
  loadLine,
  scaleLine,
  TARGET_MS,
  verdicts,
  type DashboardsResults,
} from './results.js';

const HEADING = '## Dashboards';
const NOTES = '### Notes';

/** The hand-written notes of the current section, kept across reruns. */
function keptNotes(file: string): string | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === HEADING);
  if (start < 0) return null;
  let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  if (end < 0) end = lines.length;
  const notes = lines.slice(start, end).findIndex((l) => l.trimEnd() === NOTES);
  return notes < 0
    ? null
    : lines
        .slice(start + notes, end)
        .join('\n')
        .trimEnd();
}

export function dashboardsSection(r: DashboardsResults, notes: string | null): string {
  const lines = [
    HEADING,
    '',
    `Run on ${r.date} with \`${r.command}\` (${fmt(r.totalMs / 60_000)} min including generation): ` +
      `${machineLine(r.machine)}; ${loadLine(r)}.`,
    '',
    `The API behind each dashboard on one dealer with ${scaleLine(r)} of history. ` +
      "The inventory is created through the app's services; the history is written in bulk " +
      '(`bench/dashboards/history/`) as the store functions leave it: hourly sysinfo reports ' +
      '(licences in use, seats and the derived headroom as samples, per-user daily counters of about ten ' +
      'users each, the search log with its empty searches, users with their last activity), probes of ' +
      'the polled installations every minute (check and abnormal-state samples on change and hourly, ' +
      'events, ok/total per day), hourly reads of every online access (remainders, usage percentages, ' +
      "the login check, daily availability), and alert instances over the period; then the app's own " +
      '`rebuildSamplesDaily` and `rebuildUsageDaily` derive the rollups its write path keeps. The data set ' +
      'is cached (SQLite file in the temp directory, PostgreSQL database `smart_bench_dashboards`), keyed by ' +
      'scale and schema.',
    '',
    renderMarkdown(datasetTable(r)),
    '',
    `Then the real app (\`buildApp\`, HTTP over loopback) on that database, logged in through ` +
      '`POST /api/login` as the dealer-admin (every client of the dealer) and as a manager (his ' +
      `${Math.round(r.scale.clients / r.scale.managers)} clients), requests each endpoint ${r.warmup} times ` +
      `unmeasured and then ${r.runs} times, one at a time; a time is from the request's start until its ` +
      'body is read. Ranges end at the data set\'s last hour; "default" is the dashboard\'s default range ' +
      '(`DEFAULT_RANGE_MS`), 13 months the whole history.',
    '',
    renderMarkdown(latencyTable(r)),
    '',
    ...verdicts(r).map((v) => `- ${v}`),
    '',
  ];
  if (notes) lines.push(notes, '');
  else lines.push(NOTES, '', `Target: p95 < ${TARGET_MS} ms per dashboard on both databases.`, '');
  return lines.join('\n');
}

export function writeDashboardsSection(r: DashboardsResults, file = PERFORMANCE_MD): void {
  replaceSection(file, HEADING, dashboardsSection(r, keptNotes(file)), '# Performance\n');
}
