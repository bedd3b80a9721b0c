/** Small helpers shared by the installation and online rules. */
import { requireAlertDef } from '../catalogue.js';
import type { ParamsOf } from '../types.js';

/**
 * One effective parameter of an alert. Falls back to the catalogue default when the settings lack it
 * or hold something unusable, so a broken override cannot silence or flood an alert.
 */
export function paramOf(params: ParamsOf, name: string, key: string): number {
  const v = params(name)[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const d = requireAlertDef(name).params?.[key];
  if (d === undefined) throw new Error(`alert ${name} has no parameter ${key}`);
  return d;
}

/** A value for people: one decimal. */
export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Cuts a text for a label or a message (user queries can be kilobytes). */
export function cut(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

/** Joins items until the text would pass `max` characters, then says how many were left out. */
export function joinBounded(items: readonly string[], max: number, sep = '; '): string {
  let out = '';
  let n = 0;
  for (const it of items) {
    const next = n === 0 ? it : `${out}${sep}${it}`;
    if (next.length > max && n > 0) break;
    out = next.length > max ? cut(next, max) : next;
    n++;
  }
  return n < items.length ? `${out}${sep}и ещё ${items.length - n}` : out;
}

/** The newest first, then one per key (keeping the newest), at most `limit`. */
export function newestPerKey<T extends { at: number }>(
  items: readonly T[],
  keyOf: (x: T) => string,
  limit: number,
): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const x of [...items].sort((a, b) => b.at - a.at)) {
    const k = keyOf(x);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(x);
    if (out.length >= limit) break;
  }
  return out;
}

/** The identity of a query: case and spacing do not make a new one. */
export function queryIdentity(query: string): string {
  return query.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** At most this many KodeksSearchIsEmpty instances per subject (the newest): a flood is not analysable. */
export const MAX_EMPTY_SEARCHES = 50;

/** The instance key of an empty search: `<user>|<query>`, the query lower-cased, spacing collapsed, cut to 200. */
export function searchKey(user: string, query: string): string {
  return `${user}|${cut(queryIdentity(query), 200)}`;
}
