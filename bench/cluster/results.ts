/** Tables and conclusions of the cluster bench, shared by the terminal output and the docs section. */
import type { Machine } from '../lib/machine.js';
import { fmt, MB, ms, percentile, sum } from '../lib/stats.js';
import type { Table } from '../lib/table.js';
import type { ClusterBenchOptions } from './options.js';
import type { RunResult } from './run.js';

export interface ClusterResults {
  date: string;
  machine: Machine;
  options: ClusterBenchOptions;
  runs: RunResult[];
  totalMs: number;
}

const pct = (x: number): string => `${(x * 100).toFixed(0)} %`;

export function reportsPerS(r: RunResult): number {
  return r.reports / (r.ms / 1000);
}

export function p95(r: RunResult): number {
  return percentile(r.total, 95);
}

/** Share of the machine (every core over the measured wall time). */
function share(r: RunResult, cpuMs: number): number {
  return cpuMs / (r.ms * r.cores);
}

/** PostgreSQL CPU the bench caused: its database's backends plus the shared background processes. */
export function pgMs(r: RunResult): number {
  return r.cpu.pgBench + r.cpu.pgBackground;
}

export function throughputTable(x: ClusterResults): Table {
  const one = x.runs.find((r) => r.nodes === 1);
  return {
    headers: [
      'nodes',
      'agents',
      'reports',
      'reports/s',
      'MB/s XML',
      'MB/s zip',
      'p50 upload→stored',
      'p95',
      'upload p50',
      'reports per node',
      'reports/s vs 1 node',
      'p95 vs 1 node',
    ],
    numericFrom: 1,
    rows: x.runs.map((r) => [
      String(r.nodes),
      String(r.agents),
      String(r.reports),
      fmt(reportsPerS(r)),
      fmt(r.xmlBytes / MB / (r.ms / 1000)),
      fmt(r.zipBytes / MB / (r.ms / 1000), 2),
      ms(percentile(r.total, 50)),
      ms(p95(r)),
      ms(percentile(r.upload, 50)),
      r.perNode.join(' / '),
      one ? `${(reportsPerS(r) / reportsPerS(one)).toFixed(2)}×` : '–',
      one ? `${(p95(r) / p95(one)).toFixed(2)}×` : '–',
    ]),
  };
}

export function cpuTable(x: ClusterResults): Table {
  const maxNodes = Math.max(...x.runs.map((r) => r.nodes));
  return {
    headers: [
      'nodes',
      ...Array.from({ length: maxNodes }, (_, i) => `node${i + 1}`),
      'PostgreSQL (bench db)',
      'PostgreSQL background',
      'load generator',
      'others',
      'machine busy',
      'node CPU ms/report',
      'PG CPU ms/report',
    ],
    numericFrom: 1,
    rows: x.runs.map((r) => {
      const known = sum(r.cpu.nodes) + pgMs(r) + r.cpu.loadGenerator;
      return [
        String(r.nodes),
        ...Array.from({ length: maxNodes }, (_, i) =>
          r.cpu.nodes[i] === undefined ? '' : pct(share(r, r.cpu.nodes[i])),
        ),
        pct(share(r, r.cpu.pgBench)),
        pct(share(r, r.cpu.pgBackground)),
        pct(share(r, r.cpu.loadGenerator)),
        pct(Math.max(0, share(r, r.cpu.machine - known))),
        pct(share(r, r.cpu.machine)),
        fmt(sum(r.cpu.nodes) / r.reports),
        fmt(pgMs(r) / r.reports),
      ];
    }),
  };
}

export interface Projection {
  nodes: number;
  nodeLimit: number;
  pgLimit: number;
  expected: number;
}

/**
 * What N nodes on separate machines of this size would give, from the CPU each report cost: the
 * nodes' side grows with N, PostgreSQL's (one server, here as many cores as this machine) does not.
 * CPU only: disk, network and lock waits are left out, so these are upper bounds.
 */
export function projection(x: ClusterResults, ns = [1, 2, 4, 8, 16]): Projection[] {
  // A node's own cost is best seen alone (two nodes on 2 cores also pay for contention); PostgreSQL's
  // is the highest seen, since more nodes add their claims and heartbeats to it.
  const alone = x.runs.find((r) => r.nodes === 1) ?? x.runs[0]!;
  const nodeMsPerReport = sum(alone.cpu.nodes) / alone.reports;
  const pgMsPerReport = Math.max(...x.runs.map((r) => pgMs(r) / r.reports));
  const coreMs = 1000 * alone.cores;
  return ns.map((n) => {
    const nodeLimit = (n * coreMs) / nodeMsPerReport;
    const pgLimit = coreMs / pgMsPerReport;
    return { nodes: n, nodeLimit, pgLimit, expected: Math.min(nodeLimit, pgLimit) };
  });
}

