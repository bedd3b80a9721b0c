/**
 * Writes the "Ingest" section of docs/performance.md from a run's results, leaving every other
 * section of the file as it is (other benchmarks own theirs).
 */
import { PERFORMANCE_MD, replaceSection } from '../lib/docs-section.js';
import { machineLine } from '../lib/machine.js';
import { fmt } from '../lib/stats.js';
import { renderMarkdown } from '../lib/table.js';
import {
  corpusTable,
  breakdownTable,
  e2eTable,
  heapTable,
  HEAP_BUDGET_MB,
  loadLine,
  throughputTable,
  whereTimeGoes,
  type IngestResults,
} from './results.js';

export { PERFORMANCE_MD };

const HEADING = '## Ingest';

const INTRO = `# Performance

Measured figures for SMART's hot paths. Each benchmark lives in \`bench/\`, runs from source, cleans up
after itself and stops by itself:

\`\`\`sh
npm run bench           # every benchmark
npm run bench:ingest    # one of them; options: npm run bench:ingest -- --help
\`\`\`

The figures below come from the 2-core development machine (the same size as CI's), so they are a
floor, not a target. Wall-clock figures move with whatever else runs on the machine: each section
records the load average, and the CPU-time columns are the steadier ones to compare across runs.
A benchmark rewrites only its own section.
`;

export function ingestSection(r: IngestResults): string {
  const o = r.options;
  const large = r.sets.find((s) => s.set.label === '20 MB');
  const lines = [
    HEADING,
    '',
    `Run on ${r.date} with \`npm run bench:ingest\` (${fmt(r.totalMs / 60_000)} min): ${machineLine(r.machine)}; ` +
      `${loadLine(r)}.`,
    '',
    `Reports come from the simulator (\`src/sim/kodeks\`), zipped as the Windows agent sends them. ` +
      `The 1 MB reports are daily reports of 10 installations, all distinct; of the 20 MB reports ` +
      `${large?.set.distinct ?? o.distinctLarge} are generated and the rest are copies (generating is slower than parsing). ` +
      `The baseline is the physical limit of this path: the same files read and inflated with yauzl ` +
      `and zlib, as the parser does, with the bytes thrown away. In-process single-thread runs use the ` +
      `first ${o.singleCount} files of each set. Every run starts with at least 1.5 s of warm-up parses ` +
      `on its threads: V8 optimises the parser gradually, and a fresh thread parses a 1 MB report 2–4 ` +
      `times slower at first, so the figures are a long-running server's steady state.`,
    '',
    renderMarkdown(corpusTable(r)),
    '',
    '### Throughput',
    '',
    renderMarkdown(throughputTable(r)),
    '',
    `"of baseline" compares MB/s with the read+unzip run on the same number of threads. CPU ms/MB counts ` +
      `every thread of the process (zlib inflates on libuv's thread pool, so even the "1 thread" runs use a ` +
      `little of the second core). "other load" is the share of the machine's CPU that other processes ` +
      `used meanwhile: where it is high, the wall-clock columns understate what an idle machine does. ` +
      `The 1-thread pool (the pool's default size on 2 cores: one core stays with the event loop) parses ` +
      `the same files as the in-process run, so the two differ by the worker hop (task message, Snapshot ` +
      `cloned back) and by the worker's own JIT state.`,
    '',
    '### Peak heap',
    '',
    `One parse in a fresh process (\`--expose-gc\`, after a warm-up parse): the highest V8 ` +
      `\`used_heap_size\` sampled every millisecond during the parse, minus the heap just before it. The ` +
      `acceptance budget is about ${HEAP_BUDGET_MB} MB for a 20 MB report. "Snapshot clone" is the time ` +
      `to structured-clone the result (serialize + deserialize), what the pool adds to hand it back.`,
    '',
    renderMarkdown(heapTable(r)),
    '',
    '### Inside a parse',
    '',
    `The CPU of one in-process parse per MB of XML, step by step, measured file by file with the steps ` +
      `interleaved (same JIT state, same neighbours): "decode + tokenize" runs saxes ` +
      `with no-op handlers over the XML already inflated into memory (the floor for any saxes-based ` +
      `parser); "map" is parseSysinfoStream over the same XML minus that; "read + inflate + streaming" ` +
      `is parseReportFile on the zip minus parsing from memory. ` +
      `A CPU profile cannot draw these lines: V8 inlines saxes into our code. Most elements of the ` +
      `simulated reports are the ПК event journal, which the parser tokenizes but skips, so the bigger ` +
      `the report, the more tokenizing dominates.`,
    '',
    renderMarkdown(breakdownTable(r)),
    '',
  ];
  if (r.e2e) {
    lines.push(
      '### End to end',
      '',
      `The 1 MB reports uploaded through the real endpoint (\`POST /upload\`, multipart as \`curl -F\` ` +
        `sends it) of a server on a temp SQLite database, with the parse pool on ${o.threads} threads: first ` +
        `one agent at a time, then ${r.e2e.phases[1]?.agents ?? '–'} at once, each agent sending its next report when ` +
        `the previous one is stored. Upload = until the 200 (body spooled and fsynced, ledger row ` +
        `written) or the start of parsing if that comes first; queue = until a worker starts parsing; store = from the end of parsing until the ` +
        `processor has written the report's data.`,
      '',
      renderMarkdown(e2eTable(r.e2e)),
      '',
    );
  }
  lines.push('### Where the time goes', '', ...whereTimeGoes(r).map((s) => `- ${s}`), '');
  return lines.join('\n');
}

/** Replaces the "## Ingest" section (up to the next "## " heading), or appends it. */
export function writeIngestSection(r: IngestResults, file = PERFORMANCE_MD): void {
  replaceSection(file, HEADING, ingestSection(r), INTRO);
}
