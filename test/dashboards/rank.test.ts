import { describe, expect, it } from 'vitest';
import { firstByValue } from '../../src/dashboards/rank.js';

interface Item {
  value: number;
  login: string;
}

const order = (a: Item, b: Item) => b.value - a.value || (a.login < b.login ? -1 : a.login > b.login ? 1 : 0);

/** A seeded generator, so a failure can be run again. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

describe('firstByValue', () => {
  it('is the head of the full sort, ties at the cut included, for every k', () => {
    const next = lcg(7);
    // Few distinct values: many ties, also at the k-th place.
    const items: Item[] = Array.from({ length: 400 }, (_, i) => ({
      value: Math.floor(next() * 12),
      login: `u${Math.floor(next() * 1000)}-${i}`,
    }));
    const full = [...items].sort(order);
    for (const k of [0, 1, 2, 7, 50, 199, 399, 400, 800])
      expect(firstByValue(items, k, (x) => x.value, order)).toEqual(full.slice(0, k));
  });

  it('leaves its input as it was', () => {
    const items: Item[] = [
      { value: 1, login: 'a' },
      { value: 3, login: 'b' },
      { value: 2, login: 'c' },
    ];
    const copy = items.map((x) => ({ ...x }));
    expect(firstByValue(items, 2, (x) => x.value, order).map((x) => x.login)).toEqual(['b', 'c']);
    expect(items).toEqual(copy);
  });
});