export function projectionTable(x: ClusterResults): Table {
  return {
    headers: [
      'nodes (own machine each)',
      'nodes can parse+store',
      'PostgreSQL can write',
      'expected reports/s',
      'bound by',
    ],
    numericFrom: 1,
    rows: projection(x).map((p) => [
      String(p.nodes),
      fmt(p.nodeLimit),
      fmt(p.pgLimit),
      fmt(p.expected),
      p.nodeLimit <= p.pgLimit ? 'nodes' : 'PostgreSQL',
    ]),
  };
}

/** Where the cores went and what that means, in sentences with the measured figures. */
export function meaning(x: ClusterResults): string[] {
  const out: string[] = [];
  const one = x.runs.find((r) => r.nodes === 1);
  const two = x.runs.find((r) => r.nodes === 2);
  if (one && two) {
    const ratio = reportsPerS(two) / reportsPerS(one);
    const others = (r: RunResult): number =>
      Math.max(0, share(r, r.cpu.machine - sum(r.cpu.nodes) - pgMs(r) - r.cpu.loadGenerator));
    out.push(
      `Two nodes on this machine stored ${fmt(reportsPerS(two))} reports/s against ${fmt(reportsPerS(one))} for one ` +
        `(${ratio.toFixed(2)}×), p95 upload→stored ${ms(p95(two))} against ${ms(p95(one))}. ` +
        `The machine was ${pct(share(one, one.cpu.machine))} busy with one node and ${pct(share(two, two.cpu.machine))} with two, ` +
        `so the second node could only take CPU from the first, from PostgreSQL and from the load generator: ` +
        `on ${one.cores} cores the nodes, PostgreSQL and the load generator share one pool of CPU.` +
        (Math.max(others(one), others(two)) > 0.1
          ? ` Other work on the machine took ${pct(others(one))} and ${pct(others(two))} of it during the two runs, ` +
            `so the wall-clock figures understate an idle machine; the CPU per report is the steadier figure.`
          : ''),
    );
  }
  for (const r of x.runs) {
    const nodeShare = share(r, sum(r.cpu.nodes));
    out.push(
      `${r.nodes} node(s): the SMART processes took ${pct(nodeShare)} of the machine (parsing in the worker ` +
        `thread, HTTP, spooling and the store's SQL), PostgreSQL ${pct(share(r, pgMs(r)))}, the load generator ` +
        `${pct(share(r, r.cpu.loadGenerator))}; a report cost ${fmt(sum(r.cpu.nodes) / r.reports)} ms of node CPU and ` +
        `${fmt(pgMs(r) / r.reports)} ms of PostgreSQL CPU.`,
    );
  }
  const last = x.runs[x.runs.length - 1];
  if (last) {
    const perReport = (sum(last.cpu.nodes) + pgMs(last) + last.cpu.loadGenerator) / last.reports;
    out.push(
      `Everything a report needs on this machine (node, PostgreSQL, load generator) came to ` +
        `${fmt(perReport)} ms of CPU in the ${last.nodes}-node run, so ${last.cores} cores cap the whole setup at ` +
        `about ${fmt((1000 * last.cores) / perReport)} reports/s however many nodes run on it; more nodes on the ` +
        `same cores add processes competing for them (and each node's own background loops), not capacity.`,
    );
  }
  const p = projection(x);
  const first = p[0]!;
  const knee = first.pgLimit / first.nodeLimit;
  out.push(
    `On separate machines of this size (${x.runs[0]?.cores ?? 2} cores each, PostgreSQL on its own), what grows ` +
      `with the nodes is parsing and the nodes' side of storing: each node adds about ${fmt(first.nodeLimit)} ` +
      `reports/s. What does not grow is PostgreSQL: every node's writes go to the one server, whose CPU for them ` +
      `tops out near ${fmt(first.pgLimit)} reports/s (before that, likely its WAL fsyncs and disk). ` +
      (knee < 2
        ? `So already the second node makes PostgreSQL the limit (at ${fmt(knee, 2)} nodes' worth of load): more ` +
          `nodes help only once PostgreSQL has more cores or a report costs it less CPU.`
        : `So nodes scale nearly linearly up to about ${fmt(knee)} nodes, after which PostgreSQL is the limit.`),
  );
  return out;
}
