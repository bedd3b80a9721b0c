/**
 * Retention (issue 9): 14 months of data written day by day on a fast-forwarded clock, the retention job
 * run weekly through a JobRunner; afterwards raw samples older than the raw window and rollups, logs and
 * events older than 13 months are gone and every newer row is intact (counts computed from what was
 * written). On PostgreSQL the old monthly partitions are dropped and the coming ones exist.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { createOnlineAccess } from '../../src/inventory/online.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { rollupDay } from '../../src/metrics/rollup.js';
import { writeSamples } from '../../src/metrics/series.js';
import { retentionHandler } from '../../src/retention/node.js';
import { listPartitions, partitionName } from '../../src/retention/partitions.js';
import {
  addMonths,
  cutoffsAt,
  monthOf,
  monthText,
  type RetentionPolicy,
} from '../../src/retention/policy.js';
import type { HousekeepingReport } from '../../src/retention/housekeeping.js';
import { runRetention, type RetentionReport } from '../../src/retention/run.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { createSession, createUser, userBySession } from '../../src/tenancy/users.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { userUsageDay } from '../helpers/usage.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const op = cliActor('test');
const POLICY: RetentionPolicy = { rawDays: 35, months: 13 };
/** 2025-09-01 12:00 Moscow. */
const START = Date.UTC(2025, 8, 1, 9);
const DAYS = 14 * 31;
const SAMPLE_EVERY = 6 * HOUR;

/** The Moscow calendar day of a time, `YYYY-MM-DD`. */
const moscowDay = (ts: number) => new Date(ts + 3 * HOUR).toISOString().slice(0, 10);

