/**
 * How big the generated data set is. Everything the generator writes is a pure function of the scale
 * and the end instant (seeded randomness), so the same scale gives the same rows on both engines.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
export const GENERATOR_VERSION = 5;

/**
 * What a data set is made of besides the generator: the migrations (the schema, and the backfills
 * they run) and the rollup functions the generator calls. Their text is part of the key, so a data
 * set made before any of them changed (a migration edited while under development, too) is not reused.
 */
const SOURCES = [
  'src/db/migrations/',
  'src/metrics/rollup.ts',
  'src/ingest/usage-rollup.ts',
  'src/ingest/user-usage-monthly.ts',
  'src/online/search-daily.ts',
  'src/ingest/refused-daily.ts',
];

function sourcesText(): string {
  const root = new URL('../../', import.meta.url);
  const parts: string[] = [];
  for (const s of SOURCES) {
    const path = fileURLToPath(new URL(s, root));
    const files = s.endsWith('/')
      ? readdirSync(path)
          .sort()
          .map((f) => `${path}${f}`)
      : [path];
    for (const f of files) parts.push(f.slice(f.lastIndexOf('src/')), readFileSync(f, 'utf8'));
  }
  return parts.join('\u0000');
}

/** The cache key of a data set: the scale, the generator's version and the sources above. */
export function datasetKey(scale: Scale): string {
  const text = JSON.stringify({ scale, v: GENERATOR_VERSION, sources: sourcesText() });
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
