/**
 * "Kodeks server metrics" (spec §3.1): what SMART's own probes saw.
 *
 * - abnormal ("Время нештатного состояния сервера"): `probe_state{state}`, one series per state and
 *   host, labelled `<state title> <host>`; the value is 0 or the HTTP status seen with the state, the
 *   highest in the bucket. Ranked by the newest value, highest first (the legend's `current`, desc).
 * - checks ("Статусы on-line проверок"): `probe_check{check}`, one series per check and host, labelled
 *   `<check> <host>`: 1 ok, 0 failed, the lowest judged value in the bucket; −1 (suppressed by a
 *   dependency rule, or not judged) is a gap. Ranked failed first, then not judged, then ok (the
 *   legend's `Last`, ascending). The `checktype` variable matches check names case-insensitively, so
 *   the spec's `Maintenance` and the contract's `maintenance` are the same check.
 * - lowDisk ("Разделы с менее чем 10Gb свободного места"): SMART has no telegraf source, so it is
 *   always empty.
 *
 * Probe samples are written on change and at least hourly (a step function), so an empty bucket
 * repeats the previous sample for up to `PROBE_CARRY_MS`; after that it is a gap (probes stopped).
 * Ranges up to 8 days read the samples (a minute to an hour per bucket); longer ones are drawn by day
 * from the daily rollup (a check's day is the lowest judged value: the rollup's min/max decide it,
 * except on a day with both "not judged" and "ok" samples, whose samples are read).
 */
import type { AppContext } from '../context.js';
import { STATE_PREFIX } from '../metrics/checks.js';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import { PROBE_SERIES } from '../probes/service.js';
import { ABNORMAL_STATE_TITLES, type AbnormalState } from '../probes/types.js';
import type { Actor } from '../tenancy/scope.js';
import {
  DEFAULT_RANGE_MS,
  type Aligned,
  type AlignedSeries,
  type ServerMetricsOut,
  type ServerMetricsQuery,
} from './contract.js';
import { bucketStarts, chooseStep, resolveRange, type Range } from './range.js';
import { bucketAggregates, chunks, fillBuckets, latestIn, rank, seriesFor } from './series-read.js';
import { visibleInstallations } from './subjects.js';

const MIN = 60_000;
const DAY = 86_400_000;

export const SERVER_METRICS_MAX_POINTS = 300;
/** Ranges longer than this are drawn by day from the daily rollup; shorter ones from the samples. */
export const SERVER_METRICS_RAW_MAX_MS = 8 * DAY;
export const SERVER_METRICS_DEFAULT_LIMIT = 50;
/** Longer than the hourly heartbeat of probe samples, with room for a late run. */
export const PROBE_CARRY_MS = 75 * MIN;

/** Failed first, then not judged, then ok. */
const checkOrder = (v: number) => (v === 0 ? 0 : v < 0 ? 1 : 2);

export async function serverMetrics(
  ctx: AppContext,
  actor: Actor,
  q: ServerMetricsQuery,
  now: number,
): Promise<ServerMetricsOut> {
  const range = resolveRange(q, now, DEFAULT_RANGE_MS.serverMetrics);
  const limit = q.limit ?? SERVER_METRICS_DEFAULT_LIMIT;
  const long = range.to - range.from > SERVER_METRICS_RAW_MAX_MS;
  const step = chooseStep(range, SERVER_METRICS_MAX_POINTS, long ? DAY : MIN);
  const starts = bucketStarts(range, step, ROLLUP_OFFSET_MIN);
  const base = starts[0]!;
  const empty = (): Aligned => ({ step, timestamps: starts, series: [], total: 0 });
  const out: ServerMetricsOut = {
    from: range.from,
    to: range.to,
    abnormal: empty(),
    checks: empty(),
    lowDisk: empty(),
  };
  const subjects = await visibleInstallations(ctx, actor, q);
  if (subjects.length === 0) return out;
  const byId = new Map(subjects.map((s) => [s.id, s]));

  const wantedChecks =
    q.checktype && q.checktype.length ? new Set(q.checktype.map((c) => c.toLowerCase())) : null;
  // Only installations reached by URL are probed: the others have no probe series.
  const probed = subjects.filter((x) => x.kind === 'polled').map((x) => x.id);
  const latest = await newestValues(ctx, probed, range, wantedChecks);
  const label = (e: Newest) => {
    const host = byId.get(e.installationId)!.host;
    return e.metric === PROBE_SERIES.state
      ? `${ABNORMAL_STATE_TITLES[e.name as AbnormalState] ?? e.name} ${host}`
      : `${e.name} ${host}`;
  };
  const ranked = (metric: string, compare?: (a: number, b: number) => number) =>
    rank(
      latest.filter((e) => e.metric === metric).map((e) => ({ ...e, id: e.installationId, label: label(e) })),
      compare,
    );
  const topStates = ranked(PROBE_SERIES.state);
  const topChecks = ranked(PROBE_SERIES.check, (a, b) => checkOrder(a) - checkOrder(b));
  out.abnormal.total = topStates.length;
  out.checks.total = topChecks.length;

  // The kept series' ids.
  const keptIds = [
    ...new Set([...topStates.slice(0, limit), ...topChecks.slice(0, limit)].map((e) => e.installationId)),
  ];
  const idOf = new Map(
    (await seriesFor(ctx, keptIds, [PROBE_SERIES.state, PROBE_SERIES.check])).map((x) => [
      seriesKey(x.installationId, x.metric, x.labels.state ?? x.labels.check ?? ''),
      x.id,
    ]),
  );
  const withId = <T extends Newest>(e: T) => ({
    ...e,
    seriesId: idOf.get(seriesKey(e.installationId, e.metric, e.name)),
  });
  const keepStates = topStates
    .slice(0, limit)
    .map(withId)
    .filter((e): e is typeof e & { seriesId: number } => e.seriesId !== undefined);
  const keepChecks = topChecks
    .slice(0, limit)
    .map(withId)
    .filter((e): e is typeof e & { seriesId: number } => e.seriesId !== undefined);

  const source = step >= DAY ? 'daily' : 'raw';
  const [stateBuckets, checkBuckets, seeds] = await Promise.all([
    bucketAggregates(
      ctx,
      keepStates.map((e) => e.seriesId),
      base,
      step,
      range.to,
      source,
      { lastTs: true },
    ),
    bucketAggregates(
      ctx,
      keepChecks.map((e) => e.seriesId),
      base,
      step,
      range.to,
      source,
      { judged: true, lastTs: true },
    ),
    latestIn(
      ctx,
      [...keepStates, ...keepChecks].map((e) => e.seriesId),
      base - PROBE_CARRY_MS,
      base - 1,
    ),
  ]);
  const series = (e: Newest & { label: string }, values: (number | null)[]): AlignedSeries => {
    const subject = byId.get(e.installationId)!;
    return {
      key: `i:${subject.id}:${e.name}`,
      label: e.label,
      installationId: subject.id,
      clientId: subject.clientId,
      values,
    };
  };
  out.abnormal.series = keepStates.map((e) =>
    series(
      e,
      fillBuckets(starts, stateBuckets.get(e.seriesId), (r) => r.max, {
        carryMs: PROBE_CARRY_MS,
        seed: seeds.get(e.seriesId),
      }),
    ),
  );
  const judged = (v: number) => (v < 0 ? null : v);
  out.checks.series = keepChecks.map((e) =>
    series(
      e,
      fillBuckets(starts, checkBuckets.get(e.seriesId), (r) => r.minJudged, {
        carryMs: PROBE_CARRY_MS,
        seed: seeds.get(e.seriesId),
        carried: judged,
      }),
    ),
  );
  return out;
}

