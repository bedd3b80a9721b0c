/**
 * The "physical limit" of the ingest path: read a zip and inflate its entry with yauzl (zlib), as the
 * parser does, but throw the bytes away instead of parsing them.
 */
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

function open(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    ),
  );
}

function firstEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry> {
  return new Promise((resolve, reject) => {
    zip.once('entry', resolve);
    zip.once('end', () => reject(new Error('empty zip')));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function openStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
  );
}

/** Declared sizes of the single entry (from the central directory; nothing is inflated). */
export async function zipEntrySizes(path: string): Promise<{ compressed: number; xml: number }> {
  const zip = await open(path);
  try {
    const e = await firstEntry(zip);
    return { compressed: e.compressedSize, xml: e.uncompressedSize };
  } finally {
    zip.close();
  }
}

/** Inflates the first entry to nowhere; returns the inflated byte count. */
export async function inflateFile(path: string): Promise<number> {
  const zip = await open(path);
  try {
    const stream = await openStream(zip, await firstEntry(zip));
    let n = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) n += chunk.length;
    return n;
  } finally {
    zip.close();
  }
}

/** The first entry inflated into memory, in `chunkBytes` pieces (as a stream would deliver it). */
export async function inflateToChunks(path: string, chunkBytes = 64 * 1024): Promise<Buffer[]> {
  const zip = await open(path);
  try {
    const stream = await openStream(zip, await firstEntry(zip));
    const parts: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) parts.push(chunk);
    const all = Buffer.concat(parts);
    const out: Buffer[] = [];
    for (let i = 0; i < all.length; i += chunkBytes) out.push(all.subarray(i, i + chunkBytes));
    return out;
  } finally {
    zip.close();
  }
}
