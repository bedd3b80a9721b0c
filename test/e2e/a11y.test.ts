/**
 * Accessibility basics, end to end in chromium: every control on every dashboard and administration page
 * has an accessible name (a label, aria-label or aria-labelledby; a button its text or a label), and the
 * menus work from the keyboard alone: the navigation, the refresh-interval menu (arrows, Enter, Esc with
 * the focus back on its button) and the time picker.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureUiBuilt,
  launchBrowser,
  loginUi,
  newContext,
  startE2eServer,
  type E2eServer,
} from './harness.js';

const PAGES = [
  '/d/kodeks-analytics',
  '/d/server-metrics',
  '/d/availability',
  '/d/availability-online',
  '/d/billing-stats',
  '/d/emergencies',
  '/clients',
  '/admin/units',
  '/admin/users',
  '/admin/managers',
  '/admin/clients',
  '/admin/installations',
  '/admin/online',
  '/admin/import',
  '/admin/alerts',
  '/admin/routing',
  '/admin/silences',
  '/admin/maintenance',
  '/admin/notifications',
  '/admin/upload-tokens',
  '/admin/ingest',
];

/**
 * The visible form controls and buttons of the page that have no accessible name (their HTML, cut). Run in
 * the browser: plain JavaScript text, as the server's TypeScript has no DOM types.
 */
const UNNAMED_CONTROLS = `(() => {
  const out = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const byIds = (ids) =>
    (ids || '').split(/\\s+/).map((id) => (document.getElementById(id)?.textContent || '').trim()).join('');
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.tagName === 'INPUT' && el.type === 'hidden') continue;
    // Hidden from assistive technology on purpose (a mouse-only twin of a keyboard-operable row).
    if (!visible(el) || el.closest('[aria-hidden="true"]')) continue;
    const aria = (el.getAttribute('aria-label') || '').trim() || byIds(el.getAttribute('aria-labelledby'));
    const labelled = el.labels ? Array.from(el.labels).some((l) => (l.textContent || '').trim() !== '') : false;
    const own =
      el.tagName === 'BUTTON'
        ? (el.textContent || '').trim() || (el.getAttribute('title') || '').trim()
        : el.tagName === 'INPUT' && (el.type === 'submit' || el.type === 'button')
          ? el.value.trim()
          : '';
    if (!aria && !labelled && !own) out.push(el.outerHTML.slice(0, 160));
  }
  return out;
})()`;

/** Text and a few attributes of the focused element, read in the browser. */
const focusedText = (page: Page) =>
  page.evaluate<string>(`document.activeElement?.textContent?.trim() ?? ''`);
const focusedPopup = (page: Page) =>
  page.evaluate<string | null>(`document.activeElement?.getAttribute('aria-haspopup') ?? null`);

describe('accessibility basics (e2e, chromium)', () => {
  let s: E2eServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ensureUiBuilt();
    s = await startE2eServer({ days: 3, hourlyHours: 2, onlineDays: 1 });
    browser = await launchBrowser();
    ctx = await newContext(browser);
    page = await ctx.newPage();
    await loginUi(page, s.url, 'demo');
  }, 240_000);

  afterAll(async () => {
    await ctx?.close();
    await browser?.close();
    await s?.close();
  });

  it('names every control on every page', async () => {
    const found: Record<string, string[]> = {};
    for (const path of PAGES) {
      await page.goto(`${s.url}${path}`);
      await page.locator('h1').first().waitFor();
      // Let the page's data arrive: controls of tables and panels appear with it.
      await page.waitForLoadState('networkidle');
      const bad = await page.evaluate<string[]>(UNNAMED_CONTROLS);
      if (bad.length > 0) found[path] = bad;
    }
    expect(found).toEqual({});
  }, 180_000);

  it('navigates and opens menus with the keyboard alone', async () => {
    await page.goto(`${s.url}/d/kodeks-analytics`);
    await page.locator('h1').first().waitFor();

    // The navigation: links in the tab order; Enter follows one.
    const nav = page.locator('.sidebar a', { hasText: 'Доступность серверов' }).first();
    await nav.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/d\/availability\b/);
    await page.waitForLoadState('networkidle');

    // The refresh-interval menu: Enter opens it with the current choice focused, arrows move, Enter picks,
    // and the focus returns to its button.
    const refresh = page.getByRole('button', { name: /^Автообновление/ });
    await refresh.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('menu');
    await menu.waitFor();
    const focused = () => focusedText(page);
    const first = await focused();
    await page.keyboard.press('ArrowDown');
    const second = await focused();
    expect(second).not.toBe(first);
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'detached' });
    await page.waitForURL((u) => u.searchParams.get('refresh') === (second === 'Выкл.' ? 'off' : second));
    expect(await focusedPopup(page)).toBe('menu');

    // Esc closes a menu without choosing.
    const before = page.url();
    await page.keyboard.press('ArrowDown');
    await menu.waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(page.url()).toBe(before);

    // The time picker opens from the keyboard and Esc closes it, the focus back on its button.
    const picker = page.locator('[aria-haspopup="dialog"]').first();
    await picker.focus();
    await page.keyboard.press('Enter');
    const presets = page.getByRole('menu');
    await presets.waitFor();
    await page.keyboard.press('Escape');
    await presets.waitFor({ state: 'detached' });
    expect(await focusedPopup(page)).toBe('dialog');
  }, 60_000);
});
