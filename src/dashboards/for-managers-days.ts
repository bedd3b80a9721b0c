/**
 * The calendar of «Для менеджеров»: the usage counters of the ПК are per local day, so the day panels
 * draw the ПК's local day D on the dashboards' axis day D (Moscow), as «Kodeks аналитика» does. Ranges
 * shorter than 200 days are drawn by day: a month-to-date or a trailing-window value of a day is the one
 * at that day if it had a report; a per-day value is the day's. From 200 days on, a point per month (at
 * its 1st, Moscow midnight): the month's total from the monthly rollups, the current month so far —
 * weekly points of a month-to-date sawtooth say less and would read every daily row of the range.
 */
import { sql, type RawBuilder } from 'kysely';
import type { DbKind } from '../db/dialect.js';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import { bucketStarts, type Range } from './range.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** Moscow's offset from UTC, ms: the axis days and months are Moscow's. */
export const OFFSET_MS = ROLLUP_OFFSET_MIN * MIN;

/** Ranges at least this long are drawn a point per month. */
export const MONTHLY_FROM_MS = 200 * DAY;

/** Calendar date (`YYYY-MM-DD`) of an instant on the dashboards' axis (Moscow). */
export function axisDate(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

export const monthStart = (date: string): string => `${date.slice(0, 8)}01`;

/** Start (ms) of the Moscow calendar month holding the instant just before `to`: the default `from`. */
export function monthStartBefore(to: number): number {
  return Date.parse(`${monthStart(axisDate(to - 1))}T00:00:00Z`) - OFFSET_MS;
}

const dayStarts = new Map<string, number>();

/** Midnight UTC of a date `YYYY-MM-DD`, remembered: the panels ask it of the same few hundred days 10,000 times. */
function utcMidnight(day: string): number {
  let t = dayStarts.get(day);
  if (t === undefined) {
    t = Date.parse(`${day}T00:00:00Z`);
    if (dayStarts.size > 50_000) dayStarts.clear();
    dayStarts.set(day, t);
  }
  return t;
}

/** First and last instant of a local day `YYYY-MM-DD` at an offset (minutes east of UTC). */
export function localDayBounds(day: string, offsetMin: number): { start: number; end: number } {
  const start = utcMidnight(day) - offsetMin * MIN;
  return { start, end: start + DAY - 1 };
}

/** The instant an axis day (Moscow) starts. */
export const axisDayStart = (day: string): number => localDayBounds(day, ROLLUP_OFFSET_MIN).start;

export interface DayAxis {
  /** A point per month (`months`), not per day. */
  monthly: boolean;
  /** The months (`YYYY-MM`) of a monthly axis, one per start. */
  months: string[];
  step: number;
  starts: number[];
  /** Axis days of the range's ends. */
  fromDay: string;
  toDay: string;
  /** Axis day of the first bucket's start. */
  firstDay: string;
  /** Every day from the earliest one a panel needs (a month start, or 59 days before) through `toDay`. */
  days: string[];
  dayIndex: Map<string, number>;
  /** Per bucket, the indexes (into `days`) of its days up to `toDay`. */
  bucketDays: number[][];
  /** Per day, whether it is the 1st of a month. */
  monthFirst: boolean[];
}

/** The month `n` months after `m` (both `YYYY-MM`). */
export function shiftMonth(m: string, n: number): string {
  const d = new Date(`${m}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 7);
}

const nextMonth = (m: string) => shiftMonth(m, 1);

/** How long a month stays open after its Moscow end: installations east of Moscow end it earlier, west later. */
const MONTH_END_SLACK_MS = DAY;

/**
 * The local months [first, last] as period-cache.ts keys them: figures of closed months, kept per
 * database, live as long as the last of them may still take late reports anywhere.
 */
export function monthsPeriod(first: string, last: string): { key: string; to: number } {
  return {
    key: `${first}..${last}`,
    to: Date.parse(`${nextMonth(last)}-01T00:00:00Z`) - OFFSET_MS + MONTH_END_SLACK_MS,
  };
}

/** The buckets of a range (days, or months from 200 days on), and the days `lookback` before the first. */
export function dayAxis(range: Range, lookback: number): DayAxis {
  const toDay = axisDate(range.to);
  const fromDay = axisDate(range.from);
  const monthly = range.to - range.from >= MONTHLY_FROM_MS;
  const months: string[] = [];
  if (monthly) for (let m = fromDay.slice(0, 7); m <= toDay.slice(0, 7); m = nextMonth(m)) months.push(m);
  const step = monthly ? 30 * DAY : DAY;
  const starts = monthly
    ? months.map((m) => Date.parse(`${m}-01T00:00:00Z`) - OFFSET_MS)
    : bucketStarts(range, step, ROLLUP_OFFSET_MIN);
  const firstDay = axisDate(starts[0]!);
  const lo = [monthStart(firstDay), addDays(firstDay, -lookback)].sort()[0]!;
  const days: string[] = [];
  if (!monthly) for (let d = lo; d <= toDay; d = addDays(d, 1)) days.push(d);
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const bucketDays = monthly
    ? []
    : starts.map((st) => {
        const i = dayIndex.get(axisDate(st));
        return i === undefined ? [] : [i];
      });
  return {
    monthly,
    months,
    step,
    starts,
    fromDay,
    toDay,
    firstDay,
    days,
    dayIndex,
    bucketDays,
    monthFirst: days.map((d) => d.endsWith('-01')),
  };
}

/** Running month-to-date sums of per-day values (restarting on each 1st). */
export function monthToDate(axis: DayAxis, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(axis.days.length);
  let run = 0;
  for (let i = 0; i < out.length; i += 1) {
    if (axis.monthFirst[i]) run = 0;
    run += x[i]!;
    out[i] = run;
  }
  return out;
}

/** Sums over the `n` days through each day. */
export function trailing(x: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(x.length);
  let run = 0;
  for (let i = 0; i < x.length; i += 1) {
    run += x[i]! - (i >= n ? x[i - n]! : 0);
    out[i] = run;
  }
  return out;
}

/** Per bucket: the value at its last reported day (cumulative series), null when none reported. */
export function atLastReported(
  axis: DayAxis,
  acc: ArrayLike<number>,
  reported: ArrayLike<number>,
): (number | null)[] {
  return axis.bucketDays.map((idx) => {
    for (let k = idx.length - 1; k >= 0; k -= 1) if (reported[idx[k]!]) return acc[idx[k]!]!;
    return null;
  });
}

/** Per bucket: the sum over its reported days (per-day series), null when none reported. */
export function sumReported(
  axis: DayAxis,
  x: ArrayLike<number>,
  reported: ArrayLike<number>,
): (number | null)[] {
  return axis.bucketDays.map((idx) => {
    let sum: number | null = null;
    for (const i of idx) if (reported[i]) sum = (sum ?? 0) + x[i]!;
    return sum;
  });
}

/** `YYYY-MM-DD` in SQL of an instant (ms) at the UTC offset (minutes) in `offset`. */
export function localDaySql(
  kind: DbKind,
  at: RawBuilder<unknown>,
  offset: RawBuilder<unknown>,
): RawBuilder<string> {
  return kind === 'sqlite'
    ? sql<string>`strftime('%Y-%m-%d', (${at} + ${offset} * 60000) / 1000, 'unixepoch')`
    : sql<string>`to_char(to_timestamp((${at} + ${offset} * 60000) / 1000.0) at time zone 'UTC', 'YYYY-MM-DD')`;
}

export const round1 = (v: number): number => Math.round(v * 10) / 10;
