import { parseArgs } from 'node:util';

export interface ProbeBenchOptions {
  /** Fleet sizes tried in order; the search stops at the first one not sustained. */
  ns: number[];
  /** Probe interval (probe_interval_s of every installation). */
  intervalS: number;
  /** Intervals measured after the warm-up. */
  intervals: number;
  /** Warm-up before measuring (at least until every installation has been probed once). */
  warmupS: number;
  /** Jobs running at once in the runner (the probe handler's `concurrency`). */
  concurrency: number;
  /** Fleet sizes for the naive loop; default (null): the target N and the largest N sustained. */
  naiveNs: number[] | null;
  naive: boolean;
  portBase: number;
  seed: number;
  /** Write the "Probes" section of docs/performance.md. */
  docs: boolean;
  /** Save the results as JSON here. */
  save: string | null;
  /** Measure nothing: print (and write to the docs) the results saved in this file. */
  render: string | null;
}

export const USAGE = `usage: npm run bench:probes -- [options]
  --ns N,N,...        fleet sizes to try, in order; stops at the first not sustained
                      (default 1000,2500,5000,7500,10000)
  --n N               one fleet size only (same as --ns N)
  --interval-s S      probe interval of every installation (default 60)
  --intervals K       intervals measured after the warm-up (default 2)
  --warmup-s S        warm-up before measuring; at least until every installation was probed once
                      (default: one interval)
  --concurrency C     probes running at once in the job runner (default 200, the service's default)
  --naive-n N,N,...   fleet sizes for the naive loop (default: 5000, if sustained, and the
                      largest N sustained)
  --no-naive          skip the naive loop
  --port-base P       first port of the simulated fleet (default 12000)
  --seed S            fleet seed (default 1)
  --no-docs           do not rewrite the "Probes" section of docs/performance.md
  --save FILE         also save the results as JSON
  --render FILE       measure nothing: print and write to the docs the results saved with --save`;

/** A bad command line: main prints the message and the usage, not a stack. */
export class OptionsError extends Error {}

function int(v: string | undefined, fallback: number, name: string, min = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new OptionsError(`--${name} must be an integer ≥ ${min}`);
  return n;
}

function list(v: string, name: string): number[] {
  const out = v.split(',').map((s) => int(s.trim(), 0, name));
  if (out.length === 0) throw new OptionsError(`--${name} needs at least one size`);
  return out;
}

const SPEC = {
  ns: { type: 'string' },
  n: { type: 'string' },
  'interval-s': { type: 'string' },
  intervals: { type: 'string' },
  'warmup-s': { type: 'string' },
  concurrency: { type: 'string' },
  'naive-n': { type: 'string' },
  'no-naive': { type: 'boolean' },
  'port-base': { type: 'string' },
  seed: { type: 'string' },
  'no-docs': { type: 'boolean' },
  save: { type: 'string' },
  render: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: SPEC, strict: true }).values;
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
}

/** Ports above this are the kernel's ephemeral range, where the prober's own sockets come from. */
const EPHEMERAL_START = 32_768;

/** The options, or null when --help was asked for. */
export function readOptions(argv: string[]): ProbeBenchOptions | null {
  const v = parse(argv);
  if (v.help) return null;
  if (v.n !== undefined && v.ns !== undefined) throw new OptionsError('give --n or --ns, not both');
  const ns = v.n !== undefined ? [int(v.n, 0, 'n')] : list(v.ns ?? '1000,2500,5000,7500,10000', 'ns');
  const intervalS = int(v['interval-s'], 60, 'interval-s');
  const portBase = int(v['port-base'], 12_000, 'port-base', 1024);
  const naiveNs = v['naive-n'] === undefined ? null : list(v['naive-n'], 'naive-n');
  const largest = Math.max(...ns, ...(naiveNs ?? []));
  if (portBase + largest > EPHEMERAL_START)
    throw new OptionsError(
      `ports ${portBase}..${portBase + largest - 1} reach the ephemeral range (${EPHEMERAL_START}+): lower --port-base or N`,
    );
  return {
    ns,
    intervalS,
    intervals: int(v.intervals, 2, 'intervals'),
    warmupS: int(v['warmup-s'], intervalS, 'warmup-s', 0),
    concurrency: int(v.concurrency, 200, 'concurrency'),
    naiveNs,
    naive: !v['no-naive'],
    portBase,
    seed: int(v.seed, 1, 'seed', 0),
    docs: !v['no-docs'],
    save: v.save ?? null,
    render: v.render ?? null,
  };
}
