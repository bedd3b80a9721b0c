/**
 * The parsers on simulator-generated files kept in __fixtures__. If the simulator changes on purpose,
 * regenerate them: UPDATE_FIXTURES=1 npx vitest run src/ingest/parse/fixtures.test.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXTURE_TIME, fixtureProfile, simFixtures, writeSimFixtures } from '../../sim/kodeks/fixtures.js';
import { parseReportFile } from './report-file.js';
import { SnapshotSchema } from './snapshot.js';
import { parseStatusFile } from './status-parser.js';

const DIR = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const file = (name: string): string => `${DIR}${name}`;
const DAY = 86_400_000;

describe('simulator fixtures', () => {
  it('are what the simulator generates today', async () => {
    if (process.env.UPDATE_FIXTURES) await writeSimFixtures(DIR);
    for (const [name, bytes] of await simFixtures()) {
      expect(
        readFileSync(file(name)).equals(bytes),
        `${name} is stale: regenerate with UPDATE_FIXTURES=1`,
      ).toBe(true);
    }
  });

  it('parse to the same Snapshot as XML, zip and windows-1251', async () => {
    const xml = await parseReportFile(file('sim-small.xml'), { utcOffsetMin: 180 });
    const zip = await parseReportFile(file('sim-small.zip'), { utcOffsetMin: 180 });
    const cp = await parseReportFile(file('sim-small-cp1251.xml'), { utcOffsetMin: 180 });
    expect(() => SnapshotSchema.parse(xml)).not.toThrow();
    expect({ ...zip, source: null }).toEqual({ ...xml, source: null });
    expect({ ...cp, source: null }).toEqual({ ...xml, source: null });
    expect(cp.source.encoding).toBe('windows-1251');
    expect(zip.source.container).toBe('zip');

    const p = fixtureProfile();
    expect(xml.producedAt).toBe(FIXTURE_TIME);
    expect(xml.client).toEqual({ name: p.legalName, regnum: p.regnum });
    expect(xml.licensing.seats).toBe(4);
    expect(xml.licensing.senselock?.status).toBe('ok');
    expect(xml.users.length).toBeGreaterThan(0);
    expect(xml.searches.length).toBeGreaterThan(0);
    expect(xml.operups.every((o) => FIXTURE_TIME - o.modifiedAt! < 2 * DAY)).toBe(true);
    expect(xml.warnings).toEqual([]);
  });

  it('show the faults the file was generated with', async () => {
    const s = await parseReportFile(file('sim-faults.xml'), { utcOffsetMin: 180 });
    expect(s.licensing.senselock).toMatchObject({ status: 'not_found', code: 4111 });
    expect(s.licensing.inUse).toBe(4);
    expect(s.refusedLogons.filter((r) => r.at >= FIXTURE_TIME - 3_600_000).length).toBeGreaterThanOrEqual(10);
    expect(s.volumeErrors.some((e) => e.code === 2007)).toBe(true);
    expect(s.operups.every((o) => FIXTURE_TIME - o.modifiedAt! > 3 * DAY)).toBe(true);
  });

  it('status files parse with their date line', async () => {
    const st = await parseStatusFile(file('sim-small.status'));
    expect(st).toMatchObject({ takenAt: FIXTURE_TIME, dateLine: 'lower', format: 'sysmon' });
    expect(st.samples.find((x) => x.name === 'kserver_licenses_total')?.value).toBe(4);
    const legacy = await parseStatusFile(file('sim-legacy.status'));
    expect(legacy).toMatchObject({ takenAt: FIXTURE_TIME, format: 'legacy' });
    expect(legacy.samples.map((x) => x.name)).toEqual(['kserver_main_page', 'kserver_product_control']);
  });
});
