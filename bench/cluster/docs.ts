/** Writes the "Two nodes" section of docs/performance.md, leaving the other sections as they are. */
import { PERFORMANCE_MD, replaceSection } from '../lib/docs-section.js';
import { machineLine } from '../lib/machine.js';
import { fmt } from '../lib/stats.js';
import { renderMarkdown } from '../lib/table.js';
import { cpuTable, meaning, projectionTable, throughputTable, type ClusterResults } from './results.js';

export { PERFORMANCE_MD };

const HEADING = '## Two nodes';

function command(x: ClusterResults): string {
  const o = x.options;
  const args: string[] = [];
  if (o.nodes.join(',') !== '1,2') args.push(`--nodes ${o.nodes.join(',')}`);
  if (o.reports !== 240) args.push(`--reports ${o.reports}`);
  if (o.warmup !== 20) args.push(`--warmup ${o.warmup}`);
  if (o.agentsPerNode !== 4) args.push(`--agents-per-node ${o.agentsPerNode}`);
  return `npm run bench:cluster${args.length ? ` -- ${args.join(' ')}` : ''}`;
}

export function clusterSection(x: ClusterResults): string {
  const o = x.options;
  return [
    HEADING,
    '',
    `Run on ${x.date} with \`${command(x)}\` (${fmt(x.totalMs / 60_000)} min): ${machineLine(x.machine)}.`,
    '',
    `Real \`smart serve\` processes (the CLI from source, production settings; active checks off since the ` +
      `fleet has nothing to probe) on one fresh PostgreSQL database per run, on the same machine. ` +
      `${o.agentsPerNode} agents per node upload ~1 MB sysinfo reports (daily reports of 10 simulated ` +
      `installations, zipped as the Windows agent sends them) to \`POST /upload\`, spread round-robin over ` +
      `the nodes as a load balancer would; each agent sends its next report once the previous one is ` +
      `stored. Each node stores what its own spool received. Upload→stored runs from the start of the upload ` +
      `to the report's \`processed_at\` in the ledger. ${o.warmup} reports per node go through first (JIT, ` +
      `pools) and are not counted.`,
    '',
    renderMarkdown(throughputTable(x)),
    '',
    `Where the 2 cores went during the measured phase, as a share of the machine (100 % = every core busy), ` +
      `from each process's utime + stime in \`/proc\`: each node (all its threads: HTTP, parse worker, ` +
      `store), PostgreSQL's backends and autovacuum for the bench database, PostgreSQL's shared background ` +
      `processes (WAL writer, checkpointer, background writer), the load generator (uploads and the ledger ` +
      `polling, with its backend), and everything else on the machine.`,
    '',
    renderMarkdown(cpuTable(x)),
    '',
    `What N nodes on separate machines would give, from the CPU a report cost: a node's from the one-node ` +
      `run (two nodes on 2 cores also pay for their contention), PostgreSQL's the highest of the runs. Each ` +
      `node machine has ${x.runs[0]?.cores ?? 2} cores for parsing and storing, the one PostgreSQL server as ` +
      `many. CPU only: WAL fsyncs, disk and lock waits are not in it, so these are upper bounds.`,
    '',
    renderMarkdown(projectionTable(x)),
    '',
    '### Where the bottleneck is',
    '',
    ...meaning(x).map((s) => `- ${s}`),
    '',
  ].join('\n');
}

export function writeClusterSection(x: ClusterResults): void {
  replaceSection(PERFORMANCE_MD, HEADING, clusterSection(x), '# Performance\n');
}
