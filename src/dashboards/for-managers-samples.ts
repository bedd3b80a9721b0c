/**
 * The «Для менеджеров» panels drawn from the report samples: «Максимальное число занятых лицензий на
 * инсталляции», «Процент заполненных карточек заходивших в систему пользователей» (one series per
 * installation) and «Сколько часов назад обновились файлы в OperUp» (one per installation and file).
 * Ranked first (one value per series), then only the kept series are read bucket by bucket: raw samples
 * hourly up to 8 days, the daily rollup beyond.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { idIn } from '../db/dialect.js';
import { rollupDay, ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import type { ManagerAligned, ManagerSeries } from './contract-managers.js';
import { DAY, HOUR } from './for-managers-days.js';
import { bucketStarts, chooseStep, type Range } from './range.js';
import { periodFigures } from './period-cache.js';
import { headsInOrder, round2 } from './rank.js';
import {
  bucketAggregates,
  chunks,
  dailyBucketsKept,
  fillBuckets,
  latestIn,
  rank,
  seriesFor,
  type BucketAgg,
} from './series-read.js';
import type { InstallationSubject } from './subjects.js';

export const SAMPLE_METRICS = {
  inUse: 'sysinfo_licences_in_use',
  cards: 'sysinfo_user_cards_filled_pct',
  operup: 'sysinfo_operup_file_age_seconds',
} as const;

/** Ranges up to this long are drawn from the raw samples (hourly or coarser), longer ones by day. */
const RAW_MAX_MS = 8 * DAY;

export const emptyAligned = (step: number, starts: number[]): ManagerAligned => ({
  step,
  timestamps: starts,
  series: [],
  total: 0,
});

function sampleStep(range: Range, maxPoints: number, rawMaxMs: number): { step: number; raw: boolean } {
  const raw = range.to - range.from <= rawMaxMs;
  const step = chooseStep(range, maxPoints, raw ? HOUR : DAY);
  return { step, raw: step < DAY };
}

/**
 * The kept series' buckets: hourly from the samples, or by day from the rollup with the days closed
 * by `now` (the request's instant, as the other panels take it) kept.
 */
const sampleBuckets = (
  ctx: AppContext,
  ids: readonly number[],
  base: number,
  step: number,
  to: number,
  raw: boolean,
  now: number,
): Promise<Map<number, BucketAgg[]>> =>
  raw ? bucketAggregates(ctx, ids, base, step, to, 'raw') : dailyBucketsKept(ctx, ids, base, step, to, now);

/** The largest daily maximum of each series over the rollup days [firstDay, lastDay]. */
async function dailyMax(
  ctx: AppContext,
  ids: readonly number[],
  firstDay: number,
  lastDay: number,
): Promise<Map<number, number>> {
  const parts = await Promise.all(
    chunks(ids).map((chunk) =>
      ctx.db
        .selectFrom('samples_daily')
        .select((eb) => ['series_id', eb.fn.max<number>('max').as('v')])
        .where(idIn(ctx.dbKind, 'series_id', chunk))
        .where('day', '>=', firstDay)
        .where('day', '<=', lastDay)
        .groupBy('series_id')
        .execute(),
    ),
  );
  return new Map(parts.flat().map((r) => [Number(r.series_id), Number(r.v)]));
}

export const installationSeries = (s: InstallationSubject, values: (number | null)[]): ManagerSeries => ({
  key: `i:${s.id}`,
  label: s.host,
  installationId: s.id,
  clientId: s.clientId,
  host: s.host,
  values,
});

/**
 * One series per installation of a metric written by every report: «Максимальное число занятых
 * лицензий» (the maximum of each bucket; ranked by the maximum of the range's last 30 days, highest
 * first) or «Процент заполненных карточек» (the newest value of each bucket; ranked by the newest value
 * in the range, lowest first).
 */
export async function perInstallationSamples(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
  range: Range,
  limit: number,
  kind: 'maxLicences' | 'cardsFilled',
  now: number,
): Promise<ManagerAligned> {
  const { step, raw } = sampleStep(range, 200, RAW_MAX_MS);
  const starts = bucketStarts(range, step, ROLLUP_OFFSET_MIN);
  const out = emptyAligned(step, starts);
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const metric = kind === 'maxLicences' ? SAMPLE_METRICS.inUse : SAMPLE_METRICS.cards;
  const series = await seriesFor(ctx, [...byId.keys()], [metric], [{}]);
  const ids = series.map((x) => x.id);
  const value = new Map<number, number>();
  if (kind === 'maxLicences') {
    // Whole rollup days: from the one 30 days before the end (or the range's first) to the last one.
    const since = rollupDay(Math.max(range.from, range.to - 30 * DAY));
    const lastDay = rollupDay(range.to - 1);
    // The days before today's are kept per database (period-cache.ts); only today's rows are read anew.
    const cut = Math.min(lastDay + DAY, rollupDay(now));
    const [kept, open] = await Promise.all([
      cut > since
        ? periodFigures(ctx.db, 'maxLicences', { key: `${since}|${cut}`, to: cut }, ids, now, (missing) =>
            dailyMax(ctx, missing, since, cut - DAY),
          )
        : new Map<number, number>(),
      cut <= lastDay ? dailyMax(ctx, ids, Math.max(cut, since), lastDay) : new Map<number, number>(),
    ]);
    for (const m of [kept, open])
      for (const [id, v] of m) value.set(id, Math.max(v, value.get(id) ?? -Infinity));
  } else {
    for (const [id, p] of await latestIn(ctx, ids, range.from, range.to)) value.set(id, p.value);
  }
  const entries = series
    .filter((x) => value.has(x.id))
    .map((x) => ({
      id: x.installationId,
      sid: x.id,
      label: byId.get(x.installationId)!.host,
      value: value.get(x.id)!,
    }));
  rank(entries, kind === 'maxLicences' ? (a, b) => b - a : (a, b) => a - b);
  out.total = entries.length;
  const kept = entries.slice(0, limit);
  const buckets = await sampleBuckets(
    ctx,
    kept.map((e) => e.sid),
    starts[0]!,
    step,
    range.to,
    raw,
    now,
  );
  const pick = kind === 'maxLicences' ? (r: BucketAgg) => r.max : (r: BucketAgg) => round2(r.last);
  out.series = kept.map((e) =>
    installationSeries(byId.get(e.id)!, fillBuckets(starts, buckets.get(e.sid), pick)),
  );
  return out;
}

