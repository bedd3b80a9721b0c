/**
 * «Данные для пролонгации», «Биллинг Онлайн. Данные для пролонгации» and the ЛПР report end to end: a
 * real SMART with the demo's data and simulated fleet (test/e2e/harness.ts), a short backfill. Both
 * pages, as the demo user in chromium, must show the figures the API answers for the current month
 * (real data, not empty), with the «Отчёт для ЛПР» links; the HTML report opens in the browser with its
 * tables, charts and conclusions. Screenshots: renewal.png, renewal-online.png, renewal-report.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenewalOnlineOut, RenewalOut } from '../../src/renewal/contract.js';
import { loginAs, type Client } from '../http/harness.js';
import { apiGet, num, screenshot, startE2eSession, waitFor, type E2eSession } from './harness.js';

const MSK = 3 * 3_600_000;

describe('Данные для пролонгации (e2e, chromium)', () => {
  let e: E2eSession;
  let demo: Client;
  /** The current Moscow month's index (0 = January) and year. */
  const nowMsk = new Date(Date.now() + MSK);
  const month = nowMsk.getUTCMonth();
  const year = nowMsk.getUTCFullYear();

  beforeAll(async () => {
    e = await startE2eSession({ days: 3, hourlyHours: 2, onlineDays: 2 });
    demo = await loginAs(e.server.url, 'demo', 'demo');
    // The backfilled reports are processed in the background: wait for this month's figures.
    await waitFor(
      'this month’s installation figures',
      async () => {
        const out = await apiGet<RenewalOut>(demo, `/api/dashboards/renewal?year=${year}`);
        return out.clients.some((c) => c.rows[0]!.values[month] !== null);
      },
      180_000,
    );
  }, 300_000);

  afterAll(async () => {
    await e?.close();
  });

  it('«Данные для пролонгации» shows the API’s figures, with the report links', async () => {
    const out = await apiGet<RenewalOut>(demo, `/api/dashboards/renewal?year=${year}`);
    expect(out.total).toBeGreaterThan(0);
    const page = e.page;
    await page.goto(`${e.server.url}/d/renewal`);
    const rows = page.locator('[data-panel="renewal"] tbody tr[data-key]');
    await rows.first().waitFor();
    // Two rows (the figure and its change) per metric and client.
    expect(await rows.count()).toBe(out.clients.reduce((n, c) => n + c.rows.length * 2, 0));
    const withData = out.clients.find((c) => c.rows[0]!.values[month] !== null)!;
    const first = page.locator(`[data-panel="renewal"] tr[data-key="${withData.clientId}:docsRequested"]`);
    const cells = first.locator('td');
    await expect(cells.nth(0).locator('a').first().textContent()).resolves.toBe(withData.client);
    await expect(cells.nth(1).textContent()).resolves.toBe('Количество запрошенных из БД документов');
    expect(num(await cells.nth(2 + month).textContent())).toBe(withData.rows[0]!.values[month]);
    const activity = page.locator(`[data-panel="renewal"] tr[data-key="${withData.clientId}:activity"] td`);
    expect(num(await activity.nth(2 + month).textContent())).toBe(
      withData.rows.find((r) => r.metric === 'activity')!.values[month],
    );
    const xlsx = cells.nth(0).locator('a', { hasText: 'XLSX' });
    await expect(xlsx.getAttribute('href')).resolves.toBe(
      `/api/clients/${withData.clientId}/renewal-report.xlsx?year=${year}`,
    );
    await screenshot(page, 'renewal');
  }, 120_000);

  it('«Биллинг Онлайн. Данные для пролонгации» shows each access’s remainders', async () => {
    const out = await waitFor(
      'this month’s online readings',
      async () => {
        const o = await apiGet<RenewalOnlineOut>(demo, `/api/dashboards/renewal-online?year=${year}`);
        return o.clients.some((c) => c.accesses.some((a) => a.rows[0]!.remaining[month] !== null)) ? o : null;
      },
      180_000,
    );
    const page = e.page;
    const client = out.clients.find((c) => c.accesses.some((a) => a.rows[0]!.remaining[month] !== null))!;
    const access = client.accesses.find((a) => a.rows[0]!.remaining[month] !== null)!;
    const docs = page.locator(`[data-panel="renewal-online"] tr[data-key="${access.id}:docs"] td`);
    const remaining = async () => {
      const o = await apiGet<RenewalOnlineOut>(demo, `/api/dashboards/renewal-online?year=${year}`);
      return o.clients.flatMap((c) => c.accesses).find((a) => a.id === access.id)!.rows[0]!.remaining[month];
    };
    // The simulated accesses are read live, so a remainder may drop between the API's answer and the
    // page's: compare when the API gives the same figure before and after the page loaded.
    for (let attempt = 1; ; attempt += 1) {
      const before = await remaining();
      await page.goto(`${e.server.url}/d/renewal-online`);
      await page.locator('[data-panel="renewal-online"] tbody tr[data-key]').first().waitFor();
      await expect(docs.nth(1).textContent()).resolves.toBe(access.login);
      await expect(docs.nth(2).textContent()).resolves.toBe('Остаток биллинга документов');
      const cell = num((await docs.nth(3 + month).textContent())!.split('(')[0]!);
      const after = await remaining();
      if (before === after || attempt === 5) {
        expect(cell).toBe(after);
        break;
      }
    }
    await screenshot(page, 'renewal-online');
  }, 240_000);

  it('the ЛПР report opens as a print-ready page with tables, charts and conclusions', async () => {
    const out = await apiGet<RenewalOut>(demo, `/api/dashboards/renewal?year=${year}`);
    const online = await apiGet<RenewalOnlineOut>(
      demo,
      `/api/dashboards/renewal-online?year=${year}&limit=500`,
    );
    const withOnline = new Set(online.clients.map((c) => c.clientId));
    const client =
      out.clients.find((c) => c.rows[0]!.values[month] !== null && withOnline.has(c.clientId)) ??
      out.clients.find((c) => c.rows[0]!.values[month] !== null)!;
    const page = e.page;
    await page.goto(`${e.server.url}/api/clients/${client.clientId}/renewal-report.html?year=${year}`);
    await expect(page.locator('h1').textContent()).resolves.toContain(`за ${year} год`);
    await expect(page.locator('.meta b').first().textContent()).resolves.toBe(client.client);
    expect(await page.locator('.concl').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.chart').count()).toBeGreaterThan(0);
    const docsRow = page.locator('table.months tr', { hasText: 'Количество запрошенных из БД документов' });
    expect(
      num(
        await docsRow
          .locator('td')
          .nth(1 + month)
          .textContent(),
      ),
    ).toBe(client.rows[0]!.values[month]);
    await screenshot(page, 'renewal-report');
  }, 120_000);
});
