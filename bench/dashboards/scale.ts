/**
 * How big the generated data set is. Everything the generator writes is a pure function of the scale
 * and the end instant (seeded randomness), so the same scale gives the same rows on both engines.
 */
import { createHash } from 'node:crypto';

export interface Scale {
  installations: number;
  /** Online accesses (SMART.Online), spread over the same clients. */
  accesses: number;
  clients: number;
  managers: number;
  /** Days of history up to the end instant (13 months ≈ 395 days: the store's retention). */
  days: number;
  /** Share of installations polled over the network (probed every minute); the rest send sysinfo. */
  polledShare: number;
  /** Registered users of each installation's ПК. */
  usersPerInstallation: number;
  /** Multiplies every simulated user's daily activity (searches, documents). */
  searchScale: number;
  /** Alert instances over the whole period. */
  alerts: number;
}

export const FULL_SCALE: Scale = {
  installations: 1000,
  accesses: 1500,
  clients: 600,
  managers: 20,
  days: 395,
  polledShare: 0.4,
  usersPerInstallation: 10,
  searchScale: 1,
  alerts: 3000,
};

/**
 * Bumped whenever the generator writes different rows for the same scale: cached data sets of an
 * older version are generated again.
 */
export const GENERATOR_VERSION = 2;

/**
 * The cache key of a data set: the scale, the generator's version and the schema (the migration
 * names), so a new migration (say, new rollup tables) makes a fresh data set.
 */
export function datasetKey(scale: Scale, migrations: readonly string[]): string {
  const text = JSON.stringify({ scale, v: GENERATOR_VERSION, migrations });
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 10);
  return `i${scale.installations}-o${scale.accesses}-d${scale.days}-${hash}`;
}

export function describeScale(s: Scale): string {
  return (
    `1 dealer, ${s.managers} managers, ${s.clients} clients, ${s.installations} installations ` +
    `(${Math.round(s.installations * s.polledShare)} polled), ${s.accesses} online accesses, ` +
    `${s.days} days`
  );
}
