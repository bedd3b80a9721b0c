/**
 * End-to-end harness: a real SMART in this process on a loopback port, with the demo's data (dealer,
 * units, managers, users demo/head/manager, the CSV inventory), the demo's simulated fleet and DCs, a
 * short backfill through the real ingest pipeline, live probes and online reads, and alert evaluation,
 * all over a SQLite file in a temporary directory; the built web app (dist/ui, rebuilt here when the
 * sources are newer); and Debian's chromium driven by playwright-core.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { evaluateDealer } from '../../src/alerts/engine.js';
import { startAlertsNode } from '../../src/alerts/node.js';
import { startChecksNode } from '../../src/checks-node.js';
import { backfillDemo, backfillOnline, startDemoFleet, type DemoFleet } from '../../src/cli/demo-fleet.js';
import { seedDemo } from '../../src/cli/demo-seed.js';
import { alertsConfig } from '../../src/cli/commands/serve.js';
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/http/server.js';
import { findPackageRoot } from '../../src/http/routes/runbooks.js';
import { startIngestNode } from '../../src/ingest/node.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { body, type Client } from '../http/harness.js';

const ROOT = findPackageRoot();
export const UI_DIR = path.join(ROOT, 'dist', 'ui');
export const SCREENSHOT_DIR = path.join(ROOT, 'test-artifacts', 'screenshots');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function uiIsFresh(): boolean {
  const index = path.join(UI_DIR, 'index.html');
  if (!fs.existsSync(index)) return false;
  if (process.env.SMART_E2E_UI_BUILT === '1') return true;
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'ui')),
    fs.statSync(path.join(ROOT, 'src', 'dashboards', 'contract.ts')).mtimeMs,
  );
  return fs.statSync(index).mtimeMs >= sources;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds the web app (vite) unless dist/ui is newer than every file under ui/; SMART_E2E_UI_BUILT=1
 * takes dist/ui as it is (e.g. after `npm run build`). Test files run in parallel processes: a lock
 * directory lets one of them build while the others wait for it.
 */
export function ensureUiBuilt(): void {
  if (uiIsFresh()) return;
  const lock = path.join(ROOT, 'dist', '.ui-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const until = Date.now() + 240_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another process builds; a lock older than 5 minutes was left by a killed one.
      const held = fs.statSync(lock, { throwIfNoEntry: false });
      if (!held) continue;
      if (Date.now() - held.mtimeMs > 300_000) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > until) throw new Error(`timed out waiting for ${lock}`);
      sleepSync(500);
    }
  }
  try {
    if (uiIsFresh()) return;
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        'ui/vite.config.ts',
        '--logLevel',
        'error',
      ],
      { cwd: ROOT, stdio: 'inherit', timeout: 180_000 },
    );
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface E2eServer {
  url: string;
  /** Errors of the background nodes (probes, alerts), for a failing test's message. */
  errors: unknown[];
  runtime: Runtime;
  dealerId: number;
  /** The simulated ПК of each demo installation (e.g. to generate a report at a chosen moment). */
  fleet: DemoFleet;
  close(): Promise<void>;
}

export interface E2eOptions {
  /** Days of daily sysinfo reports (the last ones hourly, see hourlyHours). */
  days?: number;
  hourlyHours?: number;
  /** Days of hourly online readings. */
  onlineDays?: number;
}

/** Starts SMART with the demo's data and fleet, backfilled, probing and evaluating alerts. */
export async function startE2eServer(opts: E2eOptions = {}): Promise<E2eServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-e2e-'));
  const config = loadConfig({ SMART_DATA_DIR: dataDir, SMART_LOG_LEVEL: 'silent', SMART_HOST: '127.0.0.1' });
  const rt = await openRuntime(config);
  const actor = cliActor('e2e');
  const seed = await seedDemo(rt.ctx, actor);
  const fleet = await startDemoFleet(rt, seed.dealer);
  await backfillDemo(rt, fleet, opts.days ?? 7, undefined, opts.hourlyHours ?? 6);
  await backfillOnline(rt, fleet, opts.onlineDays ?? 3);

  const errors: unknown[] = [];
  // No SMTP or Telegram configured: messages wait in the outbox, which is all these tests need.
  const alerts = startAlertsNode(rt.ctx, alertsConfig(config), { onError: (e) => errors.push(e) });
  const node = await startIngestNode(rt, {
    pull: { resolveBaseUrl: fleet.resolveBaseUrl },
    onProcessed: (id) => alerts.touch('installation', id),
  });
  const checks = startChecksNode(rt, {
    probes: { resolveEndpoint: fleet.resolveEndpoint },
    online: { resolveBaseUrl: fleet.resolveOnlineBaseUrl },
    onResults: (subjects) => {
      for (const s of subjects) alerts.touch(s.kind, s.id);
    },
    onError: (e) => errors.push(e),
  });
  const server = await startServer(rt, { host: '127.0.0.1', port: 0, logger: false, ingest: node.ingest });
  fleet.startAgents(server.url);
  await evaluateDealer(rt.ctx, seed.dealer.id);
  return {
    url: server.url,
    errors,
    runtime: rt,
    dealerId: seed.dealer.id,
    fleet,
    close: async () => {
      await server.close();
      await checks.close();
      await node.close();
      await alerts.close();
      await fleet.close();
      await rt.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's chromium (`apt-get install chromium`), or SMART_CHROMIUM; playwright downloads nothing. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.SMART_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath))
    throw new Error(`no chromium at ${executablePath}: apt-get install chromium, or set SMART_CHROMIUM`);
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--lang=ru-RU'],
  });
}

