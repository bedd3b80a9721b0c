/**
 * Seeded, stateless randomness. Every simulated fact is a pure function of (seed, what, when), so a
 * report for any past moment can be regenerated (backfill) without replaying the days before it.
 */

/** murmur3's 32-bit finalizer: a good avalanche for cheap. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function strHash(s: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes any number of integers / strings into one 32-bit value. */
export function hash32(...parts: (number | string)[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    const v = typeof p === 'string' ? strHash(p) : Math.floor(p) | 0;
    // Large numbers (epoch days, ms) carry information above 32 bits: fold the high part in too.
    const hi = typeof p === 'number' ? Math.floor(p / 4294967296) | 0 : 0;
    h = fmix32(h ^ Math.imul(v, 0xcc9e2d51) ^ Math.imul(hi, 0x1b873593));
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + 0x6b43a9b5;
  }
  return fmix32(h);
}

/** A uniform float in [0, 1) from the parts. */
export function unit(...parts: (number | string)[]): number {
  return hash32(...parts) / 4294967296;
}

/** A small sequential generator (mulberry32) for drawing several values under one key. */
export class Rng {
  private s: number;
  constructor(...seedParts: (number | string)[]) {
    this.s = hash32(...seedParts);
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((n, [, w]) => n + w, 0);
    let r = this.next() * total;
    for (const [v, w] of items) {
      r -= w;
      if (r < 0) return v;
    }
    return items[items.length - 1]![0];
  }
}
