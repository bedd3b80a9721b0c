/**
 * Batched sample writes for periodic checks: thousands of subjects a minute, each a few samples.
 * Series ids are cached per database (they never change once created), so a steady-state flush is
 * one multi-row insert of samples, not a lookup per subject.
 */
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import { previousValues, rawCutoff, rollupWritten } from './rollup.js';
import { canonicalLabels, type Labels } from './series.js';

export type SeriesSubject =
  { kind: 'installation'; id: number; dealerId: number } | { kind: 'online'; id: number; dealerId: number };

export interface OwnedSample {
  subject: SeriesSubject;
  metric: string;
  labels: Labels;
  ts: number;
  value: number;
}

const CHUNK = 400;
const idCaches = new WeakMap<Db, Map<string, number>>();

/**
 * The id cache of a database. Writers inside a transaction pass the cache of the database the
 * transaction belongs to, so ids found in one flush are reused by the next.
 */
export function seriesIdCache(db: Db): Map<string, number> {
  return cacheFor(db);
}

function cacheFor(db: Db): Map<string, number> {
  let c = idCaches.get(db);
  if (!c) idCaches.set(db, (c = new Map()));
  return c;
}

const keyOf = (s: SeriesSubject, metric: string, labels: string) =>
  `${s.kind}:${s.id}\u0000${metric}\u0000${labels}`;

/**
 * Writes samples (last write wins for the same series and instant); creates series on first sight. Keeps
 * the daily rollup (`samples_daily`) in step; call inside a transaction so both land together.
 */
export async function writeOwnedSamples(
  ctx: AppContext,
  samples: OwnedSample[],
  cache: Map<string, number> = cacheFor(ctx.db),
): Promise<number> {
  const finite = samples.filter((s) => Number.isFinite(s.value));
  if (finite.length === 0) return 0;
  const prepared = finite.map((s) => {
    const labels = canonicalLabels(s.labels);
    return { s, labels, key: keyOf(s.subject, s.metric, labels) };
  });
  const unknown = new Map<string, (typeof prepared)[number]>();
  for (const p of prepared) if (!cache.has(p.key)) unknown.set(p.key, p);
  if (unknown.size > 0) await resolveIds(ctx, [...unknown.values()], cache);

  const rows = new Map<string, { series_id: number; ts: number; value: number }>();
  for (const p of prepared) {
    const id = cache.get(p.key)!;
    rows.set(`${id}:${p.s.ts}`, { series_id: id, ts: p.s.ts, value: p.s.value });
  }
  // Key order, so concurrent writers of the same series take their row locks in the same order.
  const values = [...rows.values()].sort((a, b) => a.series_id - b.series_id || a.ts - b.ts);
  const previous = await previousValues(ctx.db, values, rawCutoff(ctx));
  for (let i = 0; i < values.length; i += CHUNK) {
    await ctx.db
      .insertInto('samples')
      .values(values.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['series_id', 'ts']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      )
      .execute();
  }
  await rollupWritten(ctx.db, ctx.dbKind, values, previous);
  return values.length;
}

async function resolveIds(
  ctx: AppContext,
  wanted: { s: OwnedSample; labels: string; key: string }[],
  cache: Map<string, number>,
): Promise<void> {
  for (const kind of ['installation', 'online'] as const) {
    const mine = wanted.filter((w) => w.s.subject.kind === kind);
    if (mine.length === 0) continue;
    const column = kind === 'installation' ? 'installation_id' : 'online_access_id';
    const ids = [...new Set(mine.map((w) => w.s.subject.id))];
    const load = async () => {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const rows = await ctx.db
          .selectFrom('series')
          .select(['id', 'installation_id', 'online_access_id', 'metric', 'labels'])
          .where(column, 'in', ids.slice(i, i + CHUNK))
          .execute();
        for (const r of rows) {
          const id = kind === 'installation' ? r.installation_id : r.online_access_id;
          cache.set(keyOf({ kind, id: id!, dealerId: 0 }, r.metric, r.labels), r.id);
        }
      }
    };
    await load();
    const missing = new Map(mine.filter((w) => !cache.has(w.key)).map((w) => [w.key, w]));
    const list = [...missing.values()];
    for (let i = 0; i < list.length; i += CHUNK) {
      await ctx.db
        .insertInto('series')
        .values(
          list.slice(i, i + CHUNK).map((w) => ({
            dealer_id: w.s.subject.dealerId,
            installation_id: kind === 'installation' ? w.s.subject.id : null,
            online_access_id: kind === 'online' ? w.s.subject.id : null,
            metric: w.s.metric,
            labels: w.labels,
          })),
        )
        // Another node may create the same series concurrently; reload below picks its id.
        .onConflict((oc) =>
          oc
            .columns([kind === 'installation' ? 'installation_id' : 'online_access_id', 'metric', 'labels'])
            .doNothing(),
        )
        .execute();
    }
    if (list.length > 0) await load();
  }
}

/** Forgets cached ids (after series were deleted together with their subject). */
export function forgetSeriesIds(db: Db): void {
  idCaches.delete(db);
}
