/**
 * The hourly rollup of samples (issue 9): kept by both sample writers, equal to a recompute from the raw
 * samples after new, repeated and changed writes; backfilled by migration 0015; and read by the
 * dashboards for ranges before the raw window, so that deleting the old raw samples changes nothing in
 * an hour-resolution graph.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import type { ManagerAligned } from '../../src/dashboards/contract-managers.js';
import { forManagers } from '../../src/dashboards/for-managers.js';
import { bucketAggregates, latestIn, rawSplit } from '../../src/dashboards/series-read.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import {
  DEFAULT_RAW_RETENTION_MS,
  rawCutoff,
  rebuildSampleRollups,
  rollupHour,
  sampleSource,
} from '../../src/metrics/rollup.js';
import { writeOwnedSamples, type OwnedSample } from '../../src/metrics/series-writer.js';
import { writeSamples } from '../../src/metrics/series.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, FakeClock, migrateDbTo, openTestContext, type TestContext } from '../helpers/db.js';
import { buildDealerWorld } from '../helpers/tenants.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const op = cliActor('test');
/** 2026-03-10 00:00 Moscow = 2026-03-09 21:00 UTC. */
const DAY0 = Date.UTC(2026, 2, 9, 21);

const ROLLUP_COLS = ['series_id', 'min', 'max', 'last', 'last_ts', 'sum', 'count'] as const;
type Db = AppContext['db'];

const hourlyRows = async (db: Db) =>
  (
    await db
      .selectFrom('samples_hourly')
      .select([...ROLLUP_COLS, 'hour'])
      .orderBy('series_id')
      .orderBy('hour')
      .execute()
  ).map((r) => ({ ...r, count: Number(r.count) }));
const dailyRows = async (db: Db) =>
  (
    await db
      .selectFrom('samples_daily')
      .select([...ROLLUP_COLS, 'day'])
      .orderBy('series_id')
      .orderBy('day')
      .execute()
  ).map((r) => ({ ...r, count: Number(r.count) }));

/** The hourly rollup computed here from the raw samples. */
async function expectedHourly(db: Db) {
  const raw = await db
    .selectFrom('samples')
    .select(['series_id', 'ts', 'value'])
    .orderBy('series_id')
    .orderBy('ts')
    .execute();
  const out = new Map<string, { series_id: number; hour: number } & Record<string, number>>();
  for (const r of raw) {
    const hour = Math.floor(r.ts / HOUR) * HOUR;
    const k = `${r.series_id}:${hour}`;
    const v = Number(r.value);
    const e = out.get(k);
    if (!e) {
      out.set(k, { series_id: r.series_id, hour, min: v, max: v, last: v, last_ts: r.ts, sum: v, count: 1 });
      continue;
    }
    e.min = Math.min(e.min!, v);
    e.max = Math.max(e.max!, v);
    e.last = v;
    e.last_ts = r.ts;
    e.sum! += v;
    e.count! += 1;
  }
  return [...out.values()].map((e) => ({
    series_id: e.series_id,
    min: e.min,
    max: e.max,
    last: e.last,
    last_ts: e.last_ts,
    sum: e.sum,
    count: e.count,
    hour: e.hour,
  }));
}

describe('sampleSource', () => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1, 12, 30));
  it('reads raw inside the retention window and hourly before it', () => {
    const ctx = { clock };
    expect(rawCutoff(ctx)).toBe(clock.t - DEFAULT_RAW_RETENTION_MS);
    expect(sampleSource(ctx, clock.t - 35 * DAY)).toBe('raw');
    expect(sampleSource(ctx, clock.t - 35 * DAY - 1)).toBe('hourly');
    expect(sampleSource({ clock, rawRetentionMs: 10 * DAY }, clock.t - 11 * DAY)).toBe('hourly');
    expect(sampleSource({ clock, rawRetentionMs: 10 * DAY }, clock.t - 9 * DAY)).toBe('raw');
  });
  it('splits a range at the first bucket start that is also an hour start', () => {
    const cutoff = Date.UTC(2026, 5, 1, 12, 30);
    const base = Date.UTC(2026, 5, 1, 0);
    expect(rawSplit(cutoff, base, 15 * MIN)).toBe(Date.UTC(2026, 5, 1, 13));
    expect(rawSplit(cutoff, base, 3 * HOUR)).toBe(Date.UTC(2026, 5, 1, 15));
    expect(rawSplit(Date.UTC(2026, 5, 1, 13), base, HOUR)).toBe(Date.UTC(2026, 5, 1, 13));
  });
});

