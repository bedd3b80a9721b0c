/**
 * «Ошибки БД» (spec installations §3.6), «Контроль версий ПК, Kassist и других» (§3.5) and «Время
 * внутри файла SYSINFO» ([T 105], §9.2), from what the sysinfo store keeps:
 * - errors: the sample `sysinfo_volume_errors` (volume errors per report; the store keeps no history
 *   per error text) and the newest report's errors, `installation_volume_errors` (per volume: code, text);
 * - versions: `installation_components` (per installation, type and version: first and last report that
 *   carried it) and the newest report's strings in `installation_state`;
 * - sysinfo time: `installation_state.report_at` (time inside the newest stored report) and the
 *   sysinfo channel of `installation_channels` (arrival, processing, last failure).
 *
 * Error series: only installations with an error in the range are drawn (a chart of a thousand zero
 * lines says nothing, and zero has no place on the spec's logarithmic axis). Which ones is one grouped
 * query: whole days from the daily rollup, the partial days at the edges from the samples. They are
 * ranked by the errors of their newest report in the range (the current state when the range reaches
 * it, else one index seek per series), then by the most in the range; the first `limit` are read bucket
 * by bucket (up to 8 days hourly from the samples, longer ranges daily or weekly from the rollup), the
 * highest count of the bucket.
 */
import { sql } from 'kysely';
import { requireAlertDef } from '../alerts/catalogue.js';
import { classifyDbError } from '../alerts/rules/db-errors.js';
import type { AppContext } from '../context.js';
import { ROLLUP_OFFSET_MIN, rollupHour, sampleSource } from '../metrics/rollup.js';
import type { Actor } from '../tenancy/scope.js';
import { DEFAULT_SERIES_LIMIT, type Aligned } from './contract.js';
import {
  DB_HEALTH_DEFAULT_RANGE_MS,
  type DbErrorRow,
  type DbErrorsOut,
  type DbErrorsQuery,
  type SysinfoTimeOut,
  type SysinfoTimeQuery,
  type SysinfoTimeRow,
  type VersionsOut,
  type VersionsQuery,
  type VersionStatsRow,
  type VersionUsedRow,
} from './contract-db-health.js';
import { bucketStarts, chooseStep, resolveRange, type Range } from './range.js';
import { bucketAggregates, chunks, fillBuckets, latestIn, rank, seriesFor } from './series-read.js';
import { visibleInstallations, type InstallationSubject } from './subjects.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const OFFSET_MS = ROLLUP_OFFSET_MIN * 60_000;

export const DB_ERRORS_METRIC = 'sysinfo_volume_errors';
/** Ranges longer than this are drawn by day or week from the daily rollup. */
export const DB_ERRORS_RAW_MAX_MS = 8 * DAY;
export const DB_ERRORS_MAX_POINTS = 200;
const MAX_VOLUME_NAMES = 20;

export function dbErrorsStep(range: Range): number {
  return chooseStep(range, DB_ERRORS_MAX_POINTS, range.to - range.from > DB_ERRORS_RAW_MAX_MS ? DAY : HOUR);
}

interface Ref {
  clientName: string | null;
  address: string | null;
  managers: string[];
  reportAt: number | null;
}

