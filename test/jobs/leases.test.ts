import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { claimDue, completeJobs, releaseLeases, syncJobs, type JobSpec } from '../../src/jobs/leases.js';
import { JobRunner, type JobHandler } from '../../src/jobs/runner.js';
import { FIRST_RUN_SPREAD_MS, nextDailyAt, nextRunAfter, phaseOffsetMs } from '../../src/jobs/schedule.js';
import type { AppContext } from '../../src/context.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';

const MIN = 60_000;
const specs = (n: number, intervalMs = MIN, host = (i: number) => `h${i % 5}`): JobSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'probe',
    subjectId: i + 1,
    dealerId: null,
    host: host(i),
    intervalMs,
  }));

describe('job schedule', () => {
  it('keeps the phase and skips slots a long run overran', () => {
    expect(nextRunAfter(1_000, MIN, 5_000, 1_000)).toEqual({ nextRunAt: 61_000, missed: 0 });
    expect(nextRunAfter(1_000, MIN, 61_000 + 2 * MIN + 5, 1_000)).toEqual({
      nextRunAt: 1_000 + 4 * MIN,
      missed: 3,
    });
    // An off-grid first run moves onto the grid: the next slot is the job's phase in the next minute,
    // but never closer than half an interval after the first run (7 s then 30 s would be a double run).
    expect(nextRunAfter(7_000, MIN, 7_000, 30_000)).toEqual({ nextRunAt: 90_000, missed: 0 });
    expect(nextRunAfter(45_000, MIN, 45_000, 30_000)).toEqual({ nextRunAt: 90_000, missed: 0 });
    expect(nextRunAfter(59_000, MIN, 59_000, 30_000)).toEqual({ nextRunAt: 90_000, missed: 0 });
    expect(nextRunAfter(61_000, MIN, 61_000, 30_000)).toEqual({ nextRunAt: 150_000, missed: 0 });
    // A weekly pull whose slot falls 3 minutes after its first run waits for the next week's slot.
    const WEEK = 7 * 86_400_000;
    const first = 10 * WEEK + 1_000;
    expect(nextRunAfter(first, WEEK, first + 5_000, 1_000 + 3 * MIN).nextRunAt).toBe(first + 3 * MIN + WEEK);
  });

  it('places a daily job at the local hour of the zone', () => {
    // 2026-11-22 10:00 UTC = 13:00 in UTC+3: the next 03:00 local is 2026-11-23 00:00 UTC.
    const now = Date.UTC(2026, 10, 22, 10, 0);
    expect(nextDailyAt(now, 180, 3, 0, 0)).toBe(Date.UTC(2026, 10, 23, 0, 0));
    expect(nextDailyAt(now, 180, 3, 3_600_000, 0.5)).toBe(Date.UTC(2026, 10, 23, 0, 30));
    // 01:00 UTC = 04:00 local, past 03:00: tomorrow.
    expect(nextDailyAt(Date.UTC(2026, 10, 22, 1, 0), 180, 3, 0, 0)).toBe(Date.UTC(2026, 10, 23, 0, 0));
  });
});

