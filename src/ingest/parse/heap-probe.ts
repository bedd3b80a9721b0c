/**
 * Measures one parse in a fresh process (run with --expose-gc): peak heap above the baseline,
 * sampled on every chunk the parser pulls, and the speed. Prints one JSON line.
 * Usage: node --expose-gc --import tsx heap-probe.ts <report.xml|report.zip> <utcOffsetMin>
 */
import { createReadStream, statSync } from 'node:fs';
import { parseReportFile } from './report-file.js';
import { parseSysinfoStream } from './sysinfo-parser.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  const [path, offset] = process.argv.slice(2);
  if (!path || offset === undefined || !gc)
    throw new Error('usage: node --expose-gc heap-probe.ts <file> <utcOffsetMin>');
  const utcOffsetMin = Number(offset);
  gc();
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sample = (): void => {
    const h = process.memoryUsage().heapUsed;
    if (h > peak) peak = h;
  };
  const timer = setInterval(sample, 2);
  const t0 = performance.now();
  let snapshot;
  if (path.endsWith('.zip')) {
    snapshot = await parseReportFile(path, { utcOffsetMin });
  } else {
    const source = createReadStream(path, { highWaterMark: 64 * 1024 });
    const sampled = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        sample();
        yield chunk;
      }
    };
    snapshot = await parseSysinfoStream(sampled(), { utcOffsetMin });
  }
  const ms = performance.now() - t0;
  sample();
  clearInterval(timer);
  gc();
  const retained = process.memoryUsage().heapUsed - base;
  const bytes = statSync(path).size;
  process.stdout.write(
    `${JSON.stringify({
      bytes,
      xmlBytes: snapshot.source.xmlBytes,
      ms: Math.round(ms),
      mbPerSec: Math.round((snapshot.source.xmlBytes / 1e6 / (ms / 1000)) * 10) / 10,
      peakHeapMB: Math.round(((peak - base) / 1048576) * 10) / 10,
      retainedHeapMB: Math.round((retained / 1048576) * 10) / 10,
      counts: {
        users: snapshot.users.length,
        usage: snapshot.usage.length,
        searches: snapshot.searches.length,
        sessions: snapshot.sessions.length,
        refused: snapshot.refusedLogons.length,
      },
      dropped: Object.values(snapshot.dropped).reduce((a, b) => a + b, 0),
    })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
