import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportParseError } from './errors.js';
import { parseStatusFile, parseStatusText, StatusSnapshotSchema } from './status-parser.js';

const DATE = 'Thu, 16 Apr 2026 10:08:53 GMT';
const AT = Date.UTC(2026, 3, 16, 10, 8, 53);
const BODY = [
  '# HELP kserver_main_page Main page of the catalog',
  '# TYPE kserver_main_page gauge',
  'kserver_main_page{service="kodweb",path="/docs"} 0',
  'kserver_product_control{service="kodweb",path="/docs"} 0',
  'kserver_licenses_in_use 14',
  '',
].join('\n');

function failure(text: string): ReportParseError {
  try {
    parseStatusText(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ReportParseError);
    return e as ReportParseError;
  }
  throw new Error('expected the parse to fail');
}

describe('.status files', () => {
  it('reads the date line the agent writes, then the metrics', () => {
    const s = parseStatusText(`date: ${DATE}\n${BODY}`);
    expect(() => StatusSnapshotSchema.parse(s)).not.toThrow();
    expect(s).toMatchObject({
      schemaVersion: 1,
      takenAt: AT,
      dateLine: 'lower',
      format: 'sysmon',
      warnings: [],
    });
    expect(s.samples).toEqual([
      {
        name: 'kserver_main_page',
        labels: { service: 'kodweb', path: '/docs' },
        value: 0,
        timestampMs: null,
      },
      {
        name: 'kserver_product_control',
        labels: { service: 'kodweb', path: '/docs' },
        value: 0,
        timestampMs: null,
      },
      { name: 'kserver_licenses_in_use', labels: {}, value: 14, timestampMs: null },
    ]);
  });

  it('accepts Windows line ends, a BOM and a capitalised Date header', () => {
    const s = parseStatusText(`\ufeffDate: ${DATE}\r\n${BODY.replace(/\n/g, '\r\n')}`);
    expect(s.takenAt).toBe(AT);
    expect(s.dateLine).toBe('other');
    expect(s.samples).toHaveLength(3);
  });

  it('flags a missing or unreadable date line instead of failing', () => {
    const missing = parseStatusText(BODY);
    expect(missing.takenAt).toBeNull();
    expect(missing.dateLine).toBe('missing');
    expect(missing.warnings.join()).toMatch(/no date line/);
    const bad = parseStatusText(`date: sometime soon\n${BODY}`);
    expect(bad.dateLine).toBe('unreadable');
    expect(bad.takenAt).toBeNull();
    // A date without a zone would be read in the parser's own zone: refused.
    expect(parseStatusText(`date: 2026-04-16 10:08:53\n${BODY}`).dateLine).toBe('unreadable');
  });

  it('uses the first of several date lines', () => {
    const s = parseStatusText(`date: ${DATE}\ndate: Thu, 16 Apr 2026 11:00:00 GMT\n${BODY}`);
    expect(s.takenAt).toBe(AT);
    expect(s.warnings.join()).toMatch(/several date lines/);
  });

  it('reads the legacy /sysinfo/metrics body, unquoted status labels included', () => {
    const legacy = [
      '# Sysinfo metrics',
      '# Path /docs',
      'kserver_main_page{service="kodweb",path="/docs"} 0',
      'kserver_product_control{service="kodweb",path="/docs",status=unexpected change list products} 1',
      '# Path /kodeks02',
      'kserver_main_page{service="kodweb",path="/kodeks02"} 1',
      'kserver_product_control{service="kodweb",path="/kodeks02"} 0',
      '# End',
      '',
    ].join('\n');
    const s = parseStatusText(`date: ${DATE}\n${legacy}`);
    expect(s.format).toBe('legacy');
    expect(s.samples).toHaveLength(4);
    expect(s.samples[1]!.labels.status).toBe('unexpected change list products');
  });

  it('names the line of broken metrics, counting the date line', () => {
    const e = failure(`date: ${DATE}\nok 1\nbroken{ 1\n`);
    expect(e.reason).toBe('malformed_status');
    expect(e.message).toMatch(/^metrics line 3, column/);
  });

  it('recognises an HTML page or an empty body as "no metrics"', () => {
    const html = failure(
      `date: ${DATE}\n<!DOCTYPE html><html><head><title>Требуется авторизация</title></head></html>`,
    );
    expect(html.reason).toBe('not_metrics');
    expect(html.message).toMatch(/Требуется авторизация/);
    expect(failure(`date: ${DATE}\n`).reason).toBe('not_metrics');
    expect(failure(`date: ${DATE}\n# only comments\n`).reason).toBe('not_metrics');
  });

  it('reads files with a size limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smart-status-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const p = join(dir, 'client.status');
    writeFileSync(p, `date: ${DATE}\n${BODY}`);
    expect((await parseStatusFile(p)).samples).toHaveLength(3);
    await expect(parseStatusFile(p, { limits: { maxStatusBytes: 10 } })).rejects.toMatchObject({
      reason: 'too_large',
    });
    await expect(parseStatusFile(join(dir, 'missing.status'))).rejects.toMatchObject({ reason: 'io_error' });
  });
});
