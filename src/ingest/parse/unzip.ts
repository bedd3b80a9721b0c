/**
 * Opens a zipped sysinfo report with limits, and streams its one XML entry.
 * Checked before anything is inflated: entry count, entry names (no absolute paths, no ".."),
 * declared sizes and ratio. Checked while inflating: the real size and ratio (headers can lie).
 */
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { ReportParseError } from './errors.js';
import type { ParseLimits } from './limits.js';

export interface ZipXmlEntry {
  entryName: string;
  compressedSize: number;
  uncompressedSize: number;
  /** The inflated XML, guarded by the limits; iterate it once. */
  content: AsyncIterable<Buffer>;
  close(): void;
}

/** Rejects names that would escape an extraction directory (we never extract, but such a zip is hostile). */
export function unsafeEntryName(name: string): boolean {
  const n = name.replace(/\\/g, '/');
  if (n.includes('\0')) return true;
  if (n.startsWith('/') || /^[a-zA-Z]:/.test(n)) return true;
  return n.split('/').includes('..');
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true },
      (err, zip) => (err ? reject(err) : resolve(zip)),
    );
  });
}

function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      out.push(e);
      zip.readEntry();
    });
    zip.once('end', () => resolve(out));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function openStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

function entryName(e: yauzl.Entry): string {
  // decodeStrings is off so that yauzl does not reject names itself: we give our own reason.
  return yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, e.fileNameRaw, e.extraFields, false);
}

async function* guarded(
  stream: Readable,
  compressedSize: number,
  limits: ParseLimits,
  name: string,
): AsyncGenerator<Buffer> {
  let n = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (n >= limits.zipRatioFloorBytes && n / Math.max(compressedSize, 1) > limits.maxZipRatio) {
        throw new ReportParseError(
          'zip_bomb',
          `${name} inflates more than ${limits.maxZipRatio} times its compressed size (${compressedSize} bytes)`,
        );
      }
      if (n > limits.maxXmlBytes) {
        throw new ReportParseError(
          'too_large',
          `${name} inflates beyond the limit of ${limits.maxXmlBytes} bytes (stopped after ${n} bytes)`,
        );
      }
      yield chunk;
    }
  } catch (e) {
    if (e instanceof ReportParseError) throw e;
    const msg = (e as Error).message;
    if (/too many bytes|too few bytes/.test(msg)) {
      throw new ReportParseError(
        'zip_bomb',
        `${name}: the inflated size does not match the zip header (${msg})`,
      );
    }
    throw new ReportParseError('zip_corrupt', `${name} cannot be inflated: ${msg}`, { cause: e });
  } finally {
    stream.destroy();
  }
}

/** Opens `path` as a zip and returns its single XML entry, or throws ReportParseError. */
export async function openZipXml(path: string, limits: ParseLimits): Promise<ZipXmlEntry> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (e) {
    throw new ReportParseError('zip_corrupt', `the zip cannot be read: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const close = (): void => {
    if (zip.isOpen) zip.close();
  };
  try {
    if (zip.entryCount > limits.maxZipEntries) {
      throw new ReportParseError(
        'zip_entries',
        `the zip has ${zip.entryCount} entries; at most ${limits.maxZipEntries} are accepted`,
      );
    }
    let entries: yauzl.Entry[];
    try {
      entries = await readEntries(zip);
    } catch (e) {
      throw new ReportParseError('zip_corrupt', `the zip directory cannot be read: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const xml: { entry: yauzl.Entry; name: string }[] = [];
    for (const e of entries) {
      const name = entryName(e);
      if (unsafeEntryName(name)) {
        throw new ReportParseError(
          'path_traversal',
          `the zip entry name "${name}" is absolute or leaves its folder`,
        );
      }
      if (!name.endsWith('/') && /\.xml$/i.test(name)) xml.push({ entry: e, name });
    }
    if (xml.length === 0) throw new ReportParseError('not_sysinfo', 'the zip holds no .xml entry');
    if (xml.length > 1) {
      throw new ReportParseError(
        'zip_entries',
        `the zip holds ${xml.length} .xml entries (${xml.map((x) => x.name).join(', ')}); expected one`,
      );
    }
    const { entry, name } = xml[0]!;
    if (entry.isEncrypted()) throw new ReportParseError('zip_unsupported', `${name} is encrypted`);
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      throw new ReportParseError(
        'zip_unsupported',
        `${name} uses compression method ${entry.compressionMethod}`,
      );
    }
    // The ratio first: an oversized entry that compresses that well is a bomb, not just a big report.
    if (
      entry.uncompressedSize >= limits.zipRatioFloorBytes &&
      entry.uncompressedSize / Math.max(entry.compressedSize, 1) > limits.maxZipRatio
    ) {
      throw new ReportParseError(
        'zip_bomb',
        `${name} declares a compression ratio above ${limits.maxZipRatio} (${entry.compressedSize} → ${entry.uncompressedSize} bytes)`,
      );
    }
    if (entry.uncompressedSize > limits.maxXmlBytes) {
      throw new ReportParseError(
        'too_large',
        `${name} declares ${entry.uncompressedSize} bytes inflated; the limit is ${limits.maxXmlBytes}`,
      );
    }
    let stream: Readable;
    try {
      stream = await openStream(zip, entry);
    } catch (e) {
      throw new ReportParseError('zip_corrupt', `${name} cannot be opened: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return {
      entryName: name,
      compressedSize: entry.compressedSize,
      uncompressedSize: entry.uncompressedSize,
      content: guarded(stream, entry.compressedSize, limits, name),
      close,
    };
  } catch (e) {
    close();
    throw e;
  }
}
