/**
 * Time ranges as Grafana writes them in the URL: `from=now-90d&to=now` (relative) or milliseconds since
 * the epoch (absolute). Units: m, h, d, w, M (30 days), y (365 days). Presets run from 5 minutes to two
 * years; custom ranges are whole local days. The shift buttons move by 10 days (by the range length when
 * it is shorter than 10 days); zoom out adds 10 days at both ends of a custom range or moves a preset to
 * the next larger one.
 */
import type { Key } from '../i18n';
import { t } from '../i18n';
import { fmtDate, fmtDateTime, fmtDuration } from './format';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const MAX_RANGE = 2 * 366 * DAY;

const UNIT_MS: Record<string, number> = { m: MIN, h: HOUR, d: DAY, w: 7 * DAY, M: 30 * DAY, y: 365 * DAY };
const REL = /^now(?:-(\d+)([mhdwMy]))?$/;

export interface RawRange {
  from: string;
  to: string;
}

export interface Preset {
  from: string;
  key: Key;
  ms: number;
}

export const PRESETS: Preset[] = (
  [
    ['5m', 'tp.last5m'],
    ['15m', 'tp.last15m'],
    ['30m', 'tp.last30m'],
    ['1h', 'tp.last1h'],
    ['3h', 'tp.last3h'],
    ['6h', 'tp.last6h'],
    ['12h', 'tp.last12h'],
    ['24h', 'tp.last24h'],
    ['2d', 'tp.last2d'],
    ['7d', 'tp.last7d'],
    ['30d', 'tp.last30d'],
    ['90d', 'tp.last90d'],
    ['6M', 'tp.last6M'],
    ['1y', 'tp.last1y'],
    ['2y', 'tp.last2y'],
  ] as const
).map(([span, key]) => ({ from: `now-${span}`, key, ms: relMs(`now-${span}`) ?? 0 }));

/** How far back a relative expression points, in ms (0 for `now`), or null when it is not relative. */
export function relMs(expr: string): number | null {
  const m = REL.exec(expr);
  if (!m) return null;
  if (!m[1]) return 0;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** A valid URL value: relative or absolute ms. */
export function isTimeExpr(s: string | null | undefined): s is string {
  return !!s && (REL.test(s) || /^\d{10,15}$/.test(s));
}

/** `now-90d` / ms → ms at `now`. */
export function resolveExpr(expr: string, now: number): number {
  const rel = relMs(expr);
  if (rel !== null) return now - rel;
  return Number(expr);
}

export function resolveRange(r: RawRange, now: number): { from: number; to: number } {
  return { from: resolveExpr(r.from, now), to: resolveExpr(r.to, now) };
}

export function isRelative(r: RawRange): boolean {
  return relMs(r.from) !== null && r.to === 'now';
}

export function presetOf(r: RawRange): Preset | undefined {
  return r.to === 'now' ? PRESETS.find((p) => p.from === r.from) : undefined;
}

/** `now-90d` for a span in ms (the largest unit that divides it). */
export function relFor(ms: number): string {
  for (const [u, size] of [
    ['y', UNIT_MS.y!],
    ['M', UNIT_MS.M!],
    ['d', DAY],
    ['h', HOUR],
    ['m', MIN],
  ] as const) {
    if (ms % size === 0) return `now-${ms / size}${u}`;
  }
  return `now-${Math.round(ms / MIN)}m`;
}

/** The picker's button text. */
export function rangeLabel(r: RawRange, now: number): string {
  const p = presetOf(r);
  if (p) return t(p.key);
  const rel = relMs(r.from);
  if (rel !== null && r.to === 'now') return t('tp.lastN', { len: fmtDuration(rel) });
  const { from, to } = resolveRange(r, now);
  if (isWholeDays(from, to)) {
    const lastDay = to - 1;
    return `${fmtDate(from)} — ${fmtDate(lastDay)}`;
  }
  return `${fmtDateTime(from)} — ${fmtDateTime(to)}`;
}

/** Local midnight at or before ms. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Local midnight of the day after the one holding ms. */
export function endOfDay(ms: number): number {
  const d = new Date(startOfDay(ms));
  d.setDate(d.getDate() + 1);
  return d.getTime();
}

function isWholeDays(from: number, to: number): boolean {
  return startOfDay(from) === from && startOfDay(to) === to;
}

/** `yyyy-MM-dd` (a date input's value) → local midnight. */
export function dayStart(isoDay: string): number {
  const [y, m, d] = isoDay.split('-').map(Number);
  return new Date(y!, m! - 1, d!).getTime();
}

/** How far the shift buttons move a range of `len` ms. */
export function shiftStep(len: number): number {
  return len >= 10 * DAY ? 10 * DAY : len;
}

/** The range moved earlier (-1) or later (+1); never beyond now. Always absolute. */
export function shiftRange(r: RawRange, dir: -1 | 1, now: number): RawRange {
  const { from, to } = resolveRange(r, now);
  const len = to - from;
  const step = shiftStep(len) * dir;
  let f = from + step;
  let tt = to + step;
  if (tt > now) {
    tt = now;
    f = now - len;
  }
  return { from: String(Math.round(f)), to: String(Math.round(tt)) };
}

/** The next larger preset, or null at two years. */
export function nextPreset(len: number): Preset | null {
  return PRESETS.find((p) => p.ms > len + 1000) ?? null;
}

/** Zoom out: a relative range moves to the next larger preset; an absolute one gets ±10 days. */
export function zoomOut(r: RawRange, now: number): RawRange {
  if (isRelative(r)) {
    const next = nextPreset(relMs(r.from)!);
    return next ? { from: next.from, to: 'now' } : r;
  }
  const { from, to } = resolveRange(r, now);
  let f = from - 10 * DAY;
  const tt = Math.min(to + 10 * DAY, Math.max(to, now));
  if (tt - f > MAX_RANGE) f = tt - MAX_RANGE;
  return { from: String(f), to: String(tt) };
}

/** A range selected by dragging across a chart. */
export function absolute(from: number, to: number): RawRange {
  return { from: String(Math.round(from)), to: String(Math.round(to)) };
}
