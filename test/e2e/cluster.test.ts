/**
 * The «Кластер» administration page end to end (test/e2e/harness.ts: a real SMART with the demo's data
 * on SQLite, the built UI, chromium). The harness runs the parts of `smart serve` but not its cluster
 * membership, so this file starts it for the harness's node, and adds a node that went silent (taken
 * over by the running one) and one stopped cleanly. The operator sees the nav item, every node with its
 * state, and the job kinds as the API gives them, refreshed on its own; a dealer admin sees neither
 * the item nor any node data, and the API refuses them. Screenshot: test-artifacts/screenshots/admin-cluster.png.
 */
import os from 'node:os';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusterNode, type ClusterNode } from '../../src/cluster/node.js';
import { markStopped, registerNode } from '../../src/cluster/registry.js';
import type { ClusterOut } from '../../src/cluster/status.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { createUser } from '../../src/tenancy/users.js';
import { body, loginAs } from '../http/harness.js';
import {
  apiGet,
  ensureUiBuilt,
  launchBrowser,
  loginUi,
  newContext,
  rowsOf,
  screenshot,
  startE2eServer,
  type E2eServer,
  waitFor,
} from './harness.js';

const OPERATOR = 'e2eoperator';
const GONE = 'e2e-gone-node';
const STOPPED = 'e2e-stopped-node';
const ROLES = ['ingest', 'checks', 'alerts'] as const;

