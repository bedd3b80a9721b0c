/**
 * «Квартальная аналитика» end to end: a real SMART with the demo's data and simulated fleet
 * (test/e2e/harness.ts), a short backfill of the current quarter, and the previous quarter's last
 * day added the way data arrives: a sysinfo report of every agent installation uploaded through the
 * public /upload endpoint (each carries that month's usage to date) and an online reading of every
 * access through the poller's write path. The page, as the demo user in chromium, must show the
 * numbers the API answers: the class tiles with their change, a bar per quarter, the manager table,
 * the client list (narrowed by a tile); a manager sees fewer clients. Screenshot: quarterly.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuarterlyOut, UsageClass } from '../../src/dashboards/contract-quarterly.js';
import { storeProfile } from '../../src/online/poller.js';
import { usageAt } from '../../src/sim/dc/index.js';
import { generateSysinfoXmlString } from '../../src/sim/kodeks/index.js';
import { body, loginAs, type Client } from '../http/harness.js';
import {
  ensureUiBuilt,
  launchBrowser,
  loginUi,
  newContext,
  screenshot,
  startE2eServer,
  type E2eServer,
} from './harness.js';

const HOUR = 3_600_000;
const MSK = 3 * HOUR;
const CLASSES: UsageClass[] = ['noData', 'unused', 'low', 'normal', 'exhausting'];
const CLASS_RU: Record<UsageClass, string> = {
  noData: 'Нет данных',
  unused: 'Не используют',
  low: 'Низкое использование',
  normal: 'Норма',
  exhausting: 'Исчерпывают лимиты',
};

/** The number in a text: «1 234,5» → 1234.5. */
function num(text: string | null): number {
  return Number(
    (text ?? '')
      .replace(/[\s\u00a0\u202f]/g, '')
      .replace(',', '.')
      .replace(/[^\d.-]/g, ''),
  );
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 90_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The first day (`YYYY-MM-DD`) of the Moscow quarter holding `at`, `offset` quarters away. */
function quarterFirstDay(at: number, offset = 0): string {
  const d = new Date(at + MSK);
  const index = d.getUTCFullYear() * 4 + Math.floor(d.getUTCMonth() / 3) + offset;
  return `${Math.floor(index / 4)}-${String((index % 4) * 3 + 1).padStart(2, '0')}-01`;
}

describe('Квартальная аналитика (e2e, chromium)', () => {
  let s: E2eServer;
  let demo: Client;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let agents = 0;

  beforeAll(async () => {
    ensureUiBuilt();
    s = await startE2eServer({ days: 3, hourlyHours: 2, onlineDays: 2 });
    demo = await loginAs(s.url, 'demo', 'demo');
    const db = s.runtime.ctx.db;
    // The last evening of the previous quarter (18:00 Moscow on its last day).
    const current = quarterFirstDay(Date.now());
    const prev = quarterFirstDay(Date.now(), -1);
    const at = Date.parse(`${current}T00:00:00Z`) - MSK - 6 * HOUR;

    const tokenFile = path.join(s.runtime.config.dataDir, 'demo-agent.token');
    await waitFor('the agents’ token', async () => fs.existsSync(tokenFile));
    const token = fs.readFileSync(tokenFile, 'utf8').trim();
    const me = body<{ dealer: { code: string } }>(await demo.get('/api/me'));
    for (const inst of s.fleet.installations.filter((i) => i.kind === 'agent')) {
      const xml = generateSysinfoXmlString(s.fleet.profileOf(inst.id), at, { encoding: 'utf-8' });
      const form = new FormData();
      form.append('file', new Blob([xml]), `${inst.sourceKey}.xml`);
      const up = await fetch(`${s.url}/upload?token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { upload: 'yes', dealer: me.dealer.code },
        body: form,
      });
      expect(up.status, await up.clone().text()).toBe(200);
      agents += 1;
    }
    for (const a of await db
      .selectFrom('online_accesses')
      .select(['id', 'dealer_id', 'host', 'login', 'folder', 'utc_offset_min'])
      .execute()) {
      const account = s.fleet.dcs
        .get(a.host)
        ?.accounts.find((x) => x.login === a.login && x.folder === a.folder);
      if (!account) continue;
      await storeProfile(
        s.runtime.ctx,
        { accessId: a.id, dealerId: a.dealer_id, utcOffsetMin: a.utc_offset_min },
        usageAt(account, at),
        at,
      );
    }
    // Processed: every uploaded installation has usage rows in the previous quarter. (The dashboard
    // keeps a closed quarter's figures for hours, so it is asked only once the data is in.)
    await waitFor('the previous quarter’s reports', async () => {
      const r = await db
        .selectFrom('installation_usage_daily')
        .select((eb) => eb.fn.count<number>('installation_id').distinct().as('n'))
        .where('day', '>=', prev)
        .where('day', '<', current)
        .executeTakeFirstOrThrow();
      return Number(r.n) >= agents;
    });
    browser = await launchBrowser();
    ctx = await newContext(browser);
    page = await ctx.newPage();
    await loginUi(page, s.url, 'demo');
  }, 300_000);

  afterAll(async () => {
    await ctx?.close();
    await browser?.close();
    await s?.close();
  });

  it('shows the classes, their change, the bars, the managers and the clients as the API answers', async () => {
    expect(agents).toBeGreaterThan(0);
    const out = body<QuarterlyOut>(await demo.get('/api/dashboards/quarterly'));
    expect(out.quarters).toHaveLength(4);
    const cur = out.total.at(-1)!;
    const before = out.total.at(-2)!;
    expect(cur.clients).toBeGreaterThan(5);
    expect(cur.withData).toBeGreaterThan(0);
    expect(before.withData).toBeGreaterThan(0);
    // Both quarters have data, so every class count carries its change.
    for (const c of CLASSES) expect(cur.classes[c].delta, c).not.toBeNull();
    expect(out.clients).toHaveLength(cur.clients);

    await page.goto(`${s.url}/d/quarterly`);
    await page.waitForURL(/from=now-1y/);
    const summary = page.locator('[data-panel="summary"]');
    await summary.locator('[data-stat="normal"]').waitFor();
    for (const c of CLASSES) {
      const tile = summary.locator(`[data-stat="${c}"]`);
      await expect(tile.locator('.stat-label').textContent()).resolves.toBe(CLASS_RU[c]);
      expect(num(await tile.locator('.stat-value').textContent()), c).toBe(cur.classes[c].value);
      const delta = cur.classes[c].delta!;
      const sub = (await tile.locator('.stat-sub').textContent())!;
      expect(num(sub.split('(')[0]!.replace('−', '-').replace('±', '')), c).toBe(delta);
    }
    expect(num(await summary.locator('[data-stat="incidents"] .stat-value').textContent())).toBe(
      cur.incidents.value,
    );
    // Shown with one decimal: within half of that digit (16.05 h shows as 16,1; toBeCloseTo's strict
    // bound would reject exactly half).
    const downtimeShown = num(await summary.locator('[data-stat="downtime"] .stat-value').textContent());
    expect(Math.abs(downtimeShown - cur.downtimeHours.value)).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(num(await summary.locator('[data-stat="empty"] .stat-value').textContent())).toBe(
      cur.emptySearches.value,
    );

    // A bar per quarter, each topped by its client count.
    const bars = page.locator('[data-panel="classes"] .q-bar');
    await expect(bars.count()).resolves.toBe(4);
    for (let i = 0; i < 4; i++) {
      await expect(bars.nth(i).getAttribute('data-quarter')).resolves.toBe(out.quarters[i]!.key);
      expect(num(await bars.nth(i).locator('.q-total-label').textContent())).toBe(out.total[i]!.clients);
    }

    // The table per manager and quarter: «Все клиенты» first, each quarter's client count.
    const managers = page.locator('[data-panel="managers"] tbody tr[data-key]');
    await managers.first().waitFor();
    for (let i = 0; i < 4; i++) {
      const cells = managers.nth(i).locator('td');
      await expect(cells.nth(0).textContent()).resolves.toBe('Все клиенты');
      expect(num(await cells.nth(2).textContent())).toBe(out.total[i]!.clients);
      expect(num(await cells.nth(3).locator('.q-value').textContent())).toBe(
        out.total[i]!.classes.normal.value,
      );
    }
    const firstManager = out.managers[0]!;
    const firstRow = managers.nth(4).locator('td');
    await expect(firstRow.nth(0).textContent()).resolves.toBe(firstManager.manager);
    expect(num(await firstRow.nth(2).textContent())).toBe(firstManager.quarters[0]!.clients);

    // The clients of the quarter, in the API's order, with their classes.
    const clients = page.locator('[data-panel="clients"] tbody tr[data-key]');
    await clients.first().waitFor();
    expect(await clients.count()).toBe(Math.min(20, out.clients.length));
    for (let i = 0; i < Math.min(5, out.clients.length); i++) {
      const r = out.clients[i]!;
      const cells = clients.nth(i).locator('td');
      await expect(cells.nth(0).textContent()).resolves.toBe(r.client);
      await expect(cells.nth(2).textContent()).resolves.toBe(CLASS_RU[r.class]);
      await expect(cells.nth(3).locator('.q-chip').textContent()).resolves.toBe(CLASS_RU[r.prevClass]);
    }
    await screenshot(page, 'quarterly');

    // A tile narrows the list to its class.
    const biggest = CLASSES.filter((c) => c !== 'noData').sort(
      (x, y) => cur.classes[y].value - cur.classes[x].value,
    )[0]!;
    await summary.locator(`[data-stat="${biggest}"] button`).click();
    await page.waitForURL(new RegExp(`class=${biggest}`));
    await waitFor(
      'the class filter',
      async () => (await clients.count()) === Math.min(20, cur.classes[biggest].value),
    );
    const shown = await clients.locator('td:nth-child(3)').allTextContents();
    expect(new Set(shown)).toEqual(new Set([CLASS_RU[biggest]]));
  });

  it('a manager sees his clients only', async () => {
    const mine = body<QuarterlyOut>(
      await (await loginAs(s.url, 'manager', 'manager')).get('/api/dashboards/quarterly'),
    );
    const all = body<QuarterlyOut>(await demo.get('/api/dashboards/quarterly'));
    expect(mine.total.at(-1)!.clients).toBeGreaterThan(0);
    expect(mine.total.at(-1)!.clients).toBeLessThan(all.total.at(-1)!.clients);
    expect(mine.managers).toHaveLength(1);
    const c = await newContext(browser);
    const p = await c.newPage();
    await loginUi(p, s.url, 'manager');
    await p.goto(`${s.url}/d/quarterly`);
    const rows = p.locator('[data-panel="clients"] tbody tr[data-key]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(Math.min(20, mine.clients.length));
    await c.close();
  });
});
