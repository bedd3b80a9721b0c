import type { AppContext } from '../context.js';
import { previousValues, rawCutoff, rollupWritten } from './rollup.js';

export type Labels = Record<string, string>;

export interface SampleInput {
  metric: string;
  labels: Labels;
  value: number;
}

export interface SeriesOwner {
  dealerId: number;
  installationId: number;
}

/** Labels as stored: JSON with keys sorted, so the same label set always gives the same text. */
export function canonicalLabels(labels: Labels): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
}

const CHUNK = 500;

function chunks<T>(xs: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * Writes one sample per input at time `ts`, creating the series it belongs to on first sight.
 * Batched: one read of the installation's series, one insert for new series, chunked sample inserts.
 * A second write for the same series and instant replaces the value (re-processing is idempotent).
 * Non-finite values (NaN, ±Inf) are skipped: they carry no measurement. The daily rollup
 * (`samples_daily`, rollup.ts) is updated in the same transaction as the caller's.
 */
export async function writeSamples(
  ctx: AppContext,
  owner: SeriesOwner,
  ts: number,
  samples: SampleInput[],
): Promise<number> {
  const finite = samples.filter((s) => Number.isFinite(s.value));
  if (finite.length === 0) return 0;
  const key = (metric: string, labels: string) => `${metric}\u0000${labels}`;
  const existing = await ctx.db
    .selectFrom('series')
    .select(['id', 'metric', 'labels'])
    .where('installation_id', '=', owner.installationId)
    .execute();
  const ids = new Map(existing.map((s) => [key(s.metric, s.labels), s.id]));
  const wanted = new Map<string, { metric: string; labels: string; value: number }>();
  for (const s of finite) {
    const labels = canonicalLabels(s.labels);
    wanted.set(key(s.metric, labels), { metric: s.metric, labels, value: s.value });
  }
  const missing = [...wanted.entries()].filter(([k]) => !ids.has(k));
  for (const part of chunks(missing)) {
    const rows = await ctx.db
      .insertInto('series')
      .values(
        part.map(([, s]) => ({
          dealer_id: owner.dealerId,
          installation_id: owner.installationId,
          metric: s.metric,
          labels: s.labels,
        })),
      )
      .returning(['id', 'metric', 'labels'])
      .execute();
    for (const r of rows) ids.set(key(r.metric, r.labels), r.id);
  }
  // Key order, so concurrent writers of the same series take their row locks in the same order.
  const values = [...wanted.entries()]
    .map(([k, s]) => ({ series_id: ids.get(k) as number, ts, value: s.value }))
    .sort((a, b) => a.series_id - b.series_id);
  const previous = await previousValues(ctx.db, values, rawCutoff(ctx));
  for (const part of chunks(values)) {
    await ctx.db
      .insertInto('samples')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['series_id', 'ts']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      )
      .execute();
  }
  await rollupWritten(ctx.db, ctx.dbKind, values, previous);
  return values.length;
}

export interface SeriesPoints {
  metric: string;
  labels: Labels;
  points: [number, number][];
}

/** Samples of one installation's metric in [from, to), grouped by series. Callers check the scope first. */
export async function readSeries(
  ctx: AppContext,
  installationId: number,
  metric: string,
  from: number,
  to: number,
): Promise<SeriesPoints[]> {
  const rows = await ctx.db
    .selectFrom('samples')
    .innerJoin('series', 'series.id', 'samples.series_id')
    .select(['series.id as id', 'series.labels as labels', 'samples.ts as ts', 'samples.value as value'])
    .where('series.installation_id', '=', installationId)
    .where('series.metric', '=', metric)
    .where('samples.ts', '>=', from)
    .where('samples.ts', '<', to)
    .orderBy('series.id')
    .orderBy('samples.ts')
    .execute();
  const out = new Map<number, SeriesPoints>();
  for (const r of rows) {
    let s = out.get(r.id);
    if (!s) {
      s = { metric, labels: JSON.parse(r.labels) as Labels, points: [] };
      out.set(r.id, s);
    }
    s.points.push([r.ts, Number(r.value)]);
  }
  return [...out.values()];
}
