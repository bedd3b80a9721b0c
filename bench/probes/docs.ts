/**
 * Writes the "Probes" section of docs/performance.md from a run's results, leaving every other
 * section of the file as it is (other benchmarks own theirs).
 */
import { PERFORMANCE_MD, replaceSection } from '../lib/docs-section.js';
import { machineLine } from '../lib/machine.js';
import { SHARD_SIZE } from './fleet.js';
import { fmt, percentile } from '../lib/stats.js';
import { renderMarkdown } from '../lib/table.js';
import { cpuPerProbeMs, statementsPerProbe, sustained } from './load.js';
import { cpuShare } from './meter.js';
import {
  comparisons,
  costTable,
  failureLines,
  loadLine,
  ratioTables,
  scheduleTable,
  statementMix,
  TARGET_N,
  verdict,
  type ProbeBenchResults,
} from './results.js';

export { PERFORMANCE_MD };

const HEADING = '## Probes';

function command(r: ProbeBenchResults): string {
  const o = r.options;
  const args: string[] = [];
  if (o.ns.join(',') !== '1000,2500,5000,7500,10000') args.push(`--ns ${o.ns.join(',')}`);
  if (o.intervalS !== 60) args.push(`--interval-s ${o.intervalS}`);
  if (o.intervals !== 2) args.push(`--intervals ${o.intervals}`);
  if (o.warmupS !== o.intervalS) args.push(`--warmup-s ${o.warmupS}`);
  if (o.concurrency !== 200) args.push(`--concurrency ${o.concurrency}`);
  if (o.portBase !== 12_000) args.push(`--port-base ${o.portBase}`);
  if (o.naiveNs !== null) args.push(`--naive-n ${o.naiveNs.join(',')}`);
  if (!o.naive) args.push('--no-naive');
  return `npm run bench:probes${args.length ? ` -- ${args.join(' ')}` : ''}`;
}

/** The runner claims due jobs this often (JobRunner's default tick). */
const TICK_MS = 500;

