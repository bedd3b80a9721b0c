import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/inventory/clients.js';
import { createOnlineAccess, deleteOnlineAccess, type OnlineAccess } from '../../src/inventory/online.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { runSoon } from '../../src/jobs/leases.js';
import { parseZonedTime, usedPercent } from '../../src/online/client.js';
import { createOnlinePoller, ONLINE_PROFILE_JOB, ONLINE_SEARCHLOG_JOB } from '../../src/online/poller.js';
import {
  onlineAvailability,
  onlineProblems,
  onlineSearchLog,
  onlineServerAvailability,
  onlineStatus,
  onlineUsageByMonth,
} from '../../src/online/queries.js';
import { ONLINE_KINDS } from '../../src/online/types.js';
import { probeRecorder } from '../../src/probes/service.js';
import { searchLog, startDcServer, type DcFault, type DcServer } from '../../src/sim/dc/index.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { createManager } from '../../src/tenancy/managers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';

const HOUR = 3_600_000;
const op = cliActor('test');

/** Expected error kind and code of every DC fault. */
const FAULTS: { fault: DcFault; error: string; code: string }[] = [
  { fault: 'wrong_password', error: 'LoginPasswordError', code: '401' },
  { fault: 'connection_timeout', error: 'ConnectionTimeout', code: 'CONNECT_TIMEOUT' },
  { fault: 'read_timeout', error: 'ReadTimeOut', code: 'READ_TIMEOUT' },
  { fault: 'http_4xx', error: 'OtherErrorCode400+', code: '403' },
  { fault: 'http_5xx', error: 'HTTPError', code: '500' },
];

