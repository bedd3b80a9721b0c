/**
 * Times inside a sysinfo report are the ПК's wall-clock time without a zone. These helpers turn them
 * into UTC milliseconds with the installation's offset (minutes east of UTC), and read calendar days.
 * A value that does carry a zone (`Z`, `+03:00`) is honoured as written.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;

// 2026-04-16 13:08:53[.123] | 2026-04-16T13:08:53 | 2026-04-16 13:08 | 2026-04-16, optional zone.
const ISO_LIKE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
// 16.04.2026 13:08:53 | 16.04.2026 13:08 | 16.04.2026
const RU = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  msec: number;
  zoneMin: number | null;
  hasTime: boolean;
}

function zoneMinutes(z: string | undefined): number | null {
  if (!z) return null;
  if (z === 'Z' || z === 'z') return 0;
  const sign = z.startsWith('-') ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

function split(value: string): Parts | null {
  const v = value.trim();
  let m = ISO_LIKE.exec(v);
  if (m) {
    const frac = m[7] ?? '';
    return {
      y: Number(m[1]),
      mo: Number(m[2]),
      d: Number(m[3]),
      h: Number(m[4] ?? 0),
      mi: Number(m[5] ?? 0),
      s: Number(m[6] ?? 0),
      msec: frac ? Math.floor(Number(frac.padEnd(3, '0').slice(0, 3))) : 0,
      zoneMin: zoneMinutes(m[8]),
      hasTime: m[4] !== undefined,
    };
  }
  m = RU.exec(v);
  if (m) {
    return {
      y: Number(m[3]),
      mo: Number(m[2]),
      d: Number(m[1]),
      h: Number(m[4] ?? 0),
      mi: Number(m[5] ?? 0),
      s: Number(m[6] ?? 0),
      msec: 0,
      zoneMin: null,
      hasTime: m[4] !== undefined,
    };
  }
  return null;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function valid(p: Parts): boolean {
  if (p.mo < 1 || p.mo > 12 || p.d < 1 || p.h > 23 || p.mi > 59 || p.s > 59) return false;
  const leap = p.y % 4 === 0 && (p.y % 100 !== 0 || p.y % 400 === 0);
  return p.d <= (p.mo === 2 && leap ? 29 : MONTH_DAYS[p.mo - 1]!);
}

/** Local wall time (or a time with an explicit zone) → UTC ms; null when unreadable. */
export function localTimeToUtc(value: string, utcOffsetMin: number): number | null {
  const p = split(value);
  if (!p || !valid(p)) return null;
  const wall = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s, p.msec);
  return wall - (p.zoneMin ?? utcOffsetMin) * MINUTE;
}

/** A calendar day as `YYYY-MM-DD`, from either notation (the time part, if any, is ignored). */
export function localDay(value: string): string | null {
  const p = split(value);
  if (!p || !valid(p)) return null;
  return `${String(p.y).padStart(4, '0')}-${String(p.mo).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/**
 * The end of validity written in a report: a bare date means "valid through that local day", so the
 * licence stops at the next local midnight; a date with a time stops at that instant.
 */
export function localValidUntil(value: string, utcOffsetMin: number): { day: string; at: number } | null {
  const p = split(value);
  if (!p || !valid(p)) return null;
  const day = localDay(value);
  if (day === null) return null;
  const at = p.hasTime
    ? Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s, p.msec) - (p.zoneMin ?? utcOffsetMin) * MINUTE
    : Date.UTC(p.y, p.mo - 1, p.d) + DAY - utcOffsetMin * MINUTE;
  return { day, at };
}

/** UTC ms → the ПК's wall time as `YYYY-MM-DD HH:MM:SS` (the notation our sysinfo model writes). */
export function formatLocalTime(atMs: number, utcOffsetMin: number): string {
  const d = new Date(atMs + utcOffsetMin * MINUTE);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return (
    `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`
  );
}

/** UTC ms → the ПК's local calendar day `YYYY-MM-DD`. */
export function formatLocalDay(atMs: number, utcOffsetMin: number): string {
  return formatLocalTime(atMs, utcOffsetMin).slice(0, 10);
}
