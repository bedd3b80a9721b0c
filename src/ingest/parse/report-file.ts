/**
 * Entry points that take a file path (what the spool holds and what a worker thread receives).
 * The container is told by its first bytes, never by the file name: agents name files after the
 * client, and a `.zip` may well hold plain XML.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { asParseError, ReportParseError } from './errors.js';
import { resolveLimits, type ParseLimitsInput } from './limits.js';
import type { Snapshot } from './snapshot.js';
import { parseSysinfoStream } from './sysinfo-parser.js';
import { openZipXml } from './unzip.js';

export type ReportKind = 'zip' | 'xml' | 'status' | 'unknown';

export interface ParseReportOptions {
  /** What the caller expects (from the file name); the content decides. */
  kind?: 'zip' | 'xml';
  utcOffsetMin: number;
  limits?: ParseLimitsInput;
}

/** Classifies content by its first bytes. */
export function classifyHead(head: Buffer): ReportKind {
  if (
    head.length >= 4 &&
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    (head[2] === 3 || head[2] === 5) &&
    head[3] === head[2] + 1
  ) {
    return 'zip'; // PK\3\4 (local header) or PK\5\6 (an empty zip)
  }
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  else if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return 'xml';
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d))
    i++;
  if (head[i] === 0x3c) return 'xml'; // '<'
  const text = head
    .subarray(i, i + 5)
    .toString('latin1')
    .toLowerCase();
  if (text === 'date:' || head[i] === 0x23 /* '#' */ || /^[a-z_:]/.test(text)) return 'status';
  return 'unknown';
}

async function readHead(path: string, n = 64): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Tells a zip, an XML report and a .status file apart by content. */
export async function detectReportKind(path: string): Promise<ReportKind> {
  try {
    return classifyHead(await readHead(path));
  } catch (e) {
    throw asParseError(e);
  }
}

/**
 * Parses a sysinfo report file (zipped or plain XML, whatever its name says) into a Snapshot.
 * A plain async function taking a path, so it runs the same in a worker thread.
 * Throws ReportParseError only.
 */
export async function parseReportFile(path: string, opts: ParseReportOptions): Promise<Snapshot> {
  const limits = resolveLimits(opts.limits);
  let size: number;
  let head: Buffer;
  try {
    size = (await stat(path)).size;
    head = await readHead(path);
  } catch (e) {
    throw asParseError(e);
  }
  if (size > limits.maxFileBytes) {
    throw new ReportParseError('too_large', `the file is ${size} bytes; the limit is ${limits.maxFileBytes}`);
  }
  if (size === 0) throw new ReportParseError('not_sysinfo', 'the file is empty');
  const kind = classifyHead(head);
  const parseOpts = { utcOffsetMin: opts.utcOffsetMin, limits: opts.limits };
  if (kind === 'zip') {
    const entry = await openZipXml(path, limits);
    try {
      return await parseSysinfoStream(entry.content, {
        ...parseOpts,
        container: 'zip',
        entryName: entry.entryName,
      });
    } finally {
      entry.close();
    }
  }
  if (kind === 'xml') {
    const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
    try {
      return await parseSysinfoStream(stream, { ...parseOpts, container: 'xml', entryName: null });
    } finally {
      stream.destroy();
    }
  }
  throw new ReportParseError(
    'not_sysinfo',
    kind === 'status'
      ? 'the file looks like a .status metrics file, not a sysinfo report'
      : 'the file is neither a zip nor XML',
  );
}
