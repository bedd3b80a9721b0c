/**
 * Incidents over the history window: seeded, non-overlapping intervals of a kind (a ПК down, in
 * maintenance, out of seats; a DC server unreachable). What the checks and samples show is derived
 * from them, so outages, state series and availability counters agree with each other.
 */
import { Rng } from '../../../src/sim/kodeks/prng.js';

const MIN = 60_000;

export interface EpisodeKind<K extends string> {
  kind: K;
  weight: number;
  /** Duration range, minutes. */
  minMin: number;
  maxMin: number;
}

export interface Episode<K extends string> {
  kind: K;
  from: number;
  to: number;
}

/**
 * About `perDay` episodes a day on average (gaps drawn from an exponential distribution), each of a
 * kind drawn by weight, durations uniform in the kind's range (log-uniform would be more realistic
 * but changes nothing a dashboard query does). Boundaries fall on whole minutes plus `phase`.
 */
export function episodes<K extends string>(
  seed: (string | number)[],
  window: { start: number; end: number },
  perDay: number,
  kinds: readonly EpisodeKind<K>[],
  phase = 0,
): Episode<K>[] {
  const rng = new Rng(...seed, 'episodes');
  const meanGap = (24 * 60) / perDay;
  const out: Episode<K>[] = [];
  const align = (t: number) => Math.floor((t - phase) / MIN) * MIN + phase;
  let t = window.start;
  for (;;) {
    t += -Math.log(1 - rng.next()) * meanGap * MIN;
    if (t >= window.end) break;
    const k = rng.weighted(kinds.map((x) => [x, x.weight] as const));
    const from = align(t);
    const to = Math.min(align(from + rng.int(k.minMin, k.maxMin) * MIN), window.end);
    if (to <= from) continue;
    out.push({ kind: k.kind, from, to });
    t = to + MIN;
  }
  return out;
}

/** The episode covering `t`, if any; `i` is a cursor for a scan in time order. */
export function episodeAt<K extends string>(
  list: readonly Episode<K>[],
  cursor: { i: number },
  t: number,
): Episode<K> | null {
  while (cursor.i < list.length && list[cursor.i]!.to <= t) cursor.i += 1;
  const e = list[cursor.i];
  return e && e.from <= t ? e : null;
}
