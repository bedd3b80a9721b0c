/**
 * The administration pages end to end (test/e2e/harness.ts: a real SMART with the demo's data, the
 * built UI, chromium). As the dealer admin: a managers.csv import through the UI with a preview
 * (nothing changes before «Применить», the new client appears after it), a silence, a channel and a
 * rule (and who would receive an alert), an alert's threshold changed on the alerts page and reset,
 * an upload token created and rotated, and a server error shown next to its field. As a manager: no administration. As a head: only their subtree's units and
 * users. Screenshots of the main pages go to test-artifacts/screenshots/admin-*.png.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, loginAs, type Client } from '../http/harness.js';
import {
  ensureUiBuilt,
  launchBrowser,
  loginUi,
  newContext,
  screenshot,
  startE2eServer,
  type E2eServer,
  waitFor,
} from './harness.js';

interface Named {
  id: number;
  name: string;
}

const NEW_CLIENT = 'e2enewclient';

/** Opens an admin page through the sub-navigation (the client-side router, as a user would). */
async function openAdmin(page: Page, base: string, area: string): Promise<void> {
  if (!page.url().includes('/admin')) await page.goto(`${base}/admin`);
  await page.getByTestId(`admin-nav-${area}`).click();
  await page.locator(`a.admin-nav-link.active[data-testid="admin-nav-${area}"]`).waitFor();
}