describe.each(DB_KINDS)('samples_hourly (%s)', (kind) => {
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

  const write = (ts: number, values: Record<string, number>) =>
    t.ctx.db.transaction().execute((db) =>
      writeSamples(
        { ...t.ctx, db },
        owner,
        ts,
        Object.entries(values).map(([metric, value]) => ({ metric, labels: {}, value })),
      ),
    );

  it('equals a recompute from raw after new, repeated and changed writes; the daily rollup too', async () => {
    await write(DAY0 + 10 * HOUR + 5 * MIN, { a: 5, b: 1 });
    await write(DAY0 + 10 * HOUR + 40 * MIN, { a: 9 });
    await write(DAY0 + 10 * HOUR + 20 * MIN, { a: 2 }); // older than the hour's newest
    await write(DAY0 + 11 * HOUR, { a: 7, b: 4 });
    await write(DAY0 + 23 * HOUR + 59 * MIN, { a: 1 });
    await write(DAY0 + 24 * HOUR, { a: 3 }); // the next Moscow day
    const first = await hourlyRows(t.ctx.db);
    expect(first).toEqual(await expectedHourly(t.ctx.db));
    expect(first.find((r) => r.hour === DAY0 + 10 * HOUR && r.max === 9)).toMatchObject({
      min: 2,
      last: 9,
      last_ts: DAY0 + 10 * HOUR + 40 * MIN,
      sum: 16,
      count: 3,
    });

    await write(DAY0 + 10 * HOUR + 5 * MIN, { a: 5, b: 1 }); // re-processed: the same values
    expect(await hourlyRows(t.ctx.db)).toEqual(first);

    await write(DAY0 + 10 * HOUR + 40 * MIN, { a: 4 }); // replaced: the hour's max and last change
    await write(DAY0 + 11 * HOUR, { a: 8, b: 4 });
    const changed = await hourlyRows(t.ctx.db);
    expect(changed).not.toEqual(first);
    expect(changed).toEqual(await expectedHourly(t.ctx.db));
    const daily = await dailyRows(t.ctx.db);
    expect(daily.length).toBe(3);

    await rebuildSampleRollups(t.ctx.db);
    expect(await hourlyRows(t.ctx.db)).toEqual(changed);
    expect(await dailyRows(t.ctx.db)).toEqual(daily);
  });

  it('a report sent again after retention deleted its raw samples counts once', async () => {
    t.clock.t = DAY0 + 60 * DAY;
    await write(DAY0 + 10 * HOUR + 5 * MIN, { a: 5 });
    await write(DAY0 + 10 * HOUR + 40 * MIN, { a: 9 });
    // Older than the cutoff but its hour still has every raw row: new, so counted.
    await write(DAY0 + 10 * HOUR + 20 * MIN, { a: 6 });
    await write(DAY0 + 11 * HOUR, { a: 7 });
    const held = await hourlyRows(t.ctx.db);
    const heldDaily = await dailyRows(t.ctx.db);
    expect(held.find((r) => r.hour === DAY0 + 10 * HOUR)).toMatchObject({
      min: 5,
      max: 9,
      sum: 20,
      count: 3,
    });

    await sql`delete from samples where ts < ${rawCutoff(t.ctx)}`.execute(t.ctx.db);
    // The same reports again, through both writers: nothing changes.
    await write(DAY0 + 10 * HOUR + 5 * MIN, { a: 5 });
    await write(DAY0 + 10 * HOUR + 40 * MIN, { a: 9 });
    await write(DAY0 + 11 * HOUR, { a: 7 });
    const subject = { kind: 'installation' as const, id: owner.installationId, dealerId: owner.dealerId };
    await t.ctx.db
      .transaction()
      .execute((db) =>
        writeOwnedSamples({ ...t.ctx, db }, [
          { subject, metric: 'a', labels: {}, ts: DAY0 + 10 * HOUR + 20 * MIN, value: 6 },
        ]),
      );
    expect(await hourlyRows(t.ctx.db)).toEqual(held);
    expect(await dailyRows(t.ctx.db)).toEqual(heldDaily);

    // What the hour cannot hold is new: a later time, a value outside its range, an hour without a row.
    await write(DAY0 + 10 * HOUR + 50 * MIN, { a: 8 });
    await write(DAY0 + 10 * HOUR + 10 * MIN, { a: 2 });
    await write(DAY0 + 12 * HOUR, { a: 4 });
    const after = await hourlyRows(t.ctx.db);
    expect(after.find((r) => r.hour === DAY0 + 10 * HOUR)).toMatchObject({
      min: 2,
      max: 9,
      last: 8,
      last_ts: DAY0 + 10 * HOUR + 50 * MIN,
      sum: 30,
      count: 5,
    });
    expect(after.find((r) => r.hour === DAY0 + 12 * HOUR)).toMatchObject({ sum: 4, count: 1 });
    expect((await dailyRows(t.ctx.db)).find((r) => r.day === heldDaily[0]!.day)).toMatchObject({
      min: 2,
      max: 9,
      sum: 41,
      count: 7,
    });
  });

  it('the batch writer keeps it too, several samples of one hour in one batch', async () => {
    const subject = { kind: 'installation' as const, id: owner.installationId, dealerId: owner.dealerId };
    const batch = [0, 1, 2, 3, 4, 5].map((k) => ({
      subject,
      metric: 'c',
      labels: { check: 'tcp' },
      ts: DAY0 + 5 * HOUR + k * 25 * MIN,
      value: k === 2 ? 0 : k === 4 ? -1 : 1,
    }));
    await t.ctx.db.transaction().execute((db) => writeOwnedSamples({ ...t.ctx, db }, batch));
    const changedBatch = batch.slice(3).map((s) => ({ ...s, value: s.value === 1 ? 0 : s.value }));
    await t.ctx.db.transaction().execute((db) => writeOwnedSamples({ ...t.ctx, db }, changedBatch));
    const rows = await hourlyRows(t.ctx.db);
    expect(rows.length).toBe(3);
    expect(rows).toEqual(await expectedHourly(t.ctx.db));
  });

  it('reads before the raw window give what the raw samples gave, after they are deleted', async () => {
    t.clock.t = DAY0 + 60 * DAY;
    // A check's 1 ok / 0 failed / −1 not judged every 20 minutes (hours of all ok, a failure among ok,
    // not judged, a failure while not judged) and a gauge every 25 minutes, for two days 60 days ago.
    const subject = { kind: 'installation' as const, id: owner.installationId, dealerId: owner.dealerId };
    const HOURS = [
      [1, 1, 1],
      [1, 0, 1],
      [-1, -1, -1],
      [-1, 0, 0],
    ];
    const samples: OwnedSample[] = [];
    for (let m = 0; m < 2 * 24 * 60; m += 5) {
      const ts = DAY0 + m * MIN;
      if (m % 20 === 0)
        samples.push({
          subject,
          metric: 'chk',
          labels: {},
          ts,
          value: HOURS[((m / 60) % 4) | 0]![(m % 60) / 20]!,
        });
      if (m % 25 === 0) samples.push({ subject, metric: 'g', labels: {}, ts, value: (m * 7) % 31 });
    }
    await t.ctx.db.transaction().execute((db) => writeOwnedSamples({ ...t.ctx, db }, samples));
    const idOf = async (metric: string) =>
      (
        await t.ctx.db
          .selectFrom('series')
          .select('id')
          .where('metric', '=', metric)
          .executeTakeFirstOrThrow()
      ).id;
    const ids = [await idOf('chk'), await idOf('g')];
    const base = DAY0 + 6 * HOUR;
    const to = DAY0 + 30 * HOUR - 1;
    const read = async (ctx: AppContext) => ({
      hourly: await bucketAggregates(ctx, ids, base, HOUR, to, 'raw', { judged: true }),
      threeHourly: await bucketAggregates(ctx, ids, base, 3 * HOUR, to, 'raw', { judged: true }),
      daily: await bucketAggregates(ctx, ids, DAY0, DAY, DAY0 + 2 * DAY - 1, 'daily', { judged: true }),
      latest: await latestIn(ctx, ids, base, to),
      latestMid: await latestIn(ctx, ids, base, DAY0 + 12 * HOUR + 50 * MIN),
    });
    const keepAll = { ...t.ctx, rawRetentionMs: 400 * DAY };
    expect(sampleSource(keepAll, base)).toBe('raw');
    expect(sampleSource(t.ctx, base)).toBe('hourly');
    const before = await read(keepAll);
    expect(before.hourly.get(ids[0]!)!.length).toBe(24);
    expect(before.latest.size).toBe(2);
    // The days mix "not judged" and judged values: their lowest judged value comes from the hours.
    expect(before.daily.get(ids[0]!)!.map((b) => [b.min, b.max, b.minJudged])).toEqual([
      [-1, 1, 0],
      [-1, 1, 0],
    ]);
    expect(before.hourly.get(ids[0]!)!.map((b) => b.minJudged)).toContain(null);

    const through = await read(t.ctx); // raw still there, read through the rollup
    await sql`delete from samples where ts < ${rawCutoff(t.ctx)}`.execute(t.ctx.db);
    expect(await t.ctx.db.selectFrom('samples').select('ts').execute()).toEqual([]);
    const after = await read(t.ctx);
    expect(after).toEqual(through);
    // The one difference hourly rows cannot avoid: when the range ends within an hour whose newest
    // sample is after that end, the value at the end comes from the hour before.
    expect(after.latestMid.get(ids[0]!)).toEqual(before.latestMid.get(ids[0]!));
    expect(after.latestMid.get(ids[1]!)).toEqual({ ts: DAY0 + 11 * HOUR + 40 * MIN, value: (700 * 7) % 31 });
    expect(before.latestMid.get(ids[1]!)!.ts).toBe(DAY0 + 12 * HOUR + 30 * MIN);
    expect({ ...after, latestMid: null }).toEqual({ ...before, latestMid: null });
  });
});

