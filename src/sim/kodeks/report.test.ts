import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { classifyDbError } from '../../alerts/rules/db-errors.js';
import { parseSysinfoStream } from '../../ingest/parse/sysinfo-parser.js';
import { parseStatusText } from '../../ingest/parse/status-parser.js';
import type { Snapshot } from '../../ingest/parse/snapshot.js';
import { formatLocalTime } from '../../ingest/parse/local-time.js';
import { openZipXml } from '../../ingest/parse/unzip.js';
import { resolveLimits } from '../../ingest/parse/limits.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultState } from './faults.js';
import { licenceTermsAt, localDayNumber, operupTimesAt, sessionsAt } from './life.js';
import { generateLegacyMetricsText, generateStatusFile } from './metrics-text.js';
import { makeProfile, type ClientProfile } from './profile.js';
import { profileForReportSize } from './size.js';
import { generateSysinfoXml, generateSysinfoXmlString, generateSysinfoZipBuffer } from './sysinfo-xml.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Thursday 2026-04-16, 13:08:53 in Moscow. */
const T = Date.UTC(2026, 3, 16, 10, 8, 53);

async function parseAt(p: ClientProfile, at: number, faults: FaultState = {}): Promise<Snapshot> {
  return parseSysinfoStream(Readable.from(generateSysinfoXml(p, at, { faults })), {
    utcOffsetMin: p.utcOffsetMin,
  });
}

function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const s = parseStatusText(text).samples.find(
    (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
  );
  return s?.value;
}

