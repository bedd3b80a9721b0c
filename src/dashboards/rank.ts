/**
 * Small helpers shared by the availability, billing and client-page queries: rounding, the legend
 * order of a panel ("N of total") and chunked id lists.
 */
import type { AlignedSeries } from './contract.js';

/** Two decimals, as the panels show them. */
export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** The last non-null value of a series, or null. */
export function lastValue(values: readonly (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i -= 1) {
    const v = values[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

/**
 * Orders series by their last value (ascending: the worst availability, the smallest remainder
 * first; no value last), then by label, and keeps the first `limit`.
 */
export function rankByLast(
  series: AlignedSeries[],
  limit?: number,
): { series: AlignedSeries[]; total: number } {
  const keyed = series.map((s) => ({ s, last: lastValue(s.values) }));
  keyed.sort((a, b) => {
    if (a.last === null && b.last !== null) return 1;
    if (b.last === null && a.last !== null) return -1;
    if (a.last !== null && b.last !== null && a.last !== b.last) return a.last - b.last;
    return a.s.label.localeCompare(b.s.label) || a.s.key.localeCompare(b.s.key);
  });
  const total = keyed.length;
  const kept = limit === undefined ? keyed : keyed.slice(0, limit);
  return { series: kept.map((k) => k.s), total };
}

/** `ids` cut into pieces small enough for one `in (…)` list on both engines. */
export function chunked<T>(ids: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

/** The legend text of an online access: `client / login`. */
export function accessLabel(a: { client: string; login: string }): string {
  return `${a.client} / ${a.login}`;
}

/**
 * The first `k` items in `order` (asked for growing `k`), for an order whose first key is `value`, largest
 * first: only the items at or above the k-th largest value are sorted (a ranking of ten thousand
 * accounts usually reads the first fifty).
 */
export function headsInOrder<T>(
  items: readonly T[],
  value: (item: T) => number,
  order: (a: T, b: T) => number,
): (k: number) => T[] {
  const values = new Float64Array(items.length);
  for (let i = 0; i < items.length; i += 1) values[i] = value(items[i]!);
  const sortedValues = values.slice().sort();
  return (k) => {
    if (k <= 0) return [];
    if (k >= items.length) return [...items].sort(order);
    const kth = sortedValues[items.length - k]!;
    const head: T[] = [];
    for (let i = 0; i < items.length; i += 1) if (values[i]! >= kth) head.push(items[i]!);
    return head.sort(order).slice(0, k);
  };
}