describe.each(DB_KINDS)('jobs and leases (%s)', (kind) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await openTestContext(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  it('sync adds, updates and removes jobs; first runs come soon, later ones spread over the interval', async () => {
    expect(await syncJobs(t.ctx, 'probe', specs(100))).toEqual({ added: 100, updated: 0, removed: 0 });
    expect(await syncJobs(t.ctx, 'probe', specs(100))).toEqual({ added: 0, updated: 0, removed: 0 });
    const rows = await t.ctx.db.selectFrom('jobs').selectAll().execute();
    const offsets = rows.map((r) => r.next_run_at - t.clock.now());
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(FIRST_RUN_SPREAD_MS);
    expect(new Set(offsets.map((o) => Math.floor(o / 1_000))).size).toBe(10);
    // After the first run each job moves to its own slot, at least half a minute after the first run:
    // every 10-second slice of the minute is used.
    t.clock.advance(FIRST_RUN_SPREAD_MS);
    const claimed = await claimDue(t.ctx, 'probe', 'n', 1_000, 30_000);
    expect(claimed).toHaveLength(100);
    const at = t.clock.now();
    await completeJobs(
      t.ctx,
      'n',
      claimed.map((job) => ({ job, startedAt: at, finishedAt: at, outcome: 'ok' })),
    );
    const next = (await t.ctx.db.selectFrom('jobs').select('next_run_at').execute()).map(
      (r) => r.next_run_at - at,
    );
    expect(Math.min(...next)).toBeGreaterThanOrEqual(MIN / 2 - FIRST_RUN_SPREAD_MS);
    expect(Math.max(...next)).toBeLessThanOrEqual(1.5 * MIN);
    expect(new Set(next.map((o) => Math.floor(((o + at) % MIN) / 10_000))).size).toBe(6);

    const changed = specs(80).map((s) => (s.subjectId === 3 ? { ...s, intervalMs: 10_000 } : s));
    expect(await syncJobs(t.ctx, 'probe', changed)).toEqual({ added: 0, updated: 1, removed: 20 });
    const j3 = await t.ctx.db
      .selectFrom('jobs')
      .selectAll()
      .where('subject_id', '=', 3)
      .executeTakeFirstOrThrow();
    expect(j3.interval_ms).toBe(10_000);
    expect(j3.next_run_at).toBeLessThanOrEqual(t.clock.now() + 10_000);
    // Other kinds are untouched.
    await syncJobs(t.ctx, 'online_profile', [{ ...specs(1)[0]!, kind: 'online_profile' }]);
    expect(await t.ctx.db.selectFrom('jobs').select('id').execute()).toHaveLength(81);
  });

  it('a claimed job is not claimed again until finished, and a dead node’s lease expires', async () => {
    await syncJobs(
      t.ctx,
      'probe',
      specs(10).map((s) => ({ ...s, firstRunAt: t.clock.now() })),
    );
    const a = await claimDue(t.ctx, 'probe', 'node-a', 4, 30_000);
    expect(a).toHaveLength(4);
    const b = await claimDue(t.ctx, 'probe', 'node-b', 100, 120_000);
    expect(b).toHaveLength(6);
    expect(new Set([...a, ...b].map((j) => j.subject_id)).size).toBe(10);
    expect(await claimDue(t.ctx, 'probe', 'node-c', 100, 30_000)).toHaveLength(0);

    // node-a dies; after its lease, node-c takes its jobs; node-a's late completion is ignored.
    t.clock.advance(30_001);
    const c = await claimDue(t.ctx, 'probe', 'node-c', 100, 30_000);
    expect(c.map((j) => j.subject_id).sort()).toEqual(a.map((j) => j.subject_id).sort());
    const now = t.clock.now();
    await completeJobs(
      t.ctx,
      'node-a',
      a.map((job) => ({ job, startedAt: now, finishedAt: now, outcome: 'ok' })),
    );
    const stillLeased = await t.ctx.db
      .selectFrom('jobs')
      .selectAll()
      .where('lease_owner', '=', 'node-c')
      .execute();
    expect(stillLeased).toHaveLength(4);
    await completeJobs(
      t.ctx,
      'node-c',
      c.map((job) => ({ job, startedAt: now, finishedAt: now + 5, outcome: 'ok' })),
    );
    const done = await t.ctx.db
      .selectFrom('jobs')
      .selectAll()
      .where(
        'subject_id',
        'in',
        c.map((j) => j.subject_id),
      )
      .execute();
    for (const j of done) {
      expect(j.lease_owner).toBeNull();
      expect(j.runs).toBe(1);
      // 30 s late is less than one interval: not missed; next slot keeps the phase.
      expect(j.missed).toBe(0);
      const due = c.find((x) => x.id === j.id)!.next_run_at;
      expect(j.next_run_at).toBe(
        nextRunAfter(due, MIN, now + 5, phaseOffsetMs('probe', j.subject_id, MIN)).nextRunAt,
      );
      expect(j.next_run_at).toBeGreaterThan(now + 5);
    }
    // Clean shutdown hands back leases.
    expect(await releaseLeases(t.ctx, 'node-b')).toBe(6);
    expect(await claimDue(t.ctx, 'probe', 'node-d', 100, 30_000)).toHaveLength(6);
  });

  it('two runners sharing the database run every job exactly once per interval, within limits', async () => {
    const n = 60;
    await syncJobs(t.ctx, 'probe', specs(n));
    const runs = new Map<number, number>();
    let running = 0;
    let maxRunning = 0;
    const perHost = new Map<string, number>();
    let maxPerHost = 0;
    const handler = (): JobHandler => ({
      kind: 'probe',
      concurrency: 8,
      perHostConcurrency: 2,
      timeoutMs: 5_000,
      async run(job) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const h = job.host ?? '';
        perHost.set(h, (perHost.get(h) ?? 0) + 1);
        maxPerHost = Math.max(maxPerHost, perHost.get(h)!);
        await new Promise((r) => setTimeout(r, 2));
        perHost.set(h, perHost.get(h)! - 1);
        running--;
        runs.set(job.subject_id, (runs.get(job.subject_id) ?? 0) + 1);
        return { outcome: 'ok' };
      },
    });
    const second = openDatabase(t.url);
    const ctx2: AppContext = { ...t.ctx, db: second.db };
    const r1 = new JobRunner(t.ctx, [handler()], { nodeId: 'n1', syncEveryMs: Infinity });
    const r2 = new JobRunner(ctx2, [handler()], { nodeId: 'n2', syncEveryMs: Infinity });
    try {
      for (let minute = 1; minute <= 3; minute++) {
        t.clock.advance(MIN);
        await Promise.all([r1.runUntilIdle(), r2.runUntilIdle()]);
        expect([...runs.entries()].filter(([, v]) => v !== minute)).toEqual([]);
        expect(runs.size).toBe(n);
      }
      expect(r1.stats.started + r2.stats.started).toBe(3 * n);
      expect(r1.stats.started).toBeGreaterThan(0);
      expect(r2.stats.started).toBeGreaterThan(0);
      // Each node keeps its own limits, so at most twice the per-node limit overall.
      expect(maxRunning).toBeLessThanOrEqual(16);
      expect(maxPerHost).toBeLessThanOrEqual(4);
      const jobs = await t.ctx.db.selectFrom('jobs').selectAll().execute();
      expect(jobs.every((j) => j.runs === 3 && j.lease_owner === null)).toBe(true);
    } finally {
      await r1.stop();
      await r2.stop();
      await second.close();
    }
  });

  it('a started runner claims again as soon as slots free up, not only on its tick', async () => {
    await syncJobs(
      t.ctx,
      'probe',
      specs(40).map((s) => ({ ...s, firstRunAt: t.clock.now() })),
    );
    let done = 0;
    const handler: JobHandler = {
      kind: 'probe',
      concurrency: 4,
      timeoutMs: 5_000,
      run: async () => {
        await new Promise((r) => setTimeout(r, 5));
        done++;
        return { outcome: 'ok' };
      },
    };
    // One tick a minute: without the early claims, 40 jobs at 4 a tick would take 10 minutes.
    const r = new JobRunner(t.ctx, [handler], { nodeId: 'n1', tickMs: 60_000, syncEveryMs: Infinity });
    r.start();
    try {
      const until = Date.now() + 10_000;
      while (done < 40 && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
      expect(done).toBe(40);
    } finally {
      await r.stop();
    }
    const jobs = await t.ctx.db.selectFrom('jobs').select(['runs', 'lease_owner']).execute();
    expect(jobs.every((j) => j.runs === 1 && j.lease_owner === null)).toBe(true);
  });

  it('a run that outlives its timeout is abandoned, recorded as failed, and does not block the next', async () => {
    await syncJobs(
      t.ctx,
      'probe',
      specs(2).map((s) => ({ ...s, firstRunAt: t.clock.now() })),
    );
    const handler: JobHandler = {
      kind: 'probe',
      concurrency: 4,
      timeoutMs: 50,
      run: (job, signal) =>
        job.subject_id === 1
          ? new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))))
          : Promise.resolve({ outcome: 'ok' as const }),
    };
    const r = new JobRunner(t.ctx, [handler], { nodeId: 'n1', syncEveryMs: Infinity });
    await r.runUntilIdle();
    await r.stop();
    const [j1, j2] = await t.ctx.db.selectFrom('jobs').selectAll().orderBy('subject_id').execute();
    expect(j1!.last_outcome).toBe('failed');
    expect(j1!.last_error).toMatch(/aborted|timed out/);
    expect(j2!.last_outcome).toBe('ok');
    expect(j1!.lease_owner).toBeNull();
  });
});
