/**
 * «Биллинг Онлайн. Аналитика» and «Поисковые запросы. Онлайн.» end to end: a real SMART with the
 * demo's data and simulated DCs (test/e2e/harness.ts), three days of hourly online readings, and a
 * week of the accesses' search logs read by the running poller's own nightly job (made due now); the
 * built UI in chromium as the demo user. The pages must show the numbers the API answers from that
 * data; the log can be narrowed to empty searches; screenshots billing-analytics.png and
 * online-search.png go to test-artifacts/screenshots/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillingAnalyticsOut } from '../../src/dashboards/contract-billing-analytics.js';
import type { OnlineSearchOut } from '../../src/dashboards/contract-online-search.js';
import type { VariablesOut } from '../../src/dashboards/contract.js';
import { runSoon } from '../../src/jobs/leases.js';
import { ONLINE_SEARCHLOG_JOB } from '../../src/online/poller.js';
import { body, loginAs, type Client } from '../http/harness.js';
import {
  legendRows,
  num,
  screenshot,
  startE2eSession,
  waitFor,
  type E2eServer,
  type E2eSession,
} from './harness.js';

const DAY = 86_400_000;
/** How long this file waits for the poller's job and for the page's refetches. */
const WAIT_MS = 90_000;

describe('online analytics dashboards (e2e, chromium)', () => {
  let session: E2eSession;
  let s: E2eServer;
  let api: Client;
  let page: Page;

  beforeAll(async () => {
    session = await startE2eSession({ days: 2, hourlyHours: 2, onlineDays: 3 });
    ({ server: s, page } = session);
    api = await loginAs(s.url, 'demo', 'demo');
    // The search logs: the poller catches up a week (its limit) when asked now.
    const db = s.runtime.ctx.db;
    const weekAgo = new Date(Date.now() - 8 * DAY).toISOString().slice(0, 10);
    await db.updateTable('online_state').set({ searchlog_through: weekAgo }).execute();
    await runSoon(s.runtime.ctx, ONLINE_SEARCHLOG_JOB);
    await waitFor(
      'the search logs',
      async () => {
        const rows = await db
          .selectFrom('online_state')
          .select('searchlog_through')
          .where('searchlog_through', '<=', weekAgo)
          .execute();
        return rows.length === 0;
      },
      WAIT_MS,
    );
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('«Биллинг Онлайн. Аналитика»: a line per manager, the overall average, clients, month figures', async () => {
    const out = body<BillingAnalyticsOut>(await api.get('/api/dashboards/billing-analytics'));
    expect(out.mode).toBe('all');
    expect(out.byManager.series.length).toBeGreaterThan(1);
    await page.goto(`${s.url}/d/billing-analytics`);
    await page.waitForURL(/from=now-6M/);
    const byManager = page.locator('[data-panel="byManager"]');
    await byManager.locator('.legend-row').first().waitFor();
    // The legend: every manager the API draws, each with its last value.
    const labels = await byManager.locator('.legend-label').allTextContents();
    expect(labels.sort()).toEqual(out.byManager.series.map((x) => x.label).sort());
    const lastOf = new Map(
      out.byManager.series.map((x) => [x.label, x.values.filter((v) => v !== null).at(-1)!]),
    );
    for (const { label, values } of await legendRows(byManager))
      expect(values[0], label).toBeCloseTo(lastOf.get(label)!, 0);
    expect([...lastOf.values()].some((v) => v > 0)).toBe(true);
    await expect(byManager.locator('.panel-note').textContent()).resolves.toBe('Все клиенты: норма 15%');

    const all = page.locator('[data-panel="all"]');
    await expect(all.locator('.legend-label').allTextContents()).resolves.toEqual(['Процент']);
    const allLast = out.all.series[0]!.values.filter((v) => v !== null).at(-1)!;
    expect(num((await all.locator('.legend-row td.num').first().textContent())!)).toBeCloseTo(allLast, 0);

    const monitored = page.locator('[data-panel="monitored"]');
    await expect(monitored.locator('.legend-label').allTextContents()).resolves.toEqual([
      'Всего клиентов',
      'Онлайн-доступов',
    ]);
    const clientsLast = out.monitored.series[0]!.values.filter((v) => v !== null).at(-1)!;
    expect(clientsLast).toBeGreaterThan(5);
    // Min, Max, Last of «Всего клиентов».
    expect(
      num((await monitored.locator('.legend-row').first().locator('td.num').nth(2).textContent())!),
    ).toBe(clientsLast);

    const months = page.locator('[data-panel="months"]');
    await expect(
      months.locator('tbody tr[data-key]').first().locator('td').first().textContent(),
    ).resolves.toBe('Все клиенты');
    const thisMonth = out.monthRows[0]!.values.at(-1)!;
    expect(
      num((await months.locator('tbody tr[data-key]').first().locator('td').last().textContent())!),
    ).toBeCloseTo(thisMonth, 0);
    await screenshot(page, 'billing-analytics');

    // One client chosen: the client mode (four bands), as the API answers it.
    const vars = body<VariablesOut>(await api.get('/api/dashboards/variables'));
    const firstClient = vars.clients[0]!;
    await page.locator('.variable', { hasText: 'Клиент' }).locator('button').click();
    await page.getByRole('option', { name: firstClient.shortName, exact: true }).click();
    await page.keyboard.press('Escape');
    await page.waitForURL(new RegExp(`var-client=${firstClient.id}`));
    await waitFor(
      'the client mode',
      async () => (await byManager.locator('.panel-note').textContent())?.startsWith('Выбранные клиенты'),
      WAIT_MS,
    );
  });

  it('«Поисковые запросы. Онлайн.»: the log with «успех»/«пустой», narrowed to empty searches', async () => {
    const out = body<OnlineSearchOut>(await api.get('/api/dashboards/online-search-queries?limit=100'));
    expect(out.rows.length).toBe(100);
    expect(new Set(out.rows.map((r) => r.status))).toEqual(new Set(['success', 'empty']));
    await page.goto(`${s.url}/d/online-search-queries`);
    await page.waitForURL(/from=now-7d/);
    const table = page.locator('[data-panel="queries"]');
    const rows = table.locator('tbody tr[data-key]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(19);
    // The newest searches first, as the API lists them: query, client, status.
    const cells = (i: number) => rows.nth(i).locator('td');
    for (let i = 0; i < 19; i++) {
      const r = out.rows[i]!;
      await expect(cells(i).nth(2).textContent()).resolves.toBe(r.query);
      await expect(cells(i).nth(5).textContent()).resolves.toBe(r.client);
      await expect(cells(i).nth(7).textContent()).resolves.toBe(r.status === 'success' ? 'успех' : 'пустой');
      await expect(cells(i).nth(7).getAttribute('class')).resolves.toContain(
        r.status === 'success' ? 'cell-green' : 'cell-red',
      );
    }
    await page.locator('[data-panel="emptyPerDay"] .legend-row').first().waitFor();
    await screenshot(page, 'online-search');
    // Both statuses show in the loaded rows (the table's later pages).
    const statuses = new Set<string>();
    for (let p = 0; p < 6 && statuses.size < 2; p++) {
      for (const c of await table.locator('tbody tr[data-key] td:last-child').allTextContents())
        statuses.add(c);
      const next = table.getByRole('button', { name: 'Следующая страница' });
      if ((await next.count()) === 0 || (await next.isDisabled())) break;
      await next.click();
    }
    expect(statuses).toEqual(new Set(['успех', 'пустой']));
    // The empty searches per day: bars with the day's counts.
    const chart = page.locator('[data-panel="emptyPerDay"]');
    await expect(chart.locator('.legend-label').allTextContents()).resolves.toEqual(
      expect.arrayContaining(['Пустой поиск', 'Все поиски']),
    );
    expect(out.perDay!.series[1]!.values.some((v) => v !== null && v > 0)).toBe(true);

    // Статус поиска = Пустой: only empty searches are left, as many as the API counts.
    await page.locator('.variable', { hasText: 'Статус поиска' }).locator('button').click();
    await page.getByRole('option', { name: 'Пустой', exact: true }).click();
    await page.keyboard.press('Escape');
    await page.waitForURL(/status=empty/);
    const empty = body<OnlineSearchOut>(
      await api.get('/api/dashboards/online-search-queries?limit=100&status=empty'),
    );
    expect(empty.rows.length).toBeGreaterThan(0);
    await waitFor(
      'only empty searches',
      async () => {
        const shown = await table.locator('tbody tr[data-key] td:last-child').allTextContents();
        return shown.length > 0 && shown.every((c) => c === 'пустой');
      },
      WAIT_MS,
    );
    expect(await rows.count()).toBe(Math.min(19, empty.rows.length));
    await expect(cells(0).nth(2).textContent()).resolves.toBe(empty.rows[0]!.query);
    expect(await table.locator('td.cell-green').count()).toBe(0);
  });
});
