/**
 * The sample panels' buckets by day over long ranges (dailyBucketsKept): the buckets that ended before
 * today's rollup day are read once and kept (period-cache.ts), today's are read on every request. The
 * answer equals a fresh read of the daily rollup; a late sample reaches a kept bucket when its slot
 * expires; a caller changing what it got changes nothing kept. Both engines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RECENT_TTL_MS } from '../../src/dashboards/period-cache.js';
import { bucketAggregates, dailyBucketsKept, seriesFor } from '../../src/dashboards/series-read.js';
import { rollupDay } from '../../src/metrics/rollup.js';
import { writeSamples } from '../../src/metrics/series.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { buildDealerWorld } from '../helpers/tenants.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

describe.each(DB_KINDS)('daily buckets kept for closed days (%s)', (kind) => {
  let t: TestContext;
  afterEach(() => t.close());

  it('equal a fresh read, today read anew, closed days after the slot expires, never changed by a caller', async () => {
    t = await openTestContext(kind);
    const w = await buildDealerWorld(t.ctx, 'dbk');
    const NOW = Date.UTC(2026, 5, 20, 9);
    t.clock.t = NOW;
    const base = rollupDay(NOW - 40 * DAY);
    const owner = (id: number) => ({ dealerId: w.dealer.id, installationId: id });
    // Two installations, a sample every 6 hours for 40 days up to now.
    for (const [n, inst] of [w.i1, w.i3].entries())
      for (let ts = base + n * HOUR; ts <= NOW; ts += 6 * HOUR)
        await writeSamples(t.ctx, owner(inst.id), ts, [
          { metric: 'sysinfo_licences_in_use', labels: {}, value: ((ts / HOUR) * 7 + n) % 23 },
        ]);
    const ids = (await seriesFor(t.ctx, [w.i1.id, w.i3.id], ['sysinfo_licences_in_use'])).map((s) => s.id);
    expect(ids.length).toBe(2);
    const fresh = () => bucketAggregates(t.ctx, ids, base, WEEK, NOW, 'daily');
    const kept = () => dailyBucketsKept(t.ctx, ids, base, WEEK, NOW, t.clock.now());

    const first = await kept();
    expect(first).toEqual(await fresh());
    // Not vacuous: six weeks, the last one open (it holds today).
    expect(first.get(ids[0]!)!.map((b) => b.b)).toEqual([0, 1, 2, 3, 4, 5]);

    // A caller that changes its answer changes nothing kept.
    first.get(ids[0]!)![0]!.max = -5;
    first.get(ids[0]!)!.length = 1;
    expect(await kept()).toEqual(await fresh());

    // Today's samples show at once; a late sample on a closed day waits for the slot to expire.
    await writeSamples(t.ctx, owner(w.i1.id), NOW - 30 * 60_000, [
      { metric: 'sysinfo_licences_in_use', labels: {}, value: 90 },
    ]);
    await writeSamples(t.ctx, owner(w.i1.id), base + 2 * DAY + HOUR, [
      { metric: 'sysinfo_licences_in_use', labels: {}, value: 80 },
    ]);
    const now = await kept();
    const latest = await fresh();
    expect(now.get(ids[0]!)![5]!.max).toBe(90);
    expect(latest.get(ids[0]!)![0]!.max).toBe(80);
    expect(now.get(ids[0]!)![0]!.max).toBeLessThan(80);
    expect(now.get(ids[0]!)!.slice(1)).toEqual(latest.get(ids[0]!)!.slice(1));

    t.clock.advance(RECENT_TTL_MS);
    // The same buckets a few minutes later: only the ended ones come from the slot.
    expect(await dailyBucketsKept(t.ctx, ids, base, WEEK, NOW, t.clock.now())).toEqual(latest);
  });
});
