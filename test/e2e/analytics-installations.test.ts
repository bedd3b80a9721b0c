/**
 * The installation analytics pages of issue 7 end to end: a real SMART with the demo's simulated fleet
 * (test/e2e/harness.ts), the built UI and chromium, logged in as the demo dealer admin. Each of the
 * seven dashboards shows the fleet's data as the API gives it (rows, legend values, tiles), one
 * interaction per page changes what is shown (a tile or a variable narrows a table, «Показать ещё»
 * follows the keyset cursor, …), a manager sees fewer installations than the dealer, and a screenshot
 * of each page goes to test-artifacts/screenshots/analytics-<slug>.png.
 *
 * The simulated users hold licences only in their working hours and each from one computer, so the
 * test uploads one report (through the public /upload endpoint, as an agent does) in which every seat
 * of an installation is taken and one login also works from a second computer.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbErrorsOut, SysinfoTimeOut, VersionsOut } from '../../src/dashboards/contract-db-health.js';
import type { AdStatsOut, SearchQueriesOut } from '../../src/dashboards/contract-search.js';
import type { ConnectedUsersOut, UserCardsOut } from '../../src/dashboards/contract-users.js';
import { generateSysinfoXmlString } from '../../src/sim/kodeks/index.js';
import { loginAs, type Client } from '../http/harness.js';
import {
  apiGet,
  column,
  legendRows,
  loginUi,
  newContext,
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

/** Versions in numeric order, written here again rather than taken from the code under test. */
function olderThan(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d < 0;
  }
  return false;
}