const seriesKey = (installationId: number, metric: string, name: string) =>
  `${installationId}\u0000${metric}\u0000${name}`;

/** The newest value of one state or check series of an installation in the range. */
interface Newest {
  installationId: number;
  metric: string;
  /** The state (`maintenance`) or the check (`http200`). */
  name: string;
  value: number;
}

/**
 * The newest sample in [from − carry, to] of every state and check series of these installations (checks
 * narrowed to `checks`). The recorder writes a sample exactly when it updates `check_status`, so a row
 * there whose `sampled_at` lies in the window is that sample: one query for the whole fleet when the
 * range reaches the present. A row sampled after the range (a range in the past), and installations
 * without rows (probes switched off since), are asked of the samples, one seek per series. A check no
 * longer made has no row and, on a probed installation, is not listed.
 */
async function newestValues(
  ctx: AppContext,
  ids: number[],
  range: Range,
  checks: Set<string> | null,
): Promise<Newest[]> {
  const from = range.from - PROBE_CARRY_MS;
  const out: Newest[] = [];
  const withRows = new Set<number>();
  const ask = new Set<string>();
  const parts = await Promise.all(
    chunks(ids).map((chunk) =>
      ctx.db
        .selectFrom('check_status')
        .select(['subject_id', 'check_name', 'outcome', 'code', 'sampled_at'])
        .where('subject_kind', '=', 'installation')
        .where('subject_id', 'in', chunk)
        .execute(),
    ),
  );
  for (const r of parts.flat()) {
    withRows.add(r.subject_id);
    const isState = r.check_name.startsWith(STATE_PREFIX);
    const name = isState ? r.check_name.slice(STATE_PREFIX.length) : r.check_name;
    if (!isState && checks && !checks.has(name.toLowerCase())) continue;
    const metric = isState ? PROBE_SERIES.state : PROBE_SERIES.check;
    const at = Number(r.sampled_at);
    if (at > range.to) {
      ask.add(seriesKey(r.subject_id, metric, name));
      continue;
    }
    if (at < from) continue;
    const value = isState
      ? r.code === null
        ? 0
        : Number(r.code)
      : r.outcome === 'ok'
        ? 1
        : r.outcome === 'failed'
          ? 0
          : -1;
    out.push({ installationId: r.subject_id, metric, name, value });
  }
  const without = ids.filter((id) => !withRows.has(id));
  const seekIds = [...new Set([...without, ...[...ask].map((k) => Number(k.split('\u0000')[0]))])];
  if (seekIds.length === 0) return out;
  const series = (await seriesFor(ctx, seekIds, [PROBE_SERIES.state, PROBE_SERIES.check])).filter((x) => {
    const name = x.labels.state ?? x.labels.check;
    if (name === undefined) return false;
    if (x.metric === PROBE_SERIES.check && checks && !checks.has(name.toLowerCase())) return false;
    return !withRows.has(x.installationId) || ask.has(seriesKey(x.installationId, x.metric, name));
  });
  const latest = await latestIn(
    ctx,
    series.map((x) => x.id),
    from,
    range.to,
  );
  for (const x of series) {
    const v = latest.get(x.id);
    if (v)
      out.push({
        installationId: x.installationId,
        metric: x.metric,
        name: (x.labels.state ?? x.labels.check)!,
        value: v.value,
      });
  }
  return out;
}