describe('cluster administration page (e2e, chromium)', { timeout: 90_000 }, () => {
  let s: E2eServer;
  let cluster: ClusterNode;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let nodeId: string;

  async function pageAs(login: string): Promise<Page> {
    const ctx = await newContext(browser);
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await loginUi(page, s.url, login);
    return page;
  }

  beforeAll(async () => {
    ensureUiBuilt();
    s = await startE2eServer({ days: 1, hourlyHours: 2, onlineDays: 1 });
    const ctx = s.runtime.ctx;
    nodeId = s.runtime.config.nodeId;
    // The demo has no operator: the CLI's actor (an operator) creates one.
    await createUser(
      ctx,
      cliActor('e2e'),
      { dealerId: null, login: OPERATOR, displayName: 'Оператор e2e', password: OPERATOR, role: 'operator' },
      { allowWeakPassword: true },
    );
    // A node that stopped answering a while ago, and one stopped cleanly.
    for (const id of [GONE, STOPPED])
      await registerNode(ctx, {
        nodeId: id,
        host: 'elsewhere',
        pid: 4242,
        version: '0.0.1',
        url: null,
        roles: ['ingest'],
      });
    await markStopped(ctx, STOPPED);
    const silentSince = ctx.clock.now() - s.runtime.config.nodeDeadAfterMs - 60_000;
    await ctx.db
      .updateTable('cluster_nodes')
      .set({ heartbeat_at: silentSince })
      .where('node_id', '=', GONE)
      .execute();
    cluster = await startClusterNode(ctx, {
      info: { nodeId, host: os.hostname(), pid: process.pid, version: 'e2e', url: s.url, roles: [...ROLES] },
      deadAfterMs: s.runtime.config.nodeDeadAfterMs,
      heartbeatMs: 1_000,
      onError: (e) => s.errors.push(e),
    });
    // The first round writes the figures and takes over the silent node.
    await cluster.beat();
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await cluster?.close();
    await s?.close();
  });

  it('shows the operator every node with its state and the periodic work as the API has it', async () => {
    const api = await loginAs(s.url, OPERATOR, OPERATOR);
    const page = await pageAs(OPERATOR);
    await page.goto(`${s.url}/admin`);
    await page.getByTestId('admin-nav-cluster').click();
    await page.locator('a.admin-nav-link.active[data-testid="admin-nav-cluster"]').waitFor();
    await expect(page.getByTestId('admin-nav-cluster').textContent()).resolves.toBe('Кластер');

    const nodes = rowsOf(page, 'cluster-nodes');
    await nodes.first().waitFor();
    expect(await nodes.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')).sort())).toEqual(
      [GONE, STOPPED, nodeId].sort(),
    );

    const own = page.locator(`[data-panel="cluster-nodes"] tbody tr[data-key="${nodeId}"]`);
    await expect(own.getByTestId('cluster-node-state').getAttribute('data-state')).resolves.toBe('alive');
    await expect(own.getByTestId('cluster-node-state').textContent()).resolves.toBe('работает');
    expect(await own.getByTestId('cluster-node-roles').locator('.tag').allTextContents()).toEqual([...ROLES]);
    await expect(own.textContent()).resolves.toContain(String(process.pid));
    // The heartbeat's figures: some MiB of memory.
    await expect(own.textContent()).resolves.toMatch(/\d+\s?MiB/);

    const gone = page.locator(`[data-panel="cluster-nodes"] tbody tr[data-key="${GONE}"]`);
    await expect(gone.getByTestId('cluster-node-state').getAttribute('data-state')).resolves.toBe('dead');
    await expect(gone.getByTestId('cluster-node-takeover').textContent()).resolves.toContain(
      `работу забрал ${nodeId}`,
    );
    const stopped = page.locator(`[data-panel="cluster-nodes"] tbody tr[data-key="${STOPPED}"]`);
    await expect(stopped.getByTestId('cluster-node-state').getAttribute('data-state')).resolves.toBe(
      'stopped',
    );

    // The job kinds are those of the API, with the same counts of jobs.
    const status = await apiGet<ClusterOut>(api, '/api/cluster');
    const kinds = rowsOf(page, 'cluster-jobs');
    await kinds.first().waitFor();
    const shown = await kinds.evaluateAll((trs) =>
      trs.map((tr) => ({
        kind: tr.getAttribute('data-key'),
        jobs: Number(tr.querySelectorAll('td')[1]?.textContent?.replace(/\D/g, '')),
      })),
    );
    expect(shown.map((k) => k.kind)).toEqual(expect.arrayContaining(['probe', 'pull_sysinfo']));
    expect(shown).toEqual(status.jobs.map((k) => ({ kind: k.kind, jobs: k.jobs })));
    expect(status.jobs.find((k) => k.kind === 'probe')?.jobs).toBeGreaterThan(0);

    // It refreshes on its own: the time of the last answer moves on.
    const updated = page.getByTestId('cluster-updated');
    const first = await updated.textContent();
    await waitFor('the next refresh', async () => (await updated.textContent()) !== first, 15_000);
    await screenshot(page, 'admin-cluster');

    // A failed refresh keeps the last state on screen and says so; the next good answer clears it.
    await page.route('**/api/cluster', (r) =>
      r.fulfill({
        status: 503,
        contentType: 'application/json',
        body: '{"error":"unavailable","message":"e2e: down"}',
      }),
    );
    await page.getByTestId('cluster-refresh-error').waitFor();
    await expect(page.getByTestId('cluster-refresh-error').textContent()).resolves.toContain('e2e: down');
    await expect(nodes.count()).resolves.toBe(3);
    await page.unroute('**/api/cluster');
    await page.getByTestId('cluster-refresh-error').waitFor({ state: 'detached' });
  });

  it('shows a dealer admin neither the item nor any node data, and the API refuses them', async () => {
    const demo = await loginAs(s.url, 'demo', 'demo');
    const refused = await demo.get('/api/cluster');
    expect(refused.status).toBe(403);
    expect(body<{ error: string }>(refused).error).toBe('forbidden');

    const page = await pageAs('demo');
    const asked: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/cluster') asked.push(r.url());
    });
    await page.goto(`${s.url}/admin`);
    await page.getByTestId('admin-nav-units').waitFor();
    await expect(page.getByTestId('admin-nav-cluster').count()).resolves.toBe(0);

    await page.goto(`${s.url}/admin/cluster`);
    await page.getByTestId('cluster-operator-only').waitFor();
    await expect(page.locator('[data-panel="cluster-nodes"]').count()).resolves.toBe(0);
    await expect(page.getByTestId('cluster-node-id').count()).resolves.toBe(0);
    const text = await page.locator('.admin-main').textContent();
    expect(text).not.toContain(nodeId);
    expect(text).not.toContain(GONE);
    // The page does not even ask.
    expect(asked).toEqual([]);
  });
});
