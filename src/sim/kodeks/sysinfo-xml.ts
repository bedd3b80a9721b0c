/**
 * Writes a sysinfo report in our XML model (docs/formats/sysinfo.md) for a profile at an instant.
 * Output is produced in chunks, so a 20 MB report never sits in memory as one string, and it is a
 * pure function of (profile, instant, faults): the same inputs give the same bytes.
 */
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import yazl from 'yazl';
import { formatLocalDay, formatLocalTime } from '../../ingest/parse/local-time.js';
import type { FaultState } from './faults.js';
import {
  eventsOfDay,
  kassistDaysAt,
  localDayNumber,
  lastActivity,
  licenceTermsAt,
  operupTimesAt,
  refusedBetween,
  searchesBetween,
  senselockAt,
  serverStartedAt,
  sessionsAt,
  usageOfMonth,
  volumeErrorsAt,
  type SimUsageRow,
} from './life.js';
import type { ClientProfile } from './profile.js';

export interface SysinfoOptions {
  faults?: FaultState;
  /** Defaults to the profile's encoding. */
  encoding?: 'utf-8' | 'windows-1251';
}

const CHUNK = 32 * 1024;

// Characters XML 1.0 does not allow at all; the simulator never produces them, but names come from
// profiles that callers may build by hand.
// eslint-disable-next-line no-control-regex
const INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