describe.each(DB_KINDS)('migration 0015_samples_hourly (%s)', (kind) => {
  it('backfills samples_hourly from the raw samples', async () => {
    const m = await migrateDbTo(kind, '0014_cluster_nodes');
    try {
      const { dealer } = await createDealer(m.ctx, op, { code: 'mig', name: 'Migration' });
      const client = await createClient(m.ctx, op, { dealerId: dealer.id, shortName: 'm' });
      const inst = await createInstallation(m.ctx, op, { clientId: client.id, kind: 'agent' });
      const rows = [];
      for (const metric of ['x', 'y', 'z']) {
        const s = await m.h.db
          .insertInto('series')
          .values({ dealer_id: dealer.id, installation_id: inst.id, metric, labels: '{}' })
          .returning('id')
          .executeTakeFirstOrThrow();
        for (let k = 0; k < 200; k += 1)
          rows.push({ series_id: s.id, ts: DAY0 + k * 17 * MIN + s.id, value: ((k * 13 + s.id) % 29) / 4 });
      }
      await m.h.db.insertInto('samples').values(rows).execute();
      await m.migrateTo('0015_samples_hourly');
      const got = await hourlyRows(m.h.db);
      expect(got.length).toBe(new Set(rows.map((r) => `${r.series_id}:${rollupHour(r.ts)}`)).size);
      expect(got).toEqual(await expectedHourly(m.h.db));
    } finally {
      await m.close();
    }
  });
});

