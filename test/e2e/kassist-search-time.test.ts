/**
 * «kAssist. Аналитика» and «Время выполнения поисковых запросов» end to end: a real SMART with the
 * demo's simulated fleet (test/e2e/harness.ts), the built UI and chromium, logged in as the demo dealer
 * admin. Each page shows the fleet's data as the API gives it (legend maxima and table sums for kAssist;
 * the counts, the points' legend and the «Запросы» rows, all longer than the threshold, for the search
 * time); changing «Порог времени поиска» changes the table; screenshots kassist-analytics.png and
 * search-time.png go to test-artifacts/screenshots/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KassistOut } from '../../src/dashboards/contract-kassist.js';
import type { SearchTimeOut } from '../../src/dashboards/contract-search-time.js';
import { loginAs, type Client } from '../http/harness.js';
import {
  apiGet,
  legendRows,
  num,
  rowsOf,
  screenshot,
  startE2eSession,
  stat,
  waitFor,
  type E2eServer,
  type E2eSession,
} from './harness.js';

const HOUR = 3_600_000;

/** Seconds shown with one decimal against the rows' milliseconds. */
function near(shown: number[], rows: { durationMs: number }[]): void {
  expect(shown.length).toBe(rows.length);
  shown.forEach((v, i) =>
    expect(Math.abs(v - rows[i]!.durationMs / 1000), `row ${i}`).toBeLessThanOrEqual(0.051),
  );
}

describe('kAssist and search time pages (e2e, chromium)', () => {
  let session: E2eSession;
  let s: E2eServer;
  let page: Page;
  let demo: Client;

  beforeAll(async () => {
    session = await startE2eSession({ days: 7, hourlyHours: 6, onlineDays: 1 });
    ({ server: s, page } = session);
    demo = await loginAs(s.url, 'demo', 'demo');
  }, 240_000);

  afterAll(async () => {
    await session?.close();
  });

  const api = <T>(path: string): Promise<T> => apiGet<T>(demo, path);

  it('«kAssist. Аналитика»: daily bars per installation with their maxima, per-client sums', async () => {
    const want = await api<KassistOut>('/api/dashboards/kassist-analytics');
    expect(want.panels.uniqueAdded.series.length).toBeGreaterThan(0);
    expect(want.tables.activeVerified.length).toBeGreaterThan(0);

    await page.goto(`${s.url}/d/kassist-analytics`);
    await page.waitForURL(/from=now-30d&to=now/);
    const titles = await page.locator('section.panel .panel-title').allTextContents();
    expect(titles).toEqual([
      'Откуда данные',
      'Количество уникальных ссылок при добавлении за сутки',
      'Количество ссылок по которым не было найдено совпадений за сутки',
      'Количество всех ссылок добавленных за сутки',
      'Количество проверенных активных ссылок за сутки',
      'Количество уникальных ссылок при добавлении за интервал',
      'Кол-во проверенных активных ссылок за интервал',
    ]);
    const chart = page.locator('[data-panel="uniqueAdded"]');
    await chart.locator('.legend-row').first().waitFor();
    expect(await chart.locator('.legend-row').count()).toBe(want.panels.uniqueAdded.series.length);
    expect(await chart.locator('.plot').getAttribute('aria-label')).toContain('логарифм');
    // «Max» and «Last» per installation, as the API's bars say.
    const series = new Map(want.panels.uniqueAdded.series.map((x) => [x.label, x.values]));
    for (const row of await legendRows(chart)) {
      const values = series.get(row.label)!.filter((v): v is number => v !== null);
      expect(row.values[0], row.label).toBe(Math.max(...values));
      expect(row.values[1], row.label).toBe(values.at(-1));
    }
    // The interval tables: Клиент and Сумма, the largest first.
    const table = rowsOf(page, 'table-activeVerified');
    await table.first().waitFor();
    expect(await table.count()).toBe(Math.min(15, want.tables.activeVerified.length));
    const first = want.tables.activeVerified[0]!;
    expect(await table.first().locator('td').nth(0).textContent()).toBe(first.client);
    expect(num(await table.first().locator('td').nth(1).textContent())).toBe(first.sum);
    expect(first.sum).toBeGreaterThan(0);
    // Where the data start is said plainly.
    await expect(page.locator('[data-panel="coverage"]').textContent()).resolves.toContain('мая 2024');
    await screenshot(page, 'kassist-analytics');
  });

  it('«Время выполнения поисковых запросов»: the long queries, their counts and rows; the threshold changes them', async () => {
    // Five days the backfill has fully reported (agents add only newer searches).
    const to = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    const from = to - 5 * 24 * HOUR;
    const range = `from=${from}&to=${to}`;
    const at10 = await api<SearchTimeOut>(`/api/dashboards/search-time?${range}`);
    const at3 = await api<SearchTimeOut>(`/api/dashboards/search-time?${range}&threshold=3`);
    expect(at10.counts.all).toBeGreaterThan(0);
    expect(at10.counts.over).toBeGreaterThan(0);
    expect(at3.counts.over).toBeGreaterThan(at10.counts.over);

    await page.goto(`${s.url}/d/search-time?${range}`);
    const rows = rowsOf(page, 'queries');
    await rows.first().waitFor();
    expect(await page.locator('[data-panel="slow"] .panel-title').textContent()).toBe(
      'Поисковые запросы длительностью более 10s',
    );
    expect(await page.locator('[data-panel="queries"] .panel-title').textContent()).toBe('Запросы');
    expect(num(await stat(page, 'all').textContent())).toBe(at10.counts.all);
    expect(num(await stat(page, 'over').textContent())).toBe(at10.counts.over);
    expect(num(await stat(page, 'under').textContent())).toBe(at10.counts.under);
    // Every row is longer than the threshold, the longest first, as the API pages them.
    const durationCol = 1;
    const durations = (await rows.locator(`td:nth-child(${durationCol + 1})`).allTextContents()).map(num);
    expect(durations.length).toBe(Math.min(25, at10.rows.length));
    for (const d of durations) expect(d).toBeGreaterThan(10);
    near(durations, at10.rows.slice(0, 25));
    // The points' legend: per catalog the longest query, in seconds.
    const chart = page.locator('[data-panel="slow"]');
    expect(await chart.locator('.legend-row').count()).toBe(at10.slow.series.length);
    const topMax = (await legendRows(chart))[0]!.values[1]!;
    near([topMax], at10.rows.slice(0, 1));
    // The users with the most long queries.
    const users = rowsOf(page, 'users');
    expect(await users.count()).toBe(at10.users.length);
    expect(await users.first().locator('td').nth(2).textContent()).toBe(at10.users[0]!.login);
    await screenshot(page, 'search-time');

    // «Порог времени поиска» = 3s: more queries, all longer than 3 s, the title follows.
    await page.locator('#search-time-threshold').selectOption('3');
    await page.waitForURL(/threshold=3/);
    await waitFor(
      'the 3 s counts',
      async () => num(await stat(page, 'over').textContent()) === at3.counts.over,
    );
    expect(await page.locator('[data-panel="slow"] .panel-title').textContent()).toBe(
      'Поисковые запросы длительностью более 3s',
    );
    await waitFor('the 3 s table', async () => (await rows.count()) === Math.min(25, at3.rows.length));
    const d3 = (await rows.locator(`td:nth-child(${durationCol + 1})`).allTextContents()).map(num);
    for (const d of d3) expect(d).toBeGreaterThan(3);
    near(d3, at3.rows.slice(0, 25));
    expect(await page.locator('[data-panel="queries"] .load-more span').first().textContent()).toContain(
      String(at3.rows.length),
    );
  });
});