/**
 * «Сколько часов назад обновились файлы в OperUp»: one series per installation and file, the file's age
 * in hours (the largest of each bucket: the top of the sawtooth; hourly up to 8 days, then by day). Ranked by the newest age in the range,
 * oldest first: from the installations' current OperUp list when their newest report lies in the range
 * (one query), from the samples otherwise.
 */
export async function operupAge(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
  range: Range,
  limit: number,
  now: number,
): Promise<ManagerAligned> {
  const { step, raw } = sampleStep(range, 300, RAW_MAX_MS);
  const starts = bucketStarts(range, step, ROLLUP_OFFSET_MIN);
  const out = emptyAligned(step, starts);
  if (subjects.length === 0) return out;
  const byId = new Map(subjects.map((s) => [s.id, s]));
  // The files of installations whose newest report lies in the range, with their age then; the others'
  // (no report in the range) come from the samples below.
  const ids = [...byId.keys()];
  // A file's age at its installation's newest report (none below 0: a file changed after the report).
  const age = sql`case when s.report_at > o.modified_at then s.report_at - o.modified_at else 0 end`;
  const [current, stale] = await Promise.all([
    // Only the files that can be drawn: those ranked within `limit` by age, ties at the limit included
    // (rank() gives them one rank), so the head below orders the same files as it would all 5,000; and
    // how many files there are.
    sql<{ installation_id: number; path: string; age: number; files: number }>`
      select installation_id, path, age, files from (
        select o.installation_id, o.path, ${age} as age,
          rank() over (order by ${age} desc) as r, count(*) over () as files
        from installation_operups o
        join installation_state s on s.installation_id = o.installation_id
        where ${idIn(ctx.dbKind, 'o.installation_id', ids)} and s.report_at >= ${range.from}
          and s.report_at <= ${range.to} and o.modified_at is not null
      ) x
      where r <= ${limit}`.execute(ctx.db),
    ctx.db
      .selectFrom('installation_state as s')
      .select('s.installation_id')
      .where(idIn(ctx.dbKind, 's.installation_id', ids))
      .where((eb) =>
        eb.or([
          eb('s.report_at', 'is', null),
          eb('s.report_at', '<', range.from),
          eb('s.report_at', '>', range.to),
        ]),
      )
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('installation_operups as o')
            .select('o.path')
            .whereRef('o.installation_id', '=', 's.installation_id'),
        ),
      )
      .execute(),
  ]);
  type Entry = { id: number; inst: number; path: string; value: number };
  const entries: Entry[] = current.rows.map((r) => {
    const inst = Number(r.installation_id);
    return { id: inst, inst, path: r.path, value: Number(r.age) / 1000 };
  });
  const currentFiles = Number(current.rows[0]?.files ?? 0);
  const fromSamples = stale.map((r) => Number(r.installation_id));
  if (fromSamples.length > 0) {
    const series = await seriesFor(ctx, fromSamples, [SAMPLE_METRICS.operup]);
    const latest = await latestIn(
      ctx,
      series.map((x) => x.id),
      range.from,
      range.to,
    );
    for (const x of series) {
      const v = latest.get(x.id);
      const path = x.labels.path;
      if (!v || path === undefined) continue;
      const inst = x.installationId;
      entries.push({ id: inst, inst, path, value: v.value });
    }
  }
  // rank()'s order (oldest first, then label, then id), sorting only the head: thousands of files, fifty drawn.
  const labelOf = (e: Entry) => `${byId.get(e.inst)!.host} ${e.path}`;
  out.total = currentFiles + entries.length - current.rows.length;
  const kept = headsInOrder(
    entries,
    (e) => e.value,
    (a, b) => {
      if (a.value !== b.value) return b.value - a.value;
      const la = labelOf(a);
      const lb = labelOf(b);
      return (la < lb ? -1 : la > lb ? 1 : 0) || a.id - b.id;
    },
  )(limit).map((e) => ({ ...e, label: labelOf(e) }));
  const want = new Set(kept.map((e) => `${e.inst}\u0000${e.path}`));
  const series = (
    await seriesFor(ctx, [...new Set(kept.map((e) => e.inst))], [SAMPLE_METRICS.operup])
  ).filter((x) => x.labels.path !== undefined && want.has(`${x.installationId}\u0000${x.labels.path}`));
  const sid = new Map(series.map((x) => [`${x.installationId}\u0000${x.labels.path}`, x.id]));
  const buckets = await sampleBuckets(
    ctx,
    series.map((x) => x.id),
    starts[0]!,
    step,
    range.to,
    raw,
    now,
  );
  out.series = kept.map((e) => {
    const s = byId.get(e.inst)!;
    const id = sid.get(`${e.inst}\u0000${e.path}`);
    const values =
      id === undefined
        ? starts.map(() => null)
        : fillBuckets(starts, buckets.get(id), (r) => round2(r.max / 3600));
    return { ...installationSeries(s, values), key: `f:${s.id}:${e.path}`, label: e.label, path: e.path };
  });
  return out;
}
