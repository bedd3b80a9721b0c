/**
 * Silences and maintenance windows: while one covers an alert instance, the instance keeps being
 * evaluated and shown (as suppressed), but nobody is notified. Maintenance windows are in an IANA
 * time zone, one-off or weekly, so "every Sunday 02:00–06:00 Yekaterinburg time" means exactly that
 * whatever the server's zone.
 */
import type { Db } from '../db/database.js';
import { matches, parseMatchers, type AlertMatchers } from './matchers.js';
import { loadQuietClients, QUIET_MUTED } from '../health/quiet.js';

export interface SilenceConfig {
  id: number;
  unitId: number | null;
  matchers: AlertMatchers;
  startsAt: number;
  endsAt: number;
}

export interface MaintenanceWindowConfig {
  id: number;
  scopeKind: 'dealer' | 'unit' | 'client' | 'installation' | 'online';
  scopeId: number;
  timeZone: string;
  kind: 'once' | 'weekly';
  startsAt: number | null;
  endsAt: number | null;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  /** HH:MM local */
  startTime: string | null;
  durationMin: number | null;
  validFrom: number | null;
  validUntil: number | null;
}

export interface Suppressions {
  silences: SilenceConfig[];
  windows: MaintenanceWindowConfig[];
  unitPaths: Map<number, string>;
  /** Episodic clients in an expected quiet month → reason (src/health/quiet.ts). */
  quietClients?: Map<number, string>;
}

/** What is needed of an instance to decide. */
export interface SuppressibleInstance {
  name: string;
  labels: Record<string, string>;
  subjectKind: string;
  subjectId: number;
  clientId: number | null;
  unitId: number | null;
}

export async function loadSuppressions(db: Db, dealerId: number, now: number): Promise<Suppressions> {
  const [silences, windows, units, quietClients] = await Promise.all([
    db
      .selectFrom('silences')
      .selectAll()
      .where('dealer_id', '=', dealerId)
      .where('ends_at', '>', now)
      .where('starts_at', '<=', now)
      .execute(),
    db.selectFrom('maintenance_windows').selectAll().where('dealer_id', '=', dealerId).execute(),
    db.selectFrom('org_units').select(['id', 'path']).where('dealer_id', '=', dealerId).execute(),
    loadQuietClients(db, dealerId, now),
  ]);
  return {
    silences: silences.map((s) => ({
      id: s.id,
      unitId: s.unit_id,
      matchers: parseMatchers(s.matchers),
      startsAt: s.starts_at,
      endsAt: s.ends_at,
    })),
    windows: windows.map(windowFromRow),
    unitPaths: new Map(units.map((u) => [u.id, u.path])),
    quietClients,
  };
}

export function windowFromRow(w: {
  id: number;
  scope_kind: string;
  scope_id: number;
  time_zone: string;
  kind: string;
  starts_at: number | null;
  ends_at: number | null;
  days: string | null;
  start_time: string | null;
  duration_min: number | null;
  valid_from: number | null;
  valid_until: number | null;
}): MaintenanceWindowConfig {
  return {
    id: w.id,
    scopeKind: w.scope_kind as MaintenanceWindowConfig['scopeKind'],
    scopeId: w.scope_id,
    timeZone: w.time_zone,
    kind: w.kind as MaintenanceWindowConfig['kind'],
    startsAt: w.starts_at,
    endsAt: w.ends_at,
    days: w.days ? (JSON.parse(w.days) as number[]) : [],
    startTime: w.start_time,
    durationMin: w.duration_min,
    validFrom: w.valid_from,
    validUntil: w.valid_until,
  };
}

function unitCovers(paths: Map<number, string>, owner: number, objectUnit: number | null): boolean {
  if (objectUnit === null) return false;
  return paths.get(objectUnit)?.includes(`/${owner}/`) ?? false;
}

function windowCovers(
  w: MaintenanceWindowConfig,
  i: SuppressibleInstance,
  paths: Map<number, string>,
): boolean {
  switch (w.scopeKind) {
    case 'dealer':
      return true;
    case 'unit':
      return unitCovers(paths, w.scopeId, i.unitId);
    case 'client':
      return i.clientId === w.scopeId;
    case 'installation':
      return i.subjectKind === 'installation' && i.subjectId === w.scopeId;
    case 'online':
      return i.subjectKind === 'online' && i.subjectId === w.scopeId;
  }
}

/** Why an instance is not notified now: `silence:ID`, `maintenance:ID`, `quiet:PROFILE`, or null. */
export function suppressionOf(s: Suppressions, i: SuppressibleInstance, now: number): string | null {
  for (const sil of s.silences) {
    if (now < sil.startsAt || now >= sil.endsAt) continue;
    if (sil.unitId !== null && !unitCovers(s.unitPaths, sil.unitId, i.unitId)) continue;
    if (matches(sil.matchers, i)) return `silence:${sil.id}`;
  }
  for (const w of s.windows) {
    if (windowCovers(w, i, s.unitPaths) && windowActive(w, now)) return `maintenance:${w.id}`;
  }
  // Low-activity nudges of an episodic client in its expected quiet month (docs/health.md).
  const quiet = i.clientId === null ? undefined : s.quietClients?.get(i.clientId);
  if (quiet && QUIET_MUTED.has(i.name)) return quiet;
  return null;
}

// ---- time zones ----

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** Local wall-clock parts of an instant in a zone. */
export function zonedParts(
  ms: number,
  tz: string,
): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const p = Object.fromEntries(
    formatter(tz)
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  return { y: +p.year!, mo: +p.month!, d: +p.day!, h: +p.hour!, mi: +p.minute!, s: +p.second! };
}

/** Offset of a zone at an instant, minutes east of UTC. */
function offsetAt(ms: number, tz: string): number {
  const p = zonedParts(ms, tz);
  return Math.round((Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** The instant of a local wall-clock time in a zone (a time skipped by a DST jump maps past the gap). */
export function zonedTimeToUtc(y: number, mo: number, d: number, h: number, mi: number, tz: string): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let guess = wall - offsetAt(wall, tz) * 60_000;
  guess = wall - offsetAt(guess, tz) * 60_000;
  return guess;
}

/** Parses "YYYY-MM-DDTHH:MM" (local to tz) or an ISO instant with an offset/Z. */
export function parseLocalDateTime(text: string, tz: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(text.trim());
  if (m) return zonedTimeToUtc(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, tz);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text.trim())) {
    const ms = Date.parse(text);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

export function windowActive(w: MaintenanceWindowConfig, now: number): boolean {
  if (w.validFrom !== null && now < w.validFrom) return false;
  if (w.validUntil !== null && now >= w.validUntil) return false;
  if (w.kind === 'once')
    return w.startsAt !== null && w.endsAt !== null && now >= w.startsAt && now < w.endsAt;
  if (!w.startTime || !w.durationMin) return false;
  const [hh, mm] = w.startTime.split(':').map(Number) as [number, number];
  const today = zonedParts(now, w.timeZone);
  // A window may have started on one of the previous days and still be running.
  const back = Math.ceil(w.durationMin / 1440);
  for (let k = 0; k <= back; k += 1) {
    const day = new Date(Date.UTC(today.y, today.mo - 1, today.d - k));
    const isoDow = ((day.getUTCDay() + 6) % 7) + 1;
    if (!w.days.includes(isoDow)) continue;
    const start = zonedTimeToUtc(
      day.getUTCFullYear(),
      day.getUTCMonth() + 1,
      day.getUTCDate(),
      hh,
      mm,
      w.timeZone,
    );
    if (now >= start && now < start + w.durationMin * 60_000) return true;
  }
  return false;
}
