/**
 * Probe history for the demo backfill: what a probe every interval would have recorded over the
 * backfilled days, so «Kodeks server metrics» and «Доступность серверов» have more than the minutes
 * since the demo started.
 *
 * Each probed installation's simulator is probed for real once healthy and once under each fault the
 * history uses (down, ksrv not started, maintenance, needs service); those results, with seeded
 * latencies, are replayed at every probe instant through the production CheckRecorder, so samples
 * (on change and hourly), events and the availability_daily counts are exactly what live probes write.
 * Outages are seeded per installation and UTC day: some installations never fail, some fail for an
 * hour or two on a few days, and one is down for a day and more.
 */
import { withTx } from '../db/tx.js';
import { probeInstallation } from '../probes/probe.js';
import {
  loadProbeTargets,
  probeObservations,
  probeRecorder,
  type InstallationProbeTarget,
} from '../probes/service.js';
import { SessionCache } from '../probes/session.js';
import type { ProbeResult } from '../probes/types.js';
import type { Runtime } from '../runtime.js';
import type { Fault } from '../sim/kodeks/index.js';
import { Rng } from '../sim/kodeks/prng.js';
import type { DemoFleet } from './demo-fleet.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

type EpisodeFault = Extract<Fault, 'down' | 'server_not_started' | 'maintenance' | 'needs_service'>;

/** Kinds of bad spells, how often each is picked, and how long it lasts (minutes). */
const EPISODE_KINDS: readonly {
  fault: EpisodeFault;
  weight: number;
  minutes: [number, number];
  /** Planned work: starts at night, local time. */
  night?: boolean;
}[] = [
  { fault: 'down', weight: 4, minutes: [50, 140] },
  { fault: 'server_not_started', weight: 2, minutes: [30, 100] },
  { fault: 'maintenance', weight: 3, minutes: [40, 120], night: true },
  // Still available: shows in the abnormal-state panel and the warning check only.
  { fault: 'needs_service', weight: 1, minutes: [120, 360] },
];

/** Chance of a bad spell on a given day; each installation gets one (some never fail). */
const DAILY_RATES = [0, 0.04, 0.08, 0.15] as const;

/** History ends healthy this long before its end, so the first live probe continues it without a change. */
const QUIET_BEFORE_END = 3 * HOUR;

interface Episode {
  from: number;
  to: number;
  fault: EpisodeFault;
}

/**
 * The bad spells of one installation over [from, to): stateless per UTC day (a day gets the same spell
 * whenever the backfill runs), plus, with `long`, one outage of a day and more (a fifth of a short range)
 * around 55% of the range.
 */
function planEpisodes(
  seed: number,
  installationId: number,
  utcOffsetMin: number,
  range: { from: number; to: number },
  long: boolean,
): Episode[] {
  const quiet = range.to - QUIET_BEFORE_END;
  if (quiet <= range.from) return [];
  const rate = DAILY_RATES[new Rng(seed, 'probe-rate', installationId).int(0, DAILY_RATES.length - 1)]!;
  const planned: Episode[] = [];
  if (long) {
    const rng = new Rng(seed, 'probe-long', installationId);
    const span = quiet - range.from;
    const length = Math.min(rng.int(26, 34) * HOUR, Math.floor(span / 5));
    const start = range.from + Math.floor((span * 0.55) / HOUR) * HOUR + rng.int(0, 59) * MIN;
    if (length >= 2 * HOUR && start + length <= quiet)
      planned.push({ from: start, to: start + length, fault: 'down' });
  }
  for (let day = Math.floor(range.from / DAY) * DAY; day < quiet; day += DAY) {
    const rng = new Rng(seed, 'probe-day', installationId, day / DAY);
    if (!rng.chance(rate)) continue;
    const kind = rng.weighted(EPISODE_KINDS.map((k) => [k, k.weight] as const));
    const length = rng.int(kind.minutes[0], kind.minutes[1]) * MIN;
    const start = kind.night
      ? day - utcOffsetMin * MIN + rng.int(30, 240) * MIN
      : day + rng.int(0, 24 * 60 - 1) * MIN;
    if (start < range.from || start + length > quiet) continue;
    if (planned.some((e) => start < e.to + HOUR && e.from < start + length + HOUR)) continue;
    planned.push({ from: start, to: start + length, fault: kind.fault });
  }
  return planned.sort((a, b) => a.from - b.from);
}

