/**
 * The daily rollup of samples: kept by both sample writers in the same transaction, counted once per
 * (series, instant) however often it is written again, recomputed when a value is replaced, and equal
 * to a rebuild from the raw samples.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { rebuildSamplesDaily, rollupDay } from '../../src/metrics/rollup.js';
import { writeOwnedSamples } from '../../src/metrics/series-writer.js';
import { writeSamples } from '../../src/metrics/series.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const op = cliActor('test');
/** 2026-03-10 00:00 Moscow = 2026-03-09 21:00 UTC. */
const DAY0 = Date.UTC(2026, 2, 9, 21);

describe.each(DB_KINDS)('samples_daily (%s)', (kind) => {
  let t: TestContext;
  let owner: { dealerId: number; installationId: number };

  beforeEach(async () => {
    t = await openTestContext(kind);
    const { dealer } = await createDealer(t.ctx, op, { code: 'ru', name: 'Rollup' });
    const client = await createClient(t.ctx, op, { dealerId: dealer.id, shortName: 'r' });
    const inst = await createInstallation(t.ctx, op, { clientId: client.id, kind: 'agent' });
    owner = { dealerId: dealer.id, installationId: inst.id };
  });
  afterEach(() => t.close());

  const rows = () =>
    t.ctx.db
      .selectFrom('samples_daily')
      .innerJoin('series', 'series.id', 'samples_daily.series_id')
      .select(['series.metric', 'day', 'min', 'max', 'last', 'last_ts', 'sum', 'count'])
      .orderBy('series.metric')
      .orderBy('day')
      .execute();
  const write = (ts: number, values: Record<string, number>) =>
    t.ctx.db.transaction().execute((db) =>
      writeSamples(
        { ...t.ctx, db },
        owner,
        ts,
        Object.entries(values).map(([metric, value]) => ({ metric, labels: {}, value })),
      ),
    );

  it('days start at midnight in Moscow', () => {
    expect(rollupDay(DAY0)).toBe(DAY0);
    expect(rollupDay(DAY0 - 1)).toBe(DAY0 - 24 * HOUR);
    expect(rollupDay(DAY0 + 24 * HOUR - 1)).toBe(DAY0);
  });

  it('folds samples per day; a repeated write counts once, a changed value recomputes the day', async () => {
    await write(DAY0 + 10 * HOUR, { a: 5, b: 1 });
    await write(DAY0 + 2 * HOUR, { a: 9 });
    await write(DAY0 + 20 * HOUR, { a: 2 });
    await write(DAY0 + 24 * HOUR, { a: 7 }); // the next day
    const expected = [
      { metric: 'a', day: DAY0, min: 2, max: 9, last: 2, last_ts: DAY0 + 20 * HOUR, sum: 16, count: 3 },
      {
        metric: 'a',
        day: DAY0 + 24 * HOUR,
        min: 7,
        max: 7,
        last: 7,
        last_ts: DAY0 + 24 * HOUR,
        sum: 7,
        count: 1,
      },
      { metric: 'b', day: DAY0, min: 1, max: 1, last: 1, last_ts: DAY0 + 10 * HOUR, sum: 1, count: 1 },
    ];
    expect(await rows()).toEqual(expected);

    await write(DAY0 + 10 * HOUR, { a: 5, b: 1 }); // re-processed: the same values again
    expect(await rows()).toEqual(expected);

    await write(DAY0 + 2 * HOUR, { a: 3 }); // replaced: the old max is gone
    expected[0] = { ...expected[0]!, min: 2, max: 5, sum: 10 };
    expect(await rows()).toEqual(expected);

    await rebuildSamplesDaily(t.ctx.db);
    expect(await rows()).toEqual(expected);
  });

  it('the batch writer keeps it too, with several samples of one day in one batch', async () => {
    const subject = { kind: 'installation' as const, id: owner.installationId, dealerId: owner.dealerId };
    const batch = [0, 1, 2, 3].map((k) => ({
      subject,
      metric: 'c',
      labels: { check: 'tcp' },
      ts: DAY0 + 23 * HOUR + k * 30 * MIN, // two before midnight, two after
      value: k === 1 ? 0 : 1,
    }));
    await t.ctx.db.transaction().execute((db) => writeOwnedSamples({ ...t.ctx, db }, batch));
    await t.ctx.db.transaction().execute((db) => writeOwnedSamples({ ...t.ctx, db }, batch.slice(2)));
    expect(await rows()).toEqual([
      { metric: 'c', day: DAY0, min: 0, max: 1, last: 0, last_ts: DAY0 + 23.5 * HOUR, sum: 1, count: 2 },
      {
        metric: 'c',
        day: DAY0 + 24 * HOUR,
        min: 1,
        max: 1,
        last: 1,
        last_ts: DAY0 + 24.5 * HOUR,
        sum: 2,
        count: 2,
      },
    ]);
  });
});
