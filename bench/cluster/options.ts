import { parseArgs } from 'node:util';

export interface ClusterBenchOptions {
  /** Node counts measured, in order (each on a fresh database). */
  nodes: number[];
  /** Reports uploaded in the measured phase of each run. */
  reports: number;
  /** Reports per node uploaded before measuring (JIT, connection pools, caches). */
  warmup: number;
  /** Agents uploading at once per node; each waits for its report to be stored before the next. */
  agentsPerNode: number;
  pgUrl: string;
  portBase: number;
  docs: boolean;
  save: string | null;
  /** Measure nothing: print (and write to the docs) results saved with --save. */
  render: string | null;
}

export const USAGE = `usage: npm run bench:cluster -- [options]
  --nodes LIST          node counts to measure, in order (default 1,2)
  --reports N           ~1 MB reports uploaded per run, measured (default 240)
  --warmup N            reports per node uploaded before measuring (default 20)
  --agents-per-node N   agents uploading at once per node (default 4)
  --pg-url URL          PostgreSQL server (default SMART_BENCH_PG_URL, SMART_TEST_PG_URL or
                        postgres://postgres@127.0.0.1:5432/postgres); the bench creates its own databases
  --port-base P         first node's port (default 18480)
  --no-docs             do not rewrite the "Two nodes" section of docs/performance.md
  --save FILE           also save the results as JSON
  --render FILE         measure nothing: print (and write to the docs) results saved with --save`;

export class OptionsError extends Error {}

function int(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new OptionsError(`--${name} must be a positive integer`);
  return n;
}

export function readOptions(argv: string[], env: NodeJS.ProcessEnv): ClusterBenchOptions | null {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string' },
        reports: { type: 'string' },
        warmup: { type: 'string' },
        'agents-per-node': { type: 'string' },
        'pg-url': { type: 'string' },
        'port-base': { type: 'string' },
        'no-docs': { type: 'boolean' },
        save: { type: 'string' },
        render: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
  if (v.help) return null;
  const nodes = (v.nodes ?? '1,2').split(',').map((s) => int(s.trim(), 0, 'nodes'));
  return {
    nodes,
    reports: int(v.reports, 240, 'reports'),
    warmup: int(v.warmup, 20, 'warmup'),
    agentsPerNode: int(v['agents-per-node'], 4, 'agents-per-node'),
    pgUrl:
      v['pg-url'] ??
      env.SMART_BENCH_PG_URL ??
      env.SMART_TEST_PG_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    portBase: int(v['port-base'], 18480, 'port-base'),
    docs: v['no-docs'] !== true,
    save: v.save ?? null,
    render: v.render ?? null,
  };
}
