import os from 'node:os';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Reports per size (the acceptance check asks for 100). */
  count: number;
  /** Distinct 20 MB reports generated; the rest are copies (generation is slower than parsing). */
  distinctLarge: number;
  /** Worker threads for the parse pool and the threaded baseline. */
  threads: number;
  /** Files per size for the in-process single-thread runs (the per-core figure needs fewer). */
  singleCount: number;
  e2e: boolean;
  /** Write the "Ingest" section of docs/performance.md. */
  docs: boolean;
  /** Also save the results as JSON here. */
  save: string | null;
}

export const USAGE = `usage: npm run bench:ingest -- [options]
  --count N           reports per size (default 100)
  --distinct-large N  distinct 20 MB reports to generate; the rest are copies (default 10)
  --threads N         worker threads for the parse pool and the threaded baseline (default: all cores)
  --single N          files per size for the in-process single-thread parse (default 20)
  --no-e2e            skip the end-to-end HTTP run
  --no-docs           do not rewrite the "Ingest" section of docs/performance.md
  --save FILE         also save the results as JSON`;

/** A bad command line: main prints the message and the usage, not a stack. */
export class OptionsError extends Error {}

function int(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new OptionsError(`--${name} must be a positive integer`);
  return n;
}

const SPEC = {
  count: { type: 'string' },
  'distinct-large': { type: 'string' },
  threads: { type: 'string' },
  single: { type: 'string' },
  'no-e2e': { type: 'boolean' },
  'no-docs': { type: 'boolean' },
  save: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: SPEC, strict: true }).values;
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
}

/** The options, or null when --help was asked for. */
export function readOptions(argv: string[]): BenchOptions | null {
  const values = parse(argv);
  if (values.help) return null;
  const count = int(values.count, 100, 'count');
  return {
    count,
    distinctLarge: Math.min(count, int(values['distinct-large'], 10, 'distinct-large')),
    // Every core: the pool's production default leaves one core to the event loop (1 thread here).
    threads: int(values.threads, os.availableParallelism(), 'threads'),
    singleCount: Math.min(count, int(values.single, 20, 'single')),
    e2e: !values['no-e2e'],
    docs: !values['no-docs'],
    save: values.save ?? null,
  };
}