/** Sentences computed from the figures: what the run says about the design. */
export function meaning(r: ProbeBenchResults): string[] {
  const out: string[] = [];
  const best = r.ours.find((x) => x.n === r.largest);
  const failed = r.ours.find((x) => !sustained(x));
  if (best) {
    const lateP99 = percentile(best.startLateMs, 99);
    const lateMax = percentile(best.startLateMs, 100);
    out.push(
      `${best.n} installations every ${r.options.intervalS} s (${fmt(best.n / (best.intervalMs / 1000), 0)} probes ` +
        `a second) took ${fmt(100 * cpuShare(best.usage), 1)} % of one core in the prober ` +
        `(${fmt((100 * cpuShare(best.usage)) / r.machine.cores, 1)} % of the machine), ${fmt(cpuPerProbeMs(best), 2)} ms ` +
        `of CPU per probe: a TCP connect, ${fmt(best.usage.simRequests / best.expected, 2)} HTTP requests ` +
        `(2 with the cached smartlogin session: the main page and its redirect to the catalog), the page ` +
        `classification, and the probe's share of the runner's and the recorder's SQL ` +
        `(${fmt(statementsPerProbe(best), 2)} statements per probe: ${statementMix(best)}).`,
    );
    const resigned = r.ours.filter((x) => x.usage.simRequests / x.expected > 2.5);
    if (resigned.length)
      out.push(
        `At N = ${resigned.map((x) => x.n).join(', ')} probes made ` +
          `${resigned.map((x) => fmt(x.usage.simRequests / x.expected, 2)).join(', ')} HTTP requests each: ` +
          `they signed in again (login + signed-in page) instead of reusing the session: the probe ` +
          `service's session cache keeps 10,000 sessions (least recently used dropped first), and probing ` +
          `more installations than that in a cycle evicts every session before it is used again.`,
      );
    const overASecond = best.startLateMs.filter((ms) => ms > 1_000).length;
    out.push(
      `Start lateness p99 ${fmt(lateP99, 0)} ms, max ${fmt(lateMax, 0)} ms: ` +
        (lateMax <= TICK_MS + 100
          ? `within the runner's ${TICK_MS} ms claim tick, so no backlog built up.`
          : overASecond === 0
            ? `within a second. Beyond the ${TICK_MS} ms claim tick, the runner's job sync every 30 s (it ` +
              `loads every target and decrypts every smartlogin password) holds claims back for a moment; the ` +
              `latest start per 10 s of the window, ms: ${best.lateOverTime.map((b) => fmt(b.maxLateMs, 0)).join(', ')}.`
            : `${overASecond} probes started more than a second late; the latest start per 10 s of the window, ` +
              `ms: ${best.lateOverTime.map((b) => fmt(b.maxLateMs, 0)).join(', ')}.`) +
        (best.flush
          ? ` The recorder wrote ${best.flush.count} batches, ${fmt((100 * best.flush.totalMs) / best.usage.wallMs, 1)} % ` +
            `of the wall time (longest ${fmt(best.flush.maxMs, 0)} ms); event-loop delay p99 ` +
            `${fmt(best.usage.loopDelayP99Ms, 0)} ms.`
          : ''),
    );
    const claimsPerS = r.options.concurrency / (TICK_MS / 1000);
    out.push(
      `Warm-up until steady state: ` +
        r.ours
          .map(
            (x) =>
              `${fmt(x.warmupMs / 1000, 0)} s at N = ${x.n} (up to ${x.warmupBacklogPeak ?? '?'} jobs due and waiting)`,
          )
          .join(', ') +
        `. A new job's first run is due within 10 s of the first sync, and the runner claims at most ` +
        `${r.options.concurrency} jobs per ${TICK_MS} ms tick (${fmt(claimsPerS, 0)} a second, against ` +
        `${r.ours.map((x) => fmt(x.n / (x.intervalMs / 1000), 0)).join(', ')} due a second in steady state), ` +
        `so the bigger the fleet, the longer the first burst takes to work off; the same holds after a node ` +
        `has been down for an interval or more.`,
    );
    const limit = failed
      ? `the limit on this machine lies between ${best.n} and ${failed.n}`
      : `${best.n} was the largest size tried, so the limit on this machine is higher`;
    out.push(
      best.n >= TARGET_N
        ? `The acceptance target (${TARGET_N} installations probed every 60 s on one node) is met` +
            (r.options.intervalS === 60 ? '' : ` at an interval of ${r.options.intervalS} s`) +
            `; ${limit}.`
        : `The acceptance target (${TARGET_N}) is not met on this run; ${limit}.`,
    );
  }
  if (failed) {
    out.push(
      `At ${failed.n} the prober did not keep up: ${failed.missed} probes started an interval late or ` +
        `more, ${failed.missing} slots never ran, ${failed.failed} failed; event-loop delay p99 ` +
        `${fmt(failed.usage.loopDelayP99Ms, 0)} ms, loop busy ${fmt(100 * failed.usage.loopUtilization, 0)} %, ` +
        `prober CPU ${fmt(100 * cpuShare(failed.usage), 0)} % of one core, simulators ` +
        `${failed.usage.simCpuMs === null ? '?' : fmt((100 * failed.usage.simCpuMs) / failed.usage.wallMs, 0)} %.`,
    );
  }
  for (const { ours, naive } of comparisons(r)) {
    const cpu = cpuPerProbeMs(ours) / cpuPerProbeMs(naive);
    const oursReq = ours.usage.simRequests / ours.expected;
    const naiveReq = naive.usage.simRequests / naive.expected;
    out.push(
      `The naive loop at ${naive.n} starts every probe in the same instant each interval: ` +
        `${fmt(cpuPerProbeMs(naive), 2)} ms of CPU per probe against ours ${fmt(cpuPerProbeMs(ours), 2)} ms ` +
        `(ours/naive ${fmt(cpu, 2)}); results up to ${fmt(percentile(naive.doneLateMs, 99) / 1000, 1)} s after ` +
        `their tick (p99; ours ${fmt(percentile(ours.doneLateMs, 99) / 1000, 1)} s), event-loop stalls up to ` +
        `${fmt(naive.usage.loopDelayMaxMs, 0)} ms (ours ${fmt(ours.usage.loopDelayMaxMs, 0)} ms), and ` +
        `${naive.failed} failed probes (${fmt((100 * naive.failed) / naive.expected, 1)} %) against ${ours.failed}.` +
        (cpu > 1
          ? ` Ours spends more CPU per probe: it runs ${fmt(statementsPerProbe(ours), 2)} SQL statements per ` +
            `probe (${statementMix(ours, 2)}) against ${fmt(statementsPerProbe(naive), 2)} ` +
            `(${statementMix(naive, 2)}), each built by Kysely and prepared by better-sqlite3 anew` +
            (oursReq > naiveReq + 0.3
              ? `, and makes ${fmt(oursReq, 2)} HTTP requests per probe against ${fmt(naiveReq, 2)} (the ` +
                `session cache, above)`
              : '') +
            `; the naive loop in turn appends ${fmt(naive.sampleRows / naive.expected, 1)} sample rows per probe ` +
            `to the time series where the recorder appends ${fmt(ours.sampleRows / ours.expected, 2)} (changes ` +
            `and an hourly heartbeat).`
          : ''),
    );
  }
  return out;
}

