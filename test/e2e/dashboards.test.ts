/**
 * The web app end to end: a real SMART with the demo's data and simulated fleet (test/e2e/harness.ts),
 * the built UI, and chromium. Each demo user sees exactly their scope; every dashboard shows values
 * from the fleet; the time range and the variables change the data and the URL; a link with the state
 * reproduces the view (a legend sort and a collapsed row survive a reload); an alert silenced (and one acknowledged) from the UI shows so. A screenshot of
 * every page goes to test-artifacts/screenshots/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMetricsOut, VariablesOut } from '../../src/dashboards/contract.js';
import { body, loginAs, type Client } from '../http/harness.js';
import {
  legendValues,
  loginUi,
  newContext,
  num,
  screenshot,
  startE2eSession,
  waitFor,
  type E2eServer,
  type E2eSession,
} from './harness.js';

const USERS = ['demo', 'head', 'manager'] as const;

describe('web app (e2e, chromium)', () => {
  let session: E2eSession;
  let s: E2eServer;
  let browser: Browser;
  const api: Partial<Record<(typeof USERS)[number], Client>> = {};
  let ctx: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // Three weeks of daily reports (the last hours hourly: a month boundary in the counters) and three
    // days of hourly online readings.
    session = await startE2eSession({ days: 21, hourlyHours: 4, onlineDays: 3 });
    ({ server: s, browser, ctx, page } = session);
    for (const u of USERS) api[u] = await loginAs(s.url, u, u);
    // The first probe round of the URL-reachable installations (server metrics, availability).
    await waitFor('the first probes', async () => {
      const r = await api.demo!.get('/api/dashboards/server-metrics');
      return r.status === 200 && body<ServerMetricsOut>(r).checks.series.length > 0;
    });
  }, 240_000);

  afterAll(async () => {
    await session?.close();
  });

  it('shows each user exactly their scope', async () => {
    const counts: number[] = [];
    for (const u of USERS) {
      const c = await newContext(browser);
      const p = await c.newPage();
      await loginUi(p, s.url, u);
      const vars = body<VariablesOut>(await api[u]!.get('/api/dashboards/variables'));
      const clients = body<{ shortName: string }[]>(await api[u]!.get('/api/clients'));
      counts.push(clients.length);

      // The user menu names the login and the role.
      await expect(p.locator('.user-text strong').textContent()).resolves.toBe(u);
      const adminLink = p.getByRole('link', { name: 'Администрирование' });
      expect(await adminLink.count(), `${u}: admin link`).toBe(u === 'manager' ? 0 : 1);

      // The clients list: the count and the first page, as the API lists them.
      await p.goto(`${s.url}/clients`);
      await p.locator('[data-panel="clients"] tbody tr[data-key]').first().waitFor();
      await expect(p.locator('[data-panel="clients"] .panel-title').textContent()).resolves.toBe(
        `Клиентов: ${clients.length}`,
      );
      const shown = await p
        .locator('[data-panel="clients"] tbody tr[data-key] td:first-child')
        .allTextContents();
      const expected = clients.map((x) => x.shortName).sort((a, b) => a.localeCompare(b, 'ru'));
      expect(shown).toEqual(expected.slice(0, 25));

      // The «Менеджер» variable offers the managers in scope, no more.
      await p.goto(`${s.url}/d/kodeks-analytics`);
      await p.locator('.variable', { hasText: 'Менеджер' }).locator('button').click();
      const options = (await p.getByRole('option').allTextContents()).filter((o) => o !== 'Все');
      expect(options.sort()).toEqual(vars.managers.map((m) => m.name).sort());
      await p.keyboard.press('Escape');
      await c.close();
    }
    // demo (the dealer) ⊃ head (a branch) ⊃ manager (own clients)
    expect(counts[0]).toBeGreaterThan(counts[1]!);
    expect(counts[1]).toBeGreaterThan(counts[2]!);
  });

  it('shows values from the simulated fleet on every dashboard', async () => {
    // Kodeks аналитика: all eleven panels in the spec's order, legends with numbers.
    await page.goto(`${s.url}/d/kodeks-analytics`);
    await page.locator('[data-panel="usedLicences"] .legend-row').first().waitFor();
    const titles = await page.locator('section.panel .panel-title').allTextContents();
    expect(titles).toEqual([
      'Используемые лицензии',
      'Разница между используемыми лицензиями и регом',
      'Количество неудачных поисков за сутки',
      'Среднее число запросов kassist за месяц',
      'Не пользуются системой в течение 60 дней',
      'Запросы к БД',
      'Учитываемые документы',
      'Сохранение документов',
      'Doc or Service',
      'Печать документов',
      'Количество лицензий на инсталляции',
    ]);
    expect(page.url()).toContain('from=now-90d');
    for (const id of ['regLicences', 'dbRequests', 'docOrService']) {
      const values = await legendValues(page.locator(`[data-panel="${id}"]`));
      expect(values.length, id).toBeGreaterThan(0);
      expect(Math.max(...values), id).toBeGreaterThan(0);
    }
    await screenshot(page, 'kodeks-analytics');

    // Kodeks server metrics: check statuses 0/1 per check and host; the low-disk panel explains itself.
    // (The probes started with the server: the last minutes show them.)
    await page.goto(`${s.url}/d/server-metrics?from=now-5m&to=now`);
    const checks = page.locator('[data-panel="checks"]');
    await checks.locator('.legend-row').first().waitFor();
    expect(await checks.locator('.legend-label').first().textContent()).toMatch(
      /^(tcp|http200|auth|maintenance|warning|key|limit) /i,
    );
    for (const v of await legendValues(checks)) expect([0, 1]).toContain(v);
    await expect(page.locator('[data-panel="lowDisk"] .panel-state').textContent()).resolves.toContain(
      'telegraf',
    );
    await screenshot(page, 'server-metrics');

    // Доступность серверов: percentages with two decimals.
    await page.goto(`${s.url}/d/availability`);
    const iface = page.locator('[data-panel="interface"]');
    await iface.locator('.legend-row').first().waitFor();
    const pct = await iface.locator('.legend-row td.num').first().textContent();
    expect(pct).toMatch(/^\d{1,3},\d{2}%$/);
    await screenshot(page, 'availability');

    // Доступность серверов. Онлайн: per access and per DC server.
    await page.goto(`${s.url}/d/availability-online`);
    await page.locator('[data-panel="clients"] .legend-row').first().waitFor();
    await page.locator('[data-panel="servers"] .legend-row').first().waitFor();
    expect(await page.locator('[data-panel="servers"] .legend-label').allTextContents()).toEqual(
      expect.arrayContaining(['nps2.cntd.ru']),
    );
    await screenshot(page, 'availability-online');

    // Биллинг Онлайн. Статистика: 13 rows a page, coloured thresholds, footer means, the graphs.
    await page.goto(`${s.url}/d/billing-stats`);
    const billing = page.locator('[data-panel="billing"]');
    await billing.locator('tbody tr[data-key]').first().waitFor();
    expect(await billing.locator('tbody tr[data-key]').count()).toBe(13);
    expect(await billing.locator('tfoot td').first().textContent()).toBe('Среднее');
    expect(await billing.locator('td.cell-red').count()).toBeGreaterThan(0);
    expect(num((await billing.locator('tfoot td').nth(2).textContent()) ?? '')).toBeGreaterThan(0);
    await page.locator('[data-panel="remaining-docs"] .legend-row').first().waitFor();
    await page.locator('[data-panel="avgByManager"] .legend-row').first().waitFor();
    await screenshot(page, 'billing-stats');

    // Текущие аварийные ситуации: counters and rows from the alerts the fleet raised.
    await page.goto(`${s.url}/d/emergencies`);
    const em = page.locator('[data-panel="emergencies"]');
    await em.locator('tbody tr[data-key]').first().waitFor();
    const counters = (await page.locator('.counter-value').allTextContents()).map(num);
    expect(counters.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await screenshot(page, 'emergencies');

    // The clients list, its search, and a client page: the verdict, installations, online accesses.
    await page.goto(`${s.url}/clients`);
    const clientRows = page.locator('[data-panel="clients"] tbody tr[data-key]');
    await clientRows.first().waitFor();
    await screenshot(page, 'clients');
    // Rows are keyboard-navigable: arrows move, Enter opens the client page.
    const second = await clientRows.nth(1).getAttribute('data-key');
    await clientRows.first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/clients/${second}$`));
    await page.locator('.verdict').waitFor();
    await page.goBack();
    const search = page.getByRole('searchbox', { name: 'Поиск по названию' });
    await search.fill('severs');
    await waitFor('the search', async () => (await clientRows.count()) === 1, 10_000);
    await clientRows.first().locator('a[href^="/clients/"]').click();
    await page.locator('.verdict').waitFor();
    await expect(page.locator('.verdict h2').textContent()).resolves.toBe('Всё ли в порядке у клиента?');
    await page.locator('[data-installation] .channels').first().waitFor();
    await screenshot(page, 'client');
    await page.goto(`${s.url}/clients`);
    await search.fill('ромашка');
    await clientRows.filter({ hasText: 'ООО Ромашка' }).first().locator('a[href^="/clients/"]').click();
    await page.locator('[data-online]').first().waitFor();
    expect(await page.locator('[data-online]').count()).toBe(3);
    await screenshot(page, 'client-online');
  });

  it('changes the data and the URL with the time range and the variables', async () => {
    await page.goto(`${s.url}/d/kodeks-analytics`);
    const used = page.locator('[data-panel="usedLicences"] .ts');
    await used.waitFor();
    const before = Number(await used.getAttribute('data-from'));
    const seriesBefore = Number(await used.getAttribute('data-series'));
    expect(seriesBefore).toBeGreaterThan(1);

    // A preset: «Последние 7 дней».
    await page.getByRole('button', { name: /^Интервал времени/ }).click();
    await page.getByRole('menuitemradio', { name: 'Последние 7 дней' }).click();
    await page.waitForURL(/from=now-7d/);
    await waitFor(
      'the 7-day data',
      async () => Number(await used.getAttribute('data-from')) > before + 60 * 86_400_000,
    );

    // A variable: one host → one series, and var-host in the URL.
    await page.locator('.variable', { hasText: 'host' }).locator('button').click();
    const option = page.getByRole('option').nth(1);
    const host = (
      await option.locator('.option-text').evaluate((el) => el.firstChild?.textContent ?? '')
    ).trim();
    await option.click();
    await page.keyboard.press('Escape');
    await page.waitForURL(/var-host=\d+/);
    await waitFor('one series', async () => (await used.getAttribute('data-series')) === '1');
    await expect(page.locator('[data-panel="usedLicences"] .legend-label').textContent()).resolves.toBe(host);

    // ◀ moves the range back: absolute milliseconds in the URL.
    await page.getByRole('button', { name: /Сдвиг на длину интервала.*раньше/ }).click();
    await page.waitForURL(/from=\d{13}&to=\d{13}/);

    // Dragging across a chart zooms in to the selection.
    const url1 = page.url();
    const plot = page.locator('[data-panel="dbRequests"] .u-over');
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await waitFor('the zoomed range', async () => page.url() !== url1);
    const u = new URL(page.url());
    const span = Number(u.searchParams.get('to')) - Number(u.searchParams.get('from'));
    expect(span).toBeGreaterThan(0);
    expect(span).toBeLessThan(7 * 86_400_000 * 0.5);
  });

  it('reproduces the view from a link with the state', async () => {
    const vars = body<VariablesOut>(await api.demo!.get('/api/dashboards/variables'));
    const inst = vars.installations[0]!;
    const to = Date.now();
    const from = to - 20 * 86_400_000;
    const link = `${s.url}/d/kodeks-analytics?from=${from}&to=${to}&refresh=off&var-host=${inst.id}&viewPanel=dbRequests&kiosk=min`;
    const p = await ctx.newPage();
    await p.goto(link);
    const panel = p.locator('[data-panel="dbRequests"].viewing');
    await panel.locator('.legend-row').first().waitFor();
    expect(await p.locator('section.panel').count()).toBe(1);
    expect(await p.locator('.sidebar').count()).toBe(0);
    await expect(panel.locator('.legend-label').allTextContents()).resolves.toEqual([inst.host]);
    await expect(
      p.locator('.variable', { hasText: 'host' }).locator('.variable-text').textContent(),
    ).resolves.toBe(inst.host);
    await expect(p.locator('.timepicker-label').textContent()).resolves.toMatch(
      /^\d\d\.\d\d\.\d{4} — \d\d\.\d\d\.\d{4}|^\d\d\.\d\d\.\d{4} \d\d:\d\d — /,
    );
    await screenshot(p, 'link-view-kiosk');
    // Esc leaves the panel view, then kiosk mode.
    await p.keyboard.press('Escape');
    await p.waitForURL((url) => !url.searchParams.has('viewPanel'));
    await waitFor('all eleven panels', async () => (await p.locator('section.panel').count()) === 11, 10_000);
    await p.keyboard.press('Escape');
    await p.locator('.sidebar').waitFor();
    expect(new URL(p.url()).searchParams.get('var-host')).toBe(String(inst.id));
    await p.close();
  });

  it('keeps a legend sort and a collapsed row in the URL across a reload', async () => {
    const p = await ctx.newPage();
    await p.goto(`${s.url}/d/billing-stats`);
    const panel = p.locator('[data-panel="remaining-docs"]');
    await panel.locator('.legend-row').first().waitFor();
    const last = panel.locator('th.num', { hasText: 'Last' });
    const param = () => new URL(p.url()).searchParams;
    // The panel's own sort (ascending by the last value) needs no parameter.
    await expect(last.getAttribute('aria-sort')).resolves.toBe('ascending');
    expect(param().has('sort-remaining-docs')).toBe(false);
    await last.locator('button').click(); // asc → off
    await p.waitForURL((u) => u.searchParams.get('sort-remaining-docs') === 'off');
    await last.locator('button').click(); // off → desc
    await p.waitForURL((u) => u.searchParams.get('sort-remaining-docs') === 'last-desc');

    const toggle = p.locator('#row-problems button.row-toggle');
    await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('true');
    await p.locator('[data-panel="problems"]').waitFor();
    await toggle.click();
    await p.waitForURL((u) => u.searchParams.get('collapsed') === 'problems');
    await p.locator('[data-panel="problems"]').waitFor({ state: 'detached' });

    await p.reload();
    await panel.locator('.legend-row').first().waitFor();
    await expect(last.getAttribute('aria-sort')).resolves.toBe('descending');
    const values = await legendValues(panel);
    expect(values.length).toBeGreaterThan(1);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('false');
    expect(await p.locator('[data-panel="problems"]').count()).toBe(0);
    await screenshot(p, 'billing-stats-sorted-collapsed');

    // Opening the row takes it out of the URL; the sort stays.
    await toggle.click();
    await p.waitForURL((u) => !u.searchParams.has('collapsed'));
    await p.locator('[data-panel="problems"]').waitFor();
    expect(param().get('sort-remaining-docs')).toBe('last-desc');
    await p.close();
  });

  it('switches the language to English and keeps the choice', async () => {
    const p = await ctx.newPage();
    await p.goto(`${s.url}/d/billing-stats`);
    await p.getByRole('button', { name: 'EN' }).click();
    await p.getByRole('heading', { name: 'Online billing. Statistics' }).waitFor();
    await p.reload();
    await p.getByRole('link', { name: 'Kodeks analytics' }).waitFor();
    await expect(p.locator('[data-panel="billing"] tfoot td').first().textContent()).resolves.toBe('Mean');
    await p.getByRole('button', { name: 'RU' }).click();
    await p.getByRole('heading', { name: 'Биллинг Онлайн. Статистика' }).waitFor();
    await p.close();
  });

  it('silences and acknowledges alerts from the emergencies table', async () => {
    await page.goto(`${s.url}/d/emergencies`);
    const rows = page.locator('[data-panel="emergencies"] tbody tr[data-key]');
    await rows.first().waitFor();
    const candidates = rows.filter({ hasNot: page.locator('[data-suppressed]') }).filter({
      has: page.getByRole('button', { name: /^Заглушить/ }),
    });
    const row = candidates.first();
    const id = await row.getAttribute('data-key');
    const name = (await row.locator('td').nth(4).textContent())!.trim();

    await row.getByRole('button', { name: /^Заглушить/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Заглушить уведомления' });
    await expect(dialog.locator('.matchers').textContent()).resolves.toContain(`alertname = ${name}`);
    await dialog.getByLabel('На сколько').selectOption({ label: '1 час' });
    await dialog.getByLabel('Комментарий').fill('e2e: клиент предупреждён');
    await dialog.getByRole('button', { name: 'Заглушить' }).click();
    await page.locator('.toast', { hasText: 'Заглушено до' }).waitFor();
    await page.locator(`[data-panel="emergencies"] tr[data-key="${id}"] [data-suppressed]`).waitFor();
    const silences = body<{ matchers: { alerts?: string[] }; comment: string }[]>(
      await api.demo!.get('/api/silences'),
    );
    expect(
      silences.some((x) => x.matchers.alerts?.includes(name) && x.comment === 'e2e: клиент предупреждён'),
    ).toBe(true);
    await screenshot(page, 'emergencies-silenced');

    // Acknowledge another open alert.
    const ackRow = rows
      .filter({ has: page.getByRole('button', { name: /^Подтвердить/, disabled: false }) })
      .first();
    const ackId = await ackRow.getAttribute('data-key');
    await ackRow.getByRole('button', { name: /^Подтвердить/ }).click();
    const ack = page.getByRole('dialog', { name: 'Подтвердить аварию' });
    await ack.getByLabel('Комментарий (попадёт в журнал)').fill('e2e: взято в работу');
    await ack.getByRole('button', { name: 'Подтвердить' }).click();
    await page
      .locator(`[data-panel="emergencies"] tr[data-key="${ackId}"]`, { hasText: 'подтверждена demo' })
      .waitFor();
  });
});
