import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../lib/errors.js';

export class PayloadTooLargeError extends AppError {
  constructor(limit: number) {
    super(`the file is larger than the limit of ${limit} bytes`, 413, 'too_large');
  }
}

export interface SpooledFile {
  path: string;
  size: number;
  sha256: string;
}

/**
 * The spool is the directory where accepted files wait for processing. A file is written to tmp/,
 * fsynced, then renamed into place and the directory fsynced: once `write` resolves, the bytes
 * survive a crash, and only then is the upload acknowledged.
 */
export class Spool {
  readonly dir: string;
  private readonly tmpDir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
    this.tmpDir = path.join(this.dir, 'tmp');
    fs.mkdirSync(this.tmpDir, { recursive: true });
  }

  async write(source: Readable, ext: string, maxBytes: number): Promise<SpooledFile> {
    const id = crypto.randomUUID();
    const tmp = path.join(this.tmpDir, `${id}.part`);
    const hash = crypto.createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxBytes) return cb(new PayloadTooLargeError(maxBytes));
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    // Opened here, not lazily by the write stream: a stream destroyed by an early error could
    // otherwise create the file after the clean-up below has already run.
    // `flush` fsyncs the file before the stream closes it.
    const handle = await fsp.open(tmp, 'wx', 0o600);
    try {
      await pipeline(source, meter, handle.createWriteStream({ flush: true }));
    } catch (e) {
      await handle.close();
      await fsp.rm(tmp, { force: true });
      throw e;
    }
    const sha256 = hash.digest('hex');
    const day = new Date().toISOString().slice(0, 10);
    const finalDir = path.join(this.dir, day);
    await fsp.mkdir(finalDir, { recursive: true });
    const final = path.join(finalDir, `${id}.${ext}`);
    await fsp.rename(tmp, final);
    await syncDir(finalDir);
    return { path: final, size, sha256 };
  }

  async remove(file: string): Promise<void> {
    await fsp.rm(file, { force: true });
  }

  /** Leftovers of uploads that were cut off before they were acknowledged. */
  async clearPartial(): Promise<number> {
    const names = await fsp.readdir(this.tmpDir);
    await Promise.all(names.map((n) => fsp.rm(path.join(this.tmpDir, n), { force: true })));
    return names.length;
  }
}

async function syncDir(dir: string): Promise<void> {
  const h = await fsp.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