type TemplateKey = 'first' | 'healthy' | EpisodeFault | `after:${EpisodeFault}`;

/**
 * What a probe of the installation records: its first probe (it signs in), a steady healthy one (the
 * session is reused), and for each fault the probe during it and the first one after it. The
 * simulator is probed for real, each fault switched on just for its probe.
 */
async function probeTemplates(
  rt: Runtime,
  demo: DemoFleet,
  target: InstallationProbeTarget,
  faults: ReadonlySet<EpisodeFault>,
): Promise<Map<TemplateKey, ProbeResult>> {
  const server = demo.serverOf(target.installationId);
  const sessions = new SessionCache();
  const probe = () =>
    probeInstallation(target, { timeoutMs: 5_000, sessions, clock: () => rt.ctx.clock.now() });
  const out = new Map<TemplateKey, ProbeResult>();
  out.set('first', await probe());
  out.set('healthy', await probe());
  for (const fault of faults) {
    // A fault someone switched on by hand stays as it was.
    const wasOn = server.state.faults[fault] !== undefined;
    if (!wasOn) await server.setFault(fault, true);
    try {
      out.set(fault, await probe());
    } finally {
      if (!wasOn) await server.setFault(fault, false);
    }
    out.set(`after:${fault}`, await probe());
  }
  return out;
}

/** Round-trip factors of a check's latency over the ICMP echo. */
const LATENCY_FACTOR: Record<string, number> = { tcp: 1.05, http200: 2.6, auth: 3.4, licman_tcp: 1.05 };

interface History {
  target: InstallationProbeTarget;
  subject: { kind: 'installation'; id: number; dealerId: number };
  episodes: Episode[];
  templates: Map<TemplateKey, ProbeResult>;
  /** The first probe of the history: it has no session yet. */
  start: number;
  next: number;
  until: number;
  episode: number;
  rng: Rng;
  /** ICMP round trip, ms: the installation's distance. */
  baseLatency: number;
}

/** The template of the instant, with this probe's latencies. */
function resultAt(h: History, at: number): ProbeResult {
  let key: TemplateKey = at === h.start ? 'first' : 'healthy';
  while (h.episode < h.episodes.length && h.episodes[h.episode]!.to <= at) {
    const ended = h.episodes[h.episode]!;
    if (at - ended.to < h.target.intervalMs) key = `after:${ended.fault}`;
    h.episode += 1;
  }
  const e = h.episodes[h.episode];
  if (e && e.from <= at) key = e.fault;
  const t = h.templates.get(key)!;
  return {
    ...t,
    startedAt: at,
    checks: t.checks.map((c) => {
      if (c.latencyMs === undefined) return c;
      const spike = h.rng.chance(0.01) ? 3 : 1;
      const ms = h.baseLatency * (LATENCY_FACTOR[c.check] ?? 1) * (0.85 + 0.3 * h.rng.next()) * spike;
      return { ...c, latencyMs: Math.round(ms * 10) / 10 };
    }),
  };
}

export interface ProbeBackfill {
  /** Installations that got history. */
  installations: number;
  /** Probe runs replayed. */
  probes: number;
}

/**
 * Probe history of the demo's probed installations for `days` days up to now, or up to the first
 * probe already recorded (live probes of an earlier run), so running it again adds nothing and a
 * longer backfill only adds the older days. The current status the live probes left is kept.
 */
