/**
 * Local calendar arithmetic for the rules. Installations and online accesses carry a fixed offset from
 * UTC in minutes (Russia has no daylight saving), so a local date is UTC shifted by that offset: no time
 * zone database is needed and every helper is a pure function of (instant, offset).
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface LocalParts {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  /** Days since 1970-01-01 in local time (the local date as one integer, for counting). */
  dayNumber: number;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** The local date and time of an instant. */
export function localParts(at: number, utcOffsetMin: number): LocalParts {
  const shifted = at + utcOffsetMin * MINUTE_MS;
  const d = new Date(shifted);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay(),
    dayNumber: Math.floor(shifted / DAY_MS),
  };
}

/** `YYYY-MM` of the local month an instant falls in (the format of usage.month and online state.month). */
export function localMonth(at: number, utcOffsetMin: number): string {
  const p = localParts(at, utcOffsetMin);
  return `${String(p.year).padStart(4, '0')}-${pad2(p.month)}`;
}

/** The number of days in a month (month 1–12): 28–31. */
export function lastDayOfMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The last day of the local month an instant falls in. */
export function lastLocalDayOfMonth(at: number, utcOffsetMin: number): number {
  const p = localParts(at, utcOffsetMin);
  return lastDayOfMonth(p.year, p.month);
}

/** The local day number (days since 1970-01-01 local) of an instant. */
export function localDayNumber(at: number, utcOffsetMin: number): number {
  return Math.floor((at + utcOffsetMin * MINUTE_MS) / DAY_MS);
}

/** Mon–Fri among day numbers 0..n-1 (day 0, 1970-01-01, was a Thursday). */
function workingDaysBefore(n: number): number {
  const weeks = Math.floor(n / 7);
  let count = weeks * 5;
  // The days left over start on the same weekday as day 0 (Thursday = 4).
  for (let k = weeks * 7; k < n; k++) {
    const wd = (((k + 4) % 7) + 7) % 7;
    if (wd !== 0 && wd !== 6) count++;
  }
  return count;
}

/**
 * Working days (Mon–Fri) strictly between two local day numbers: `after` and `before` themselves are not
 * counted. Public holidays are not known, so they count as working days. Constant time, so an access
 * unused for years costs nothing.
 */
export function workingDaysBetween(afterDay: number, beforeDay: number): number {
  if (beforeDay - afterDay <= 1) return 0;
  // Shift both so the counting starts at a non-negative number with the same weekday alignment.
  const shift = afterDay < 0 ? Math.ceil(-afterDay / 7) * 7 + 7 : 0;
  return workingDaysBefore(beforeDay + shift) - workingDaysBefore(afterDay + shift + 1);
}

/** `DD.MM.YYYY` of the local day an instant falls in (the date notation of Russian texts). */
export function formatLocalDate(at: number, utcOffsetMin: number): string {
  const p = localParts(at, utcOffsetMin);
  return `${pad2(p.day)}.${pad2(p.month)}.${p.year}`;
}

/** `DD.MM.YYYY HH:MM` local. */
export function formatLocalDateTime(at: number, utcOffsetMin: number): string {
  const p = localParts(at, utcOffsetMin);
  return `${formatLocalDate(at, utcOffsetMin)} ${pad2(p.hour)}:${pad2(p.minute)}`;
}
