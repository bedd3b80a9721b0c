import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProfile } from '../../sim/kodeks/profile.js';
import { profileForReportSize } from '../../sim/kodeks/size.js';
import { generateSysinfoXml, generateSysinfoZip } from '../../sim/kodeks/sysinfo-xml.js';

const run = promisify(execFile);
const AT = Date.UTC(2026, 3, 20, 11, 0, 0); // a Monday, 14:00 in Moscow: a busy working hour
const MiB = 1024 * 1024;
const HERE = fileURLToPath(new URL('.', import.meta.url));

interface Probe {
  bytes: number;
  xmlBytes: number;
  ms: number;
  mbPerSec: number;
  peakHeapMB: number;
  retainedHeapMB: number;
  counts: Record<string, number>;
  dropped: number;
}

async function probe(path: string, offset: number): Promise<Probe> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', resolve(HERE, 'heap-probe.ts'), path, String(offset)],
    { cwd: resolve(HERE, '../../..'), maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Probe;
}

describe('a 20 MB report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smart-heap-'));
  const xmlPath = join(dir, 'big.xml');
  const zipPath = join(dir, 'big.zip');
  const searchHeavyPath = join(dir, 'searches.xml');
  const offset = 180;

  beforeAll(async () => {
    // Many users (cards, daily counters) ...
    const many = makeProfile(profileForReportSize(20260420, 20 * MiB, AT, { utcOffsetMin: offset }));
    await pipeline(Readable.from(generateSysinfoXml(many, AT)), createWriteStream(xmlPath));
    await pipeline(generateSysinfoZip(many, AT), createWriteStream(zipPath));
    // ... or a long search log (two weeks of busy users): the most objects per megabyte.
    const searchy = makeProfile(
      profileForReportSize(7, 20 * MiB, AT, {
        utcOffsetMin: offset,
        searchLogHours: 24 * 14,
        searchScale: 3,
        eventLogDays: 0,
      }),
    );
    await pipeline(Readable.from(generateSysinfoXml(searchy, AT)), createWriteStream(searchHeavyPath));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is about 20 MB, as configured', () => {
    const size = statSync(xmlPath).size;
    expect(size).toBeGreaterThan(17 * MiB);
    expect(size).toBeLessThan(23 * MiB);
  });

  it('parses within a few seconds and ~60 MB of heap above the baseline (XML)', async () => {
    const r = await probe(xmlPath, offset);
    console.log(`20 MB XML: ${JSON.stringify(r)}`);
    expect(r.dropped).toBe(0);
    expect(r.counts.users).toBeGreaterThan(1_000);
    expect(r.peakHeapMB).toBeLessThan(60);
    expect(r.ms).toBeLessThan(8_000); // ~1 s alone; leave room for a loaded CI machine
  }, 60_000);

  it('parses a search-heavy report (100k searches) within the same bounds', async () => {
    const r = await probe(searchHeavyPath, offset);
    console.log(`20 MB search-heavy XML: ${JSON.stringify(r)}`);
    expect(r.bytes).toBeGreaterThan(17 * MiB);
    expect(r.counts.searches).toBeGreaterThan(80_000);
    expect(r.dropped).toBe(0);
    expect(r.peakHeapMB).toBeLessThan(60);
    expect(r.ms).toBeLessThan(8_000); // ~1 s alone; leave room for a loaded CI machine
  }, 60_000);

  it('parses within a few seconds and ~60 MB of heap above the baseline (zip)', async () => {
    const r = await probe(zipPath, offset);
    console.log(`20 MB zipped (${(r.bytes / MiB).toFixed(1)} MiB on disk): ${JSON.stringify(r)}`);
    expect(r.xmlBytes).toBe(statSync(xmlPath).size);
    expect(r.peakHeapMB).toBeLessThan(60);
    expect(r.ms).toBeLessThan(8_000); // ~1 s alone; leave room for a loaded CI machine
  }, 60_000);
});