export function probesSection(r: ProbeBenchResults): string {
  const o = r.options;
  const lines = [
    HEADING,
    '',
    `Run on ${r.date} with \`${command(r)}\` (${fmt(r.totalMs / 60_000)} min): ${machineLine(r.machine)}; ` +
      `${loadLine(r)}.`,
    '',
    `One node probes N simulated ПК installations every ${o.intervalS} s: TCP connect, the main page ` +
      `(GET / and its redirect to the catalog), the smartlogin session (signed in once, then reused) and the ` +
      `page state, as \`probeInstallation\` does in production; ICMP is answered by a stub (it needs ` +
      `privileges and spawns \`ping\`). The ${r.fleet.servers} simulators (\`src/sim/kodeks\`, one per port ` +
      `from ${o.portBase}) run in ${r.fleet.shards} child processes of at most ${SHARD_SIZE} servers (each listener ` +
      `holds a file descriptor, and a process near its descriptor limit closes new connections unanswered), ` +
      `so their CPU is not counted as the prober's; they share the machine with it, though. "Ours" is the production path: \`createProbeService\` (concurrency ` +
      `${o.concurrency}, per-host limit raised to the same since every simulator is on 127.0.0.1) under a ` +
      `\`JobRunner\` on a fresh SQLite database, slots spread over the interval, results written in batches ` +
      `by the CheckRecorder. After a warm-up (at least ${o.warmupS} s, until every installation has been ` +
      `probed once and no due job waits unclaimed) ${o.intervals} intervals are measured: every installation must be probed once per interval, ` +
      `none an interval late or more ("missed"), none failed. The search tries N = ${o.ns.join(', ')} and stops ` +
      `at the first not sustained. "Naive" is what a straightforward implementation does: one \`setInterval\` ` +
      `per monitor, all started at once, each tick calling \`probeInstallation\` and \`writeSamples\` for its ` +
      `result (every check, latency and state as a sample), with no limit on concurrency; it probes once at ` +
      `start, which is its warm-up. Each size takes about one warm-up plus ${o.intervals} intervals; options: ` +
      `\`npm run bench:probes -- --help\`.`,
    '',
    renderMarkdown(scheduleTable(r)),
    '',
    `"start late" is start − slot (the job's \`next_run_at\`, or the timer's nominal tick); "result" is ` +
      `finish − slot, how long after its slot a probe's result exists. "not run": slots in the window with ` +
      `no probe at all. "warm-up": from the start until the window.`,
    '',
    renderMarkdown(costTable(r)),
    '',
    `CPU is the prober process's (all its threads) over the measured window; CPU ms/probe divides it by ` +
      `the probes due. "loop delay" is the event loop's lateness (\`monitorEventLoopDelay\`); "loop busy" its ` +
      `utilization. "recorder flushes": batches written, their total and longest time. "HTTP req/probe": requests the simulators answered ` +
      `per probe (2 when the smartlogin session is reused, 4 when the probe signs in again). "SQL/probe": ` +
      `statements run through the database handle (claims, completions, recorder or \`writeSamples\`) per ` +
      `probe; "sample rows/probe": rows added to the time series. "simulators CPU" is the fleet processes' CPU as a share ` +
      `of one core; "other load" the share of the machine other processes used.`,
    '',
  ];
  const ratios = ratioTables(r);
  if (ratios.length)
    lines.push('### Against the naive loop', '', ...ratios.flatMap((t) => [renderMarkdown(t), '']));
  lines.push('### What it means', '', `- ${verdict(r)}`, ...meaning(r).map((s) => `- ${s}`));
  const failures = failureLines(r);
  if (failures.length) lines.push(...failures.map((f) => `- Failures, ${f}`));
  lines.push('');
  return lines.join('\n');
}

/** Replaces the "## Probes" section (up to the next "## " heading), or appends it. */
export function writeProbesSection(r: ProbeBenchResults, file = PERFORMANCE_MD): void {
  replaceSection(file, HEADING, probesSection(r), '# Performance\n');
}
