import fs from 'node:fs/promises';
import { AppError } from '../lib/errors.js';
import { isReportParseError } from './parse/errors.js';
import { resolveLimits } from './parse/limits.js';
import { openZipXml } from './parse/unzip.js';
import type { ReportFormat } from './ledger.js';

/** A report refused while the agent is still connected: a 400 naming the problem. */
export class RejectedUploadError extends AppError {
  constructor(reason: string, message: string) {
    super(message, 400, reason);
  }
}

const HEAD_BYTES = 64 * 1024;
// A DTD must come before the root element, so it shows in the first bytes; we never process one.
const DTD = /<!(DOCTYPE|ENTITY)\b/i;

async function headOf(content: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of content) {
    parts.push(chunk);
    n += chunk.length;
    if (n >= HEAD_BYTES) break;
  }
  return Buffer.concat(parts).subarray(0, HEAD_BYTES);
}

/**
 * The checks that are cheap enough to make before answering the agent: the zip's directory (entry
 * count, entry names, declared sizes and ratio; nothing is inflated beyond the first 64 KiB) and a DTD at
 * the start of the XML. A file that passes still goes through the full limits when it is parsed, and is
 * quarantined there if its headers lied.
 */
export async function precheckReport(path: string, format: ReportFormat): Promise<void> {
  if (format === 'status') return;
  let head: Buffer;
  if (format === 'zip') {
    let entry;
    try {
      entry = await openZipXml(path, resolveLimits());
    } catch (e) {
      // A file that is not a zip at all is left to the parser, which also accepts plain XML by content.
      if (isReportParseError(e) && e.reason !== 'zip_corrupt')
        throw new RejectedUploadError(e.reason, e.message);
      return;
    }
    try {
      head = await headOf(entry.content);
    } catch (e) {
      if (isReportParseError(e)) throw new RejectedUploadError(e.reason, e.message);
      throw e;
    } finally {
      entry.close();
    }
  } else {
    const h = await fs.open(path, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await h.read(buf, 0, HEAD_BYTES, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await h.close();
    }
  }
  if (DTD.test(head.toString('latin1'))) {
    throw new RejectedUploadError(
      'dtd_forbidden',
      'the XML declares a DTD or entities; sysinfo reports have none and they are not processed',
    );
  }
}