/** What the tables say about each installation besides its subject: legal name, address, managers. */
async function refsOf(ctx: AppContext, ids: number[]): Promise<Map<number, Ref>> {
  const out = new Map<number, Ref>();
  for (const id of ids) out.set(id, { clientName: null, address: null, managers: [], reportAt: null });
  const parts = await Promise.all(
    chunks(ids).map(async (chunk) => {
      const [inst, state, im, cm] = await Promise.all([
        ctx.db.selectFrom('installations').select(['id', 'address']).where('id', 'in', chunk).execute(),
        ctx.db
          .selectFrom('installation_state')
          .select(['installation_id', 'client_name', 'report_at'])
          .where('installation_id', 'in', chunk)
          .execute(),
        ctx.db
          .selectFrom('installation_managers as x')
          .innerJoin('managers as m', 'm.id', 'x.manager_id')
          .select(['x.installation_id', 'm.name'])
          .where('x.installation_id', 'in', chunk)
          .execute(),
        ctx.db
          .selectFrom('installations as i')
          .innerJoin('client_managers as x', 'x.client_id', 'i.client_id')
          .innerJoin('managers as m', 'm.id', 'x.manager_id')
          .select(['i.id as installation_id', 'm.name'])
          .where('i.id', 'in', chunk)
          .execute(),
      ]);
      return { inst, state, managers: [...im, ...cm] };
    }),
  );
  for (const p of parts) {
    for (const r of p.inst) out.get(r.id)!.address = r.address;
    for (const r of p.state) {
      const ref = out.get(r.installation_id)!;
      ref.clientName = r.client_name;
      ref.reportAt = r.report_at === null ? null : Number(r.report_at);
    }
    for (const r of p.managers) {
      const ref = out.get(r.installation_id)!;
      if (!ref.managers.includes(r.name)) ref.managers.push(r.name);
    }
  }
  for (const ref of out.values()) ref.managers.sort((a, b) => a.localeCompare(b));
  return out;
}

const refRow = (s: InstallationSubject, ref: Ref) => ({
  installationId: s.id,
  clientId: s.clientId,
  client: s.client,
  clientName: ref.clientName,
  host: s.host,
  address: ref.address,
  managers: ref.managers,
});

const byClientHost = (a: { client: string; host: string }, b: { client: string; host: string }) =>
  a.client.localeCompare(b.client) || a.host.localeCompare(b.host);

// ---------------------------------------------------------------- Ошибки БД

export async function dbErrors(
  ctx: AppContext,
  actor: Actor,
  q: DbErrorsQuery,
  now: number,
): Promise<DbErrorsOut> {
  const range = resolveRange(q, now, DB_HEALTH_DEFAULT_RANGE_MS.dbErrors);
  const limit = q.limit ?? DEFAULT_SERIES_LIMIT;
  const step = dbErrorsStep(range);
  const starts = bucketStarts(range, step, ROLLUP_OFFSET_MIN);
  const errors: Aligned = { step, timestamps: starts, series: [], total: 0 };
  const subjects = await visibleInstallations(ctx, actor, q);
  if (subjects.length === 0) return { from: range.from, to: range.to, errors, current: [] };
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const ids = [...byId.keys()];

  const [refs, errRows, series] = await Promise.all([
    refsOf(ctx, ids),
    Promise.all(
      chunks(ids).map((chunk) =>
        ctx.db
          .selectFrom('installation_volume_errors')
          .select(['installation_id', 'volume', 'catalog', 'code', 'text'])
          .where('installation_id', 'in', chunk)
          .execute(),
      ),
    ).then((p) => p.flat()),
    seriesFor(ctx, ids, [DB_ERRORS_METRIC], [{}]),
  ]);

  // ---- the newest report's errors, per (installation, code, text)
  const groups = new Map<string, DbErrorRow & { names: Set<string> }>();
  const perInst = new Map<number, number>();
  for (const r of errRows) {
    perInst.set(r.installation_id, (perInst.get(r.installation_id) ?? 0) + 1);
    const s = byId.get(r.installation_id)!;
    const ref = refs.get(s.id)!;
    const k = `${s.id}\u0000${r.code ?? ''}\u0000${r.text}`;
    let g = groups.get(k);
    if (!g) {
      g = {
        ...refRow(s, ref),
        reportAt: ref.reportAt,
        code: r.code,
        text: r.text,
        volumes: 0,
        volumeNames: [],
        alert: null,
        names: new Set(),
      };
      groups.set(k, g);
    }
    g.volumes += 1;
    if (r.volume) g.names.add(r.volume);
    const cls = classifyDbError({ code: r.code, text: r.text, catalog: r.catalog });
    if (cls && !g.alert) g.alert = `KodeksDBerrors${cls}`;
  }
  const current: DbErrorRow[] = [...groups.values()]
    .map(({ names, ...g }) => ({ ...g, volumeNames: [...names].sort().slice(0, MAX_VOLUME_NAMES) }))
    .sort((a, b) => byClientHost(a, b) || b.volumes - a.volumes || a.text.localeCompare(b.text));

  // ---- which installations had an error in the range, and how many at its end
  const seriesOf = new Map(series.map((x) => [x.installationId, x.id]));
  const peaks = await peaksIn(
    ctx,
    series.map((x) => x.id),
    range,
  );
  const candidates = series.filter((x) => (peaks.get(x.id) ?? 0) > 0);
  const last = new Map<number, number>();
  const ask: number[] = [];
  for (const x of candidates) {
    const at = refs.get(x.installationId)!.reportAt;
    if (at !== null && at >= range.from && at <= range.to) last.set(x.id, perInst.get(x.installationId) ?? 0);
    else ask.push(x.id);
  }
  for (const [id, p] of await latestIn(ctx, ask, range.from, range.to)) last.set(id, p.value);
  const entries = candidates.map((x) => ({
    id: x.installationId,
    label: byId.get(x.installationId)!.host,
    value: (last.get(x.id) ?? 0) * 1e9 + peaks.get(x.id)!,
  }));
  rank(entries);
  errors.total = entries.length;
  const kept = entries.slice(0, limit);
  const buckets = await bucketAggregates(
    ctx,
    kept.map((e) => seriesOf.get(e.id)!),
    starts[0]!,
    step,
    range.to,
    step >= DAY ? 'daily' : 'raw',
  );
  errors.series = kept.map((e) => {
    const s = byId.get(e.id)!;
    return {
      key: `i:${s.id}`,
      label: s.host,
      installationId: s.id,
      clientId: s.clientId,
      values: fillBuckets(starts, buckets.get(seriesOf.get(e.id)!), (r) => r.max),
    };
  });
  return { from: range.from, to: range.to, errors, current };
}

