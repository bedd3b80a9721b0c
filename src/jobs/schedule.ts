/**
 * When a periodic job runs. Jobs of the same interval are spread evenly over it (a stable phase per
 * subject) so a fleet of 5,000 probes makes a steady ~83 probes a second, not a burst every minute.
 */

/** A stable pseudo-random fraction in [0, 1) for a (kind, subject) pair. */
export function phaseFraction(kind: string, subjectId: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < kind.length; i++) h = Math.imul(h ^ kind.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ subjectId, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** New jobs start within this long, however long their interval: a new installation shows data soon. */
export const FIRST_RUN_SPREAD_MS = 10_000;

/** The first run of a new job: soon, spread over a few seconds by its phase. */
export function firstRunAt(now: number, intervalMs: number, kind: string, subjectId: number): number {
  return now + Math.floor(phaseFraction(kind, subjectId) * Math.min(intervalMs, FIRST_RUN_SPREAD_MS));
}

/** Where in each interval a job's slots fall, ms after the interval's start (multiples of it since 1970). */
export function phaseOffsetMs(kind: string, subjectId: number, intervalMs: number): number {
  return Math.floor(phaseFraction(kind, subjectId) * intervalMs);
}

export interface NextRun {
  nextRunAt: number;
  /** Whole intervals skipped because the run finished after its next slot. */
  missed: number;
}

/**
 * The job's next slot after `dueAt` on its own grid (`phaseMs` into every interval), so jobs keep an
 * even spread however their first run was placed. A run that overran skips the slots it missed
 * instead of firing them in a burst. A run off the grid (a new job's first run, a retry) is followed
 * by a slot at least half an interval later: a weekly pull of a new installation must not come again
 * minutes after its first one just because its grid slot happens to fall there.
 */
export function nextRunAfter(dueAt: number, intervalMs: number, now: number, phaseMs = 0): NextRun {
  const onGrid = dueAt - ((((dueAt - phaseMs) % intervalMs) + intervalMs) % intervalMs);
  let next = onGrid + intervalMs;
  if (next - dueAt < intervalMs / 2) next += intervalMs;
  let missed = 0;
  if (next <= now) {
    const behind = Math.floor((now - next) / intervalMs) + 1;
    next += behind * intervalMs;
    missed = behind;
  }
  return { nextRunAt: next, missed };
}

/**
 * A daily job at a local hour (e.g. 03:00 in the access's zone), spread over `spreadMs` by phase so
 * a DC server is not asked for every search log at the same second.
 */
export function nextDailyAt(
  now: number,
  utcOffsetMin: number,
  hour: number,
  spreadMs: number,
  fraction: number,
): number {
  const day = 86_400_000;
  const offset = utcOffsetMin * 60_000;
  const localMidnight = Math.floor((now + offset) / day) * day - offset;
  let at = localMidnight + hour * 3_600_000 + Math.floor(fraction * spreadMs);
  while (at <= now) at += day;
  return at;
}
