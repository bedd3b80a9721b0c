/**
 * Runs one parse in a child process, where nothing else shares the heap:
 *   node --expose-gc --import tsx heap-child.ts REPORT OFFSET
 * Measures the peak of v8 used_heap_size during the parse, above the heap right before it, and
 * prints one JSON line (HeapProbe).
 */
import v8 from 'node:v8';
import { parseReportFile, type Snapshot } from '../../src/ingest/parse/index.js';

export interface HeapProbe {
  xmlBytes: number;
  ms: number;
  baseMB: number;
  peakAboveBaseMB: number;
  /** Structured clone of the Snapshot (serialize + deserialize), what the pool adds to send it back. */
  cloneMs: number;
  samples: number;
}

const MiB = 2 ** 20;
const used = (): number => v8.getHeapStatistics().used_heap_size;

async function heap(parse: () => Promise<Snapshot>): Promise<HeapProbe> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  const base = used();
  let peak = base;
  let samples = 0;
  const sample = (): void => {
    samples += 1;
    peak = Math.max(peak, used());
  };
  // The parse yields to the event loop between chunks (file reads, inflate), so 1 ms sampling sees it.
  const timer = setInterval(sample, 1);
  const t0 = performance.now();
  const snapshot = await parse();
  const ms = performance.now() - t0;
  clearInterval(timer);
  sample();
  const c0 = performance.now();
  v8.deserialize(v8.serialize(snapshot));
  const cloneMs = performance.now() - c0;
  return {
    xmlBytes: snapshot.source.xmlBytes,
    ms,
    baseMB: base / MiB,
    peakAboveBaseMB: (peak - base) / MiB,
    cloneMs,
    samples,
  };
}

async function main(): Promise<void> {
  const [report, offset] = process.argv.slice(2);
  if (!report) throw new Error('usage: node --expose-gc heap-child.ts REPORT OFFSET');
  const parse = (): Promise<Snapshot> =>
    parseReportFile(report, { kind: 'zip', utcOffsetMin: Number(offset ?? 180) });
  // Warm up first (on the same report): code compiled on first use is neither data nor parse time.
  for (let i = 0; i < 2; i++) await parse();
  process.stdout.write(`${JSON.stringify(await heap(parse))}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
