/** What one benchmark run measured, and the tables and prose that present it. */
import type { Machine } from '../lib/machine.js';
import { fmt, MB, mean, percentile } from '../lib/stats.js';
import type { Table } from '../lib/table.js';
import type { ReportSet } from './corpus.js';
import type { E2ePhase, E2eResult } from './e2e.js';
import { perMB, type Breakdown } from './breakdown.js';
import type { HeapProbe } from './heap-child.js';
import type { BenchOptions } from './options.js';
import { cpuMsPerMB, mbPerSec, reportsPerSec, type Run } from './throughput.js';

/** The acceptance check: a 20 MB report must not need more than about this much heap. */
export const HEAP_BUDGET_MB = 60;

export interface SetResult {
  set: ReportSet;
  inflateOne: Run;
  inflatePool: Run;
  parseOne: Run;
  /** The pool with one thread (its production default on a 2-core machine), over the same files as parseOne. */
  parsePoolOne: Run;
  parsePool: Run;
  heap: HeapProbe;
  breakdown: Breakdown;
}

export interface IngestResults {
  date: string;
  machine: Machine;
  /** 1-minute load average before and after: other work on the machine skews wall-clock figures. */
  load: [number, number];
  /** Share of the machine's CPU that other processes used during the whole run (0..1), if known. */
  otherLoad: number | null;
  options: BenchOptions;
  sets: SetResult[];
  e2e: E2eResult | null;
  totalMs: number;
}

const avg = (xs: number[]): number => mean(xs) / MB;

export function corpusTable(r: IngestResults): Table {
  return {
    headers: ['reports', 'files', 'distinct', 'avg XML MB', 'avg zip MB', 'XML/zip', 'generated in'],
    rows: r.sets.map(({ set }) => {
      const xml = avg(set.files.map((f) => f.xmlBytes));
      const zip = avg(set.files.map((f) => f.zipBytes));
      return [
        set.label,
        String(set.files.length),
        String(set.distinct),
        fmt(xml, 2),
        fmt(zip, 2),
        fmt(xml / zip),
        `${fmt(set.generateMs / 1000)} s`,
      ];
    }),
  };
}

export function throughputTable(r: IngestResults): Table {
  const rows: string[][] = [];
  for (const s of r.sets) {
    const row = (what: string, threads: number, run: Run, base?: Run): string[] => [
      s.set.label,
      what,
      String(threads),
      String(run.files),
      fmt(reportsPerSec(run)),
      fmt(mbPerSec(run)),
      fmt(cpuMsPerMB(run)),
      base ? `${fmt((100 * mbPerSec(run)) / mbPerSec(base), 0)} %` : '',
      run.othersShare === null ? '?' : `${fmt(100 * run.othersShare, 0)} %`,
    ];
    const n = r.options.threads;
    rows.push(row('read+unzip (baseline)', 1, s.inflateOne));
    rows.push(row('read+unzip (baseline), workers', n, s.inflatePool));
    rows.push(row('parseReportFile, in process', 1, s.parseOne, s.inflateOne));
    rows.push(row('parse pool (createParsePool)', 1, s.parsePoolOne, s.inflateOne));
    rows.push(row('parse pool (createParsePool)', n, s.parsePool, s.inflatePool));
  }
  return {
    headers: [
      'reports',
      'run',
      'threads',
      'files',
      'reports/s',
      'MB/s XML',
      'CPU ms/MB',
      'of baseline',
      'other load',
    ],
    rows,
    numericFrom: 2,
  };
}

export function heapTable(r: IngestResults): Table {
  return {
    headers: ['report', 'XML MB', 'parse', 'peak heap above idle', 'Snapshot clone', 'budget'],
    rows: r.sets.map(({ set, heap }) => [
      set.label,
      fmt(heap.xmlBytes / MB, 2),
      `${fmt(heap.ms, 0)} ms`,
      `${fmt(heap.peakAboveBaseMB)} MB`,
      `${fmt(heap.cloneMs, 0)} ms`,
      heap.peakAboveBaseMB <= HEAP_BUDGET_MB ? `ok (≤ ${HEAP_BUDGET_MB} MB)` : `OVER ${HEAP_BUDGET_MB} MB`,
    ]),
  };
}

const pct = (x: number): string => `${fmt(100 * x, 0)} %`;

/**
 * The parse's CPU per MB of XML, step by step (see breakdown.ts); the steps add up to the total.
 * Reading and inflating is what the file path adds over parsing the same XML from memory.
 */