describe.each(DB_KINDS)('online poller (%s)', (kind) => {
  let t: TestContext;
  let dc: DcServer;
  let accesses: OnlineAccess[];
  let runner: JobRunner;
  let deadPort: number;

  const hour = async () => {
    t.clock.advance(HOUR);
    await runner.runUntilIdle();
  };
  const expectMatchesSimulator = async () => {
    for (const a of accesses) {
      const truth = dc.profileOf(a.login);
      const s = await onlineStatus(t.ctx, op, a.id);
      expect(s.ok).toBe(true);
      expect(s.month).toBe(truth.month);
      for (const k of ONLINE_KINDS) {
        expect(s.limits[k]).toEqual({ ...truth[k], usedPct: usedPercent(truth[k]) });
      }
    }
  };

  beforeAll(async () => {
    t = await openTestContext(kind);
    // 2026-11-30 06:00 UTC: still November in every zone below (UTC−5 … UTC+10), and the month ends
    // for each of them within the next 27 hours.
    t.clock.t = Date.UTC(2026, 10, 30, 6, 0);
    dc = await startDcServer({
      seed: 11,
      clock: () => t.clock.now(),
      accounts: [
        { profile: 'regular', utcOffsetMin: 180 },
        { profile: 'sharer', utcOffsetMin: 600 },
        { profile: 'idle', utcOffsetMin: 180 },
        { profile: 'episodic', utcOffsetMin: -300 },
        { profile: 'regular', utcOffsetMin: 420 },
      ],
    });
    const { dealer } = await createDealer(t.ctx, op, { code: 'on', name: 'Online dealer' });
    const other = await createDealer(t.ctx, op, { code: 'ot', name: 'Other dealer' });
    const m = await createManager(t.ctx, op, {
      dealerId: dealer.id,
      name: 'Sidorov',
      emails: ['s@on.example'],
    });
    const client = await createClient(t.ctx, op, { dealerId: dealer.id, shortName: 'onlineclient' });
    accesses = [];
    for (const acc of dc.accounts) {
      accesses.push(
        await createOnlineAccess(t.ctx, op, {
          clientId: client.id,
          login: acc.login,
          password: acc.password,
          host: 'dc1.example.ru',
          folder: acc.folder,
          protocol: 'http',
          utcOffsetMin: acc.utcOffsetMin,
          managers: [{ managerId: m.id, email: 's@on.example' }],
        }),
      );
    }
    // Another dealer's access on another server: never in this dealer's answers.
    const otherClient = await createClient(t.ctx, op, { dealerId: other.dealer.id, shortName: 'foreign' });
    await createOnlineAccess(t.ctx, op, {
      clientId: otherClient.id,
      login: dc.accounts[0]!.login,
      password: dc.accounts[0]!.password,
      host: 'dc2.example.ru',
      folder: dc.accounts[0]!.folder,
      protocol: 'http',
    });
    deadPort = 1; // nothing listens on port 1 of the loopback
    const poller = createOnlinePoller(t.ctx, probeRecorder(t.ctx), {
      resolveBaseUrl: (a) => (a.host === 'dc1.example.ru' ? dc.url : `http://127.0.0.1:${deadPort}`),
      connectTimeoutMs: 400,
      readTimeoutMs: 400,
    });
    runner = new JobRunner(t.ctx, [poller.profileHandler, poller.searchLogHandler], {
      nodeId: 'test',
      syncEveryMs: 0,
      onError: (e) => {
        throw e;
      },
    });
    await hour(); // first sync: first runs spread over the coming minute
    await hour();
  });
  afterAll(async () => {
    await runner?.stop();
    await dc.close();
    await t.close();
  });

  it('reads every access hourly and the remainders match the simulator exactly', async () => {
    await expectMatchesSimulator();
    await hour();
    await expectMatchesSimulator();
    const jobs = await t.ctx.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', ONLINE_PROFILE_JOB)
      .execute();
    expect(jobs).toHaveLength(accesses.length + 1);
    expect(dc.consumed().total).toBe(0);
  });

  it('keeps the last reading of each month in the access’s own time zone across the 1st', async () => {
    // Step through the next day hour by hour: each zone's local midnight on the 1st falls in it.
    for (let i = 0; i < 24; i++) {
      await hour();
      await expectMatchesSimulator();
    }
    for (const a of accesses) {
      const months = await onlineUsageByMonth(t.ctx, op, a.id);
      expect(new Set(months.map((m) => m.month))).toEqual(new Set(['2026-11', '2026-12']));
      const dec = months.filter((m) => m.month === '2026-12');
      const truth = dc.profileOf(a.login);
      for (const m of dec) expect(m.remaining).toBe(truth[m.kind].remaining);
      // The November row holds the last reading before the local midnight.
      const nov = months.find((m) => m.month === '2026-11' && m.kind === 'docs')!;
      const local = new Date(nov.readAt + a.utcOffsetMin * 60_000);
      expect(local.getUTCMonth()).toBe(10);
      expect(local.getUTCHours()).toBe(23);
    }
    expect(dc.consumed().total).toBe(0);
  });

  for (const f of FAULTS) {
    it(`${f.fault}: recorded as ${f.error} with its code, listed as a problem, and cleared`, async () => {
      const a = accesses[1]!;
      dc.setFault(a.login, f.fault, true);
      await runSoon(t.ctx, ONLINE_PROFILE_JOB, [a.id]);
      await runner.runUntilIdle();
      const s = await onlineStatus(t.ctx, op, a.id);
      expect(s.ok).toBe(false);
      expect(s.error).toBe(f.error);
      expect(s.errorCode).toBe(f.code);
      // The last good reading is kept.
      expect(s.limits.docs).toBeDefined();
      const problems = await onlineProblems(t.ctx, op);
      expect(problems.map((p) => [p.login, p.error, p.errorCode])).toContainEqual([a.login, f.error, f.code]);
      expect(problems.find((p) => p.accessId === a.id)!.managers).toEqual(['Sidorov']);

      dc.setFault(a.login, f.fault, false);
      await runSoon(t.ctx, ONLINE_PROFILE_JOB, [a.id]);
      await runner.runUntilIdle();
      expect((await onlineStatus(t.ctx, op, a.id)).ok).toBe(true);
      expect((await onlineProblems(t.ctx, op)).map((p) => p.accessId)).not.toContain(a.id);
      expect(dc.consumed().total).toBe(0);
    });
  }

  it('a server that refuses connections is a ConnectionError, and its availability falls', async () => {
    const problems = await onlineProblems(t.ctx, op);
    const foreign = problems.find((p) => p.host === 'dc2.example.ru')!;
    expect(foreign.error).toBe('ConnectionError');
    expect(foreign.errorCode).toBe('ECONNREFUSED');
    const now = t.clock.now();
    const servers = await onlineServerAvailability(t.ctx, op, { from: now - 86_400_000, to: now });
    const dc1 = servers.find((s) => s.host === 'dc1.example.ru')!;
    const dc2 = servers.find((s) => s.host === 'dc2.example.ru')!;
    expect(dc2.current.pct).toBe(0);
    expect(dc1.accesses).toBe(accesses.length);
    // Every fault above failed one read of one access on dc1.
    expect(dc1.current.total - dc1.current.ok).toBe(FAULTS.length);
    const one = await onlineAvailability(t.ctx, op, accesses[1]!.id, { from: now - 86_400_000, to: now });
    expect(one.current.total - one.current.ok).toBe(FAULTS.length);
    expect(one.current.pct).toBeCloseTo((one.current.ok / one.current.total) * 100, 3);
  });

  it('reads the search log nightly and stores each local day exactly as the simulator logged it', async () => {
    // Run the nightly jobs now: they fetch "yesterday" in each access's zone.
    await runSoon(t.ctx, ONLINE_SEARCHLOG_JOB);
    await runner.runUntilIdle();
    let entries = 0;
    for (const a of accesses) {
      const s = await onlineStatus(t.ctx, op, a.id);
      const day = s.searchLogThrough!;
      const local = new Date(t.clock.now() + a.utcOffsetMin * 60_000 - 86_400_000).toISOString().slice(0, 10);
      expect(day).toBe(local);
      const acc = dc.accounts.find((x) => x.login === a.login)!;
      const truth = searchLog(acc, day).map((e) => ({ ...e, at: parseZonedTime(e.time) }));
      const stored = await onlineSearchLog(t.ctx, op, a.id, day);
      expect(stored.map((e) => [e.at, e.user, e.query, e.type, e.status])).toEqual(
        truth.map((e) => [e.at, e.user, e.query, e.type, e.status]),
      );
      entries += stored.length;
    }
    expect(entries).toBeGreaterThan(0);
    // Read again: replaced, not duplicated.
    const before = await t.ctx.db.selectFrom('online_search_log').select('id').execute();
    await t.ctx.db.updateTable('online_state').set({ searchlog_through: null }).execute();
    await runSoon(t.ctx, ONLINE_SEARCHLOG_JOB);
    await runner.runUntilIdle();
    expect(await t.ctx.db.selectFrom('online_search_log').select('id').execute()).toHaveLength(before.length);
    expect(dc.consumed().total).toBe(0);
  });

  it('a deleted access loses its jobs, its state and its current check status', async () => {
    const gone = accesses[4]!;
    await deleteOnlineAccess(t.ctx, op, gone.id);
    await hour();
    const jobs = await t.ctx.db
      .selectFrom('jobs')
      .select('kind')
      .where('subject_id', '=', gone.id)
      .where('kind', 'like', 'online%')
      .execute();
    expect(jobs).toEqual([]);
    const status = await t.ctx.db
      .selectFrom('check_status')
      .select('check_name')
      .where('subject_kind', '=', 'online')
      .where('subject_id', '=', gone.id)
      .execute();
    expect(status).toEqual([]);
    expect(
      await t.ctx.db
        .selectFrom('online_state')
        .select('ok')
        .where('online_access_id', '=', gone.id)
        .execute(),
    ).toEqual([]);
    accesses = accesses.slice(0, 4);
    await expectMatchesSimulator();
  });

  it('writes remainder, limit and usage-percentage series per access', async () => {
    const a = accesses[0]!;
    const rows = await t.ctx.db
      .selectFrom('series')
      .select(['metric', 'labels'])
      .where('online_access_id', '=', a.id)
      .orderBy('metric')
      .orderBy('labels')
      .execute();
    const names = rows.map((r) => `${r.metric}${r.labels}`);
    for (const k of ONLINE_KINDS) {
      expect(names).toContain(`online_remaining{"kind":"${k}"}`);
      expect(names).toContain(`online_limit{"kind":"${k}"}`);
    }
    expect(names).toContain('online_used_pct{"kind":"docs"}');
    expect(names).toContain('online_used_pct{"kind":"search"}');
    expect(names).not.toContain('online_used_pct{"kind":"print"}');
  });
});
