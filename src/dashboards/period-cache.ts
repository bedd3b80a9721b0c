/**
 * Figures of a period kept in memory per database, for reads too large to repeat on every request:
 * «Квартальная аналитика» (13 months of daily rollups for a fleet of a thousand installations and 1,500
 * online accesses are about two million rows) and the closed months of «Для менеджеров» over a long
 * range. A period that is over hardly changes (late reports and the online search log reach at most a
 * week back), so each period's per-subject figures are read once and kept:
 * - a period in progress for `CURRENT_TTL_MS` (a view a few minutes old is current enough; the pages
 *   refresh hourly);
 * - a period closed less than `SETTLE_MS` ago for `RECENT_TTL_MS` (late data may still arrive);
 * - older periods for `CLOSED_TTL_MS`.
 * Subjects not yet kept (another caller's scope, a new installation) are read and added; a subject
 * whose figures are empty is kept as such, so it is not read again.
 */

/** A period as the cache knows it: a key unique per kind of figures, and when the period ends (ms). */
export interface CachedPeriod {
  key: string;
  to: number;
}

const MIN = 60_000;
export const SETTLE_MS = 8 * 24 * 60 * MIN;
export const CURRENT_TTL_MS = 5 * MIN;
export const RECENT_TTL_MS = 10 * MIN;
export const CLOSED_TTL_MS = 6 * 60 * MIN;

interface Slot<T> {
  loadedAt: number;
  values: Map<number, T | null>;
}

/** Per database handle (tests and benchmarks open several): what → period key → slot. */
const store = new WeakMap<object, Map<string, Slot<unknown>>>();

function ttl(q: CachedPeriod, now: number): number {
  if (now < q.to) return CURRENT_TTL_MS;
  return now - q.to < SETTLE_MS ? RECENT_TTL_MS : CLOSED_TTL_MS;
}

/**
 * The figures of `ids` in period `q`: those kept while the slot is fresh, the others through `load`
 * (which returns entries for the ids that have data). A slot starts afresh when it expires.
 */
export async function periodFigures<T>(
  db: object,
  what: string,
  q: CachedPeriod,
  ids: readonly number[],
  now: number,
  load: (ids: readonly number[]) => Promise<Map<number, T>>,
): Promise<Map<number, T>> {
  let byKey = store.get(db);
  if (!byKey) store.set(db, (byKey = new Map()));
  const key = `${what}|${q.key}`;
  let slot = byKey.get(key) as Slot<T> | undefined;
  const stale = (s: Slot<unknown>) =>
    now - s.loadedAt >= ttl(q, now) || now < s.loadedAt || (s.loadedAt < q.to && now >= q.to);
  if (!slot || stale(slot)) {
    // Slots of periods no longer asked for go when a new one is made.
    for (const [k, s] of byKey) if (now - s.loadedAt >= CLOSED_TTL_MS) byKey.delete(k);
    slot = { loadedAt: now, values: new Map() };
    byKey.set(key, slot as Slot<unknown>);
  }
  const values = slot.values;
  const missing = ids.filter((id) => !values.has(id));
  if (missing.length > 0) {
    const loaded = await load(missing);
    for (const id of missing) values.set(id, loaded.get(id) ?? null);
  }
  const out = new Map<number, T>();
  for (const id of ids) {
    const v = values.get(id);
    if (v !== null && v !== undefined) out.set(id, v);
  }
  return out;
}