/** Start of the rollup day (Moscow) holding `ts`. */
const dayOf = (ts: number) => Math.floor((ts + OFFSET_MS) / DAY) * DAY - OFFSET_MS;

/**
 * The highest value of each series within [from, to]: whole days from the daily rollup, the partial
 * days at the edges from the samples, or from the hours that overlap them before the raw window (series
 * with no sample in the range are absent).
 */
async function peaksIn(ctx: AppContext, seriesIds: number[], range: Range): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (seriesIds.length === 0) return out;
  const firstWhole = dayOf(range.from) === range.from ? range.from : dayOf(range.from) + DAY;
  const lastWholeEnd = dayOf(range.to + 1); // days starting before it and ending by `to` are whole
  const raw: [number, number][] = [];
  let daily: [number, number] | null = null;
  if (firstWhole < lastWholeEnd) {
    daily = [firstWhole, lastWholeEnd - DAY];
    if (range.from < firstWhole) raw.push([range.from, firstWhole - 1]);
    if (lastWholeEnd <= range.to) raw.push([lastWholeEnd, range.to]);
  } else raw.push([range.from, range.to]);
  const add = (rows: { series_id: number; mx: number | string | null }[]) => {
    for (const r of rows) {
      if (r.mx === null) continue;
      const id = Number(r.series_id);
      const v = Number(r.mx);
      out.set(id, Math.max(out.get(id) ?? -Infinity, v));
    }
  };
  await Promise.all(
    chunks(seriesIds).flatMap((ids) => [
      ...(daily
        ? [
            sql<{ series_id: number; mx: number }>`
              select series_id, max("max") as mx from samples_daily
              where series_id in (${sql.join(ids)}) and day >= ${daily[0]} and day <= ${daily[1]}
              group by series_id`
              .execute(ctx.db)
              .then((r) => add(r.rows)),
          ]
        : []),
      ...raw.map(([lo, hi]) =>
        (sampleSource(ctx, lo) === 'raw'
          ? sql<{ series_id: number; mx: number }>`
              select series_id, max(value) as mx from samples
              where series_id in (${sql.join(ids)}) and ts >= ${lo} and ts <= ${hi}
              group by series_id`
          : sql<{ series_id: number; mx: number }>`
              select series_id, max("max") as mx from samples_hourly
              where series_id in (${sql.join(ids)}) and hour >= ${rollupHour(lo)} and hour <= ${hi}
              group by series_id`
        )
          .execute(ctx.db)
          .then((r) => add(r.rows)),
      ),
    ]),
  );
  return out;
}

