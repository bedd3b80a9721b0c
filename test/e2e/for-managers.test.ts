/**
 * «Для менеджеров» end to end: a real SMART with the demo's simulated fleet (test/e2e/harness.ts), the
 * built UI and chromium, logged in as the demo dealer admin. The page opens on the month so far, the
 * client table shows the fleet's installations with real involvement and activity (the ones the API
 * gives for the same range), at least five time-series panels have legends with values, a manager sees
 * fewer installations than the dealer, and a screenshot goes to test-artifacts/screenshots/for-managers.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForManagersOut } from '../../src/dashboards/contract-managers.js';
import { loginAs, type Client } from '../http/harness.js';
import {
  apiGet,
  column,
  legendValues,
  num,
  rowsOf,
  screenshot,
  startE2eSession,
  waitFor,
  type E2eServer,
  type E2eSession,
} from './harness.js';

const MSK = 3 * 3_600_000;

/** Midnight (Moscow) of the 1st of the current month. */
const monthStart = (now: number) => {
  const d = new Date(now + MSK);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - MSK;
};

describe('«Для менеджеров» (e2e, chromium)', { timeout: 120_000 }, () => {
  let session: E2eSession;
  let s: E2eServer;
  let page: Page;
  let demo: Client;
  let manager: Client;

  beforeAll(async () => {
    session = await startE2eSession({ days: 21, hourlyHours: 4, onlineDays: 1 });
    ({ server: s, page } = session);
    demo = await loginAs(s.url, 'demo', 'demo');
    manager = await loginAs(s.url, 'manager', 'manager');
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  const api = (c: Client, query = ''): Promise<ForManagersOut> =>
    apiGet<ForManagersOut>(c, `/api/dashboards/for-managers${query}`);

  it('opens on the month so far with the fleet in the client table and the panels', async () => {
    const now = Date.now();
    const from = monthStart(now);
    // Early on the 1st the month holds hardly anything: then look at the last week instead.
    const early = now - from < 2 * 86_400_000;
    const want = await api(demo, early ? `?from=${now - 7 * 86_400_000}&to=${now}` : '');
    expect(want.from).toBe(early ? now - 7 * 86_400_000 : from);
    const clients = want.clients!;
    expect(clients.length).toBeGreaterThan(0);
    const reporting = clients.filter((r) => r.activity !== null);
    expect(reporting.length).toBeGreaterThan(0);
    expect(Math.max(...reporting.map((r) => r.activity!))).toBeGreaterThan(0);
    expect(reporting.some((r) => (r.involvementPct ?? 0) > 0)).toBe(true);
    const withSeries = (
      [
        'operupAge',
        'activity',
        'involvement',
        'maxLicences',
        'billingDocs',
        'dbQueries',
        'prints',
        'savedDocs',
        'kassist30',
        'cardsFilled',
      ] as const
    ).filter((p) => want[p]!.series.some((x) => x.values.some((v) => v !== null)));
    expect(withSeries.length).toBeGreaterThanOrEqual(5);

    await page.goto(`${s.url}/d/for-managers${early ? '?from=now-7d&to=now' : ''}`);
    if (!early) await page.waitForURL(new RegExp(`from=${from}&to=now`));
    const table = rowsOf(page, 'clients');
    await waitFor('the client table', async () => (await table.count()) > 0);
    // 9 rows a page, as the spec's table.
    expect(await table.count()).toBe(Math.min(9, clients.length));

    // The rows are the API's installations, sorted by the licence end; the numbers are real.
    const clientCol = await column(page, 'clients', 'Клиент');
    const involvementCol = await column(page, 'clients', 'Вовлеч. %');
    const activityCol = await column(page, 'clients', 'Активность');
    const seatsCol = await column(page, 'clients', 'Кол-во');
    const names = new Set(clients.map((r) => r.client));
    const shown = await table.evaluateAll(
      (rows, cols) => rows.map((r) => cols.map((c) => r.querySelectorAll('td')[c]?.textContent ?? '')),
      [clientCol, involvementCol, activityCol, seatsCol],
    );
    for (const [client] of shown) expect(names.has(client!), client).toBe(true);
    const numbers = shown.filter(([, inv, act]) => inv !== '' && act !== '');
    expect(numbers.length).toBeGreaterThan(0);
    for (const [client, inv, act, seats] of numbers) {
      const row = clients.find((r) => r.client === client)!;
      expect(num(seats), client).toBe(row.seats);
      expect(num(inv), client).toBeGreaterThanOrEqual(0);
      expect(num(act), client).toBeGreaterThanOrEqual(0);
    }
    expect(Math.max(...numbers.map(([, , act]) => num(act!)))).toBeGreaterThan(0);
    // involvement cells carry the spec's colours
    const coloured = await page.locator('[data-panel="clients"] tbody td[class*="cell-"]').count();
    expect(coloured).toBeGreaterThan(0);

    // At least five time-series panels draw the fleet: legends with numbers.
    let drawn = 0;
    for (const id of withSeries) {
      const panel = page.locator(`[data-panel="${id}"]`);
      await panel.scrollIntoViewIfNeeded();
      const rows = panel.locator('.legend-row');
      const ok = await waitFor(`${id} legend`, async () => (await rows.count()) > 0, 30_000).catch(
        () => false,
      );
      if (!ok) continue;
      if ((await legendValues(panel)).length > 0) drawn += 1;
    }
    expect(drawn).toBeGreaterThanOrEqual(5);
    await expect
      .poll(async () => page.locator('[data-panel="activity"] .legend-row').count())
      .toBe(want.activity!.series.length);

    await page.locator('[data-panel="clients"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'for-managers');
  });

  it('a manager sees only their own installations', async () => {
    const all = await api(demo);
    const mine = await api(manager);
    const ids = (o: ForManagersOut) => new Set(o.clients!.map((r) => r.installationId));
    expect(ids(mine).size).toBeGreaterThan(0);
    expect(ids(mine).size).toBeLessThan(ids(all).size);
    for (const id of ids(mine)) expect(ids(all).has(id)).toBe(true);
    for (const x of mine.activity!.series) expect(ids(mine).has(x.installationId!)).toBe(true);
  });
});