describe.each(DB_KINDS)('retention (%s)', (kind) => {
  let t: TestContext;
  let dealerId: number;
  let installationId: number;
  let onlineId: number;

  beforeEach(async () => {
    t = await openTestContext(kind);
    t.clock.t = START;
    const { dealer } = await createDealer(t.ctx, op, { code: 'rt', name: 'Retention' });
    const client = await createClient(t.ctx, op, { dealerId: dealer.id, shortName: 'rt' });
    const inst = await createInstallation(t.ctx, op, { clientId: client.id, kind: 'agent' });
    const online = await createOnlineAccess(t.ctx, op, {
      clientId: client.id,
      login: 'rt-user',
      password: 'secret',
      host: 'online.example.ru',
      folder: 'rt',
    });
    dealerId = dealer.id;
    installationId = inst.id;
    onlineId = online.id;
  });
  afterEach(() => t.close());

  const count = async (table: string, where = sql`true`) => {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}
      where ${where}`.execute(t.ctx.db);
    return Number(rows[0]!.n);
  };

  /** One simulated day: samples every 6 h of two series, and one row of each log and daily table. */
  async function writeDay(written: { ts: number[] }): Promise<void> {
    await t.ctx.db.transaction().execute((db) => writeDayIn(db, written));
  }

  async function writeDayIn(db: Db, written: { ts: number[] }): Promise<void> {
    const now = t.clock.now();
    const day0 = rollupDay(now);
    for (let ts = day0; ts < day0 + DAY; ts += SAMPLE_EVERY) {
      await writeSamples({ ...t.ctx, db }, { dealerId, installationId }, ts, [
        { metric: 'rt_a', labels: {}, value: ts % 7 },
        { metric: 'rt_b', labels: { x: '1' }, value: 1 },
      ]);
      written.ts.push(ts);
    }
    // The hourly rollup's writer is not part of this test: its rows are written here directly.
    const series = await db.selectFrom('series').select('id').execute();
    for (const s of series)
      await db
        .insertInto('samples_hourly')
        .values(
          written.ts
            .filter((ts) => ts >= day0)
            .map((ts) => ({
              series_id: s.id,
              hour: ts,
              min: 1,
              max: 1,
              last: 1,
              last_ts: ts,
              sum: 1,
              count: 1,
            })),
        )
        .onConflict((oc) => oc.columns(['series_id', 'hour']).doNothing())
        .execute();
    await db
      .insertInto('search_log')
      .values({
        installation_id: installationId,
        at: now,
        login: 'u',
        query: `q${now}`,
        catalog: null,
        type: 'plain',
        source: 'web',
        status: 'ok',
        duration_ms: 5,
      })
      .execute();
    await db
      .insertInto('refused_logons')
      .values({ installation_id: installationId, login: 'u', at: now, reason: null })
      .execute();
    await db
      .insertInto('check_events')
      .values({
        subject_kind: 'installation',
        subject_id: installationId,
        dealer_id: dealerId,
        at: now,
        check_name: 'Ping',
        from_outcome: 'ok',
        to_outcome: 'failed',
        code: null,
        detail: null,
      })
      .execute();
    await db
      .insertInto('online_search_log')
      .values({
        online_access_id: onlineId,
        dealer_id: dealerId,
        day: moscowDay(now),
        at: now,
        user_name: 'u',
        query: 'q',
        type: 'plain',
        status: 'ok',
      })
      .execute();
    await db
      .insertInto('user_usage_daily')
      .values(
        userUsageDay(installationId, 'u', moscowDay(now), {
          db_requests: 1,
          docs_counted: 1,
          docs_licensed: 1,
        }),
      )
      .execute();
    await db
      .insertInto('kassist_links_daily')
      .values({
        installation_id: installationId,
        day: moscowDay(now),
        unique_added: 1,
        no_match: 0,
        added: 1,
        active_verified: 0,
      })
      .execute();
  }

  async function alert(state: 'resolved' | 'firing', at: number, key: string): Promise<number> {
    const row = await t.ctx.db
      .insertInto('alert_instances')
      .values({
        dealer_id: dealerId,
        name: 'KodeksDown',
        fingerprint: `installation:${installationId}:${key}`,
        subject_kind: 'installation',
        subject_id: installationId,
        client_id: null,
        unit_id: null,
        labels: '{}',
        text: 'down',
        value: null,
        filename: null,
        state,
        active_since: at,
        pending_at: at,
        fired_at: at,
        resolved_at: state === 'resolved' ? at + HOUR : null,
        clear_since: null,
        last_eval_at: at,
        inhibited_by: null,
        acked_at: null,
        acked_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.ctx.db
      .insertInto('alert_transitions')
      .values({
        instance_id: row.id,
        dealer_id: dealerId,
        at,
        from_state: null,
        to_state: 'firing',
        reason: null,
      })
      .execute();
    return row.id;
  }

  it(
    'after 14 months: old raw samples, rollups and logs are gone, newer rows intact',
    { timeout: 120_000 },
    async () => {
      const report = async (status: string, spool: string) =>
        (
          await t.ctx.db
            .insertInto('reports')
            .values({
              dealer_id: dealerId,
              installation_id: installationId,
              source_name: 'rt',
              file_name: 'rt.zip',
              channel: 'sysinfo',
              format: 'zip',
              via: 'agent',
              sha256: `${status}${spool}`,
              size_bytes: 1,
              node_id: 'n',
              spool_path: spool,
              received_at: START,
              status,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      // Old ledger rows: a processed one whose file is pruned goes; a quarantined one (its file kept
      // for inspection) and the newest of the channel stay.
      await report('processed', '');
      const quarantined = await report('quarantined', '/spool/q.zip');
      const newest = await report('processed', '');
      expect(await count('audit_log', sql`at < ${START + DAY}`)).toBeGreaterThan(0);
      const oldResolved = await alert('resolved', START, 'a');
      const oldOpen = await alert('firing', START, 'b');
      const runs: RetentionReport[] = [];
      const created: string[] = [];
      const runner = new JobRunner(
        t.ctx,
        [
          retentionHandler(t.ctx, POLICY, {
            intervalMs: 7 * DAY,
            monthsEveryMs: 0,
            batchRows: 500,
            onRun: (r) => {
              runs.push(r);
              created.push(...r.partitionsCreated);
            },
          }),
        ],
        { nodeId: 'test', syncEveryMs: DAY },
      );
      const written = { ts: [] as number[] };
      for (let d = 0; d < DAYS; d++) {
        await writeDay(written);
        await runner.runUntilIdle();
        t.clock.advance(DAY);
      }
      // A last run at the final instant: its cutoffs are the ones checked.
      await t.ctx.db.updateTable('jobs').set({ next_run_at: t.clock.now() }).execute();
      await runner.runUntilIdle();
      await runner.stop();
      expect(runs.length).toBeGreaterThanOrEqual(DAYS / 7);

      const now = t.clock.now();
      const c = cutoffsAt(now, POLICY);
      expect(monthText(c.month)).toBe(monthText(addMonths(monthOf(now), -13)));
      const seriesCount = 2;
      const dayCut = `${monthText(c.month)}-01`;
      const raw = written.ts.filter((ts) => ts >= c.rawMs).length * seriesCount;
      expect(raw).toBeGreaterThan(0);
      expect(await count('samples')).toBe(raw);
      expect(await count('samples', sql`ts < ${c.rawMs}`)).toBe(0);

      const keptDays = new Set(written.ts.map(rollupDay).filter((d) => d >= c.monthMs));
      expect(await count('samples_daily')).toBe(keptDays.size * seriesCount);
      expect(await count('samples_daily', sql`day < ${c.monthMs}`)).toBe(0);
      expect(await count('samples_hourly')).toBe(
        written.ts.filter((ts) => ts >= c.monthMs).length * seriesCount,
      );

      // One row a day at 12:00 Moscow: the kept days are those from the cutoff month's first.
      const dayStamps = Array.from({ length: DAYS }, (_, d) => START + d * DAY);
      const keptAt = dayStamps.filter((ts) => ts >= c.monthMs).length;
      expect(keptAt).toBeLessThan(DAYS);
      for (const table of ['search_log', 'refused_logons', 'check_events', 'online_search_log'])
        expect([table, await count(table)]).toEqual([table, keptAt]);
      const keptLocalDays = dayStamps.filter((ts) => moscowDay(ts) >= dayCut).length;
      expect(keptLocalDays).toBe(keptAt);
      expect(await count('user_usage_daily')).toBe(keptLocalDays);
      expect(await count('kassist_links_daily')).toBe(keptLocalDays);
      expect(await count('user_usage_daily', sql`day < ${dayCut}`)).toBe(0);

      // The resolved alert went with its transitions; the open one stays whole.
      const alerts = await t.ctx.db.selectFrom('alert_instances').select('id').execute();
      expect(alerts.map((a) => a.id)).toEqual([oldOpen]);
      expect(await count('alert_transitions', sql`instance_id = ${oldResolved}`)).toBe(0);
      expect(await count('alert_transitions', sql`instance_id = ${oldOpen}`)).toBe(1);

      const ledger = await t.ctx.db.selectFrom('reports').select('id').orderBy('id').execute();
      expect(ledger.map((r) => r.id)).toEqual([quarantined, newest]);
      expect(await count('audit_log', sql`at < ${c.monthMs}`)).toBe(0);

      const deleted = runs.reduce((s, r) => s + r.deleted, 0);
      if (kind === 'postgres') {
        const dropped = runs.reduce((s, r) => s + r.partitionsDropped, 0);
        expect(dropped).toBeGreaterThan(0);
        expect(created.length).toBeGreaterThan(0);
        for (const table of ['samples', 'samples_hourly', 'search_log', 'user_usage_daily']) {
          const parts = await listPartitions(t.ctx.db, table);
          const months = parts.filter((p) => p.month).map((p) => monthText(p.month!));
          const oldest = table === 'samples' ? monthOf(c.rawMs) : c.month;
          expect(months[0]).toBe(monthText(oldest));
          for (let i = 1; i <= 3; i++)
            expect(parts.map((p) => p.name)).toContain(partitionName(table, addMonths(monthOf(now), i)));
          expect(parts.some((p) => p.month === null)).toBe(true);
          // Rows of months that had no partition yet were moved out of the DEFAULT partition.
          expect(await count(`${table}_pdefault`)).toBe(0);
        }
      } else {
        expect(deleted).toBeGreaterThan(0);
      }

      // A rerun at the same instant finds nothing more.
      const again = await runRetention(t.ctx, POLICY, { batchRows: 500 });
      expect(again.deleted).toBe(0);
      expect(again.partitionsDropped).toBe(0);
      expect(await count('samples')).toBe(raw);
    },
  );

  it('prunes expired sessions and nodes that left a week ago; keeps the rest', async () => {
    t.clock.t = Date.UTC(2026, 10, 20, 9);
    const now = t.clock.now();
    const user = await createUser(t.ctx, op, {
      dealerId,
      login: 'rt-admin',
      password: 'retention password',
      role: 'dealer-admin',
    });
    t.clock.t = now - 2 * DAY;
    const expired = await createSession(t.ctx, user.id, DAY);
    t.clock.t = now;
    const live = await createSession(t.ctx, user.id, DAY);
    const node = (node_id: string, heartbeat: number, stopped: number | null, takenOver: number | null) => ({
      node_id,
      host: 'h',
      pid: 1,
      version: 'v',
      url: null,
      roles: '[]',
      started_at: heartbeat - DAY,
      heartbeat_at: heartbeat,
      stopped_at: stopped,
      taken_over_at: takenOver,
      taken_over_by: takenOver === null ? null : 'alive',
    });
    await t.ctx.db
      .insertInto('cluster_nodes')
      .values([
        node('alive', now, null, null),
        node('stopped-8d', now - 8 * DAY, now - 8 * DAY, null),
        node('taken-8d', now - 8 * DAY, null, now - 8 * DAY + 60_000),
        node('stopped-6d', now - 6 * DAY, now - 6 * DAY, null),
        // Silent but never taken over (no other node was running): a node that starts takes it over first.
        node('silent-8d', now - 8 * DAY, null, null),
      ])
      .execute();
    const runs: HousekeepingReport[] = [];
    const runner = new JobRunner(
      t.ctx,
      [retentionHandler(t.ctx, POLICY, { onRun: (r) => runs.push(r.housekeeping) })],
      { nodeId: 'test' },
    );
    // The first round adds the job (its first run a few seconds later); make it due now.
    await runner.runUntilIdle();
    await t.ctx.db.updateTable('jobs').set({ next_run_at: now }).execute();
    await runner.runUntilIdle();
    await runner.stop();
    expect(runs).toEqual([{ sessions: 1, nodes: 2 }]);
    expect(await userBySession(t.ctx, live)).toMatchObject({ id: user.id });
    expect(await userBySession(t.ctx, expired)).toBeNull();
    expect(await count('sessions')).toBe(1);
    const left = await t.ctx.db.selectFrom('cluster_nodes').select('node_id').orderBy('node_id').execute();
    expect(left.map((r) => r.node_id)).toEqual(['alive', 'silent-8d', 'stopped-6d']);
  });

  it('deletes in batches while a concurrent write goes through', { timeout: 60_000 }, async () => {
    t.clock.t = Date.UTC(2026, 10, 20, 9);
    const now = t.clock.now();
    await writeSamples(t.ctx, { dealerId, installationId }, now, [{ metric: 'rt_c', labels: {}, value: 1 }]);
    const s = await t.ctx.db.selectFrom('series').select('id').executeTakeFirstOrThrow();
    const old = 20_000;
    const base = now - 60 * DAY;
    for (let i = 0; i < old; i += 1_000)
      await t.ctx.db
        .insertInto('samples')
        .values(
          Array.from({ length: 1_000 }, (_, k) => ({
            series_id: s.id,
            ts: base + (i + k) * 60_000,
            value: 1,
          })),
        )
        .execute();

    // The write starts once the first batch is gone; it must land before the backlog is.
    let progress = 0;
    let writing: Promise<void> | null = null;
    const write = async () => {
      await t.ctx.db
        .transaction()
        .execute((db) =>
          writeSamples({ ...t.ctx, db }, { dealerId, installationId }, now + 60_000, [
            { metric: 'rt_c', labels: {}, value: 2 },
          ]),
        );
      return progress;
    };
    let seenAtWrite = -1;
    const retention = runRetention(t.ctx, POLICY, {
      batchRows: 500,
      windows: ['raw'],
      onProgress: (table, deleted) => {
        if (table !== 'samples') return;
        progress = deleted;
        writing ??= write().then((p) => {
          seenAtWrite = p;
        });
      },
    });
    const report = await retention;
    await writing;
    expect(seenAtWrite).toBeGreaterThanOrEqual(500);
    expect(seenAtWrite).toBeLessThan(old);
    expect(report.tables.find((x) => x.table === 'samples')!.deleted).toBe(old);
    expect(await count('samples')).toBe(2);

    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(runRetention(t.ctx, POLICY, { signal: ac.signal })).rejects.toThrow('stop');
  });
});
