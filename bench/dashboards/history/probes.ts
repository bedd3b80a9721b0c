/**
 * Thirteen months of minute-by-minute probes of one polled installation, as the CheckRecorder leaves
 * them: a sample per check and abnormal state when its value changes and hourly otherwise
 * (`probe_check` {check}, `probe_state` {state}), an event per change of outcome, ok/total per UTC
 * day for the availability checks, and the current status of every check. The ПК's incidents
 * (down, in maintenance, out of seats, key lost, server errors) are seeded episodes.
 */
import { ABNORMAL_STATES, type AbnormalState } from '../../../src/probes/types.js';
import { hash32 } from '../../../src/sim/kodeks/prng.js';
import type { FleetInstallation } from '../inventory.js';
import type { SeriesIds } from '../series-ids.js';
import type { Cell, RowSink } from '../sink.js';
import { AVAILABILITY_DAILY, CHECK_EVENTS, CHECK_STATUS, SAMPLES } from '../tables.js';
import { episodes, type Episode, type EpisodeKind } from './episodes.js';
import type { Window } from './sysinfo.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Check names as the probe reports them (src/probes/types.ts), those the dashboards show. */
const CHECKS = ['icmp', 'tcp', 'http200', 'auth', 'Maintenance', 'warning', 'key', 'limit'] as const;
type Check = (typeof CHECKS)[number];
/** Counted in availability_daily (PROBE_AVAILABILITY_CHECKS). */
const AVAILABILITY: readonly Check[] = ['http200', 'tcp', 'icmp'];

type Incident = 'down' | 'offline' | 'maintenance' | 'limit' | 'key' | 'errors';
const INCIDENTS: readonly EpisodeKind<Incident>[] = [
  { kind: 'down', weight: 25, minMin: 3, maxMin: 240 },
  { kind: 'offline', weight: 10, minMin: 3, maxMin: 120 },
  { kind: 'maintenance', weight: 30, minMin: 20, maxMin: 300 },
  { kind: 'limit', weight: 20, minMin: 30, maxMin: 180 },
  { kind: 'key', weight: 5, minMin: 60, maxMin: 1440 },
  { kind: 'errors', weight: 10, minMin: 5, maxMin: 60 },
];
/** Incidents a day per installation on average (about two a month). */
const PER_DAY = 0.07;

type Outcome = 'ok' | 'failed' | 'suppressed' | 'unknown';
interface Observed {
  outcome: Outcome;
  code: string | null;
}
const OK: Observed = { outcome: 'ok', code: null };
const failed = (code: string): Observed => ({ outcome: 'failed', code });
const UNKNOWN: Observed = { outcome: 'unknown', code: null };
const SUPPRESSED: Observed = { outcome: 'suppressed', code: null };

/** What each check sees during an incident (what is not listed is ok). */
const DURING: Record<Incident, Partial<Record<Check, Observed>>> = {
  down: {
    tcp: failed('ECONNREFUSED'),
    http200: failed('ECONNREFUSED'),
    auth: UNKNOWN,
    Maintenance: UNKNOWN,
    warning: UNKNOWN,
    key: UNKNOWN,
    limit: UNKNOWN,
  },
  offline: {
    icmp: failed('timeout'),
    tcp: failed('ETIMEDOUT'),
    http200: failed('ETIMEDOUT'),
    auth: UNKNOWN,
    Maintenance: UNKNOWN,
    warning: UNKNOWN,
    key: UNKNOWN,
    limit: UNKNOWN,
  },
  maintenance: {
    http200: failed('503'),
    auth: SUPPRESSED,
    Maintenance: failed('503'),
    warning: SUPPRESSED,
    key: SUPPRESSED,
    limit: SUPPRESSED,
  },
  limit: { limit: failed('200') },
  key: { key: failed('200') },
  errors: { http200: failed('500'), warning: failed('500') },
};
/** The abnormal state each incident shows and its HTTP code; down/offline: the page is not read. */
const STATE_OF: Record<Incident, [AbnormalState, number] | null> = {
  down: null,
  offline: null,
  maintenance: ['maintenance', 503],
  limit: ['licences_exhausted', 200],
  key: ['key_not_found', 200],
  errors: ['server_errors', 500],
};

const valueOf = (o: Observed): number => (o.outcome === 'ok' ? 1 : o.outcome === 'failed' ? 0 : -1);

/** A constant stretch of one series; `value` null = not observed (no sample, no status change). */
interface Segment {
  from: number;
  to: number;
  value: number | null;
  obs: Observed | null;
}