/** A browser context in Moscow time with a Russian locale and a desktop viewport. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 1600, height: 1000 },
    locale: 'ru-RU',
    timezoneId: 'Europe/Moscow',
  });
}

/** Logs in through the login form and waits for the application shell. */
export async function loginUi(page: Page, base: string, login: string, password = login): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Логин').fill(login);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.locator('.sidebar').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface E2eSession {
  server: E2eServer;
  browser: Browser;
  /** The context of `page`; other users get contexts of their own from `newContext(browser)`. */
  ctx: BrowserContext;
  /** A page logged in through the form. */
  page: Page;
  /** Closes the page's context, the browser and the server, in that order. */
  close(): Promise<void>;
}

/**
 * What each e2e file's beforeAll sets up: the web app built, SMART started with `opts`, chromium with a
 * Moscow-time context and one page logged in as `login` (the demo dealer admin unless told).
 */
export async function startE2eSession(opts: E2eOptions = {}, login = 'demo'): Promise<E2eSession> {
  ensureUiBuilt();
  const server = await startE2eServer(opts);
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await loginUi(page, server.url, login);
    const b = browser;
    return {
      server,
      browser: b,
      ctx,
      page,
      close: async () => {
        await ctx.close();
        await b.close();
        await server.close();
      },
    };
  } catch (e) {
    // afterAll cannot close what it never received.
    await browser?.close();
    await server.close();
    throw e;
  }
}

/** A GET that must answer 200, its body typed as the caller expects. */
export async function apiGet<T>(c: Client, path: string): Promise<T> {
  const r = await c.get(path);
  expect(r.status, path).toBe(200);
  return body<T>(r);
}

/**
 * The number in a cell's text as the UI formats it (Russian locale): «1 234,5 с» → 1234.5. Spaces
 * (also the non-breaking and narrow ones Intl puts between thousands) go, the decimal comma becomes a
 * point, units and other letters are dropped; a text without digits gives 0.
 */
export function num(text: string | null | undefined): number {
  return Number(
    (text ?? '')
      .replace(/[\s\u00a0\u202f]/g, '')
      .replace(',', '.')
      .replace(/[^\d.-]/g, ''),
  );
}

/**
 * Polls `fn` every 300 ms until it gives something truthy, and returns that; after `ms` it fails naming
 * `what`. For conditions the page reaches on its own (a refetch, a URL change), not for single elements,
 * which playwright's own waitFor covers.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 60_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The data rows of a table panel (the header, footer and «no data» rows left out). */
export const rowsOf = (page: Page, panel: string): Locator =>
  page.locator(`[data-panel="${panel}"] tbody tr[data-key]`);

/** The value of a stat tile by its key. */
export const stat = (page: Page, key: string): Locator => page.locator(`[data-stat="${key}"] .stat-value`);

/** A table panel's column position by its header text (the header may also carry the sort mark). */
export async function column(page: Page, panel: string, title: string): Promise<number> {
  const titles = await page.locator(`[data-panel="${panel}"] thead th`).allTextContents();
  const i = titles.findIndex((t) => t.replace(/[▲▼]/g, '').trim() === title);
  expect(i, `${panel}: ${title}`).toBeGreaterThanOrEqual(0);
  return i;
}

export interface LegendRow {
  label: string;
  /** The row's number cells as shown, in order (e.g. Max, Last). */
  texts: string[];
  /** The same cells through num(). */
  values: number[];
}

/**
 * A chart panel's legend as shown, read in one go: each series' label and its number cells. Does not
 * wait: wait for `.legend-row` first where the chart may still be loading.
 */
export async function legendRows(panel: Locator): Promise<LegendRow[]> {
  const rows = await panel.locator('.legend-row').evaluateAll((trs) =>
    trs.map((tr) => ({
      label: tr.querySelector('.legend-label')?.textContent ?? '',
      texts: [...tr.querySelectorAll('td.num')].map((td) => td.textContent ?? ''),
    })),
  );
  return rows.map((r) => ({ ...r, values: r.texts.map(num) }));
}

/** Every number in a chart panel's legend, row by row (cells without digits, e.g. «—», left out). */
export async function legendValues(panel: Locator): Promise<number[]> {
  const cells = await panel.locator('.legend-row td.num').allTextContents();
  return cells.filter((c) => /\d/.test(c)).map(num);
}