// ---------------------------------------------------------------- Контроль версий

/** Versions in numeric order (`6.4.4.194` < `6.4.5.15`), text as the tiebreak. */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .split(/[^0-9]+/)
    .filter(Boolean)
    .map(Number);
  const pb = b
    .split(/[^0-9]+/)
    .filter(Boolean)
    .map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function versions(
  ctx: AppContext,
  actor: Actor,
  q: VersionsQuery,
  now: number,
): Promise<VersionsOut> {
  const range = resolveRange(q, now, DB_HEALTH_DEFAULT_RANGE_MS.versions);
  const types = q.type && q.type.length > 0 ? new Set(q.type.map((t) => t.toLowerCase())) : null;
  const subjects = await visibleInstallations(ctx, actor, q);
  const out: VersionsOut = { from: range.from, to: range.to, used: [], stats: [], counts: [] };
  if (subjects.length === 0) return out;
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const ids = [...byId.keys()];
  const [refs, comps, states] = await Promise.all([
    refsOf(ctx, ids),
    Promise.all(
      chunks(ids).map((chunk) =>
        ctx.db
          .selectFrom('installation_components')
          .select(['installation_id', 'type', 'version', 'full_version', 'first_seen_at', 'last_seen_at'])
          .where('installation_id', 'in', chunk)
          .execute(),
      ),
    ).then((p) => p.flat()),
    Promise.all(
      chunks(ids).map((chunk) =>
        ctx.db
          .selectFrom('installation_state')
          .select(['installation_id', 'report_at', 'pk_version', 'pk_version_short', 'sysinfo_version'])
          .where('installation_id', 'in', chunk)
          .execute(),
      ),
    ).then((p) => p.flat()),
  ]);

  // The newest version of each (installation, type): the one its latest report carried.
  const newest = new Map<string, { version: string; at: number }>();
  for (const c of comps) {
    const k = `${c.installation_id}\u0000${c.type}`;
    const at = Number(c.last_seen_at);
    const n = newest.get(k);
    if (!n || at > n.at || (at === n.at && compareVersions(c.version, n.version) > 0))
      newest.set(k, { version: c.version, at });
  }

  for (const c of comps) {
    if (types && !types.has(c.type.toLowerCase())) continue;
    const first = Number(c.first_seen_at);
    const lastSeen = Number(c.last_seen_at);
    if (lastSeen < range.from || first > range.to) continue;
    const s = byId.get(c.installation_id)!;
    out.used.push({
      ...refRow(s, refs.get(s.id)!),
      type: c.type,
      version: c.version,
      fullVersion: c.full_version,
      firstSeenAt: first,
      lastSeenAt: lastSeen,
      current: newest.get(`${c.installation_id}\u0000${c.type}`)?.version === c.version,
    } satisfies VersionUsedRow);
  }
  out.used.sort(
    (a, b) =>
      a.type.localeCompare(b.type) ||
      compareVersions(a.version, b.version) ||
      byClientHost(a, b) ||
      a.installationId - b.installationId,
  );

  for (const st of states) {
    if (st.report_at === null) continue;
    const s = byId.get(st.installation_id)!;
    const components: Record<string, string> = {};
    for (const [k, n] of newest) {
      const [inst, type] = k.split('\u0000') as [string, string];
      if (Number(inst) === s.id && type !== 'ksrv' && type !== 'sysinfo') components[type] = n.version;
    }
    out.stats.push({
      ...refRow(s, refs.get(s.id)!),
      reportAt: Number(st.report_at),
      pkVersion: st.pk_version,
      pkVersionShort: st.pk_version_short,
      sysinfoVersion: st.sysinfo_version,
      components,
    } satisfies VersionStatsRow);
  }
  out.stats.sort((a, b) => byClientHost(a, b) || a.installationId - b.installationId);

  const counts = new Map<string, { type: string; version: string; installations: number }>();
  for (const [k, n] of newest) {
    const type = k.split('\u0000')[1]!;
    if (types && !types.has(type.toLowerCase())) continue;
    const ck = `${type}\u0000${n.version}`;
    const c = counts.get(ck) ?? { type, version: n.version, installations: 0 };
    c.installations += 1;
    counts.set(ck, c);
  }
  out.counts = [...counts.values()].sort(
    (a, b) => a.type.localeCompare(b.type) || compareVersions(a.version, b.version),
  );
  return out;
}

