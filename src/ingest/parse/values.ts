/**
 * Conversion of raw XML strings to typed Snapshot values, and string hygiene for memory:
 * V8 keeps substrings as views into the (large) decoded chunk they came from, so every string that
 * outlives the chunk is copied flat; frequent short values (logins, catalogs, days) are interned.
 */
import { localDay, localTimeToUtc, localValidUntil } from './local-time.js';
import { errorCodeFromText } from './kodeks-errors.js';
import { VOCABULARY, type ValueType } from './sysinfo-map.js';

/** A flat copy of `s` that does not pin the chunk it was sliced from. */
export function flatten(s: string): string {
  // V8 copies (rather than slices) strings shorter than 13 characters.
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

/** Bounded string interning: repeated values share one copy. */
export class Interner {
  private readonly map = new Map<string, string>();
  constructor(private readonly max = 50_000) {}
  get(s: string): string {
    const hit = this.map.get(s);
    if (hit !== undefined) return hit;
    const flat = flatten(s);
    if (this.map.size < this.max && s.length <= 128) this.map.set(flat, flat);
    return flat;
  }
}

/** value (lower-case) → key, for each vocabulary: one Map lookup per value. */
function index<K extends string>(table: Record<K, readonly string[]>): Map<string, K> {
  const m = new Map<string, K>();
  for (const key of Object.keys(table) as K[]) for (const v of table[key]) m.set(v, key);
  return m;
}
const SEARCH_TYPE = index(VOCABULARY.searchType);
const SEARCH_STATUS = index(VOCABULARY.searchStatus);
const SENSELOCK = index(VOCABULARY.senselockStatus);
const BOOL = index(VOCABULARY.bool);

function lookup<K extends string>(table: Map<string, K>, raw: string): K | undefined {
  return table.get(raw) ?? table.get(raw.trim().toLowerCase());
}

const DIGITS = /^\d{1,15}$/;

export type Converted = string | number | boolean;

/**
 * Converts one raw value; undefined when it cannot be read (the caller treats it as missing and
 * records a warning). Strings are returned as-is: the caller flattens or interns them.
 */
export function convertValue(type: ValueType, raw: string, utcOffsetMin: number): Converted | undefined {
  switch (type) {
    case 'string':
      return raw;
    case 'int': {
      if (DIGITS.test(raw)) return Number(raw);
      const v = raw.replace(/[\s\u00a0]/g, '');
      if (!/^[+-]?\d{1,15}$/.test(v)) return undefined;
      return Number(v);
    }
    case 'count': {
      if (DIGITS.test(raw)) return Number(raw);
      const v = raw.replace(/[\s\u00a0]/g, '');
      if (!/^\+?\d{1,15}$/.test(v)) return undefined;
      return Number(v);
    }
    case 'bool': {
      const hit = lookup(BOOL, raw);
      return hit === undefined ? undefined : hit === 'true';
    }
    case 'localTime':
      return localTimeToUtc(raw, utcOffsetMin) ?? undefined;
    case 'day':
      return localDay(raw) ?? undefined;
    case 'validUntil':
      return localValidUntil(raw, utcOffsetMin)?.at;
    case 'searchType':
      return lookup(SEARCH_TYPE, raw) ?? 'other';
    case 'searchStatus':
      return lookup(SEARCH_STATUS, raw) ?? 'unknown';
    case 'senselockStatus':
      return lookup(SENSELOCK, raw) ?? 'unknown';
    case 'errorCode': {
      const v = raw.trim();
      if (/^\d{1,6}$/.test(v)) return Number(v);
      return errorCodeFromText(v) ?? undefined;
    }
  }
}
