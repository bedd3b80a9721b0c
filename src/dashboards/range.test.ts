import { describe, expect, it } from 'vitest';
import { ValidationError } from '../lib/errors.js';
import {
  alignPoints,
  bucketIndex,
  bucketStarts,
  chooseStep,
  MAX_RANGE_MS,
  resolveRange,
  STEPS,
} from './range.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Tuesday 2026-03-10 13:37 UTC. */
const T = Date.UTC(2026, 2, 10, 13, 37);

describe('resolveRange', () => {
  it('defaults to the last defaultMs up to now, and takes what is given', () => {
    expect(resolveRange({}, T, 7 * DAY)).toEqual({ from: T - 7 * DAY, to: T });
    expect(resolveRange({ from: T - DAY }, T, 7 * DAY)).toEqual({ from: T - DAY, to: T });
    expect(resolveRange({ to: T - DAY }, T, 7 * DAY)).toEqual({ from: T - 8 * DAY, to: T - DAY });
  });

  it('refuses an empty or reversed range and one longer than two years', () => {
    expect(() => resolveRange({ from: T, to: T }, T, DAY)).toThrow(ValidationError);
    expect(() => resolveRange({ from: T + 1 }, T, DAY)).toThrow(/from: must be before to/);
    expect(() => resolveRange({ from: T - MAX_RANGE_MS - 1, to: T }, T, DAY)).toThrow(/two years/);
    expect(resolveRange({ from: T - MAX_RANGE_MS, to: T }, T, DAY).from).toBe(T - MAX_RANGE_MS);
  });
});

describe('chooseStep', () => {
  it('picks the smallest round step that keeps the range within maxPoints', () => {
    expect(chooseStep({ from: 0, to: DAY })).toBe(5 * MIN); // 288 points
    expect(chooseStep({ from: 0, to: 7 * DAY })).toBe(HOUR); // 168
    expect(chooseStep({ from: 0, to: 90 * DAY })).toBe(12 * HOUR); // 180
    expect(chooseStep({ from: 0, to: 90 * DAY }, 120)).toBe(DAY);
    expect(chooseStep({ from: 0, to: 2 * 366 * DAY }, 100)).toBe(7 * DAY); // the largest, even over maxPoints
  });

  it('never goes below minStep', () => {
    expect(chooseStep({ from: 0, to: HOUR }, 300, HOUR)).toBe(HOUR);
    expect(chooseStep({ from: 0, to: 2 * DAY }, 300, DAY)).toBe(DAY);
    expect(STEPS).toEqual([...STEPS].sort((a, b) => a - b));
  });
});

describe('bucketStarts', () => {
  it('aligns sub-day buckets to the step in UTC and covers from…to', () => {
    const starts = bucketStarts({ from: T, to: T + 3 * HOUR }, HOUR);
    expect(starts[0]).toBe(Date.UTC(2026, 2, 10, 13));
    expect(starts.at(-1)).toBe(Date.UTC(2026, 2, 10, 16));
    expect(starts).toHaveLength(4);
  });

  it('starts daily buckets at midnight of the zone (Moscow by default)', () => {
    const starts = bucketStarts({ from: T - 2 * DAY, to: T }, DAY);
    // 2026-03-08 00:00 MSK = 2026-03-07 21:00 UTC
    expect(starts).toEqual([0, 1, 2].map((k) => Date.UTC(2026, 2, 7, 21) + k * DAY));
    // at UTC+7 and UTC
    expect(bucketStarts({ from: T, to: T }, DAY, 420)).toEqual([Date.UTC(2026, 2, 9, 17)]);
    expect(bucketStarts({ from: T, to: T }, DAY, 0)).toEqual([Date.UTC(2026, 2, 10)]);
    // just before midnight MSK the bucket is still the previous day
    expect(bucketStarts({ from: Date.UTC(2026, 2, 10, 20, 59), to: Date.UTC(2026, 2, 10, 21) }, DAY)).toEqual(
      [Date.UTC(2026, 2, 9, 21), Date.UTC(2026, 2, 10, 21)],
    );
  });

  it('starts weekly buckets on Monday at midnight of the zone', () => {
    const starts = bucketStarts({ from: T - 20 * DAY, to: T }, 7 * DAY);
    for (const s of starts) {
      const msk = new Date(s + 180 * MIN);
      expect(msk.getUTCDay()).toBe(1);
      expect(msk.getUTCHours()).toBe(0);
    }
    // Monday 2026-02-16 MSK holds T − 20 days (Thursday 2026-02-18); the last week holds T.
    expect(starts[0]).toBe(Date.UTC(2026, 1, 15, 21));
    expect(starts.at(-1)).toBe(Date.UTC(2026, 2, 8, 21));
  });

  it('finds the bucket of an instant', () => {
    const starts = bucketStarts({ from: T, to: T + 3 * HOUR }, HOUR);
    expect(bucketIndex(starts, HOUR, starts[0]!)).toBe(0);
    expect(bucketIndex(starts, HOUR, starts[0]! - 1)).toBe(-1);
    expect(bucketIndex(starts, HOUR, starts[3]! + HOUR - 1)).toBe(3);
    expect(bucketIndex(starts, HOUR, starts[3]! + HOUR)).toBe(-1);
    expect(bucketIndex([], HOUR, T)).toBe(-1);
  });
});

describe('alignPoints', () => {
  const starts = [0, 10, 20, 30, 40];
  const pts: [number, number][] = [
    [1, 4],
    [5, 2],
    [9, 6],
    [25, 3],
  ];

  it('reduces the points of each bucket and leaves empty buckets null', () => {
    expect(alignPoints(starts, 10, pts, 'max')).toEqual([6, null, 3, null, null]);
    expect(alignPoints(starts, 10, pts, 'min')).toEqual([2, null, 3, null, null]);
    expect(alignPoints(starts, 10, pts, 'last')).toEqual([6, null, 3, null, null]);
    expect(alignPoints(starts, 10, pts, 'sum')).toEqual([12, null, 3, null, null]);
    expect(alignPoints(starts, 10, pts, 'avg')).toEqual([4, null, 3, null, null]);
  });

  it('ignores points outside the buckets, except as the value carried into the first ones', () => {
    const p: [number, number][] = [
      [-5, 9],
      [12, 1],
      [55, 7],
    ];
    expect(alignPoints(starts, 10, p, 'last')).toEqual([null, 1, null, null, null]);
    expect(alignPoints(starts, 10, p, 'last', 10)).toEqual([9, 1, 1, null, null]);
  });

  it('carries a step function across empty buckets for carryMs, then leaves a gap', () => {
    expect(alignPoints(starts, 10, pts, 'last', 14)).toEqual([6, 6, 3, 3, null]);
    expect(alignPoints(starts, 10, pts, 'last', 15)).toEqual([6, 6, 3, 3, 3]);
    expect(alignPoints(starts, 10, pts, 'avg', 100)).toEqual([4, 6, 3, 3, 3]);
    expect(alignPoints(starts, 10, [], 'max', 100)).toEqual([null, null, null, null, null]);
  });
});