function steps(s: SetResult): { step: string; ms: number }[] {
  const b = s.breakdown;
  const tokenize = perMB(b.tokenizeCpuMs, b);
  const inMemory = perMB(b.parseCpuMs, b);
  const total = perMB(b.fileCpuMs, b);
  return [
    { step: 'decode + tokenize (saxes)', ms: tokenize },
    { step: 'map to the Snapshot (ours)', ms: inMemory - tokenize },
    { step: 'read + inflate + streaming', ms: total - inMemory },
    { step: 'parseReportFile, total', ms: total },
  ];
}

export function breakdownTable(r: IngestResults): Table {
  const bySet = r.sets.map(steps);
  const rows = bySet[0]!.map((row, i) => [
    row.step,
    ...bySet.map((st) => {
      const total = st[st.length - 1]!.ms;
      const x = st[i]!;
      return i === st.length - 1 ? fmt(x.ms) : `${fmt(x.ms)} (${pct(x.ms / total)})`;
    }),
  ]);
  rows.push([
    '(read+unzip alone, for comparison)',
    ...r.sets.map((s) => fmt(perMB(s.breakdown.inflateCpuMs, s.breakdown))),
  ]);
  return { headers: ['CPU ms per MB of XML', ...r.sets.map((s) => s.set.label)], rows };
}

const p = (xs: number[], q: number): string => `${fmt(percentile(xs, q), 0)} ms`;

export function e2eTable(e: E2eResult): Table {
  return {
    headers: [
      'agents at once',
      'reports',
      'reports/s',
      'p50 upload→stored',
      'p95',
      'upload p50',
      'queue p50',
      'parse p50',
      'store p50',
    ],
    rows: e.phases.map((ph: E2ePhase) => [
      String(ph.agents),
      String(ph.reports),
      fmt(ph.reports / (ph.ms / 1000)),
      p(ph.total, 50),
      p(ph.total, 95),
      p(ph.upload, 50),
      p(ph.queue, 50),
      p(ph.parse, 50),
      p(ph.store, 50),
    ]),
  };
}

/** Sentences on where the time goes, computed from the figures (not fixed text). */
export function whereTimeGoes(r: IngestResults): string[] {
  const out: string[] = [];
  for (const s of r.sets) {
    const st = steps(s);
    const [tokenize, map, file] = st.map((x) => x.ms / st[st.length - 1]!.ms);
    const hop = cpuMsPerMB(s.parsePoolOne) / cpuMsPerMB(s.parseOne) - 1;
    out.push(
      `${s.set.label} reports: of a parse's CPU, decoding and tokenizing the XML (saxes) takes ` +
        `${pct(tokenize!)}, our mapping to the Snapshot ${pct(map!)}, reading, inflating and streaming the ` +
        `file ${pct(file!)}. The pool parses at ${pct(mbPerSec(s.parsePool) / mbPerSec(s.inflatePool))} ` +
        `of the speed of a plain read+unzip on the same ${r.options.threads} threads. Through a 1-thread ` +
        `pool a report took ${pct(Math.abs(hop))} ${hop >= 0 ? 'more' : 'less'} CPU than in process; ` +
        `cloning its Snapshot back to the main thread costs ${fmt(s.heap.cloneMs, 0)} ms.`,
    );
  }
  const e = r.e2e?.phases[0];
  if (e) {
    const total = percentile(e.total, 50);
    const share = (xs: number[]): string => `${fmt((100 * percentile(xs, 50)) / total, 0)} %`;
    out.push(
      `End to end, one 1 MB report alone takes ${fmt(total, 0)} ms (median) from the start of its upload ` +
        `until it is stored: upload and spool (fsync) ${share(e.upload)}, waiting for the processor ` +
        `${share(e.queue)}, parsing in a worker ${share(e.parse)}, storing in SQLite ${share(e.store)}.`,
    );
  }
  return out;
}

/** Share above which wall-clock figures say more about the neighbours than about SMART. */
const BUSY_MACHINE = 0.2;

/** One line on how busy the machine was, with a warning when it was busy enough to matter. */
export function loadLine(r: IngestResults): string {
  const base = `load average ${fmt(r.load[0], 2)} before, ${fmt(r.load[1], 2)} after`;
  if (r.otherLoad === null) return base;
  const other = `other processes used ${pct(r.otherLoad)} of the machine's CPU meanwhile`;
  return r.otherLoad > BUSY_MACHINE
    ? `${base}; ${other}, so wall-clock figures (reports/s, MB/s, latency) are lower than on an idle machine, multi-thread ones most`
    : `${base}; ${other}`;
}
