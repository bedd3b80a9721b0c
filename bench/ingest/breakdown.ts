/**
 * Splits the parser's CPU cost into steps by measuring each on its own, single thread, file by file
 * and interleaved (so all steps see the same JIT state and neighbours): parseReportFile on the zip;
 * a plain read+unzip; then, on the XML already inflated into memory, decoding + tokenizing alone
 * (saxes with no-op handlers, the floor for any saxes-based parser) and the full parseSysinfoStream.
 * (A CPU profile cannot split these: V8 inlines saxes into our code.)
 */
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import { parseReportFile, parseSysinfoStream } from '../../src/ingest/parse/index.js';
import { MB } from '../lib/stats.js';
import type { ReportFile } from './corpus.js';
import { warmUp } from './warm.js';
import { inflateFile, inflateToChunks } from './zip.js';

/** CPU ms over all files, per step. */
export interface Breakdown {
  xmlBytes: number;
  fileCpuMs: number;
  inflateCpuMs: number;
  tokenizeCpuMs: number;
  parseCpuMs: number;
}

function tokenize(chunks: readonly Buffer[]): void {
  const decoder = new StringDecoder('utf8');
  const parser = new SaxesParser({ xmlns: false, position: true });
  const noop = (): void => {};
  // The same events the real parser listens to, so saxes does the same work.
  parser.on('opentag', noop);
  parser.on('closetag', noop);
  parser.on('text', noop);
  parser.on('cdata', noop);
  for (const c of chunks) parser.write(decoder.write(c));
  parser.write(decoder.end());
  parser.close();
}

async function* fromMemory(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function measure(f: ReportFile, out: Breakdown): Promise<void> {
  const opts = { kind: 'zip' as const, utcOffsetMin: f.utcOffsetMin };
  const t0 = cpuMs();
  await parseReportFile(f.path, opts);
  const t1 = cpuMs();
  await inflateFile(f.path);
  const t2 = cpuMs();
  const chunks = await inflateToChunks(f.path);
  const t3 = cpuMs();
  tokenize(chunks);
  const t4 = cpuMs();
  await parseSysinfoStream(fromMemory(chunks), opts);
  const t5 = cpuMs();
  out.xmlBytes += f.xmlBytes;
  out.fileCpuMs += t1 - t0;
  out.inflateCpuMs += t2 - t1;
  out.tokenizeCpuMs += t4 - t3;
  out.parseCpuMs += t5 - t4;
}

export async function breakDown(files: readonly ReportFile[], warmup: ReportFile): Promise<Breakdown> {
  const zero = (): Breakdown => ({
    xmlBytes: 0,
    fileCpuMs: 0,
    inflateCpuMs: 0,
    tokenizeCpuMs: 0,
    parseCpuMs: 0,
  });
  await warmUp(1, () => measure(warmup, zero()));
  const out = zero();
  for (const f of files) await measure(f, out);
  return out;
}

export const perMB = (cpuMs: number, b: Breakdown): number => cpuMs / (b.xmlBytes / MB);