export async function backfillProbes(
  rt: Runtime,
  demo: DemoFleet,
  days: number,
  seed: number,
): Promise<ProbeBackfill> {
  const { ctx } = rt;
  const now = ctx.clock.now();
  const polled = demo.installations.filter((i) => i.kind === 'polled' && i.probeEnabled);
  if (polled.length === 0) return { installations: 0, probes: 0 };
  const ids = polled.map((i) => i.id);
  // Ids given, so nothing outside the demo (or without a simulator) is ever probed.
  const targets = (await loadProbeTargets(ctx, { resolveEndpoint: demo.resolveEndpoint }, ids))
    .filter((t) => demo.resolveEndpoint(t.installationId) !== undefined)
    .sort((a, b) => a.installationId - b.installationId);
  const first = new Map(
    (
      await ctx.db
        .selectFrom('check_events')
        .select(['subject_id', (eb) => eb.fn.min<number>('at').as('at')])
        .where('subject_kind', '=', 'installation')
        .where('subject_id', 'in', ids)
        .groupBy('subject_id')
        .execute()
    ).map((r) => [Number(r.subject_id), Number(r.at)]),
  );

  const histories: History[] = [];
  for (const [index, target] of targets.entries()) {
    const id = target.installationId;
    const interval = target.intervalMs;
    const rng = new Rng(seed, 'probe-history', id);
    // Probes run at their own second of the minute, not all at once.
    const start =
      Math.floor((now - days * DAY) / interval) * interval + rng.int(0, interval / 1000 - 1) * 1000;
    const until = first.get(id) ?? now;
    if (start >= until) continue;
    const inst = polled.find((i) => i.id === id)!;
    // One installation (the second by id) has the long outage.
    const long = index === Math.min(1, targets.length - 1);
    const episodes = planEpisodes(seed, id, inst.utcOffsetMin, { from: start, to: until }, long);
    histories.push({
      target,
      subject: { kind: 'installation', id, dealerId: target.dealerId },
      episodes,
      templates: new Map(),
      start,
      next: start,
      until,
      episode: 0,
      rng,
      baseLatency: 6 + rng.next() * 40,
    });
  }
  if (histories.length === 0) return { installations: 0, probes: 0 };
  await Promise.all(
    histories.map(async (h) => {
      h.templates = await probeTemplates(rt, demo, h.target, new Set(h.episodes.map((e) => e.fault)));
    }),
  );

  // The recorder compares each observation with check_status: history starts from none, and the
  // status newer live probes left is put back afterwards.
  const backfilled = histories.map((h) => h.subject.id);
  const kept = await ctx.db
    .selectFrom('check_status')
    .selectAll()
    .where('subject_kind', '=', 'installation')
    .where('subject_id', 'in', backfilled)
    .execute();
  const recorder = probeRecorder(ctx);
  let probes = 0;
  try {
    if (kept.length > 0) {
      await ctx.db
        .deleteFrom('check_status')
        .where('subject_kind', '=', 'installation')
        .where('subject_id', 'in', backfilled)
        .execute();
    }
    const end = Math.max(...histories.map((h) => h.until));
    // A day of every installation per flush: one transaction of ~150,000 observations.
    for (let day = Math.min(...histories.map((h) => h.next)); day < end; day += DAY) {
      for (const h of histories) {
        for (const stop = Math.min(day + DAY, h.until); h.next < stop; h.next += h.target.intervalMs) {
          recorder.add(probeObservations(h.target, resultAt(h, h.next), h.next), h.subject);
          probes += 1;
        }
      }
      await recorder.flush();
    }
  } finally {
    if (kept.length > 0) {
      await withTx(ctx, async (db) => {
        await db
          .deleteFrom('check_status')
          .where('subject_kind', '=', 'installation')
          .where('subject_id', 'in', backfilled)
          .execute();
        for (let i = 0; i < kept.length; i += 200) {
          await db
            .insertInto('check_status')
            .values(kept.slice(i, i + 200))
            .execute();
        }
      });
    }
  }
  return { installations: histories.length, probes };
}
