import { describe, expect, it } from 'vitest';
import { headsInOrder } from '../../src/dashboards/rank.js';

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

describe('headsInOrder', () => {
  it('is the head of the full sort, ties at the cut included, for every k', () => {
    const next = lcg(7);
    // Few distinct values: many ties, also at the k-th place.
    const items: Item[] = Array.from({ length: 400 }, (_, i) => ({
      value: Math.floor(next() * 12),
      login: `u${Math.floor(next() * 1000)}-${i}`,
    }));
    const full = [...items].sort(order);
    const head = headsInOrder(items, (x) => x.value, order);
    for (const k of [0, 1, 2, 7, 50, 199, 399, 400, 800]) expect(head(k)).toEqual(full.slice(0, k));
  });

  it('leaves its input as it was', () => {
    const items: Item[] = [
      { value: 1, login: 'a' },
      { value: 3, login: 'b' },
      { value: 2, login: 'c' },
    ];
    const copy = items.map((x) => ({ ...x }));
    expect(headsInOrder(items, (x) => x.value, order)(2).map((x) => x.login)).toEqual(['b', 'c']);
    expect(items).toEqual(copy);
  });
});