describe('simulated reports are a function of (seed, time)', () => {
  it('gives identical bytes for the same seed and time, whatever was generated before', async () => {
    const a = makeProfile({ seed: 42 });
    const b = makeProfile({ seed: 42 });
    generateSysinfoXmlString(a, T + 5 * DAY); // unrelated work in between must not matter
    expect(generateSysinfoXmlString(b, T)).toBe(generateSysinfoXmlString(a, T));
    expect((await generateSysinfoZipBuffer(a, T)).equals(await generateSysinfoZipBuffer(b, T))).toBe(true);
    expect(generateStatusFile(a, T)).toBe(generateStatusFile(b, T));
  });

  it('changes with the seed and with the time', () => {
    const p = makeProfile({ seed: 42 });
    expect(generateSysinfoXmlString(makeProfile({ seed: 43 }), T)).not.toBe(generateSysinfoXmlString(p, T));
    expect(generateSysinfoXmlString(p, T + HOUR)).not.toBe(generateSysinfoXmlString(p, T));
  });

  it('zips one XML entry named after the report', async () => {
    const p = makeProfile({ seed: 42 });
    const dir = mkdtempSync(join(tmpdir(), 'smart-sim-'));
    try {
      const path = join(dir, 'r.zip');
      writeFileSync(path, await generateSysinfoZipBuffer(p, T));
      const entry = await openZipXml(path, resolveLimits());
      expect(entry.entryName).toBe(
        `sysinfo_${p.regnum}_20260416_130853.xml`.replace(
          '130853',
          formatLocalTime(T, p.utcOffsetMin).slice(11).replace(/:/g, ''),
        ),
      );
      entry.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the parsed report matches the simulated installation', () => {
  // Novosibirsk (UTC+7) on purpose: every local time must be converted with the offset.
  const p = makeProfile({ seed: 7, utcOffsetMin: 420, users: 60, seats: 25 });
  // 14:00 local on a Monday.
  const at = Date.UTC(2026, 3, 20, 7, 0, 0);

  it('carries the registration, licences, versions and catalogs', async () => {
    const s = await parseAt(p, at);
    expect(s.producedAt).toBe(at);
    expect(s.client).toEqual({ name: p.legalName, regnum: p.regnum });
    expect(s.licensing.seats).toBe(25);
    expect(s.licensing.senselock).toMatchObject({ status: 'ok', keyNumber: p.senselockKey });
    expect(s.software.pkVersion).toBe(p.pkVersion);
    expect(s.software.sysinfoVersion).toBe(p.sysinfoVersion);
    expect(s.components.map((c) => c.type)).toContain('ksrv');
    expect(s.catalogs.map((c) => c.path)).toEqual(p.catalogs.map((c) => c.path));
    const terms = licenceTermsAt(p, at);
    expect(s.licences.map((l) => l.validToDay)).toEqual(terms.map((t) => t.to));
    for (const l of s.licences) expect(l.expiresAt!).toBeGreaterThan(at);
    expect(s.volumes).toHaveLength(p.volumes.length);
    expect(s.warnings).toEqual([]);
    expect(s.skipped).toBe(0);
  });

  it('converts OperUp times with the installation offset', async () => {
    const s = await parseAt(p, at);
    expect(s.operups.map((o) => o.modifiedAt)).toEqual(operupTimesAt(p, at, {}));
    for (const o of s.operups) {
      // Updated last night in local time: between 02:00 and 05:30 local, less than a day ago.
      expect(at - o.modifiedAt!).toBeLessThan(DAY + 2 * DAY * 0.02 * 10);
      const localHour = new Date(o.modifiedAt! + 420 * 60_000).getUTCHours();
      expect(localHour).toBeGreaterThanOrEqual(2);
      expect(localHour).toBeLessThanOrEqual(5);
    }
  });

  it('lists the users registered by then, with cards, domains and activity', async () => {
    const s = await parseAt(p, at);
    const registered = p.users.filter((u) => u.registeredAt <= at);
    expect(s.users.map((u) => u.login)).toEqual(registered.map((u) => u.login));
    const byLogin = new Map(p.users.map((u) => [u.login, u]));
    for (const u of s.users) {
      const src = byLogin.get(u.login)!;
      expect(u.domain).toBe(src.domain);
      expect(u.fullname).toBe(src.fullname);
      expect(u.registeredAt).toBe(Math.floor(src.registeredAt / 1000) * 1000);
      if (u.lastActivityAt !== null) expect(u.lastActivityAt).toBeLessThanOrEqual(at);
    }
    expect(s.users.some((u) => u.lastActivityAt !== null && at - u.lastActivityAt < DAY)).toBe(true);
  });

  it('shows people at work in the client time zone, never more than the seats', async () => {
    const s = await parseAt(p, at);
    expect(s.sessions.length).toBeGreaterThan(0);
    expect(s.sessions.length).toBeLessThanOrEqual(25);
    expect(s.licensing.inUse).toBe(s.sessions.length);
    for (const x of s.sessions) expect(x.logonAt!).toBeLessThanOrEqual(at);
    // 03:00 local the same night: nobody.
    const night = await parseAt(p, Date.UTC(2026, 3, 19, 20, 0, 0));
    expect(night.sessions).toHaveLength(0);
    // Sunday afternoon: far fewer than on Monday.
    const sunday = await parseAt(p, at - DAY);
    expect(sunday.sessions.length).toBeLessThan(s.sessions.length);
  });

  it('counts usage per user and local day for the month so far', async () => {
    const s = await parseAt(p, at);
    const days = new Set(s.usage.map((u) => u.day));
    expect([...days].every((d) => d >= '2026-04-01' && d <= '2026-04-20')).toBe(true);
    expect(days.has('2026-04-20')).toBe(true); // today, partially
    for (const u of s.usage) {
      expect(u.docsCounted).toBe(u.docsLicensed + u.docsFree);
      expect(u.dbRequests).toBeGreaterThanOrEqual(u.docsCounted + u.kassistRequests);
    }
    // Month-to-date grows during the day.
    const later = await parseAt(p, at + 3 * HOUR);
    const sum = (x: Snapshot): number => x.usage.reduce((n, u) => n + u.dbRequests, 0);
    expect(sum(later)).toBeGreaterThan(sum(s));
  });

  it('keeps a time-ordered search log of the last 48 hours, with empty and slow searches', async () => {
    const s = await parseAt(p, at);
    expect(s.searches.length).toBeGreaterThan(20);
    for (let i = 1; i < s.searches.length; i++)
      expect(s.searches[i]!.at).toBeGreaterThanOrEqual(s.searches[i - 1]!.at);
    expect(s.searches.every((x) => x.at <= at && x.at >= at - 48 * HOUR)).toBe(true);
    // Over a week of a bigger client, some searches find nothing and some are slow.
    const big = makeProfile({ seed: 8, users: 80, seats: 60, searchLogHours: 24 * 7 });
    const week = await parseAt(big, at);
    expect(week.searches.some((x) => x.status === 'empty')).toBe(true);
    expect(week.searches.some((x) => (x.durationMs ?? 0) >= 3000)).toBe(true);
    expect(new Set(week.searches.map((x) => x.type))).toEqual(new Set(['intelligent', 'attribute']));
  });

  it('refuses logons when demand exceeds the seats', async () => {
    const crowded = makeProfile({ seed: 9, users: 40, seats: 5 });
    const s = await parseAt(crowded, at);
    expect(s.sessions).toHaveLength(5);
    expect(s.refusedLogons.length).toBeGreaterThan(0);
    expect(s.refusedLogons[0]!.reason).toMatch(/2008/);
  });

  it('reports kAssist link statistics for clients with kAssist', async () => {
    let found = false;
    for (let seed = 1; seed < 20 && !found; seed++) {
      const k = makeProfile({ seed, users: 30, seats: 30 });
      if (!k.kassistVersion || !k.users.some((u) => u.kassistUser)) continue;
      const s = await parseAt(k, at);
      expect(s.components.some((c) => c.type === 'kassist')).toBe(true);
      expect(s.kassistLinks.length).toBeGreaterThan(10);
      for (const l of s.kassistLinks) expect(l.uniqueAdded).toBeLessThanOrEqual(l.added);
      found = true;
    }
    expect(found).toBe(true);
  });

  it('has occasional DB errors drawn from the Kodeks catalogue across a fleet', async () => {
    const codes = new Set<number | null>();
    for (let seed = 1; seed <= 40; seed++) {
      const s = await parseAt(makeProfile({ seed, users: 3, seats: 3 }), at);
      for (const e of s.volumeErrors) codes.add(e.code);
    }
    expect(codes.size).toBeGreaterThan(0);
  });

  it('writes windows-1251 reports that read back the same', async () => {
    const cp = makeProfile({ seed: 7, utcOffsetMin: 420, users: 60, seats: 25, encoding: 'windows-1251' });
    const bytes = Buffer.concat([...generateSysinfoXml(cp, at)]);
    expect(bytes.subarray(0, 60).toString('latin1')).toContain('encoding="windows-1251"');
    expect(iconv.decode(bytes, 'windows-1251')).toContain(cp.legalName);
    const s = await parseSysinfoStream(Readable.from([bytes]), { utcOffsetMin: 420 });
    const u = await parseAt(p, at);
    expect({ ...s, source: null }).toEqual({ ...u, source: null });
    expect(s.source.encoding).toBe('windows-1251');
  });
});

describe('faults show in the report and in the metrics alike', () => {
  const p = makeProfile({ seed: 11, utcOffsetMin: 180, users: 30, seats: 10 });
  const at = Date.UTC(2026, 3, 20, 9, 0, 0); // Monday 12:00 Moscow
  const on = (since = at - 2 * HOUR): { since: number } => ({ since });

  it('key_lost: SenseLock not found (4111) in sysinfo, key metric 0', async () => {
    const s = await parseAt(p, at, { key_lost: on() });
    expect(s.licensing.senselock).toMatchObject({ status: 'not_found', code: 4111 });
    const m = generateStatusFile(p, at, { faults: { key_lost: on() } });
    expect(metric(m, 'kserver_senselock_key_ok')).toBe(0);
    expect(metric(m, 'kserver_protection_error_code')).toBe(4111);
    expect(metric(m, 'kserver_main_page', { path: '/docs' })).toBe(1);
    expect(metric(generateStatusFile(p, at), 'kserver_senselock_key_ok')).toBe(1);
  });

  it('spp_down: kserver_spp_up 0, otherwise 1, and the report unchanged', async () => {
    expect(metric(generateStatusFile(p, at), 'kserver_spp_up')).toBe(1);
    expect(metric(generateStatusFile(p, at, { faults: { spp_down: on() } }), 'kserver_spp_up')).toBe(0);
    expect(await parseAt(p, at, { spp_down: on() })).toEqual(await parseAt(p, at));
  });

  it('licences_exhausted: every seat taken, refused logons in sysinfo and metrics', async () => {
    const s = await parseAt(p, at, { licences_exhausted: on() });
    expect(s.licensing.inUse).toBe(10);
    expect(s.sessions).toHaveLength(10);
    expect(s.refusedLogons.filter((r) => r.at >= at - 2 * HOUR).length).toBeGreaterThanOrEqual(15);
    const m = generateStatusFile(p, at, { faults: { licences_exhausted: on() } });
    expect(metric(m, 'kserver_licenses_in_use')).toBe(10);
    expect(metric(m, 'kserver_licenses_total')).toBe(10);
    expect(metric(m, 'kserver_logons_refused_total')).toBeGreaterThanOrEqual(15);
  });

  it('db_error: volumes carry the error code; product control and error metrics follow', async () => {
    const faults: FaultState = { db_error: { since: at, code: 2020 } };
    const s = await parseAt(p, at, faults);
    const errs = s.volumeErrors.filter((e) => e.code === 2020);
    expect(errs.length).toBeGreaterThanOrEqual(1);
    expect(errs[0]!.text).toMatch(/2020/);
    const m = generateStatusFile(p, at, { faults });
    expect(metric(m, 'kserver_db_volume_errors', { path: '/docs', code: '2020' })).toBe(errs.length);
    expect(metric(m, 'kserver_product_control', { path: '/docs' })).toBe(1);
    const legacy = parseStatusText(generateLegacyMetricsText(p, at, { faults }));
    expect(legacy.format).toBe('legacy');
    expect(legacy.samples.find((x) => x.name === 'kserver_product_control')?.labels.status).toBe(
      'no required volume DB',
    );
    // Without the fault the default code is 2007.
    expect((await parseAt(p, at, { db_error: on() })).volumeErrors.some((e) => e.code === 2007)).toBe(true);
  });

  it('db_error with code 0: an error without a code, which SMART can only class as NoCode', async () => {
    const s = await parseAt(p, at, { db_error: { since: at, code: 0 } });
    const errs = s.volumeErrors.filter((e) => e.text.includes('внутренняя ошибка базы'));
    expect(errs.length).toBeGreaterThanOrEqual(1);
    for (const e of errs) {
      expect(e.code === null || e.code === 0).toBe(true);
      expect(classifyDbError(e)).toBe('NoCode');
    }
  });

  it('operups_stale: every OperUp file is more than three days old', async () => {
    const fresh = await parseAt(p, at);
    expect(fresh.operups.every((o) => at - o.modifiedAt! < 2 * DAY)).toBe(true);
    const stale = await parseAt(p, at, { operups_stale: on() });
    expect(stale.operups.every((o) => at - o.modifiedAt! > 3 * DAY)).toBe(true);
  });

  it('search_broken: searches since the fault end with an error', async () => {
    const since = at - HOUR;
    const s = await parseAt(p, at, { search_broken: { since } });
    const after = s.searches.filter((x) => x.at >= since);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((x) => x.status === 'error')).toBe(true);
    expect(s.searches.filter((x) => x.at < since).every((x) => x.status !== 'error')).toBe(true);
    const m = generateStatusFile(p, at, { faults: { search_broken: { since } } });
    expect(metric(m, 'kserver_search_errors_total')).toBe(after.length);
  });

  it('maintenance / server_not_started: nobody is connected; metrics say why', async () => {
    for (const fault of ['maintenance', 'server_not_started'] as const) {
      const s = await parseAt(p, at, { [fault]: on() });
      expect(s.sessions).toHaveLength(0);
      expect(s.licensing.inUse).toBe(0);
    }
    const m = generateStatusFile(p, at, { faults: { maintenance: on() } });
    expect(metric(m, 'kserver_maintenance')).toBe(1);
    expect(metric(m, 'kserver_main_page_status_code', { path: '/docs' })).toBe(503);
    const n = generateStatusFile(p, at, { faults: { server_not_started: on() } });
    expect(metric(n, 'kserver_up')).toBe(0);
    expect(metric(n, 'kserver_main_page', { path: '/docs' })).toBe(1);
  });

  it('the status file matches the report taken at the same moment', async () => {
    const s = await parseAt(p, at);
    const st = parseStatusText(generateStatusFile(p, at, { crlf: true }));
    expect(st.takenAt).toBe(at);
    expect(st.dateLine).toBe('lower');
    expect(metric(generateStatusFile(p, at), 'kserver_licenses_in_use')).toBe(s.licensing.inUse);
    expect(metric(generateStatusFile(p, at), 'kserver_sessions')).toBe(sessionsAt(p, at, {}).length);
    expect(metric(generateStatusFile(p, at), 'kserver_uptime_seconds')).toBe(
      Math.floor((at - s.host.startedAt!) / 1000),
    );
    expect(metric(generateStatusFile(p, at), 'kserver_main_page', { path: '/docs' })).toBe(0);
  });
});

describe('report size', () => {
  it('can be dialled to a target size', () => {
    const target = 1024 * 1024;
    const p = makeProfile(profileForReportSize(3, target, T));
    const size = Buffer.byteLength(generateSysinfoXmlString(p, T), 'utf8');
    expect(size).toBeGreaterThan(target * 0.8);
    expect(size).toBeLessThan(target * 1.2);
  });

  it('defaults to a realistic size', () => {
    const sizes = [1, 2, 3, 4, 5, 6].map((seed) =>
      Buffer.byteLength(generateSysinfoXmlString(makeProfile({ seed }), Date.UTC(2026, 3, 20, 9)), 'utf8'),
    );
    const median = sizes.sort((a, b) => a - b)[3]!;
    expect(median).toBeGreaterThan(100_000);
    expect(median).toBeLessThan(3 * 1024 * 1024);
  });

  it('knows the local day of an instant', () => {
    expect(localDayNumber(Date.UTC(2026, 3, 16, 22, 0), 180)).toBe(Date.UTC(2026, 3, 17) / DAY);
  });
});