// A loaded CI machine (two cores shared) can take longer than the default 30 s on the search page.
describe('installation analytics pages (e2e, chromium)', { timeout: 90_000 }, () => {
  let session: E2eSession;
  let s: E2eServer;
  let browser: Browser;
  let page: Page;
  let demo: Client;
  let manager: Client;

  beforeAll(async () => {
    session = await startE2eSession({ days: 21, hourlyHours: 4, onlineDays: 1 });
    ({ server: s, browser, page } = session);
    demo = await loginAs(s.url, 'demo', 'demo');
    manager = await loginAs(s.url, 'manager', 'manager');
  }, 240_000);

  afterAll(async () => {
    await session?.close();
  });

  it('«Ошибки БД»: the errors chart on a log scale, the paired-alert tiles narrow the table', async () => {
    const want = await apiGet<DbErrorsOut>(demo, '/api/dashboards/db-errors');
    expect(want.errors.series.length).toBeGreaterThan(0);
    expect(want.current.length).toBeGreaterThan(0);

    await page.goto(`${s.url}/d/db-errors`);
    await page.waitForURL(/from=now-30d&to=now/);
    const chart = page.locator('[data-panel="errors"]');
    await chart.locator('.legend-row').first().waitFor();
    expect(await chart.locator('.legend-row').count()).toBe(want.errors.series.length);
    expect(await chart.locator('.plot').getAttribute('aria-label')).toContain('логарифм');
    expect(await chart.locator('.panel-title').textContent()).toBe('Количество ошибок с файлами базы данных');
    // «max» per installation, as the series say.
    const maxOf = new Map(
      want.errors.series.map((x) => [x.label, Math.max(...x.values.filter((v): v is number => v !== null))]),
    );
    for (const { label, values } of await legendRows(chart)) expect(values[1], label).toBe(maxOf.get(label));

    const table = rowsOf(page, 'current');
    await table.first().waitFor();
    expect(await table.count()).toBe(Math.min(20, want.current.length));
    const withAlert = new Set(want.current.filter((r) => r.alert).map((r) => r.installationId)).size;
    expect(num(await stat(page, 'all').textContent())).toBe(withAlert);
    await screenshot(page, 'analytics-db-errors');

    // A tile narrows the table to its alert (or to the informational messages).
    const alert = want.current[0]!.alert ?? 'info';
    await page.locator(`[data-stat="${alert}"] button`).click();
    await page.waitForURL(new RegExp(`alert=${alert}`));
    const n = want.current.filter((r) => (r.alert ?? 'info') === alert).length;
    await waitFor('the narrowed table', async () => (await table.count()) === Math.min(20, n));
    if (alert !== 'info')
      for (const a of await table.locator('a[href^="/docs/errors/"]').allTextContents())
        expect(a.trim()).toBe(alert);
  });

  it('«Контроль версий»: versions used, the newest per installation coloured, the type filter', async () => {
    const want = await apiGet<VersionsOut>(demo, '/api/dashboards/versions');
    expect(want.stats.length).toBeGreaterThan(0);
    await page.goto(`${s.url}/d/versions`);
    const stats = rowsOf(page, 'stats');
    await stats.first().waitFor();
    expect(await stats.count()).toBe(Math.min(20, want.stats.length));
    expect(await page.locator('[data-panel="used"] .panel-title').textContent()).toBe(
      'Используемые в компании версии ПО за последние 30 дней',
    );
    expect(await rowsOf(page, 'used').count()).toBe(Math.min(17, want.used.length));
    // Red: a ПК below 6.4.5.127 (no monitoring subsystem), counted here from the API's versions.
    const red = want.stats.filter((r) => r.pkVersionShort && olderThan(r.pkVersionShort, '6.4.5.127')).length;
    expect(red).toBeGreaterThan(0);
    const pkCol = await column(page, 'stats', 'Версия ПК');
    expect(await stats.locator(`td:nth-child(${pkCol + 1}).cell-red`).count()).toBe(red);
    const counts = rowsOf(page, 'counts');
    expect(num(await counts.first().locator('td').nth(2).textContent())).toBe(want.counts[0]!.installations);
    await screenshot(page, 'analytics-versions');

    // «Тип» = ksrv: only the ПК's versions are listed.
    await page.locator('.variable', { hasText: 'Тип' }).locator('button').click();
    await page.getByRole('option', { name: /ksrv/ }).click();
    await page.keyboard.press('Escape');
    await page.waitForURL(/type=ksrv/);
    const ksrv = want.used.filter((r) => r.type === 'ksrv').length;
    await waitFor('only ksrv', async () => {
      const types = await rowsOf(page, 'used').locator('td:nth-child(2)').allTextContents();
      return types.length === Math.min(17, ksrv) && types.every((t) => t === 'ksrv');
    });
  });

  it('«Время внутри файла SYSINFO»: every installation, oldest first; a manager sees fewer', async () => {
    const want = await apiGet<SysinfoTimeOut>(demo, '/api/dashboards/sysinfo-time');
    const mine = await apiGet<SysinfoTimeOut>(manager, '/api/dashboards/sysinfo-time');
    expect(mine.rows.length).toBeGreaterThan(0);
    expect(mine.rows.length).toBeLessThan(want.rows.length);

    await page.goto(`${s.url}/d/sysinfo-time`);
    const rows = rowsOf(page, 'rows');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(want.rows.length);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-key'))))).toEqual(
      want.rows.map((r) => r.installationId),
    );
    expect(num(await stat(page, 'all').textContent())).toBe(want.rows.length);
    // The fleet reports hourly: the newest report of every installation is on time, in green.
    const fresh = want.rows.filter((r) => r.reportAt !== null && !r.stale).length;
    expect(fresh).toBeGreaterThan(0);
    expect(await rows.locator('td.cell-green').count()).toBeGreaterThan(0);
    await screenshot(page, 'analytics-sysinfo-time');

    // The «вовремя» tile keeps only those rows.
    await page.locator('[data-stat="ok"] button').click();
    await page.waitForURL(/show=ok/);
    const ok = num(await stat(page, 'ok').textContent());
    await waitFor('on-time rows', async () => (await rows.count()) === ok);

    // The manager's own page lists only their installations.
    const c = await newContext(browser);
    const p = await c.newPage();
    await loginUi(p, s.url, 'manager');
    await p.goto(`${s.url}/d/sysinfo-time`);
    await rowsOf(p, 'rows').first().waitFor();
    expect(await rowsOf(p, 'rows').count()).toBe(mine.rows.length);
    await c.close();
  });

  it('«Карточки пользователей»: completeness in the Standard’s colours, the cards, the top 20', async () => {
    const want = await apiGet<UserCardsOut>(demo, '/api/dashboards/user-cards?limit=1000');
    expect(want.cards.total).toBeGreaterThan(21);
    expect(want.top.length).toBeGreaterThan(0);
    await page.goto(`${s.url}/d/user-cards`);
    await page.waitForURL(/from=now-24h&to=now/);
    const cards = rowsOf(page, 'cards');
    await cards.first().waitFor();
    expect(await cards.count()).toBe(21);
    expect(await page.locator('[data-panel="cards"] .pager span').textContent()).toMatch(
      new RegExp(`^1–21 из ${want.cards.total}$`),
    );
    const pct = want.completeness.completePct!;
    expect(num(await stat(page, 'completePct').textContent())).toBe(pct);
    const band = pct < 50 ? 'stat-red' : pct < 80 ? 'stat-yellow' : 'stat-green';
    expect(await page.locator('[data-stat="completePct"] .stat-tile').getAttribute('class')).toContain(band);
    // Each card's completeness in its band: a 100% card green, a 20–40% card red.
    expect(await cards.locator('td.cell-red, td.cell-yellow, td.cell-green').count()).toBe(21);

    const top = rowsOf(page, 'top');
    expect(await top.count()).toBe(Math.min(20, want.top.length));
    const activity = await column(page, 'top', 'Активность');
    expect(num(await top.first().locator('td').nth(activity).textContent())).toBe(want.top[0]!.activity);
    await screenshot(page, 'analytics-user-cards');

    // «Только незаполненные»: the server narrows the cards.
    const incomplete = await apiGet<UserCardsOut>(
      demo,
      '/api/dashboards/user-cards?incompleteOnly=true&limit=1',
    );
    await page.locator('[data-stat="incomplete"] button').click();
    await page.waitForURL(/incomplete=1/);
    await waitFor('the incomplete cards', async () =>
      new RegExp(`из ${incomplete.cards.total}$`).test(
        (await page.locator('[data-panel="cards"] .pager span').textContent()) ?? '',
      ),
    );
    expect(incomplete.cards.total).toBeLessThan(want.cards.total);
  });

  it('«Подключённые пользователи»: the sessions holding licences, a login from two computers flagged', async () => {
    // A report of an agent installation taken now with every seat taken, one login also elsewhere.
    const inst = s.fleet.installations.find((i) => i.kind === 'agent')!;
    const profile = s.fleet.profileOf(inst.id);
    const at = Date.now();
    let xml = generateSysinfoXmlString(profile, at, {
      encoding: 'utf-8',
      faults: { licences_exhausted: { since: at - HOUR } },
    });
    const lines = [...xml.matchAll(/^\s*<session [^>]*\/>$/gm)].map((m) => m[0]);
    expect(lines.length).toBeGreaterThan(1);
    const shared = /login="([^"]*)"/.exec(lines[0]!)![1]!;
    const elsewhere = lines[0]!
      .replace(/ip="[^"]*"/, 'ip="198.51.100.23"')
      .replace(/browser="[^"]*"/, 'browser="Firefox 128"');
    xml = xml.replace(lines[0]!, `${lines[0]!}\n${elsewhere}`);
    const tokenFile = path.join(s.runtime.config.dataDir, 'demo-agent.token');
    await waitFor('the agents’ token', async () => fs.existsSync(tokenFile));
    const token = fs.readFileSync(tokenFile, 'utf8').trim();
    const me = await apiGet<{ dealer: { code: string } }>(demo, '/api/me');
    const form = new FormData();
    form.append('file', new Blob([xml]), `${inst.sourceKey}.xml`);
    const up = await fetch(`${s.url}/upload?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { upload: 'yes', dealer: me.dealer.code },
      body: form,
    });
    expect(up.status, await up.clone().text()).toBe(200);
    const want = await waitFor('the uploaded sessions', async () => {
      const o = await apiGet<ConnectedUsersOut>(
        demo,
        `/api/dashboards/connected-users?installationId=${inst.id}`,
      );
      return o.multipleLogins > 0 ? o : null;
    });
    expect(want.total).toBe(lines.length + 1);
    const all = await apiGet<ConnectedUsersOut>(demo, '/api/dashboards/connected-users');

    await page.goto(`${s.url}/d/connected-users`);
    const rows = rowsOf(page, 'sessions');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(Math.min(25, all.total));
    expect(num(await stat(page, 'sessions').textContent())).toBe(all.total);
    expect(num(await stat(page, 'multiple').textContent())).toBe(all.multipleLogins);
    await screenshot(page, 'analytics-connected-users');

    // The red tile keeps the logins connected from several places: the shared one, twice, flagged.
    await page.locator('[data-stat="multiple"] button').click();
    await page.waitForURL(/multiple=1/);
    await waitFor('the flagged rows', async () => (await rows.count()) === 2);
    expect(await rows.locator('td:first-child').allTextContents()).toEqual([
      `${shared}с 2 мест`,
      `${shared}с 2 мест`,
    ]);
    expect(await rows.locator('td:first-child.cell-red').count()).toBe(2);
    expect((await rows.locator('td:nth-child(3)').allTextContents()).sort()).toContain('198.51.100.23');
  });

  it('«Поисковые запросы»: per-day counts, the log a page at a time, filtered to empty searches', async () => {
    // An absolute range (the last 30 days up to now), so that the page and the API read the same rows.
    const to = Date.now();
    const from = to - 30 * 24 * HOUR;
    const want = await apiGet<SearchQueriesOut>(demo, `/api/dashboards/search-queries?from=${from}&to=${to}`);
    expect(want.rows.length).toBe(100);
    expect(want.nextCursor).not.toBeNull();
    await page.goto(`${s.url}/d/search-queries?from=${from}&to=${to}`);
    const log = rowsOf(page, 'log');
    await log.first().waitFor();
    expect(await log.count()).toBe(100);
    // The newest first, as the API pages them.
    expect(await log.first().locator('td').nth(3).textContent()).toBe(want.rows[0]!.query);

    // The per-day chart: «Сумма» of all searches is the sum of the API's days.
    const perDay = page.locator('[data-panel="perDay"]');
    await perDay.locator('.legend-row').first().waitFor();
    const total = want.perDay.series
      .find((x) => x.key === 'searches')!
      .values.reduce<number>((a, v) => a + (v ?? 0), 0);
    expect(total).toBeGreaterThan(0);
    expect((await legendRows(perDay)).map((r) => r.values[0])).toContain(total);
    await screenshot(page, 'analytics-search-queries');

    // «Показать ещё»: the next (older) page through the cursor.
    await page.locator('[data-panel="log"] .load-more button').click();
    await waitFor('the second page', async () => (await log.count()) === 200);
    const second = await apiGet<SearchQueriesOut>(
      demo,
      `/api/dashboards/search-queries?cursor=${want.nextCursor}&from=${from}&to=${to}`,
    );
    expect(await log.nth(100).locator('td').nth(3).textContent()).toBe(second.rows[0]!.query);

    // «Пустой поиск» table: only empty searches.
    const empty = rowsOf(page, 'empty');
    await empty.first().waitFor();
    const emptyStatus = await page
      .locator('[data-panel="empty"] tbody tr[data-key] td.cell-red')
      .allTextContents();
    expect(emptyStatus.length).toBe(await empty.count());
    expect(new Set(emptyStatus)).toEqual(new Set(['Пустой']));

    // «Статус поиска» = Пустой: the log holds only empty searches (status=empty in the URL).
    await page.locator('.variable', { hasText: 'Статус поиска' }).locator('button').click();
    await page.getByRole('option', { name: 'Пустой' }).click();
    await page.keyboard.press('Escape');
    await page.waitForURL(/status=empty/);
    const statusCol = await column(page, 'log', 'Статус');
    await waitFor('only empty searches', async () => {
      const st = await log.locator(`td:nth-child(${statusCol + 1})`).allTextContents();
      return st.length === 100 && st.every((x) => x === 'Пустой');
    });
  });

  it('«Статистика в разрезе MS AD»: month-to-date step lines per domain, the licences per domain', async () => {
    const want = await apiGet<AdStatsOut>(demo, '/api/dashboards/ad-stats');
    const licensed = want.panels.docsLicensed;
    expect(licensed.series.length).toBeGreaterThan(1);
    await page.goto(`${s.url}/d/ad-stats`);
    await page.waitForURL(/from=now-60d&to=now/);
    const panel = page.locator('[data-panel="docsLicensed"]');
    await panel.locator('.legend-row').first().waitFor();
    expect(await page.locator('section.panel .panel-title').allTextContents()).toEqual([
      'Как пользоваться',
      'Вклад доменов в занятые лицензии',
      'Запрошенных документов покрытых лицензией',
      'Запрошенных бесплатных документов',
      'Распечатанных документов',
      'Сохранённых документов',
      'Активность пользователей в текущем месяце по доменам',
      'Запросы к БД',
    ]);
    expect((await panel.locator('.legend-label').allTextContents()).sort()).toEqual(
      licensed.series.map((x) => x.label).sort(),
    );
    // «Last» per domain as the API's last value.
    const lastOf = new Map(
      licensed.series.map((x) => [x.label, x.values.filter((v): v is number => v !== null).at(-1)]),
    );
    for (const { label, values } of await legendRows(panel)) expect(values[0], label).toBe(lastOf.get(label));
    // The licences per domain now (the sessions uploaded above hold some).
    expect(want.licences.length).toBeGreaterThan(0);
    expect(await rowsOf(page, 'licences').count()).toBe(want.licences.length);
    await screenshot(page, 'analytics-ad-stats');

    // One domain chosen: one series in every panel.
    const domain = licensed.series[0]!.label;
    await page.goto(`${s.url}/d/ad-stats?var-domain=${encodeURIComponent(domain)}`);
    await waitFor(
      'one domain',
      async () => (await panel.locator('.legend-label').allTextContents()).join() === domain,
    );
  });
});
