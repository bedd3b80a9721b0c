/**
 * Time range and bucket arithmetic for the dashboards: a step from the range (so a panel has at most
 * about `maxPoints` points whatever the range), bucket starts, and alignment of raw points to them.
 */
import { ValidationError } from '../lib/errors.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Steps a panel may use, smallest first: round numbers a reader recognises on the axis. */
export const STEPS = [MIN, 5 * MIN, 15 * MIN, 30 * MIN, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY];

/** The longest range a dashboard may ask for (the store keeps 13 months; a little slack). */
export const MAX_RANGE_MS = 2 * 366 * DAY;

export interface Range {
  from: number;
  to: number;
}

/** `from`/`to` from the query, defaulted and checked (to > from, not longer than two years). */
export function resolveRange(q: { from?: number; to?: number }, now: number, defaultMs: number): Range {
  const to = q.to ?? now;
  const from = q.from ?? to - defaultMs;
  if (from >= to) throw ValidationError.about('from', `must be before to (${from} ≥ ${to})`);
  if (to - from > MAX_RANGE_MS)
    throw ValidationError.about('from', 'the range may not be longer than two years');
  return { from, to };
}

/** The smallest step that keeps the range within `maxPoints` buckets, but not below `minStep`. */
export function chooseStep(range: Range, maxPoints = 300, minStep = MIN): number {
  const span = range.to - range.from;
  for (const s of STEPS) if (s >= minStep && span / s <= maxPoints) return s;
  return STEPS[STEPS.length - 1]!;
}

const WEEK = 7 * DAY;

/**
 * Bucket starts covering [from, to]. Buckets of a day or longer start at midnight of `offsetMin`'s zone
 * (Moscow by default), so a daily point is a calendar day where the readers are; weekly buckets start
 * on Monday.
 */
export function bucketStarts(range: Range, step: number, offsetMin = 180): number[] {
  const shift = step >= DAY ? offsetMin * MIN : 0;
  // 1970-01-01 was a Thursday: Mondays are 4 days past a multiple of 7 days since the epoch.
  const phase = step % WEEK === 0 ? 4 * DAY : 0;
  const first = Math.floor((range.from + shift - phase) / step) * step - shift + phase;
  const out: number[] = [];
  for (let t = first; t <= range.to; t += step) out.push(t);
  return out;
}

/** Index of the bucket that holds `ts`, or -1 when outside. `starts` must be ascending and even. */
export function bucketIndex(starts: readonly number[], step: number, ts: number): number {
  if (starts.length === 0 || ts < starts[0]!) return -1;
  const i = Math.floor((ts - starts[0]!) / step);
  return i < starts.length ? i : -1;
}

export type Reducer = 'last' | 'max' | 'min' | 'sum' | 'avg';

/**
 * Raw points (ascending by time) reduced into the buckets; a bucket with no point is `null` (a gap).
 * `carryMs` > 0 treats the series as a step function sampled at least that often: an empty bucket
 * within `carryMs` of the previous point repeats its value instead of showing a gap.
 */
export function alignPoints(
  starts: readonly number[],
  step: number,
  points: readonly (readonly [number, number])[],
  reduce: Reducer,
  carryMs = 0,
): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(starts.length).fill(null);
  const counts = reduce === 'avg' ? new Array<number>(starts.length).fill(0) : null;
  let lastTs = -Infinity;
  let lastValue: number | null = null;
  let lastFilled = -1;
  const carryUntil = (i: number) => {
    if (carryMs <= 0 || lastValue === null) return;
    for (let k = lastFilled + 1; k < i; k += 1) {
      if (starts[k]! - lastTs > carryMs) break;
      out[k] = lastValue;
    }
  };
  for (const [ts, v] of points) {
    const i = bucketIndex(starts, step, ts);
    if (i < 0) {
      if (ts < starts[0]!) {
        lastTs = ts;
        lastValue = v;
      }
      continue;
    }
    if (i > lastFilled + 1) carryUntil(i);
    const cur = out[i];
    if (cur === null || cur === undefined || i > lastFilled) {
      out[i] = v;
      if (counts) counts[i] = 1;
    } else {
      switch (reduce) {
        case 'last':
          out[i] = v;
          break;
        case 'max':
          out[i] = Math.max(cur, v);
          break;
        case 'min':
          out[i] = Math.min(cur, v);
          break;
        case 'sum':
        case 'avg':
          out[i] = cur + v;
          if (counts) counts[i]! += 1;
          break;
      }
    }
    lastFilled = Math.max(lastFilled, i);
    lastTs = ts;
    lastValue = v;
  }
  carryUntil(starts.length);
  if (counts) for (let i = 0; i < out.length; i += 1) if (counts[i]! > 0) out[i] = out[i]! / counts[i]!;
  return out;
}
