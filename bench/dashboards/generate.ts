/**
 * Fills a freshly migrated database with the bench data set: the inventory through the app's
 * services, then thirteen months of history through the bulk sinks, then whatever the app derives
 * from raw rows (rollups) and the planner statistics. Times each step.
 */
import type { AppContext } from '../../src/context.js';
import { writeAlertHistory } from './history/alerts.js';
import { writeOnlineHistory, type OnlineCaches } from './history/online.js';
import { writeProbeHistory } from './history/probes.js';
import { writeSysinfoHistory, type Window } from './history/sysinfo.js';
import { createInventory, DEALER_CODE, type Fleet } from './inventory.js';
import type { Scale } from './scale.js';
import { SeriesIds } from './series-ids.js';
import type { RowSink } from './sink.js';

export interface GenerationStats {
  /** Seconds per step. */
  steps: Record<string, number>;
  totalS: number;
  /** Rows written per table by the bulk step. */
  rows: Record<string, number>;
  /** Hourly sysinfo reports the history stands for. */
  reports: number;
}

export interface GenerateHooks {
  progress(msg: string): void;
  /** The bulk writer on the database (opened after the inventory exists). */
  openSink(): Promise<RowSink>;
  /** After the bulk load: sequences, rollups, statistics (engine-specific). */
  finish(ctx: AppContext, fleet: Fleet): Promise<Record<string, number>>;
}

export async function generate(
  ctx: AppContext,
  scale: Scale,
  w: Window,
  hooks: GenerateHooks,
): Promise<GenerationStats> {
  const t0 = performance.now();
  const steps: Record<string, number> = {};
  let mark = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    steps[name] = (now - mark) / 1000;
    mark = now;
    hooks.progress(`${name}: ${steps[name]!.toFixed(1)} s`);
  };

  const fleet = await createInventory(ctx, scale, hooks.progress);
  step('inventory (app services)');

  const sink = await hooks.openSink();
  const series = new SeriesIds();
  let reports = 0;
  try {
    let n = 0;
    for (const inst of fleet.installations) {
      reports += await writeSysinfoHistory(sink, series, fleet.dealerId, inst, scale, w);
      if (inst.kind === 'polled') await writeProbeHistory(sink, series, fleet.dealerId, inst, w);
      n += 1;
      if (n % 50 === 0)
        hooks.progress(`history: ${n}/${fleet.installations.length} installations, ${rowsLine(sink)}`);
    }
    await sink.flush();
    step('installations: sysinfo and probe history');
    const caches: OnlineCaches = { hosts: new Map() };
    n = 0;
    for (const a of fleet.accesses) {
      await writeOnlineHistory(sink, series, fleet.dealerId, a, w, caches);
      n += 1;
      if (n % 100 === 0)
        hooks.progress(`history: ${n}/${fleet.accesses.length} online accesses, ${rowsLine(sink)}`);
    }
    await sink.flush();
    step('online accesses: reading history');
    await writeAlertHistory(sink, fleet, DEALER_CODE, scale.alerts, w);
    await sink.flush();
    step('alert instances');
  } finally {
    await sink.close();
  }
  const rows = Object.fromEntries(sink.counts);
  const finishSteps = await hooks.finish(ctx, fleet);
  for (const [k, v] of Object.entries(finishSteps)) steps[k] = v;
  mark = performance.now();
  return { steps, totalS: (performance.now() - t0) / 1000, rows, reports };
}

function rowsLine(sink: RowSink): string {
  const total = [...sink.counts.values()].reduce((a, b) => a + b, 0);
  const samples = sink.counts.get('samples') ?? 0;
  return `${(total / 1e6).toFixed(1)} M rows (${(samples / 1e6).toFixed(1)} M samples)`;
}
