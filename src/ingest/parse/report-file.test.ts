import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import yazl from 'yazl';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportParseError } from './errors.js';
import { classifyHead, detectReportKind, parseReportFile } from './report-file.js';
import { unsafeEntryName } from './unzip.js';
import { runParseTask } from './worker.js';

const dir = mkdtempSync(join(tmpdir(), 'smart-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const XML = `<?xml version="1.0" encoding="utf-8"?>
<sysinfo created="2026-04-16 13:08:53"><registration><regnum>250_361567</regnum><seats>10</seats></registration>
<users><user login="a"/><user login="b"/></users></sysinfo>
`;

interface ZipEntry {
  name: string;
  data: Buffer | Iterable<Buffer>;
  compress?: boolean;
}

async function makeZip(entries: ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (Buffer.isBuffer(e.data)) zip.addBuffer(e.data, e.name, { compress: e.compress ?? true });
    else zip.addReadStream(Readable.from(e.data), e.name, { compress: e.compress ?? true });
  }
  zip.end();
  const parts: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

/** Offsets of the central-directory headers (signature PK\1\2). */
function centralHeaders(zip: Buffer): number[] {
  const out: number[] = [];
  for (
    let i = zip.indexOf('PK\x01\x02', 0, 'latin1');
    i !== -1;
    i = zip.indexOf('PK\x01\x02', i + 4, 'latin1')
  )
    out.push(i);
  return out;
}

/** Replaces an entry name in place (same length), in local and central headers alike. */
function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  expect(to.length).toBe(from.length);
  const out = Buffer.from(zip);
  for (let i = out.indexOf(from, 0, 'latin1'); i !== -1; i = out.indexOf(from, i + 1, 'latin1'))
    out.write(to, i, 'latin1');
  return out;
}

function write(name: string, data: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

async function failure(
  path: string,
  limits?: Parameters<typeof parseReportFile>[1]['limits'],
): Promise<ReportParseError> {
  try {
    await parseReportFile(path, { utcOffsetMin: 180, limits });
  } catch (e) {
    expect(e).toBeInstanceOf(ReportParseError);
    return e as ReportParseError;
  }
  throw new Error('expected the parse to fail');
}

function* zeros(total: number, chunk = 1024 * 1024): Generator<Buffer> {
  const block = Buffer.alloc(chunk, 0x20);
  for (let n = 0; n < total; n += chunk) yield block.subarray(0, Math.min(chunk, total - n));
}

describe('report files: containers', () => {
  it('parses a plain XML report and a zipped one alike', async () => {
    const plain = await parseReportFile(write('client.xml', XML), { utcOffsetMin: 180 });
    const zipped = await parseReportFile(
      write('client.zip', await makeZip([{ name: 'sysinfo.xml', data: Buffer.from(XML) }])),
      {
        utcOffsetMin: 180,
      },
    );
    expect(plain.source).toMatchObject({ container: 'xml', entryName: null });
    expect(zipped.source).toMatchObject({ container: 'zip', entryName: 'sysinfo.xml' });
    expect({ ...zipped, source: null }).toEqual({ ...plain, source: null });
    expect(zipped.users.map((u) => u.login)).toEqual(['a', 'b']);
  });

  it('decides by content, not by the file name', async () => {
    const zip = await makeZip([{ name: 'sysinfo.xml', data: Buffer.from(XML) }]);
    const zipNamedXml = write('looks-like.xml', zip);
    const xmlNamedZip = write('looks-like.zip', XML);
    expect(await detectReportKind(zipNamedXml)).toBe('zip');
    expect(await detectReportKind(xmlNamedZip)).toBe('xml');
    expect((await parseReportFile(zipNamedXml, { kind: 'xml', utcOffsetMin: 180 })).source.container).toBe(
      'zip',
    );
    expect((await parseReportFile(xmlNamedZip, { kind: 'zip', utcOffsetMin: 180 })).source.container).toBe(
      'xml',
    );
  });

  it('classifies the first bytes', () => {
    expect(classifyHead(Buffer.from('PK\x03\x04', 'latin1'))).toBe('zip');
    expect(classifyHead(Buffer.from('\ufeff<?xml', 'utf8'))).toBe('xml');
    expect(classifyHead(Buffer.from('  \r\n<sysinfo'))).toBe('xml');
    expect(classifyHead(Buffer.from('date: Thu, 16 Apr 2026 10:08:53 GMT'))).toBe('status');
    expect(classifyHead(Buffer.from('# Sysinfo metrics'))).toBe('status');
    expect(classifyHead(Buffer.from([0x00, 0xff, 0x13]))).toBe('unknown');
  });

  it('rejects what is neither zip nor XML, and empty or oversized files', async () => {
    expect((await failure(write('junk.zip', Buffer.from([1, 2, 3, 4, 5])))).reason).toBe('not_sysinfo');
    expect(
      (await failure(write('status.xml', 'date: Thu, 16 Apr 2026 10:08:53 GMT\nup 1\n'))).message,
    ).toMatch(/\.status/);
    expect((await failure(write('empty.zip', ''))).reason).toBe('not_sysinfo');
    expect((await failure(write('big.xml', XML), { maxFileBytes: 100 })).reason).toBe('too_large');
    expect((await failure(join(dir, 'missing.zip'))).reason).toBe('io_error');
  });
});

describe('report files: hostile zips', () => {
  it('rejects a zip bomb by its declared ratio before inflating', async () => {
    // 64 MiB of spaces deflate to ~64 KiB: a ratio near 1000.
    const bomb = await makeZip([{ name: 'sysinfo.xml', data: zeros(64 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const before = process.memoryUsage().heapUsed;
    const e = await failure(write('bomb.zip', bomb));
    expect(e.reason).toBe('zip_bomb');
    expect(e.message).toMatch(/ratio/);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('stops a bomb whose header lies about its size while inflating', async () => {
    const bomb = await makeZip([{ name: 'sysinfo.xml', data: zeros(64 * 1024 * 1024) }]);
    const liar = Buffer.from(bomb);
    const cd = centralHeaders(liar)[0]!;
    liar.writeUInt32LE(4096, cd + 24); // claim 4 KiB uncompressed
    const e = await failure(write('liar.zip', liar));
    expect(e.reason).toBe('zip_bomb');
  });

  it('limits the inflated size even at an innocent ratio', async () => {
    const zip = await makeZip([{ name: 'sysinfo.xml', data: Buffer.from(XML), compress: false }]);
    expect((await failure(write('toolarge.zip', zip), { maxXmlBytes: 100 })).reason).toBe('too_large');
  });

  it('rejects entry names that are absolute or climb out of the folder', async () => {
    const cases: [string, string][] = [
      ['aa/evil.xml', '../evil.xml'],
      ['xxxxxxxx.xml', '/etc/x.xml'.padEnd(12, 'x')],
      ['xxxxxxxx.xml', 'C:\\win\\a.xml'],
      ['zz/zz/zz/file.xml', 'a\\..\\..\\file.xml'],
    ];
    for (const [safe, evil] of cases) {
      const padded = evil.length === safe.length ? evil : evil.padEnd(safe.length, '_');
      const zip = renameEntry(
        await makeZip([
          { name: 'sysinfo.xml', data: Buffer.from(XML) },
          { name: safe, data: Buffer.from('x') },
        ]),
        safe,
        padded,
      );
      const e = await failure(write('traversal.zip', zip));
      expect(e.reason, padded).toBe('path_traversal');
      expect(e.message).toContain(padded.replace(/\\/g, '/'));
    }
    expect(unsafeEntryName('reports/sysinfo.xml')).toBe(false);
    expect(unsafeEntryName('..\\x.xml')).toBe(true);
    expect(unsafeEntryName('a/../../x.xml')).toBe(true);
  });

  it('limits the number of entries and wants exactly one XML', async () => {
    const many = await makeZip(
      Array.from({ length: 20 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') })),
    );
    expect((await failure(write('many.zip', many))).reason).toBe('zip_entries');
    const two = await makeZip([
      { name: 'a.xml', data: Buffer.from(XML) },
      { name: 'b.xml', data: Buffer.from(XML) },
    ]);
    expect((await failure(write('two.zip', two))).reason).toBe('zip_entries');
    const none = await makeZip([{ name: 'readme.txt', data: Buffer.from('x') }]);
    expect((await failure(write('none.zip', none))).reason).toBe('not_sysinfo');
    // Other files next to the report are tolerated (and never inflated).
    const extra = await makeZip([
      { name: 'sysinfo.db', data: Buffer.from('SQLite format 3') },
      { name: 'report/sysinfo.xml', data: Buffer.from(XML) },
    ]);
    expect((await parseReportFile(write('extra.zip', extra), { utcOffsetMin: 180 })).source.entryName).toBe(
      'report/sysinfo.xml',
    );
  });

  it('rejects encrypted entries and damaged zips', async () => {
    const zip = await makeZip([{ name: 'sysinfo.xml', data: Buffer.from(XML) }]);
    const enc = Buffer.from(zip);
    const cd = centralHeaders(enc)[0]!;
    enc.writeUInt16LE(enc.readUInt16LE(cd + 8) | 1, cd + 8);
    expect((await failure(write('enc.zip', enc))).reason).toBe('zip_unsupported');
    expect((await failure(write('cut.zip', zip.subarray(0, zip.length - 30)))).reason).toBe('zip_corrupt');
  });

  it('reports a broken XML inside a zip as malformed XML', async () => {
    const zip = await makeZip([{ name: 'sysinfo.xml', data: Buffer.from('<sysinfo><users></sysinfo>') }]);
    expect((await failure(write('broken.zip', zip))).reason).toBe('malformed_xml');
  });
});

describe('the worker entry', () => {
  it('returns results and failures as plain values', async () => {
    const ok = await runParseTask({ type: 'sysinfo', path: write('w.xml', XML), utcOffsetMin: 180 });
    expect(ok).toMatchObject({ ok: true, type: 'sysinfo' });
    expect(ok.ok && ok.type === 'sysinfo' && ok.snapshot.client.regnum).toBe('250_361567');
    const bad = await runParseTask({ type: 'sysinfo', path: write('w.zip', 'nonsense'), utcOffsetMin: 180 });
    expect(bad).toMatchObject({ ok: false, reason: 'not_sysinfo' });
    const status = await runParseTask({
      type: 'status',
      path: write('w.status', 'date: Thu, 16 Apr 2026 10:08:53 GMT\nup 1\n'),
    });
    expect(status).toMatchObject({
      ok: true,
      type: 'status',
      status: { takenAt: Date.UTC(2026, 3, 16, 10, 8, 53) },
    });
    // The result survives structured cloning (the thread boundary).
    expect(structuredClone(ok)).toEqual(ok);
  });
});