describe('administration pages (e2e, chromium)', { timeout: 90_000 }, () => {
  let s: E2eServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let demo: Client;
  let tmp: string;

  beforeAll(async () => {
    ensureUiBuilt();
    s = await startE2eServer({ days: 1, hourlyHours: 2, onlineDays: 1 });
    demo = await loginAs(s.url, 'demo', 'demo');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-e2e-admin-'));
    browser = await launchBrowser();
    ctx = await newContext(browser);
    page = await ctx.newPage();
    // Locator errors (which element was awaited) surface before the test's own timeout.
    page.setDefaultTimeout(20_000);
    await loginUi(page, s.url, 'demo');
  }, 240_000);

  afterAll(async () => {
    await ctx?.close();
    await browser?.close();
    await s?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('imports managers.csv with a preview first, then applies it', async () => {
    const file = path.join(tmp, 'managers.csv');
    fs.writeFileSync(
      file,
      `${NEW_CLIENT},Иванов Иван,ivanov@example.ru,smartupload,download,upload,process,donotping,-1,3600,604800\n`,
    );
    await openAdmin(page, s.url, 'import');
    await page.getByTestId('import-file').setInputFiles(file);
    await expect(page.getByTestId('import-file-name').textContent()).resolves.toBe('managers.csv');
    await page.getByTestId('import-check').click();

    // The preview lists the changes, and nothing has been written.
    const preview = page.getByTestId('import-preview');
    await preview.waitFor();
    const keys = await preview.getByTestId('import-change-key').allTextContents();
    expect(keys).toContain(NEW_CLIENT);
    expect(
      Number(await preview.getByTestId('import-count-create').locator('strong').textContent()),
    ).toBeGreaterThan(0);
    await expect(preview.getByTestId('import-heading').textContent()).resolves.toMatch(/Предпросмотр/);
    expect(body<unknown[]>(await demo.get(`/api/clients?shortName=${NEW_CLIENT}`))).toHaveLength(0);
    await screenshot(page, 'admin-import');

    await page.getByTestId('import-apply').click();
    const result = page.getByTestId('import-result');
    await result.waitFor();
    await expect(result.getByTestId('import-heading').textContent()).resolves.toMatch(/применён/);
    expect(body<unknown[]>(await demo.get(`/api/clients?shortName=${NEW_CLIENT}`))).toHaveLength(1);

    // The new client is in the clients page.
    await openAdmin(page, s.url, 'clients');
    await page.locator('[data-panel="admin-clients"] .filter-row input').first().fill(NEW_CLIENT);
    await page.getByTestId('client-name').filter({ hasText: NEW_CLIENT }).waitFor();
    await page.locator('[data-panel="admin-clients"] .filter-row input').first().fill('');
    await screenshot(page, 'admin-clients');
  });

  it('creates a silence from the silences page and lists it', async () => {
    await openAdmin(page, s.url, 'silences');
    await page.getByTestId('silence-create').click();
    const dialog = page.getByTestId('silence-dialog');
    await dialog.waitFor();
    const alerts = dialog.getByTestId('matchers-alerts');
    await alerts.getByRole('searchbox').fill('KodeksIcmp');
    await alerts.getByLabel(/^KodeksIcmp ·/).check();
    await dialog.getByTestId('silence-comment-input').fill('e2e: работы на сети');
    await page.getByTestId('dialog-submit').click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByTestId('silence-comment').filter({ hasText: 'e2e: работы на сети' });
    await row.waitFor();
    const silences = body<{ comment: string; matchers: { alerts?: string[] } }[]>(
      await demo.get('/api/silences'),
    );
    expect(silences.find((x) => x.comment === 'e2e: работы на сети')?.matchers.alerts).toEqual([
      'KodeksIcmp',
    ]);
    await screenshot(page, 'admin-silences');
  });

  it('creates a channel and a rule, and shows who would receive an alert', async () => {
    await openAdmin(page, s.url, 'routing');
    await page.getByTestId('channel-create').click();
    let dialog = page.getByTestId('channel-dialog');
    await dialog.getByTestId('channel-name-input').fill('Дежурная почта e2e');
    await dialog.getByTestId('channel-kind').selectOption('email');
    await dialog.getByTestId('channel-class').selectOption('high');
    await dialog.getByTestId('channel-target-input').fill('duty-e2e@example.ru');
    await page.getByTestId('dialog-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('channel-name').filter({ hasText: 'Дежурная почта e2e' }).waitFor();

    await page.getByTestId('rule-create').click();
    dialog = page.getByTestId('rule-dialog');
    await dialog.getByTestId('rule-name-input').fill('K1 дежурным e2e');
    await dialog
      .getByTestId('rule-channels')
      .getByLabel(/Дежурная почта e2e/)
      .check();
    await dialog.getByRole('button', { name: 'K1', exact: true }).click();
    await page.getByTestId('dialog-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('rule-name').filter({ hasText: 'K1 дежурным e2e' }).waitFor();
    const rules = body<
      { id: number; name: string; matchers: { priorities?: string[] }; channelIds: number[] }[]
    >(await demo.get('/api/notification-rules'));
    const rule = rules.find((r) => r.name === 'K1 дежурным e2e');
    expect(rule?.matchers.priorities).toEqual(['K1']);
    expect(rule?.channelIds).toHaveLength(1);

    // Move it below a second rule: the order is saved through /api/notification-rules/reorder.
    const second = body<{ id: number }>(
      await demo.post('/api/notification-rules', {
        name: 'второе e2e',
        mode: 'replace',
        managers: true,
        matchers: { alerts: ['KodeksIcmp'] },
      }),
    );
    await page.reload();
    await page.getByTestId('rule-name').filter({ hasText: 'второе e2e' }).waitFor();
    const ruleRow = page
      .getByRole('row')
      .filter({ has: page.getByTestId('rule-name').getByText('K1 дежурным e2e') });
    await ruleRow.getByTestId('rule-down').click();
    await waitFor('the new rule order', async () => {
      const ids = body<{ id: number }[]>(await demo.get('/api/notification-rules')).map((r) => r.id);
      return ids[0] === second.id && ids[1] === rule!.id;
    });
    // Now last: «ниже» is disabled, and says why.
    await waitFor('the list in the new order', () => ruleRow.getByTestId('rule-down').isDisabled());

    // A high-class alert of an installation goes to the new high-priority mailbox.
    const preview = page.getByTestId('routing-preview');
    const objects = preview.getByTestId('preview-object').locator('option');
    const first = await objects.nth(1).getAttribute('value');
    await preview.getByTestId('preview-object').selectOption(first!);
    await preview.getByTestId('preview-alert').selectOption('KodeksTcpStatus');
    await preview.getByTestId('preview-submit').click();
    await preview.getByTestId('preview-result').waitFor();
    const receivers = await preview.getByTestId('preview-receiver').allTextContents();
    expect(receivers.some((r) => r.includes('duty-e2e@example.ru'))).toBe(true);
    await screenshot(page, 'admin-routing');
  });

  it('creates an upload token and rotates it: the new one is shown once, the old one revoked', async () => {
    await openAdmin(page, s.url, 'upload-tokens');
    await page.getByTestId('token-create').click();
    await page.getByTestId('token-label-input').fill('e2e agents');
    await page.getByTestId('dialog-submit').click();
    const first = await page.getByTestId('secret-once').inputValue();
    expect(first).toMatch(/^smu_/);
    await page.getByTestId('dialog-submit').click(); // «Закрыть»
    await page.getByTestId('token-dialog').waitFor({ state: 'detached' });

    type Token = { id: number; label: string; revokedAt: number | null };
    const list = async () => body<Token[]>(await demo.get(`/api/dealers/${s.dealerId}/upload-tokens`));
    const old = (await list()).find((t) => t.label === 'e2e agents')!;
    expect(old.revokedAt).toBeNull();

    const row = page
      .getByRole('row')
      .filter({ has: page.getByTestId('token-label').getByText('e2e agents', { exact: true }) });
    await row.getByTestId('token-rotate').click();
    const dialog = page.getByTestId('rotate-dialog');
    await dialog.waitFor();
    await page.getByTestId('dialog-submit').click(); // step 1: the new token
    const fresh = await dialog.getByTestId('secret-once').inputValue();
    expect(fresh).toMatch(/^smu_/);
    expect(fresh).not.toBe(first);
    // Until confirmed, both tokens are valid.
    expect((await list()).find((t) => t.id === old.id)?.revokedAt).toBeNull();
    await screenshot(page, 'admin-upload-tokens-rotate');
    await page.getByTestId('dialog-submit').click(); // step 2: revoke the old one
    await dialog.waitFor({ state: 'detached' });

    const after = await list();
    expect(after.find((t) => t.id === old.id)?.revokedAt).toEqual(expect.any(Number));
    expect(
      after.some((t) => t.id !== old.id && t.label.startsWith('e2e agents') && t.revokedAt === null),
    ).toBe(true);
    // The agents' credentials: the new token is accepted, the old one is not.
    const head = (tok: string) =>
      fetch(`${s.url}/files/nothing.zip`, {
        method: 'HEAD',
        headers: { dealer: 'demo', authorization: `Bearer ${tok}` },
      });
    expect((await head(fresh)).status).toBe(404);
    expect((await head(first)).status).toBe(401);
    await screenshot(page, 'admin-upload-tokens');
  });

  it('shows quarantined reports and attaches an unregistered source to a client', async () => {
    const created = body<{ token: string }>(
      await demo.post(`/api/dealers/${s.dealerId}/upload-tokens`, { label: 'e2e ingest' }),
    );
    const upload = async (name: string, content: string) => {
      const fd = new FormData();
      fd.append('file', new Blob([content]), name);
      const r = await fetch(`${s.url}/upload`, {
        method: 'POST',
        headers: { dealer: 'demo', authorization: `Bearer ${created.token}` },
        body: fd,
      });
      expect(r.status, `upload ${name}`).toBe(200);
    };
    // An agent nobody registered, and a report of a known agent that does not parse.
    await upload('e2eunknown.status', 'not a status file\n');
    await upload('romashka.xml', '<?xml version="1.0"?><sysinfo><broken');
    type Rep = { sourceName: string; status: string };
    await waitFor('the broken report to be quarantined', async () =>
      body<Rep[]>(await demo.get('/api/ingest/reports?status=quarantined')).some(
        (r) => r.sourceName === 'romashka',
      ),
    );

    await openAdmin(page, s.url, 'ingest');
    await page.getByTestId('report-reason').first().waitFor();
    const row = page
      .getByRole('row')
      .filter({ has: page.getByTestId('unregistered-name').getByText('e2eunknown') });
    await row.waitFor();
    await screenshot(page, 'admin-ingest');
    await row.getByTestId('unregistered-attach').click();
    const dialog = page.getByTestId('attach-dialog');
    const clients = body<{ id: number; shortName: string }[]>(
      await demo.get(`/api/clients?shortName=${NEW_CLIENT}`),
    );
    await dialog.getByTestId('attach-client').selectOption(String(clients[0]!.id));
    await page.getByTestId('dialog-submit').click();
    await dialog.waitFor({ state: 'detached' });
    const inst = body<{ clientId: number; kind: string }[]>(
      await demo.get('/api/installations?sourceKey=e2eunknown'),
    );
    expect(inst).toEqual([expect.objectContaining({ clientId: clients[0]!.id, kind: 'agent' })]);
    await row.waitFor({ state: 'detached' });
  });

  it('creates a one-off maintenance window in the browser’s time zone', async () => {
    await openAdmin(page, s.url, 'maintenance');
    await page.getByTestId('window-create').click();
    const dialog = page.getByTestId('window-dialog');
    await expect(dialog.getByTestId('window-tz').inputValue()).resolves.toBe('Europe/Moscow');
    await dialog.getByTestId('window-comment-input').fill('e2e: ночное обновление');
    await screenshot(page, 'admin-maintenance-dialog');
    await page.getByTestId('dialog-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('window-comment').filter({ hasText: 'e2e: ночное обновление' }).waitFor();
    const windows = body<{ comment: string; timeZone: string; scope: { kind: string } }[]>(
      await demo.get('/api/maintenance-windows'),
    );
    expect(windows.find((w) => w.comment === 'e2e: ночное обновление')).toMatchObject({
      timeZone: 'Europe/Moscow',
      scope: { kind: 'dealer' },
    });
    await screenshot(page, 'admin-maintenance');
  });

  it('changes a threshold on the alerts page, and resets it to the default', async () => {
    const NAME = 'KodeksDBOperUpToOld';
    type Settings = {
      override: { params: Record<string, number> } | null;
      effective: { params: Record<string, number> };
    };
    const settings = async () => body<Settings>(await demo.get(`/api/alert-settings/${NAME}`));
    expect((await settings()).override).toBeNull();

    await openAdmin(page, s.url, 'alerts');
    await page.getByTestId('alerts-search').fill(NAME);
    const row = page
      .getByRole('row')
      .filter({ has: page.getByTestId('alert-name').getByText(NAME, { exact: true }) });
    await row.waitFor();
    await expect(row.getByTestId('alert-runbook').getAttribute('href')).resolves.toBe(
      `/docs/errors/${NAME}.md`,
    );
    const setting = row.locator('[data-setting="params.maxAgeDays"]');
    await expect(setting.textContent()).resolves.toBe('maxAgeDays: 3');
    // Nothing stored: there is nothing to reset.
    await expect(row.getByTestId('alert-reset').isDisabled()).resolves.toBe(true);

    await row.getByTestId('alert-edit').click();
    const dialog = page.getByTestId('alert-dialog');
    await dialog.getByTestId('alert-param-maxAgeDays').fill('5');
    await screenshot(page, 'admin-alert-dialog');
    await page.getByTestId('dialog-submit').click();
    await dialog.waitFor({ state: 'detached' });

    // The server keeps the override, and the page marks the value as changed.
    const saved = await settings();
    expect(saved.override?.params).toEqual({ maxAgeDays: 5 });
    expect(saved.effective.params.maxAgeDays).toBe(5);
    await row.locator('[data-setting="params.maxAgeDays"][data-overridden="true"]').waitFor();
    await expect(row.getByTestId('alert-state').textContent()).resolves.toBe('изменено');
    await screenshot(page, 'admin-alerts');

    await row.getByTestId('alert-reset').click();
    const confirm = page.getByTestId('confirm-dialog');
    await confirm.waitFor();
    await page.getByTestId('dialog-submit').click();
    await confirm.waitFor({ state: 'detached' });
    await row.locator('[data-setting="params.maxAgeDays"]:not([data-overridden])').waitFor();
    await expect(setting.textContent()).resolves.toBe('maxAgeDays: 3');
    const reset = await settings();
    expect(reset.override).toBeNull();
    expect(reset.effective.params.maxAgeDays).toBe(3);
  });

  it('shows the server error next to the field it names', async () => {
    await openAdmin(page, s.url, 'units');
    await page.getByTestId('units-tree').waitFor();
    await page.getByTestId('unit-create').click();
    const dialog = page.getByTestId('unit-dialog');
    await dialog.getByTestId('unit-name-input').fill('Филиал Юг');
    await page.getByTestId('dialog-submit').click();
    // 409: a unit of that name exists at the top level; the message is under the name field.
    const err = dialog.locator('.has-error .field-error');
    await err.waitFor();
    await expect(err.textContent()).resolves.toMatch(/already exists/);
    await expect(dialog.getByTestId('unit-name-input').getAttribute('aria-invalid')).resolves.toBe('true');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('takes screenshots of the other admin pages', async () => {
    const pages: [string, string][] = [
      ['units', 'units-tree'],
      ['users', 'user-login'],
      ['managers', 'manager-name'],
      ['installations', 'installation-source'],
      ['online', 'online-login'],
      ['notifications', 'log-status'],
    ];
    for (const [area, testid] of pages) {
      await openAdmin(page, s.url, area);
      await page.getByTestId(testid).first().waitFor();
      await page.locator('.panel-state.loading').waitFor({ state: 'detached' });
      await screenshot(page, `admin-${area}`);
    }
    // The same page in English.
    await openAdmin(page, s.url, 'users');
    await page.getByRole('button', { name: 'EN', exact: true }).click();
    await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
    await screenshot(page, 'admin-users-en');
    await page.getByRole('button', { name: 'RU', exact: true }).click();
    await page.getByRole('heading', { name: 'Пользователи', exact: true }).waitFor();
    // The installation dialog with its write-only password and the agent token dialog.
    await openAdmin(page, s.url, 'installations');
    await page.getByTestId('installation-edit').first().click();
    await page.getByTestId('installation-dialog').waitFor();
    await expect(page.getByTestId('installation-password').inputValue()).resolves.toBe('');
    await screenshot(page, 'admin-installation-dialog');
    await page.keyboard.press('Escape');
    await page.getByTestId('installation-tokens').first().click();
    await page.getByTestId('agent-tokens-dialog').waitFor();
    await expect(page.getByTestId('agent-script-link').getAttribute('href')).resolves.toMatch(
      /\/admin\/installations\/\d+\/agent$/,
    );
    await page.keyboard.press('Escape');
  });

  it('has no administration for a manager', async () => {
    const c = await newContext(browser);
    const p = await c.newPage();
    p.setDefaultTimeout(20_000);
    await loginUi(p, s.url, 'manager');
    expect(await p.getByRole('link', { name: 'Администрирование' }).count()).toBe(0);
    await p.goto(`${s.url}/admin/units`);
    await p.getByRole('heading', { name: 'Страница не найдена' }).waitFor();
    expect(await p.getByTestId('admin').count()).toBe(0);
    await c.close();
  });

  it('lists only the head’s subtree of units and users', async () => {
    const head = await loginAs(s.url, 'head', 'head');
    const apiUnits = body<Named[]>(await head.get('/api/units')).map((u) => u.name);
    expect(apiUnits.sort()).toEqual(['Отдел сопровождения', 'Филиал Север']);

    const c = await newContext(browser);
    const p = await c.newPage();
    p.setDefaultTimeout(20_000);
    await loginUi(p, s.url, 'head');
    await p.getByRole('link', { name: 'Администрирование' }).click();
    await p.getByTestId('units-tree').waitFor();
    const names = await p.getByTestId('unit-name').allTextContents();
    expect(names.sort()).toEqual(['Отдел сопровождения', 'Филиал Север']);
    // A head creates units only inside their own: the top-level button says why it is disabled.
    await expect(p.getByTestId('unit-create').isDisabled()).resolves.toBe(true);
    await screenshot(p, 'admin-head-units');

    await p.getByTestId('admin-nav-users').click();
    await screenshot(p, 'admin-head-users');
    await p.getByTestId('user-login').first().waitFor();
    const logins = await p.getByTestId('user-login').allTextContents();
    const apiLogins = body<{ login: string }[]>(await head.get('/api/users')).map((u) => u.login);
    expect(logins.sort()).toEqual(apiLogins.sort());
    expect(logins).toContain('head');
    expect(logins).not.toContain('demo');

    // Upload tokens are for dealer admins: the page says so instead of listing them.
    await p.getByTestId('admin-nav-upload-tokens').click();
    await expect(p.getByTestId('token-create').isDisabled()).resolves.toBe(true);
    await c.close();
  });
});