describe.each(DB_KINDS)('dashboards over old ranges (%s)', (kind) => {
  let t: TestContext;
  afterEach(() => t.close());

  it('«Для менеджеров» draws a week 60 days ago the same after its raw samples are deleted', async () => {
    t = await openTestContext(kind);
    const w = await buildDealerWorld(t.ctx, 'hr');
    const NOW = Date.UTC(2026, 5, 1, 9);
    t.clock.t = NOW;
    const from = NOW - 62 * DAY;
    // Reports every 20 minutes for a week, 60 days ago: licences in use and cards filled.
    for (const [n, inst] of [w.i1, w.i3].entries()) {
      for (let k = 0; k < 7 * 72; k += 1) {
        const ts = from + k * 20 * MIN + n * MIN;
        await writeSamples(t.ctx, { dealerId: w.dealer.id, installationId: inst.id }, ts, [
          { metric: 'sysinfo_licences_in_use', labels: {}, value: (k * 7 + n) % 23 },
          { metric: 'sysinfo_user_cards_filled_pct', labels: {}, value: ((k * 11 + n * 5) % 97) + 0.25 },
        ]);
      }
    }
    const q = { from: from + 3 * HOUR, to: from + 7 * DAY, panels: ['maxLicences', 'cardsFilled'] as const };
    const draw = async (ctx: AppContext) => {
      const out = await forManagers(ctx, w.actors.admin, { ...q, panels: [...q.panels] }, NOW);
      return { maxLicences: out.maxLicences!, cardsFilled: out.cardsFilled! };
    };
    const before = await draw({ ...t.ctx, rawRetentionMs: 400 * DAY });
    for (const p of [before.maxLicences, before.cardsFilled] as ManagerAligned[]) {
      expect(p.step).toBe(HOUR);
      expect(p.series.length).toBe(2);
      expect(p.series.every((s) => s.values.filter((v) => v !== null).length > 150)).toBe(true);
    }
    // The first full hour of installation 1, from what was written.
    const b0 = before.maxLicences.timestamps.indexOf(from + 3 * HOUR);
    const i1Max = before.maxLicences.series.find((s) => s.installationId === w.i1.id)!;
    expect(i1Max.values[b0]).toBe(Math.max(...[9, 10, 11].map((k) => (k * 7) % 23)));

    await sql`delete from samples where ts < ${rawCutoff(t.ctx)}`.execute(t.ctx.db);
    expect(await t.ctx.db.selectFrom('samples').select('ts').limit(1).execute()).toEqual([]);
    expect(await draw(t.ctx)).toEqual(before);
  });
});
