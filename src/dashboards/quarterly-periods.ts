/**
 * Calendar quarters of «Квартальная аналитика»: their keys, bounds and months. Instants (alerts fired,
 * refused logons) belong to the quarter of their Moscow date, as every dashboard's days do; rollups kept
 * by local day or month (a ПК's day, an online access's billing month) by that date; the daily
 * availability counters by their UTC date (they have no finer grain).
 */
const DAY = 86_400_000;
const MOSCOW_MS = 180 * 60_000;

export interface QuarterSpan {
  /** `2025-Q3`. */
  key: string;
  year: number;
  /** 1..4 */
  q: number;
  /** Moscow midnight of the first day, ms. */
  from: number;
  /** Moscow midnight of the first day of the next quarter, ms. */
  to: number;
  /** UTC midnight of the first day and of the next quarter's (availability_daily's days). */
  utcFrom: number;
  utcTo: number;
  /** `YYYY-MM-DD` of the first day and of the next quarter's first day. */
  firstDay: string;
  nextFirstDay: string;
  /** `YYYY-MM` of its three months. */
  months: string[];
  days: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The quarter `offset` quarters after `year`-Q`q` (negative: before). */
export function quarterOf(year: number, q: number, offset = 0): QuarterSpan {
  const index = year * 4 + (q - 1) + offset;
  const y = Math.floor(index / 4);
  const qq = (index % 4) + 1;
  const m0 = (qq - 1) * 3;
  const utcFrom = Date.UTC(y, m0, 1);
  const utcTo = Date.UTC(y, m0 + 3, 1);
  const next = new Date(utcTo);
  return {
    key: `${y}-Q${qq}`,
    year: y,
    q: qq,
    from: utcFrom - MOSCOW_MS,
    to: utcTo - MOSCOW_MS,
    utcFrom,
    utcTo,
    firstDay: `${y}-${pad(m0 + 1)}-01`,
    nextFirstDay: `${next.getUTCFullYear()}-${pad(next.getUTCMonth() + 1)}-01`,
    months: [0, 1, 2].map((k) => `${y}-${pad(m0 + k + 1)}`),
    days: Math.round((utcTo - utcFrom) / DAY),
  };
}

/** The quarter holding the instant `at` (Moscow date). */
export function quarterAt(at: number): QuarterSpan {
  const d = new Date(at + MOSCOW_MS);
  return quarterOf(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) + 1);
}

/** `count` quarters ending with the one holding `at`, oldest first. */
export function quartersEndingAt(at: number, count: number): QuarterSpan[] {
  const last = quarterAt(at);
  const out: QuarterSpan[] = [];
  for (let k = count - 1; k >= 0; k -= 1) out.push(quarterOf(last.year, last.q, -k));
  return out;
}

/** The quarter before. */
export function previousQuarter(s: QuarterSpan): QuarterSpan {
  return quarterOf(s.year, s.q, -1);
}

/** Days of the quarter elapsed at `now` (0 before it starts, all of them once it is over). */
export function elapsedDays(s: QuarterSpan, now: number): number {
  if (now >= s.to) return s.days;
  if (now <= s.from) return 0;
  return Math.min(s.days, Math.ceil((now - s.from) / DAY));
}

/** `YYYY-MM` → days in that month. */
export function daysInMonth(month: string): number {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * How much of a month counts at `now`: 1 once it is over, the elapsed share while it runs (at least one
 * day, so a month's first hours do not divide by zero), 0 before it starts. Monthly norms of a month in
 * progress are judged on its share, as the Стандарт's checkpoints are (3 % by the 10th, 15 % by the 30th).
 */
export function monthWeight(month: string, now: number): number {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  const start = Date.UTC(y, m - 1, 1) - MOSCOW_MS;
  const end = Date.UTC(y, m, 1) - MOSCOW_MS;
  if (now >= end) return 1;
  if (now < start) return 0;
  const days = daysInMonth(month);
  return Math.max(1, Math.ceil((now - start) / DAY)) / days;
}
