/**
 * Feeding a test database with the history of simulated online accesses: the DC simulator's ground
 * truth (`usageAt`) read at fixed local moments and stored through the poller's own `storeProfile`,
 * so the rollups (`online_usage_monthly`, `samples_daily`) are what the real poller would leave.
 */
import type { AppContext } from '../../src/context.js';
import { storeProfile } from '../../src/online/poller.js';
import { usageAt, type Account } from '../../src/sim/dc/usage.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** UTC ms of a local wall-clock time in a fixed offset (month0 is 0-based). */
export function localAt(offsetMin: number, y: number, month0: number, d: number, h: number, mi = 0): number {
  return Date.UTC(y, month0, d, h, mi) - offsetMin * 60_000;
}

/**
 * Readings of the months from `fromMonths` before `now`'s month up to `now`: on the 19th and the last
 * day of each month at 18:30 local (after the working day), whichever are not in the future.
 */
export async function feedHistory(
  ctx: AppContext,
  access: { id: number; dealerId: number },
  a: Account,
  now: number,
  opts: { fromMonths?: number; skipMonth?: (y: number, month0: number) => boolean } = {},
): Promise<number> {
  const fromMonths = opts.fromMonths ?? 12;
  const local = new Date(now + a.utcOffsetMin * 60_000);
  let stored = 0;
  for (let k = fromMonths; k >= 0; k--) {
    const first = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - k, 1));
    const y = first.getUTCFullYear();
    const m0 = first.getUTCMonth();
    if (opts.skipMonth?.(y, m0)) continue; // a collection outage: no reading that month
    const last = new Date(Date.UTC(y, m0 + 1, 0)).getUTCDate();
    for (const d of [19, last]) {
      const at = localAt(a.utcOffsetMin, y, m0, d, 18, 30);
      if (at > now) continue;
      await storeProfile(
        ctx,
        { accessId: access.id, dealerId: access.dealerId, utcOffsetMin: a.utcOffsetMin },
        usageAt(a, at),
        at,
      );
      stored++;
    }
  }
  return stored;
}
