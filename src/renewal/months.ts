/**
 * The calendar of the renewal tables and the month-over-month change. A renewal year is a calendar
 * year; rollups kept by local month (a ПК's, an online access's billing month) fall in their own month,
 * instants and the daily sample rollup by their Moscow date, the availability counters by their UTC date.
 */
import type { Change } from './contract.js';

const MOSCOW_MS = 180 * 60_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-01` … `YYYY-12`. */
export function monthsOf(year: number): string[] {
  return Array.from({ length: 12 }, (_, i) => `${year}-${pad(i + 1)}`);
}

/** December of the year before: January's change is against it. */
export const monthBefore = (year: number): string => `${year - 1}-12`;

/** The Moscow calendar year of an instant (the default year). */
export function moscowYear(at: number): number {
  return new Date(at + MOSCOW_MS).getUTCFullYear();
}

/** Moscow midnight of 1 December of the year before and of 1 January of the next year, ms. */
export function yearSpan(year: number): { from: number; to: number; yearFrom: number } {
  return {
    from: Date.UTC(year - 1, 11, 1) - MOSCOW_MS,
    yearFrom: Date.UTC(year, 0, 1) - MOSCOW_MS,
    to: Date.UTC(year + 1, 0, 1) - MOSCOW_MS,
  };
}

/** `YYYY-MM` and day of month of an instant on the Moscow calendar. */
export function moscowMonthDay(at: number): { month: string; day: number } {
  const d = new Date(at + MOSCOW_MS);
  return { month: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`, day: d.getUTCDate() };
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * (current − previous) ÷ previous × 100 — the direction the numbers in the existing service show, not
 * the inverted formula its text gives (spec online-managers §4.6, §10.1; docs/dashboards.md).
 */
export function monthChange(prev: number | null, cur: number | null): Change {
  if (prev === null || cur === null) return null;
  if (prev === 0) return cur === 0 ? null : 'inf';
  return round1(((cur - prev) / prev) * 100);
}

/** The changes of twelve values, January against `before` (December of the year before). */
export function changesOf(before: number | null, values: readonly (number | null)[]): Change[] {
  return values.map((v, i) => monthChange(i === 0 ? before : values[i - 1]!, v));
}

/** Month names as the tables' columns read (Январь … Декабрь). */
export const RU_MONTHS = [
  'Январь',
  'Февраль',
  'Март',
  'Апрель',
  'Май',
  'Июнь',
  'Июль',
  'Август',
  'Сентябрь',
  'Октябрь',
  'Ноябрь',
  'Декабрь',
] as const;

/** `YYYY-MM` → its month's name in lower case, for running text. */
export const monthName = (month: string): string => RU_MONTHS[Number(month.slice(5, 7)) - 1]!.toLowerCase();
