/** The headline figures of a quick `npm run bench`, from the JSON each bench saved. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AlertLatencyResults } from '../alert-latency/results.js';
import { emailMs, telegramMs } from '../alert-latency/results.js';
import { pgMs, p95 as clusterP95, reportsPerS, type ClusterResults } from '../cluster/results.js';
import { summarize } from '../dashboards/measure.js';
import type { DashboardsResults } from '../dashboards/results.js';
import type { IngestResults } from '../ingest/results.js';
import { mbPerSec, reportsPerSec } from '../ingest/throughput.js';
import { PERFORMANCE_MD, replaceSection } from '../lib/docs-section.js';
import { machineLine, type Machine } from '../lib/machine.js';
import { fmt, MB, ms, percentile } from '../lib/stats.js';
import { renderMarkdown, type Table } from '../lib/table.js';
import { cpuPerProbeMs } from '../probes/load.js';
import { cpuShare } from '../probes/meter.js';
import type { ProbeBenchResults } from '../probes/results.js';
import { perInstallationYear, type StorageResults } from '../storage/results.js';

export type Saved = unknown;

export interface BenchRun {
  name: string;
  profile: string;
  ok: boolean;
  ms: number;
  saved: Saved | null;
}

export interface SummaryRow {
  figure: string;
  value: string;
  bench: string;
}

const HEADING = '## Summary';
const pct = (x: number): string => `${(x * 100).toFixed(0)} %`;
const mib = (b: number): string => `${fmt(b / 2 ** 20)} MiB`;

function ingestRows(r: IngestResults): SummaryRow[] {
  const out: SummaryRow[] = [];
  const threads = r.options.threads;
  for (const s of r.sets) {
    out.push({
      figure: `parse throughput, ${s.set.label} reports (parse pool, ${threads} threads)`,
      value: `${fmt(reportsPerSec(s.parsePool))} reports/s, ${fmt(mbPerSec(s.parsePool))} MB/s of XML`,
      bench: 'ingest',
    });
  }
  for (const p of r.e2e?.phases ?? []) {
    out.push({
      figure: `upload→stored, 1 MB reports, ${p.agents} agent(s) at once (one process, SQLite)`,
      value: `p95 ${ms(percentile(p.total, 95))}, ${fmt(p.reports / (p.ms / 1000))} reports/s`,
      bench: 'ingest',
    });
  }
  return out;
}

function clusterRows(x: ClusterResults): SummaryRow[] {
  const out: SummaryRow[] = x.runs.map((r) => ({
    figure: `ingest through smart serve, ${r.nodes} node(s) on one PostgreSQL (1 MB reports, ${r.agents} agents)`,
    value:
      `${fmt(reportsPerS(r))} reports/s, ${fmt(r.xmlBytes / MB / (r.ms / 1000))} MB/s, p95 ${ms(clusterP95(r))}; ` +
      `CPU of the machine: nodes ${r.cpu.nodes.map((c) => pct(c / (r.ms * r.cores))).join(' + ')}, ` +
      `PostgreSQL ${pct(pgMs(r) / (r.ms * r.cores))}, load generator ${pct(r.cpu.loadGenerator / (r.ms * r.cores))}`,
    bench: 'cluster',
  }));
  const one = x.runs.find((r) => r.nodes === 1);
  const two = x.runs.find((r) => r.nodes === 2);
  if (one && two)
    out.push({
      figure: 'two nodes against one, same machine',
      value: `${(reportsPerS(two) / reportsPerS(one)).toFixed(2)}× reports/s, ${(clusterP95(two) / clusterP95(one)).toFixed(2)}× p95 (2 cores shared: see "Two nodes")`,
      bench: 'cluster',
    });
  return out;
}

function probeRows(r: ProbeBenchResults): SummaryRow[] {
  const best = r.ours.find((x) => x.n === r.largest);
  if (!best)
    return [
      {
        figure: 'probe capacity, one node',
        value: `none of ${r.options.ns.join(', ')} sustained`,
        bench: 'probes',
      },
    ];
  const tried = r.ours.every((x) => x.n <= (r.largest ?? 0));
  return [
    {
      figure: `probe capacity, one node, every ${r.options.intervalS} s`,
      value:
        `${best.n} installations sustained${tried ? ' (the largest tried)' : ''}: ${pct(cpuShare(best.usage))} of one core, ` +
        `${fmt(cpuPerProbeMs(best), 2)} ms CPU/probe, result p99 ${ms(percentile(best.doneLateMs, 99))} after its slot`,
      bench: 'probes',
    },
  ];
}

function alertRows(r: AlertLatencyResults): SummaryRow[] {
  const e = emailMs(r);
  const t = telegramMs(r);
  return [
    {
      figure: `alert latency, upload end → message delivered (${r.samples.length} runs)`,
      value:
        `e-mail p50 ${ms(percentile(e, 50))}, p95 ${ms(percentile(e, 95))}; Telegram p50 ${ms(percentile(t, 50))}, ` +
        `p95 ${ms(percentile(t, 95))}${r.timeouts ? `; ${r.timeouts} timed out` : ''}`,
      bench: 'alert-latency',
    },
  ];
}

function dashboardRows(r: DashboardsResults): SummaryRow[] {
  const engines = [...new Set(r.measured.map((m) => m.engine))];
  return engines.map((engine) => {
    const ok = r.measured.filter((m) => m.engine === engine && m.status === 'ok' && m.times.length > 0);
    const p95s = ok.map((m) => ({ m, p95: summarize(m).p95 }));
    const worst = p95s.reduce((a, b) => (b.p95 > a.p95 ? b : a), p95s[0]!);
    const within = p95s.filter((x) => x.p95 <= 300).length;
    const missing = r.measured.filter((m) => m.engine === engine && m.status !== 'ok').length;
    return {
      figure: `dashboard latency, ${engine} (${r.scale.installations} installations, ${r.scale.days} days)`,
      value: worst
        ? `${within} of ${p95s.length} dashboards within p95 300 ms; slowest p95 ${ms(worst.p95)} (${worst.m.dashboard}, ${worst.m.range}, ${worst.m.user})` +
          (missing ? `; ${missing} not answered` : '')
        : 'nothing measured',
      bench: 'dashboards',
    };
  });
}

function storageRows(r: StorageResults): SummaryRow[] {
  return r.sizes.map((s) => ({
    figure: `storage per installation-year, ${s.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (steady state)`,
    value: `${mib(perInstallationYear(r, s))}; largest: ${s.tables
      .slice(0, 2)
      .map((t) => `${t.table} ${pct(t.bytes / s.tablesBytes)}`)
      .join(', ')}`,
    bench: 'storage',
  }));
}

export function summaryRows(runs: readonly BenchRun[]): SummaryRow[] {
  const out: SummaryRow[] = [];
  for (const r of runs) {
    if (!r.ok || r.saved === null) {
      out.push({
        figure: `${r.name}: no figures`,
        value: 'the bench failed (see its output)',
        bench: r.name,
      });
      continue;
    }
    const s = r.saved as never;
    if (r.name === 'ingest') out.push(...ingestRows(s));
    else if (r.name === 'cluster') out.push(...clusterRows(s));
    else if (r.name === 'probes') out.push(...probeRows(s));
    else if (r.name === 'alert-latency') out.push(...alertRows(s));
    else if (r.name === 'dashboards') out.push(...dashboardRows(s));
    else if (r.name === 'storage') out.push(...storageRows(s));
  }
  return out;
}

export function summaryTable(rows: readonly SummaryRow[]): Table {
  return {
    headers: ['figure', 'value', 'bench'],
    rows: rows.map((r) => [r.figure, r.value, r.bench]),
    numericFrom: 9,
  };
}

/** Puts "## Summary" before the first benchmark's section (or replaces it where it is). */
export function writeSummarySection(
  rows: readonly SummaryRow[],
  runs: readonly BenchRun[],
  machine: Machine,
  totalMs: number,
): void {
  const date = new Date().toISOString().slice(0, 10);
  const section = [
    HEADING,
    '',
    `\`npm run bench\` on ${date}: ${machineLine(machine)}; ${fmt(totalMs / 60_000)} min in all ` +
      `(${runs.map((r) => `${r.name} ${fmt(r.ms / 60_000)}`).join(', ')} min). Every bench ran in its quick ` +
      `profile (below); the sections that follow hold each bench's own full-size run, so their figures ` +
      `can differ from these (smaller corpora, a smaller dashboards fleet, one probe interval).`,
    '',
    renderMarkdown(summaryTable(rows)),
    '',
    ...runs.map((r) => `- ${r.name}: ${r.profile}${r.ok ? '' : ' — FAILED'}`),
    '',
  ].join('\n');
  const text = existsSync(PERFORMANCE_MD) ? readFileSync(PERFORMANCE_MD, 'utf8') : '# Performance\n';
  const lines = text.split('\n');
  if (lines.some((l) => l.trimEnd() === HEADING)) {
    replaceSection(PERFORMANCE_MD, HEADING, section, text);
    return;
  }
  const first = lines.findIndex((l) => l.startsWith('## '));
  if (first < 0) {
    writeFileSync(PERFORMANCE_MD, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const before = lines.slice(0, first).join('\n').trimEnd();
  writeFileSync(PERFORMANCE_MD, `${before}\n\n${section}\n${lines.slice(first).join('\n')}`);
}
