import { describe, expect, it } from 'vitest';
import { hash32, Rng, unit } from './prng.js';

describe('seeded randomness', () => {
  it('is a pure function of its parts', () => {
    expect(hash32(1, 'a', 20_000)).toBe(hash32(1, 'a', 20_000));
    expect(hash32(1, 'a', 20_000)).not.toBe(hash32(1, 'a', 20_001));
    expect(hash32(1, 'a')).not.toBe(hash32(1, 'b'));
    // Millisecond instants differ above 32 bits too.
    expect(hash32(Date.UTC(2026, 0, 1))).not.toBe(hash32(Date.UTC(2026, 0, 1) + 2 ** 32));
    const a = new Rng(7, 'x');
    const b = new Rng(7, 'x');
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
  });

  it('is roughly uniform', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const u = unit(3, i);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      buckets[Math.floor(u * 10)]!++;
    }
    for (const b of buckets) expect(Math.abs(b - 2_000)).toBeLessThan(250);
    const r = new Rng(1);
    const picks = new Set(Array.from({ length: 200 }, () => r.int(1, 6)));
    expect([...picks].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Rng(2).weighted([['only', 1]] as const)).toBe('only');
  });
});
