/**
 * What a straightforward implementation does: one setInterval per monitor, all started at once (no
 * spread, no concurrency limit), each tick calling probeInstallation and writing its result at once
 * (writeSamples: one sample per check, state and latency, every time).
 */
import { writeSamples, type SampleInput } from '../../src/metrics/series.js';
import { probeInstallation } from '../../src/probes/probe.js';
import { loadProbeTargets, type InstallationProbeTarget } from '../../src/probes/service.js';
import type { ProbeResult } from '../../src/probes/types.js';
import type { SimFleet } from './fleet.js';
import { judgeWindow, type LoadResult, type ProbeRecord } from './load.js';
import { startWindow } from './meter.js';
import type { LoadOptions } from './ours.js';
import { benchPinger, type BenchDb } from './setup.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function samplesOf(result: ProbeResult): SampleInput[] {
  const out: SampleInput[] = [];
  for (const c of result.checks) {
    const value = c.outcome === 'ok' ? 1 : c.outcome === 'failed' ? 0 : -1;
    out.push({ metric: 'probe_check', labels: { check: c.check }, value });
    if (c.latencyMs !== undefined)
      out.push({ metric: 'probe_latency_ms', labels: { check: c.check }, value: c.latencyMs });
  }
  for (const [state, value] of Object.entries(result.states ?? {}))
    out.push({ metric: 'probe_state', labels: { state }, value });
  return out;
}

export async function runNaive(db: BenchDb, fleet: SimFleet, o: LoadOptions): Promise<LoadResult> {
  const { ctx } = db;
  const targets = await loadProbeTargets(ctx);
  const records: ProbeRecord[] = [];
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<void>>();
  const t0 = Date.now();

  const monitor = (t: InstallationProbeTarget): void => {
    let running = 0;
    let tick = 0;
    const probe = (k: number): void => {
      const startedAt = Date.now();
      const overlapped = running > 0;
      running++;
      const p = (async () => {
        let ok = false;
        let error: string | undefined;
        try {
          const result = await probeInstallation(t, { timeoutMs: 10_000, pinger: benchPinger });
          await writeSamples(ctx, { dealerId: t.dealerId, installationId: t.installationId }, Date.now(), [
            ...samplesOf(result),
          ]);
          const page = result.checks.find((c) => c.check === 'http200');
          ok = page?.outcome === 'ok' || page?.outcome === 'suppressed';
          if (!ok) error = page?.detail ?? `http200 ${page?.outcome ?? 'not run'}`;
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
        running--;
        records.push({
          subject: t.installationId,
          dueAt: t0 + k * o.intervalMs,
          startedAt,
          finishedAt: Date.now(),
          ok,
          ...(error ? { error } : {}),
          overlapped,
        });
      })();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    };
    probe(0);
    timers.push(setInterval(() => probe(++tick), o.intervalMs));
  };

  try {
    // Probe now, then every interval: the first round (sign-ins, series created) is the warm-up.
    for (const t of targets) monitor(t);
    const from = t0 + o.intervalMs - 1_000;
    const to = from + o.intervals * o.intervalMs;
    while (Date.now() < from) {
      await sleep(Math.min(15_000, from - Date.now()));
      if (Date.now() < from)
        o.progress(
          `  warm-up: ${records.length}/${targets.length} first probes done, ${inFlight.size} running`,
        );
    }
    const rows0 = await db.sampleRows();
    db.statements.reset();
    const stop = startWindow(fleet);
    while (Date.now() < to) {
      await sleep(Math.min(15_000, to - Date.now()));
      o.progress(
        `  measuring: ${((Date.now() - from) / 1000).toFixed(0)}/${(o.intervals * o.intervalMs) / 1000} s, ` +
          `${records.filter((r) => r.dueAt >= from).length} probes done, ${inFlight.size} running`,
      );
    }
    const usage = stop();
    const statements = db.statements.snapshot();
    const sampleRows = (await db.sampleRows()) - rows0;
    for (const t of timers) clearInterval(t);
    // Ticks of the window still running: wait for them (every step of a probe has a timeout).
    const graceEnd = to + o.intervalMs;
    while (Date.now() < graceEnd && inFlight.size > 0) await sleep(250);
    return {
      mode: 'naive',
      n: targets.length,
      intervalMs: o.intervalMs,
      intervals: o.intervals,
      ...judgeWindow(
        records,
        targets.map((t) => t.installationId),
        from,
        to,
        o.intervals,
        o.intervalMs,
      ),
      usage,
      statements,
      sampleRows,
      warmupMs: from - t0,
    };
  } finally {
    for (const t of timers) clearInterval(t);
    await Promise.allSettled([...inFlight]);
  }
}
