import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Collected, ReportKind } from './collector.js';

/**
 * A bounded on-disk queue of collected reports. Each report is a folder
 * `<seq>_<UTC stamp>_<id>/` holding the file under the name the server expects (CLIENT.zip,
 * CLIENT.status) and `report.json`. Folders are written under a temporary name and renamed, so a
 * crash never leaves a half-written report. The closed-contour output folder has the same layout.
 */
export interface QueuedReport {
  id: string;
  seq: number;
  kind: ReportKind;
  fileName: string;
  collectedAt: number;
  bytes: number;
  /** The folder of this report. */
  dir: string;
}

export interface QueueLimits {
  maxBytes: number;
  maxFiles: number;
}

export type WarnFn = (message: string) => void;

const META = 'report.json';
const ENTRY = /^(\d{12})_(\d{8}T\d{6}Z)_([0-9a-f-]{36})$/;

function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

export class DiskQueue {
  private nextSeq = 0;
  private ready: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    private readonly limits: QueueLimits,
    private readonly warn: WarnFn,
  ) {}

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await fs.mkdir(this.dir, { recursive: true });
      for (const name of await fs.readdir(this.dir)) {
        // Left over from a crash in the middle of a write.
        if (name.endsWith('.tmp')) await fs.rm(path.join(this.dir, name), { recursive: true, force: true });
      }
      const items = await this.list();
      this.nextSeq = items.length > 0 ? (items[items.length - 1] as QueuedReport).seq + 1 : 1;
    })();
    return this.ready;
  }

  /** Oldest first. */
  async list(): Promise<QueuedReport[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: QueuedReport[] = [];
    for (const name of names.filter((n) => ENTRY.test(n)).sort()) {
      const dir = path.join(this.dir, name);
      try {
        const meta = JSON.parse(await fs.readFile(path.join(dir, META), 'utf8')) as Omit<QueuedReport, 'dir'>;
        out.push({ ...meta, dir });
      } catch {
        this.warn(`queue: ${dir} is damaged (no readable ${META}); it is left aside`);
        await fs.rename(dir, `${dir}.damaged`).catch(() => {});
      }
    }
    return out;
  }

  async add(report: Collected, collectedAt: number): Promise<QueuedReport> {
    await this.init();
    const id = randomUUID();
    const seq = this.nextSeq++;
    const name = `${String(seq).padStart(12, '0')}_${stamp(collectedAt)}_${id}`;
    const dir = path.join(this.dir, name);
    const tmp = `${dir}.tmp`;
    const item: QueuedReport = {
      id,
      seq,
      kind: report.kind,
      fileName: report.fileName,
      collectedAt,
      bytes: report.data.length,
      dir,
    };
    await fs.mkdir(tmp);
    await fs.writeFile(path.join(tmp, report.fileName), report.data);
    const { dir: _dir, ...meta } = item;
    await fs.writeFile(path.join(tmp, META), `${JSON.stringify(meta, null, 2)}\n`);
    await fs.rename(tmp, dir);
    await this.enforceLimits();
    return item;
  }

  async read(item: QueuedReport): Promise<Buffer> {
    return fs.readFile(path.join(item.dir, item.fileName));
  }

  async remove(item: QueuedReport): Promise<void> {
    await fs.rm(item.dir, { recursive: true, force: true });
  }

  /** Over the limit the oldest reports go first: the newest state of the ПК matters most. */
  private async enforceLimits(): Promise<void> {
    const items = await this.list();
    let bytes = items.reduce((s, i) => s + i.bytes, 0);
    let count = items.length;
    for (const oldest of items) {
      if (count <= this.limits.maxFiles && bytes <= this.limits.maxBytes) break;
      // The report just added is never dropped: it is the newest.
      if (count === 1) break;
      await this.remove(oldest);
      count -= 1;
      bytes -= oldest.bytes;
      this.warn(
        `queue over its limit (${this.limits.maxFiles} reports, ${this.limits.maxBytes} bytes): dropped the oldest, ${oldest.fileName} collected ${new Date(oldest.collectedAt).toISOString()}`,
      );
    }
  }
}
