import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rollingAvailability } from '../../src/metrics/availability.js';
import { CheckRecorder, DAY_MS, type CheckObservation } from '../../src/metrics/checks.js';
import { readSeries } from '../../src/metrics/series.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';

const MIN = 60_000;
const op = cliActor('test');

describe.each(DB_KINDS)('check recorder and availability (%s)', (kind) => {
  let t: TestContext;
  let rec: CheckRecorder;
  let subject: CheckObservation['subject'];

  beforeEach(async () => {
    t = await openTestContext(kind);
    const { dealer } = await createDealer(t.ctx, op, { code: 'mx', name: 'Metrics' });
    const client = await createClient(t.ctx, op, { dealerId: dealer.id, shortName: 'm' });
    const inst = await createInstallation(t.ctx, op, {
      clientId: client.id,
      kind: 'polled',
      address: 'h.example',
    });
    subject = { kind: 'installation', id: inst.id, dealerId: dealer.id };
    rec = new CheckRecorder(t.ctx, {
      series: {
        installation: { check: 'c', state: 's', latency: 'l' },
        online: { check: 'oc', state: 'os', latency: 'ol' },
      },
      availability: { installation: ['http200'], online: [] },
      heartbeatMs: 60 * MIN,
    });
  });
  afterEach(async () => {
    await t.close();
  });

  const observe = async (
    at: number,
    outcome: CheckObservation['outcome'],
    extra: Partial<CheckObservation> = {},
  ) => {
    rec.add([{ subject, check: 'http200', outcome, at, ...extra }]);
    await rec.flush();
  };

  it('writes a sample on every change and hourly otherwise; events only on change', async () => {
    const t0 = t.clock.now();
    for (let i = 0; i < 150; i++)
      await observe(t0 + i * MIN, i >= 100 && i < 110 ? 'failed' : 'ok', { latencyMs: i });
    const [series] = await readSeries(t.ctx, subject.id, 'c', 0, Number.MAX_SAFE_INTEGER);
    const minutes = series!.points.map(([ts, v]) => [(ts - t0) / MIN, v]);
    expect(minutes).toEqual([
      [0, 1],
      [60, 1], // heartbeat
      [100, 0], // change
      [110, 1], // change back
    ]);
    const events = await t.ctx.db.selectFrom('check_events').selectAll().orderBy('id').execute();
    expect(events.map((e) => [(e.at - t0) / MIN, e.from_outcome, e.to_outcome])).toEqual([
      [0, null, 'ok'],
      [100, 'ok', 'failed'],
      [110, 'failed', 'ok'],
    ]);
    const status = await t.ctx.db.selectFrom('check_status').selectAll().executeTakeFirstOrThrow();
    expect(status).toMatchObject({ outcome: 'ok', since: t0 + 110 * MIN, sampled_at: t0 + 110 * MIN });
    // A code change with the same outcome is a change too.
    await observe(t0 + 151 * MIN, 'ok', { code: 302 });
    expect(await t.ctx.db.selectFrom('check_events').select('id').execute()).toHaveLength(4);
  });

  it('counts every observation per UTC day and rolls a 30-day window', async () => {
    const day0 = Math.floor(t.clock.now() / DAY_MS) * DAY_MS;
    // 40 days: 10 probes a day; 5 fail on day 5 and 3 on day 35.
    for (let d = 0; d < 40; d++) {
      for (let i = 0; i < 10; i++) {
        rec.add([
          {
            subject,
            check: 'http200',
            outcome: (d === 5 && i < 5) || (d === 35 && i < 3) ? 'failed' : 'ok',
            at: day0 + d * DAY_MS + i * MIN,
          },
        ]);
      }
      // Maintenance counts as down; unknown is not counted.
      rec.add([{ subject, check: 'http200', outcome: 'unknown', at: day0 + d * DAY_MS + 20 * MIN }]);
    }
    await rec.flush();
    t.clock.t = day0 + 39 * DAY_MS + 12 * 3_600_000;
    const a = await rollingAvailability(t.ctx, 'installation', [subject.id], 'http200', {
      from: day0 + 30 * DAY_MS,
      to: t.clock.now(),
    });
    // Now: days 10..39 → 300 probes, 3 failed.
    expect(a.current).toMatchObject({ ok: 297, total: 300 });
    expect(a.current.pct).toBeCloseTo(99, 3);
    expect(a.points).toHaveLength(10);
    // Day 30's window is days 1..30 and day 34's is 5..34 (day 5 inside); day 35's is 6..35 (day 35 inside).
    expect(a.points.map((p) => p.ok)).toEqual([295, 295, 295, 295, 295, 297, 297, 297, 297, 297]);
    expect(a.points.every((p) => p.total === 300)).toBe(true);
    const none = await rollingAvailability(t.ctx, 'installation', [subject.id + 1], 'http200', {
      from: 0,
      to: 1,
    });
    expect(none.current.pct).toBeNull();
  });

  it('drops checks missing from a complete snapshot with an event, and keeps states', async () => {
    const at = t.clock.now();
    rec.add(
      [
        { subject, check: 'http200', outcome: 'ok', at },
        { subject, check: 'licman_tcp', outcome: 'failed', at },
        { subject, check: 'state:maintenance', outcome: 'ok', value: 0, at },
      ],
      subject,
    );
    await rec.flush();
    rec.add([{ subject, check: 'http200', outcome: 'ok', at: at + MIN }], subject);
    await rec.flush();
    const rows = await t.ctx.db
      .selectFrom('check_status')
      .select('check_name')
      .orderBy('check_name')
      .execute();
    expect(rows.map((r) => r.check_name)).toEqual(['http200', 'state:maintenance']);
    const gone = await t.ctx.db
      .selectFrom('check_events')
      .selectAll()
      .where('check_name', '=', 'licman_tcp')
      .orderBy('id')
      .execute();
    expect(gone.map((e) => [e.from_outcome, e.to_outcome, e.detail])).toEqual([
      [null, 'failed', null],
      ['failed', 'unknown', 'no longer checked'],
    ]);
  });
});
