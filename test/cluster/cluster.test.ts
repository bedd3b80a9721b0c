/**
 * Cluster membership (src/cluster/): heartbeats, the takeover of a node presumed dead (its leases
 * released, the reports of its spool that this node can read moved here), and `GET /api/cluster`
 * (operator only; every other role of any dealer gets 403).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startClusterNode } from '../../src/cluster/node.js';
import { heartbeat, registerNode, takeOverDeadNodes, type NodeInfo } from '../../src/cluster/registry.js';
import type { ClusterOut } from '../../src/cluster/status.js';
import { claimDue, syncJobs } from '../../src/jobs/leases.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { phaseOffsetMs } from '../../src/jobs/schedule.js';
import { createUser } from '../../src/tenancy/users.js';
import { cliActor } from '../../src/tenancy/scope.js';
import type { AppContext } from '../../src/context.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';

const DEAD_AFTER = 30_000;

const info = (nodeId: string): NodeInfo => ({
  nodeId,
  host: 'test-host',
  pid: 4242,
  version: '0.0.0-test',
  url: null,
  roles: ['ingest', 'checks'],
});

async function addReport(
  ctx: AppContext,
  dealerId: number,
  installationId: number,
  nodeId: string,
  file: string,
) {
  return ctx.db
    .insertInto('reports')
    .values({
      dealer_id: dealerId,
      installation_id: installationId,
      source_name: 'alpha',
      file_name: path.basename(file),
      channel: 'sysinfo',
      format: 'zip',
      via: 'agent',
      sha256: `sha-${file}`,
      size_bytes: 10,
      node_id: nodeId,
      spool_path: file,
      received_at: ctx.clock.now(),
      status: 'received',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

async function addLeasedMessage(ctx: AppContext, dealerId: number, owner: string, status: string) {
  const now = ctx.clock.now();
  const group = await ctx.db
    .insertInto('notify_groups')
    .values({
      dealer_id: dealerId,
      receiver_kind: 'email',
      receiver_target: `${status}@example.test`,
      channel_id: null,
      alert_name: 'KodeksServerDown',
      next_flush_at: now,
      last_flush_at: null,
      count_firing_sent: 0,
      count_only: 0,
      lease_owner: owner,
      lease_until: now + 60_000,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db
    .insertInto('notifications')
    .values({
      dealer_id: dealerId,
      group_id: group.id,
      channel_id: null,
      kind: 'email',
      target: `${status}@example.test`,
      alert_name: 'KodeksServerDown',
      reason: 'firing',
      subject: 's',
      body: 'b',
      payload: null,
      instance_count: 1,
      status,
      next_attempt_at: now + 60_000,
      lease_owner: owner,
      lease_until: now + 60_000,
      created_at: now,
      sent_at: null,
      last_error: null,
    })
    .execute();
}

describe.each(DB_KINDS)('cluster membership and takeover (%s)', (kind) => {
  let t: TestContext;
  let world: DealerWorld;
  let spool: string;

  beforeEach(async () => {
    t = await openTestContext(kind);
    world = await buildDealerWorld(t.ctx, 'cl');
    spool = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-cluster-'));
  });
  afterEach(async () => {
    await t.close();
    fs.rmSync(spool, { recursive: true, force: true });
  });

  it('a silent node is taken over once: leases released, readable reports moved, unreadable ones left', async () => {
    const { ctx, clock } = t;
    await registerNode(ctx, info('node-a'));
    await registerNode(ctx, info('node-b'));
    await syncJobs(
      ctx,
      'probe',
      [1, 2, 3, 4].map((id) => ({
        kind: 'probe',
        subjectId: id,
        dealerId: world.dealer.id,
        host: null,
        intervalMs: 60_000,
        firstRunAt: clock.now(),
      })),
    );
    await syncJobs(ctx, 'online_search_log', [
      {
        kind: 'online_search_log',
        subjectId: 9,
        dealerId: world.dealer.id,
        host: null,
        intervalMs: 86_400_000,
        firstRunAt: clock.now(),
      },
    ]);
    expect(await claimDue(ctx, 'probe', 'node-b', 3, 600_000)).toHaveLength(3);
    expect(await claimDue(ctx, 'probe', 'node-a', 1, 600_000)).toHaveLength(1);
    expect(await claimDue(ctx, 'online_search_log', 'node-b', 1, 600_000)).toHaveLength(1);
    await addLeasedMessage(ctx, world.dealer.id, 'node-b', 'queued');
    await addLeasedMessage(ctx, world.dealer.id, 'node-b', 'sent');
    const readable = path.join(spool, 'alpha.zip');
    fs.writeFileSync(readable, 'zip');
    const onB = await addReport(ctx, world.dealer.id, world.i1.id, 'node-b', readable);
    const lost = await addReport(
      ctx,
      world.dealer.id,
      world.i1.id,
      'node-b',
      path.join(spool, 'elsewhere.zip'),
    );

    // Within the limit nothing happens.
    clock.advance(DEAD_AFTER - 1_000);
    expect(await takeOverDeadNodes(ctx, 'node-a', DEAD_AFTER)).toEqual([]);

    clock.advance(2_000);
    const [taken, ...more] = await takeOverDeadNodes(ctx, 'node-a', DEAD_AFTER);
    expect(more).toEqual([]);
    expect(taken).toEqual({
      deadNode: 'node-b',
      jobs: 4,
      notifyGroups: 2,
      notifications: 1,
      reports: 1,
      reportsLeft: 1,
    });
    const jobs = await ctx.db
      .selectFrom('jobs')
      .select(['kind', 'subject_id', 'lease_owner', 'next_run_at', 'interval_ms'])
      .orderBy('subject_id')
      .execute();
    expect(jobs.filter((j) => j.lease_owner === 'node-b')).toEqual([]);
    expect(jobs.filter((j) => j.lease_owner === 'node-a')).toHaveLength(1);
    // The dead node's probes had started: each moves to its next slot within the interval instead of
    // running twice in one; the daily job runs again at once.
    const slot = (j: (typeof jobs)[number]) => phaseOffsetMs(j.kind, j.subject_id, j.interval_ms);
    for (const j of jobs.filter((x) => x.kind === 'probe' && x.lease_owner === null)) {
      expect(j.next_run_at).toBeGreaterThan(clock.now());
      expect(j.next_run_at).toBeLessThanOrEqual(clock.now() + 60_000);
      expect((j.next_run_at - slot(j)) % 60_000).toBe(0);
    }
    expect(await claimDue(ctx, 'probe', 'node-a', 10, 600_000)).toEqual([]);
    expect(await claimDue(ctx, 'online_search_log', 'node-a', 10, 600_000)).toHaveLength(1);
    const reports = await ctx.db
      .selectFrom('reports')
      .select(['id', 'node_id', 'status'])
      .orderBy('id')
      .execute();
    expect(reports).toEqual([
      { id: onB.id, node_id: 'node-a', status: 'received' },
      { id: lost.id, node_id: 'node-b', status: 'received' },
    ]);
    const queued = await ctx.db
      .selectFrom('notifications')
      .select(['status', 'lease_owner'])
      .orderBy('id')
      .execute();
    expect(queued).toEqual([
      { status: 'queued', lease_owner: null },
      // A message already sent keeps its record as it is.
      { status: 'sent', lease_owner: 'node-b' },
    ]);
    const row = await ctx.db
      .selectFrom('cluster_nodes')
      .selectAll()
      .where('node_id', '=', 'node-b')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ taken_over_by: 'node-a', taken_over_at: clock.now() });
    // Once is enough: a later round (or another live node) finds nothing to take.
    clock.advance(60_000);
    await heartbeat(ctx, 'node-a', {});
    expect(await takeOverDeadNodes(ctx, 'node-c', DEAD_AFTER)).toEqual([]);
  });

  it('a clean stop is not a death, and a node that comes back is alive again', async () => {
    const { ctx, clock } = t;
    const a = await startClusterNode(ctx, {
      info: info('node-a'),
      deadAfterMs: DEAD_AFTER,
      heartbeatMs: 3_600_000,
    });
    const b = await startClusterNode(ctx, {
      info: info('node-b'),
      deadAfterMs: DEAD_AFTER,
      heartbeatMs: 3_600_000,
    });
    const c = await startClusterNode(ctx, {
      info: info('node-c'),
      deadAfterMs: DEAD_AFTER,
      heartbeatMs: 3_600_000,
    });
    await c.close();
    clock.advance(DEAD_AFTER + 1);
    const taken: string[] = [];
    const a2 = await startClusterNode(ctx, {
      info: info('node-a'),
      deadAfterMs: DEAD_AFTER,
      heartbeatMs: 3_600_000,
      onTakeover: (x) => taken.push(x.deadNode),
    });
    await a2.beat();
    expect(taken).toEqual(['node-b']);
    await b.beat();
    const rows = await ctx.db.selectFrom('cluster_nodes').selectAll().orderBy('node_id').execute();
    expect(rows.map((r) => [r.node_id, r.stopped_at !== null, r.taken_over_by])).toEqual([
      ['node-a', false, null],
      ['node-b', false, null],
      ['node-c', true, null],
    ]);
    expect(JSON.parse(rows[1]!.stats)).toMatchObject({ rssBytes: expect.any(Number) });
    await a.close();
    await a2.close();
    await b.close();
  });

  it('a runner that stops gives back only the leases of its own kinds', async () => {
    const { ctx, clock } = t;
    const specs = (kind: string) =>
      [1, 2].map((id) => ({
        kind,
        subjectId: id,
        dealerId: null,
        host: null,
        intervalMs: 60_000,
        firstRunAt: clock.now(),
      }));
    await syncJobs(ctx, 'probe', specs('probe'));
    await syncJobs(ctx, 'alert_eval', specs('alert_eval'));
    // Another runner of this node holds the alert evaluations.
    expect(await claimDue(ctx, 'alert_eval', 'node-a', 2, 600_000)).toHaveLength(2);
    let release: () => void = () => {};
    const blocked = new Promise<void>((r) => (release = r));
    const runner = new JobRunner(
      ctx,
      [
        {
          kind: 'probe',
          concurrency: 1,
          timeoutMs: 60_000,
          run: async () => (await blocked, { outcome: 'ok' }),
        },
      ],
      { nodeId: 'node-a' },
    );
    await runner.tick();
    release();
    await runner.stop();
    const held = await ctx.db
      .selectFrom('jobs')
      .select(['kind', 'lease_owner'])
      .where('lease_owner', '=', 'node-a')
      .execute();
    expect(held.map((h) => h.kind).sort()).toEqual(['alert_eval', 'alert_eval']);
  });
});

describe.each(DB_KINDS)('GET /api/cluster (%s)', (kind) => {
  let s: TestServer;
  let A: DealerWorld;
  let B: DealerWorld;

  beforeAll(async () => {
    s = await startTestServer(kind, { SMART_NODE_DEAD_AFTER_SECONDS: '30' });
    A = await buildDealerWorld(s.t.ctx, 'ca');
    B = await buildDealerWorld(s.t.ctx, 'cb');
    await createUser(s.t.ctx, cliActor('test'), {
      dealerId: null,
      login: 'root',
      password: TEST_PASSWORD,
      role: 'operator',
    });
  });
  afterAll(async () => s.close());

  it('shows the operator every node, its state and what it holds, and the work by kind', async () => {
    const { ctx, clock } = s.t;
    await registerNode(ctx, info('node-a'));
    await registerNode(ctx, info('node-b'));
    await syncJobs(
      ctx,
      'probe',
      [1, 2, 3].map((id) => ({
        kind: 'probe',
        subjectId: id,
        dealerId: A.dealer.id,
        host: null,
        intervalMs: 60_000,
        firstRunAt: clock.now(),
      })),
    );
    await claimDue(ctx, 'probe', 'node-b', 2, 600_000);
    await addReport(ctx, A.dealer.id, A.i1.id, 'node-a', '/nonexistent/a.zip');
    clock.advance(31_000);
    await registerNode(ctx, info('node-a'));

    const root = await loginAs(s.url, 'root', TEST_PASSWORD);
    const res = await root.req('GET', '/api/cluster');
    expect(res.status).toBe(200);
    const out = body<ClusterOut>(res);
    expect(out.deadAfterMs).toBe(30_000);
    expect(out.nodes.map((n) => [n.nodeId, n.state, n.heartbeatAgeMs])).toEqual([
      ['node-a', 'alive', 0],
      ['node-b', 'dead', 31_000],
    ]);
    expect(out.nodes[1]!.holds).toEqual({
      jobs: { probe: 2 },
      notifyGroups: 0,
      notifications: 0,
      reportsWaiting: 0,
      reportsProcessing: 0,
    });
    expect(out.nodes[0]!.holds.reportsWaiting).toBe(1);
    expect(out.jobs).toEqual([
      {
        kind: 'probe',
        jobs: 3,
        leased: 2,
        waiting: 1,
        oldestWaitingMs: 31_000,
        failedLastRun: 0,
        missedSlots: 0,
      },
    ]);
  });

  it('is the operator’s only: every role of every dealer gets 403, and no session 401', async () => {
    for (const w of [A, B]) {
      for (const who of ['admin', 'head1', 'manager1', 'viewer2'] as const) {
        const c = await loginAs(s.url, w.users[who].login, TEST_PASSWORD);
        const res = await c.req('GET', '/api/cluster');
        expect(res.status, `${w.dealer.code} ${who}`).toBe(403);
        expect(res.text).not.toContain('node-');
      }
    }
    const anon = await fetch(`${s.url}/api/cluster`);
    expect(anon.status).toBe(401);
  });
});