/** The stretches of one series over the window, adjacent equal ones merged. */
function segments(
  w: Window,
  list: readonly Episode<Incident>[],
  during: (k: Incident) => { value: number | null; obs: Observed | null },
  normal: { value: number; obs: Observed },
): Segment[] {
  const raw: Segment[] = [];
  let t = w.start;
  for (const e of list) {
    if (e.from > t) raw.push({ from: t, to: e.from, ...normal });
    raw.push({ from: e.from, to: e.to, ...during(e.kind) });
    t = e.to;
  }
  if (t < w.end) raw.push({ from: t, to: w.end, ...normal });
  const out: Segment[] = [];
  for (const s of raw) {
    const prev = out[out.length - 1];
    if (
      prev &&
      prev.value === s.value &&
      prev.obs?.code === s.obs?.code &&
      prev.obs?.outcome === s.obs?.outcome
    )
      prev.to = s.to;
    else out.push({ ...s });
  }
  return out;
}

/** Samples of a series: at each change, then hourly (the recorder's heartbeat). */
function samplesOf(id: number, segs: readonly Segment[]): Cell[][] {
  const rows: Cell[][] = [];
  for (const s of segs) {
    if (s.value === null) continue;
    for (let t = s.from; t < s.to; t += HOUR) rows.push([id, t, s.value]);
  }
  return rows;
}

export async function writeProbeHistory(
  sink: RowSink,
  series: SeriesIds,
  dealerId: number,
  inst: FleetInstallation,
  w0: Window,
): Promise<void> {
  // Probes run every minute at the installation's own second.
  const phase = (hash32(inst.seed, 'probe-phase') % 60) * 1000;
  const w = { start: Math.ceil((w0.start - phase) / MIN) * MIN + phase, end: w0.end };
  const list = episodes([inst.seed, 'probe'], w, PER_DAY, INCIDENTS, phase);
  const owner = { kind: 'installation' as const, id: inst.id, dealerId };
  const subject = (check: string) => ['installation', inst.id, check] as const;
  const status: Cell[][] = [];
  const events: Cell[][] = [];

  const record = async (check: string, id: number, segs: Segment[]) => {
    const rows = samplesOf(id, segs);
    await sink.write(SAMPLES, rows);
    let prev: Observed | null = null;
    let since = w.start;
    for (const s of segs) {
      if (!s.obs) continue;
      if (!prev || prev.outcome !== s.obs.outcome || prev.code !== s.obs.code) {
        const [kind, sid, name] = subject(check);
        events.push([
          kind,
          sid,
          dealerId,
          s.from,
          name,
          prev?.outcome ?? null,
          s.obs.outcome,
          s.obs.code,
          null,
        ]);
        since = s.from;
      }
      prev = s.obs;
    }
    const lastAt = rows.length ? (rows[rows.length - 1]![1] as number) : w.start;
    if (prev)
      status.push([
        'installation',
        inst.id,
        check,
        dealerId,
        prev.outcome,
        prev.code,
        null,
        null,
        since,
        lastAt,
      ]);
  };

  for (const check of CHECKS) {
    const id = series.create(owner, 'probe_check', { check });
    await series.write(sink);
    const segs = segments(
      w,
      list,
      (k) => {
        const o = DURING[k][check] ?? OK;
        return { value: valueOf(o), obs: o };
      },
      { value: 1, obs: OK },
    );
    await record(check, id, segs);
  }
  for (const state of ABNORMAL_STATES) {
    const id = series.create(owner, 'probe_state', { state });
    await series.write(sink);
    const segs = segments(
      w,
      list,
      (k) => {
        const s = STATE_OF[k];
        if (!s) return { value: null, obs: null };
        return s[0] === state ? { value: s[1], obs: failed(String(s[1])) } : { value: 0, obs: OK };
      },
      { value: 0, obs: OK },
    );
    await record(`state:${state}`, id, segs);
  }
  await sink.write(CHECK_STATUS, status);
  await sink.write(CHECK_EVENTS, events);
  await sink.write(AVAILABILITY_DAILY, availabilityRows(inst.id, dealerId, w, list));
}

/** ok/total per UTC day for http200, tcp and icmp: one probe a minute, failures during incidents. */
function availabilityRows(
  id: number,
  dealerId: number,
  w: Window,
  list: readonly Episode<Incident>[],
): Cell[][] {
  const rows: Cell[][] = [];
  const minutes = (from: number, to: number) =>
    Math.max(0, Math.ceil((to - w.start) / MIN) - Math.ceil((from - w.start) / MIN));
  for (const check of AVAILABILITY) {
    const failing = list.filter((e) => {
      const o = DURING[e.kind][check];
      return o !== undefined && o.outcome !== 'ok' && o.outcome !== 'unknown';
    });
    let fi = 0;
    for (let day = Math.floor(w.start / DAY) * DAY; day < w.end; day += DAY) {
      const from = Math.max(day, w.start);
      const to = Math.min(day + DAY, w.end);
      const total = minutes(from, to);
      let bad = 0;
      while (fi < failing.length && failing[fi]!.to <= from) fi += 1;
      for (let k = fi; k < failing.length && failing[k]!.from < to; k += 1)
        bad += minutes(Math.max(from, failing[k]!.from), Math.min(to, failing[k]!.to));
      if (total > 0) rows.push(['installation', id, check, day, dealerId, total - bad, total]);
    }
  }
  return rows;
}