// eslint-disable-next-line no-control-regex
const NEEDS_ATTR_ESCAPE = /[&<>"\t\n\r\u0000-\u001f\ufffe\uffff]/;
// eslint-disable-next-line no-control-regex
const NEEDS_TEXT_ESCAPE = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

export function escAttr(v: string): string {
  if (!NEEDS_ATTR_ESCAPE.test(v)) return v;
  return v
    .replace(INVALID, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
export function escText(v: string): string {
  if (!NEEDS_TEXT_ESCAPE.test(v)) return v;
  return v.replace(INVALID, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

type AttrValue = string | number | boolean | null | undefined;
function attrs(a: Record<string, AttrValue>): string {
  let s = '';
  for (const k in a) {
    const v = a[k];
    if (v === null || v === undefined) continue;
    s += ` ${k}="${escAttr(typeof v === 'boolean' ? (v ? '1' : '0') : String(v))}"`;
  }
  return s;
}
const el = (name: string, a: Record<string, AttrValue>, text?: string | number | null): string =>
  text === undefined || text === null
    ? `<${name}${attrs(a)}/>`
    : `<${name}${attrs(a)}>${escText(String(text))}</${name}>`;

/** The report as text chunks (the XML declaration names `encoding`; encode with the same). */
export function* sysinfoXmlText(
  p: ClientProfile,
  atMs: number,
  opts: SysinfoOptions = {},
): Generator<string> {
  const faults = opts.faults ?? {};
  const encoding = opts.encoding ?? p.encoding;
  const off = p.utcOffsetMin;
  const lt = (ms: number): string => formatLocalTime(ms, off);
  // Appends to the current chunk; true when the chunk is full and should be yielded with take().
  let buf = '';
  const w = (s: string): boolean => (buf += s).length >= CHUNK;
  const take = (): string => {
    const b = buf;
    buf = '';
    return b;
  };

  const sessions = sessionsAt(p, atMs, faults);
  const pkShort = /^\d+(?:\.\d+)+/.exec(p.pkVersion)?.[0] ?? p.pkVersion;
  if (w(`<?xml version="1.0" encoding="${encoding}"?>\n`)) yield take();
  if (w(`<sysinfo${attrs({ format: '1', module: p.sysinfoVersion, created: lt(atMs) })}>\n`)) yield take();

  if (w('  <server>\n')) yield take();
  if (w(`    ${el('version', {}, p.pkVersion)}\n    ${el('hostname', {}, p.hostName)}\n`)) yield take();
  if (w(`    ${el('os', {}, p.os)}\n    ${el('started', {}, lt(serverStartedAt(p, atMs)))}\n`)) yield take();
  if (w('    <components>\n')) yield take();
  if (w(`      ${el('component', { type: 'ksrv', version: pkShort, full: p.pkVersion })}\n`)) yield take();
  if (w(`      ${el('component', { type: 'sysinfo', version: p.sysinfoVersion })}\n`)) yield take();
  if (p.kassistVersion)
    if (w(`      ${el('component', { type: 'kassist', version: p.kassistVersion })}\n`)) yield take();
  if (p.sysmonVersion)
    if (w(`      ${el('component', { type: 'sysmon', version: p.sysmonVersion })}\n`)) yield take();
  if (w('    </components>\n  </server>\n')) yield take();

  const key = senselockAt(p, faults);
  if (w('  <registration>\n')) yield take();
  if (w(`    ${el('regnum', {}, p.regnum)}\n    ${el('client', {}, p.legalName)}\n`)) yield take();
  if (w(`    ${el('seats', {}, p.seats)}\n    ${el('inuse', {}, sessions.length)}\n`)) yield take();
  if (w(`    ${el('binding', {}, 'senselock')}\n`)) yield take();
  if (w(`    ${el('senselock', { status: key.status, code: key.code, key: p.senselockKey }, key.message)}\n`))
    yield take();
  if (w('  </registration>\n')) yield take();

  if (w('  <licenses>\n')) yield take();
  const terms = licenceTermsAt(p, atMs);
  for (let i = 0; i < p.licences.length; i++) {
    const l = p.licences[i]!;
    const t = terms[i]!;
    if (w(`    ${el('license', { product: l.product, name: l.name, db: l.db, from: t.from, to: t.to })}\n`))
      yield take();
  }
  if (w('  </licenses>\n')) yield take();

  if (w('  <catalogs>\n')) yield take();
  for (const c of p.catalogs)
    if (w(`    ${el('catalog', { path: c.path, title: c.title, dbs: c.dbs })}\n`)) yield take();
  if (w('  </catalogs>\n')) yield take();

  const errors = volumeErrorsAt(p, atMs, faults);
  if (w('  <databases>\n')) yield take();
  for (const v of p.volumes) {
    const errs = errors.filter((e) => e.volume === v.name);
    const a = attrs({ name: v.name, path: v.path, catalog: v.catalog, update: v.update });
    if (errs.length === 0) {
      if (w(`    <volume${a}/>\n`)) yield take();
      continue;
    }
    if (w(`    <volume${a}>\n`)) yield take();
    for (const e of errs) if (w(`      ${el('error', { code: e.code }, e.text)}\n`)) yield take();
    if (w('    </volume>\n')) yield take();
  }
  if (w('  </databases>\n')) yield take();

  const opTimes = operupTimesAt(p, atMs, faults);
  if (w('  <operups>\n')) yield take();
  for (let i = 0; i < p.operups.length; i++) {
    const o = p.operups[i]!;
    if (w(`    ${el('operup', { path: o.path, modified: lt(opTimes[i]!), size: o.sizeBytes })}\n`))
      yield take();
  }
  if (w('  </operups>\n')) yield take();

  if (w('  <sessions>\n')) yield take();
  for (const s of sessions) {
    const u = s.user;
    if (
      w(
        `    ${el('session', { login: u.login, logon: lt(s.logonAt), ip: u.ip, browser: u.browser, domain: u.domain, license: true })}\n`,
      )
    )
      yield take();
  }
  if (w('  </sessions>\n')) yield take();

  const usage = new Map<string, SimUsageRow[]>();
  for (const r of usageOfMonth(p, atMs)) {
    const list = usage.get(r.login);
    if (list) list.push(r);
    else usage.set(r.login, [r]);
  }
  if (w('  <users>\n')) yield take();
  for (const u of p.users) {
    if (u.registeredAt > atMs) continue;
    const last = lastActivity(p, u, atMs);
    if (
      w(
        `    <user${attrs({ login: u.login, domain: u.domain, registered: lt(u.registeredAt), lastactivity: last === null ? null : lt(last) })}>\n`,
      )
    )
      yield take();
    if (
      w(
        `      ${el('card', { fullname: u.fullname, phone: u.phone, email: u.email, position: u.position, department: u.department })}\n`,
      )
    )
      yield take();
    for (const r of usage.get(u.login) ?? []) {
      if (
        w(
          `      ${el('usage', {
            date: r.day,
            requests: r.dbRequests,
            docs: r.docsCounted,
            docslicensed: r.docsLicensed,
            docsfree: r.docsFree,
            saved: r.saved,
            printed: r.printed,
            services: r.services,
            kassist: r.kassistRequests,
          })}\n`,
        )
      )
        yield take();
    }
    if (w('    </user>\n')) yield take();
  }
  if (w('  </users>\n')) yield take();

  const from = atMs - p.searchLogHours * 3_600_000;
  if (w('  <searchlog>\n')) yield take();
  for (const s of searchesBetween(p, from, atMs, faults)) {
    if (
      w(
        `    ${el(
          'search',
          {
            time: lt(s.at),
            user: s.login,
            catalog: s.catalog,
            type: s.type,
            source: s.source,
            status: s.status,
            duration: s.durationMs,
          },
          s.query,
        )}\n`,
      )
    )
      yield take();
  }
  if (w('  </searchlog>\n')) yield take();

  if (w('  <refusedlogons>\n')) yield take();
  for (const r of refusedBetween(p, from, atMs, faults)) {
    if (w(`    ${el('refused', { login: r.login, time: lt(r.at) }, r.reason)}\n`)) yield take();
  }
  if (w('  </refusedlogons>\n')) yield take();

  if (w('  <kassist>\n')) yield take();
  for (const k of kassistDaysAt(p, atMs)) {
    if (
      w(
        `    ${el('links', { date: k.day, unique: k.uniqueAdded, nomatch: k.noMatch, added: k.added, active: k.activeVerified })}\n`,
      )
    )
      yield take();
  }
  if (w('  </kassist>\n')) yield take();

  // Sections a real report carries that SMART does not read (the parser must skip them).
  if (w('  <eventlog>\n')) yield take();
  if (p.eventLogDays > 0) {
    const since = atMs - p.eventLogDays * 86_400_000;
    for (let d = localDayNumber(since, off); d <= localDayNumber(atMs, off); d++) {
      for (const e of eventsOfDay(p, d, since, atMs)) {
        if (w(`    ${el('event', { time: lt(e.at), type: e.type, user: e.login, doc: e.doc })}\n`))
          yield take();
      }
    }
  }
  if (w('  </eventlog>\n')) yield take();
  if (w('  <environment>\n')) yield take();
  if (
    w(
      `    <setting name="reservtime">03:00</setting>\n    <setting name="restarttime">${formatLocalTime(serverStartedAt(p, atMs), off).slice(11, 16)}</setting>\n`,
    )
  )
    yield take();
  if (w(`    <disk name="D:" free="${(Math.abs(p.seed) % 400) + 20}GB"/>\n`)) yield take();
  if (
    w(
      `    <report day="${formatLocalDay(atMs, off)}"><note>generated by the SMART simulator</note></report>\n`,
    )
  )
    yield take();
  if (w('  </environment>\n')) yield take();
  if (w('</sysinfo>\n')) yield take();
  if (buf) yield take();
}

/** The report as encoded bytes, chunk by chunk. */
export function* generateSysinfoXml(
  p: ClientProfile,
  atMs: number,
  opts: SysinfoOptions = {},
): Generator<Buffer> {
  const encoding = opts.encoding ?? p.encoding;
  for (const text of sysinfoXmlText(p, atMs, { ...opts, encoding })) {
    yield encoding === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, encoding);
  }
}

/** The whole report as one string (tests, small reports). */
export function generateSysinfoXmlString(p: ClientProfile, atMs: number, opts: SysinfoOptions = {}): string {
  let s = '';
  for (const t of sysinfoXmlText(p, atMs, opts)) s += t;
  return s;
}

/** The file name the ПК gives the download, e.g. `sysinfo_250_361567_20260416_130853`. */
export function sysinfoFileName(p: ClientProfile, atMs: number, ext: 'zip' | 'xml'): string {
  const stamp = formatLocalTime(atMs, p.utcOffsetMin).replace(/[-:]/g, '').replace(' ', '_');
  return `sysinfo_${p.regnum}_${stamp}.${ext}`;
}

/** The report zipped (one XML entry), streamed. Deterministic: the entry time is the report time. */
export function generateSysinfoZip(p: ClientProfile, atMs: number, opts: SysinfoOptions = {}): Readable {
  const zip = new yazl.ZipFile();
  // A DOS timestamp only (no UTC extra field) holding the ПК's wall time, as a Windows ПК writes it;
  // built from wall-clock parts so the bytes do not depend on this machine's time zone.
  const w = new Date(atMs + p.utcOffsetMin * 60_000);
  const mtime = new Date(
    w.getUTCFullYear(),
    w.getUTCMonth(),
    w.getUTCDate(),
    w.getUTCHours(),
    w.getUTCMinutes(),
    w.getUTCSeconds(),
  );
  zip.addReadStream(Readable.from(generateSysinfoXml(p, atMs, opts)), sysinfoFileName(p, atMs, 'xml'), {
    mtime,
    forceDosTimestamp: true,
    compress: true,
  });
  zip.end();
  return zip.outputStream as Readable;
}

export async function generateSysinfoZipBuffer(
  p: ClientProfile,
  atMs: number,
  opts: SysinfoOptions = {},
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of generateSysinfoZip(p, atMs, opts)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