// ---------------------------------------------------------------- Время внутри файла SYSINFO

export async function sysinfoTime(
  ctx: AppContext,
  actor: Actor,
  q: SysinfoTimeQuery,
  now: number,
): Promise<SysinfoTimeOut> {
  const subjects = await visibleInstallations(ctx, actor, q);
  if (subjects.length === 0) return { now, rows: [] };
  const ids = subjects.map((s) => s.id);
  const missed = requireAlertDef('SmartXMLfileIsToOld').params?.missedIntervals ?? 3;
  const [refs, insts, channels] = await Promise.all([
    refsOf(ctx, ids),
    Promise.all(
      chunks(ids).map((chunk) =>
        ctx.db
          .selectFrom('installations')
          .select(['id', 'collect_interval_s', 'created_at'])
          .where('id', 'in', chunk)
          .execute(),
      ),
    ).then((p) => p.flat()),
    Promise.all(
      chunks(ids).map((chunk) =>
        ctx.db
          .selectFrom('installation_channels')
          .select([
            'installation_id',
            'last_received_at',
            'last_processed_at',
            'last_data_at',
            'last_error_at',
            'last_error_reason',
            'last_error_message',
          ])
          .where('channel', '=', 'sysinfo')
          .where('installation_id', 'in', chunk)
          .execute(),
      ),
    ).then((p) => p.flat()),
  ]);
  const inst = new Map(insts.map((i) => [i.id, i]));
  const chan = new Map(channels.map((c) => [c.installation_id, c]));
  const rows: SysinfoTimeRow[] = subjects.map((s) => {
    const ref = refs.get(s.id)!;
    const i = inst.get(s.id)!;
    const c = chan.get(s.id);
    const num = (v: number | null | undefined) => (v === null || v === undefined ? null : Number(v));
    const reportAt = ref.reportAt ?? num(c?.last_data_at);
    const closed = s.kind === 'closed';
    const expectedMs = closed ? null : (i.collect_interval_s > 0 ? i.collect_interval_s : 3600) * 1000;
    const ref0 = reportAt ?? Number(i.created_at);
    const err =
      c?.last_error_at !== null && c?.last_error_at !== undefined
        ? [c.last_error_reason, c.last_error_message].filter(Boolean).join(': ').slice(0, 500) || null
        : null;
    return {
      ...refRow(s, ref),
      kind: s.kind,
      reportAt,
      ageMs: reportAt === null ? null : now - reportAt,
      receivedAt: num(c?.last_received_at),
      processedAt: num(c?.last_processed_at),
      expectedMs,
      stale: expectedMs !== null && now - ref0 > missed * expectedMs,
      lastError: err,
    };
  });
  rows.sort((a, b) => {
    if (a.reportAt === null && b.reportAt !== null) return -1;
    if (b.reportAt === null && a.reportAt !== null) return 1;
    if (a.reportAt !== null && b.reportAt !== null && a.reportAt !== b.reportAt)
      return a.reportAt - b.reportAt;
    return byClientHost(a, b) || a.installationId - b.installationId;
  });
  return { now, rows };
}
