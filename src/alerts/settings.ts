/**
 * The catalogue as one dealer sees it: catalogue values with the dealer's alert settings on top
 * (enabled, Count threshold, timings, thresholds). Read often (every evaluation), changed rarely, so
 * cached for a few seconds per dealer and dropped at once when this node changes a setting.
 */
import type { AppContext } from '../context.js';
import {
  CATALOGUE,
  DEFAULT_TIMINGS,
  requireAlertDef,
  type AlertDef,
  type GroupTimings,
} from './catalogue.js';

export interface DealerAlertSettings {
  enabled(name: string): boolean;
  params(name: string): Record<string, number>;
  forMs(name: string): number;
  keepFiringForMs(name: string): number;
  /** The Count threshold of a base alert, or null when it has no Count sibling. */
  countThreshold(name: string): number | null;
  timings(name: string): GroupTimings;
}

export interface AlertOverride {
  enabled: boolean;
  countThreshold: number | null;
  forMs: number | null;
  keepFiringForMs: number | null;
  groupWaitMs: number | null;
  groupIntervalMs: number | null;
  repeatIntervalMs: number | null;
  params: Record<string, number>;
}

const TTL_MS = 5_000;
const cache = new WeakMap<object, Map<number, { at: number; value: DealerAlertSettings }>>();

export function forgetAlertSettings(ctx: AppContext, dealerId?: number): void {
  const m = cache.get(ctx.db);
  if (!m) return;
  if (dealerId === undefined) m.clear();
  else m.delete(dealerId);
}

export async function dealerAlertSettings(ctx: AppContext, dealerId: number): Promise<DealerAlertSettings> {
  let m = cache.get(ctx.db);
  if (!m) cache.set(ctx.db, (m = new Map()));
  const hit = m.get(dealerId);
  const now = Date.now();
  if (hit && now - hit.at < TTL_MS) return hit.value;
  const rows = await ctx.db
    .selectFrom('alert_settings')
    .selectAll()
    .where('dealer_id', '=', dealerId)
    .execute();
  const overrides = new Map<string, AlertOverride>(
    rows.map((r) => [
      r.name,
      {
        enabled: r.enabled === 1,
        countThreshold: r.count_threshold,
        forMs: r.for_ms,
        keepFiringForMs: r.keep_firing_for_ms,
        groupWaitMs: r.group_wait_ms,
        groupIntervalMs: r.group_interval_ms,
        repeatIntervalMs: r.repeat_interval_ms,
        params: r.params ? (JSON.parse(r.params) as Record<string, number>) : {},
      },
    ]),
  );
  const value = settingsFrom(overrides);
  m.set(dealerId, { at: now, value });
  return value;
}

export function settingsFrom(overrides: Map<string, AlertOverride>): DealerAlertSettings {
  const def = (name: string): AlertDef => requireAlertDef(name);
  const o = (name: string) => overrides.get(def(name).name);
  return {
    enabled: (name) => o(name)?.enabled ?? true,
    params: (name) => ({ ...(def(name).params ?? {}), ...(o(name)?.params ?? {}) }),
    forMs: (name) => o(name)?.forMs ?? def(name).forMs,
    keepFiringForMs: (name) => o(name)?.keepFiringForMs ?? def(name).keepFiringForMs,
    countThreshold: (name) => {
      const d = def(name);
      if (d.countThreshold === undefined) return null;
      return o(name)?.countThreshold ?? d.countThreshold;
    },
    timings: (name) => {
      const d = def(name);
      const base = DEFAULT_TIMINGS[d.priority];
      const ov = o(name);
      return {
        groupWaitMs: ov?.groupWaitMs ?? base.groupWaitMs,
        groupIntervalMs: ov?.groupIntervalMs ?? base.groupIntervalMs,
        repeatIntervalMs: ov?.repeatIntervalMs ?? d.repeatIntervalMs ?? base.repeatIntervalMs,
      };
    },
  };
}

/** Names with a Count sibling (the base alerts). */
export const COUNTED = CATALOGUE.filter((d) => d.countThreshold !== undefined).map((d) => d.name);
