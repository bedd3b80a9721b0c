import { exec } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseReportFile } from '../../ingest/parse/report-file.js';
import { parseStatusFile, parseStatusText } from '../../ingest/parse/status-parser.js';
import { startFleet, type Fleet } from './fleet.js';
import type { Fault } from './faults.js';
import { startKodeksServer, type KodeksServer } from './server.js';

const sh = promisify(exec);
const HOUR = 3_600_000;
/** Monday 2026-04-20, 12:00 in Moscow. */
const T0 = Date.UTC(2026, 3, 20, 9, 0, 0);

let now = T0;
let srv: KodeksServer;
const work = mkdtempSync(join(tmpdir(), 'smart-sim-http-'));

beforeAll(async () => {
  srv = await startKodeksServer({
    port: 0,
    seed: 2026,
    profile: { utcOffsetMin: 180, users: 30, seats: 10 },
    clock: () => now,
  });
});
afterAll(async () => {
  await srv.close();
  rmSync(work, { recursive: true, force: true });
});
afterEach(async () => {
  now = T0;
  for (const f of Object.keys(srv.state.faults) as Fault[]) await srv.setFault(f, false);
});

/** Error code of a plain TCP connect, null when it connects. */
function connectError(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(null);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

const auth = (user: string, pass: string): string =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const smart = (): string => auth('smartlogin', srv.state.profile.smartloginPassword);
const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${srv.url}${path}`, { headers, redirect: 'manual' });
async function metrics(): Promise<Map<string, number>> {
  const text = await (await get('/sysmon/metrics', { authorization: smart() })).text();
  return new Map(
    parseStatusText(text).samples.map((s) => [
      `${s.name}${s.labels.path ? `:${s.labels.path}` : ''}${s.labels.code ? `:${s.labels.code}` : ''}`,
      s.value,
    ]),
  );
}
async function login(user: string, pass: string): Promise<Response> {
  return fetch(`${srv.url}/docs/login`, {
    method: 'POST',
    body: new URLSearchParams({ login: user, password: pass }),
    redirect: 'manual',
  });
}
function cookieOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}
async function sysinfoXml(): Promise<string> {
  return (await fetch(`${srv.url}/sysinfo/si_save_request`, { method: 'POST', body: 'type=xml' })).text();
}

describe('the agent scripts work against the simulator unchanged', () => {
  it('smartupload: the literal download line saves a zip and a cookie jar', async () => {
    const dir = mkdtempSync(join(work, 'upload-'));
    const line = `curl -A "smartdownload" -k --no-progress-meter -v -d "type=zip" --no-progress-meter -L -c cookies.txt -b cookies.txt -o client.zip ${srv.url}/sysinfo/si_save_request`;
    const { stderr } = await sh(line, { cwd: dir });
    expect(stderr).toMatch(/< HTTP\/1\.1 200 OK/);
    expect(stderr).toMatch(/< Server: WWW-Kodeks\/6\.4/);
    expect(stderr).toMatch(/< X-Powered-By: Express/);
    expect(stderr).toMatch(/< Content-Disposition: attachment; filename="sysinfo_[^"]+\.zip"/);
    expect(stderr).toMatch(/< Content-Type: application\/octet-stream;name="/);
    expect(stderr).toMatch(/< Transfer-Encoding: chunked/);
    expect(readFileSync(join(dir, 'cookies.txt'), 'utf8')).toMatch(/KodeksData/);
    const s = await parseReportFile(join(dir, 'client.zip'), { utcOffsetMin: 180 });
    expect(s.source.container).toBe('zip');
    expect(s.client.regnum).toBe(srv.state.profile.regnum);
    expect(s.producedAt).toBe(T0);
  });

  it('smartstatus: the date line comes out in lower case, then the metrics', async () => {
    const dir = mkdtempSync(join(work, 'status-'));
    const pass = srv.state.profile.smartloginPassword;
    const base = `curl -A "smartdownload" -k -v -L -c cookies.txt -b cookies.txt -u smartlogin:${pass} ${srv.url}/sysmon/metrics`;
    // The Windows script pipes into `find "date:"` (case-sensitive); grep is its equivalent here.
    await sh(`curl -i ${base.slice(5)} | grep "date:" >> client.status`, { cwd: dir });
    await sh(`${base} >> client.status`, { cwd: dir });
    const text = readFileSync(join(dir, 'client.status'), 'utf8');
    // curl -i keeps the header's CRLF, as on Windows.
    expect(text.split('\n')[0]).toBe('date: Mon, 20 Apr 2026 09:00:00 GMT\r');
    const st = await parseStatusFile(join(dir, 'client.status'));
    expect(st.dateLine).toBe('lower');
    expect(st.takenAt).toBe(T0);
    expect(st.samples.find((x) => x.name === 'kserver_main_page')).toMatchObject({
      labels: { service: 'kodweb', path: '/docs' },
      value: 0,
    });
  });

  it('the legacy /sysinfo/metrics line works without credentials', async () => {
    const dir = mkdtempSync(join(work, 'legacy-'));
    await sh(
      `curl -A "smartdownload" -k -v -L -c cookies.txt -b cookies.txt -o client.status ${srv.url}/sysinfo/metrics`,
      {
        cwd: dir,
      },
    );
    expect(readFileSync(join(dir, 'client.status'), 'utf8')).toMatch(/^# Sysinfo metrics\n# Path \/docs\n/);
  });
});

describe('endpoints of a ПК 6.4', () => {
  it('answers sysinfo as chunked XML unless a zip is asked for', async () => {
    const res = await fetch(`${srv.url}/sysinfo/si_save_request`, { method: 'POST', body: 'type=xml' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('server')).toBe('WWW-Kodeks/6.4');
    const body = await res.text();
    expect(body).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<sysinfo /);
    // Same clock, same bytes.
    expect(await sysinfoXml()).toBe(body);
  });

  it('protects /sysmon/metrics with smartlogin Basic auth', async () => {
    expect((await get('/sysmon/metrics')).status).toBe(401);
    expect((await get('/sysmon/metrics', { authorization: auth('smartlogin', 'wrong') })).status).toBe(401);
    expect(
      (await get('/sysmon/metrics', { authorization: auth('admin', srv.state.profile.adminPassword) }))
        .status,
    ).toBe(401);
    const res = await get('/sysmon/metrics', { authorization: smart() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('etag')).toMatch(/^W\//);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(await res.text()));
  });

  it('signs smartlogin in with the KodeksData and Kodeks cookies', async () => {
    expect((await login('smartlogin', 'nope')).status).toBe(401);
    const res = await login('smartlogin', srv.state.profile.smartloginPassword);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/docs/');
    const cookie = cookieOf(res);
    expect(cookie).toMatch(/KodeksData=[0-9a-f]{16}; Kodeks=\d+/);
    const page = await (await get('/docs/', { cookie })).text();
    expect(page).toContain('Пользователь: smartlogin');
    expect(page).not.toContain('id="login"');
  });

  it('requires a sign-in for /admin and shows the registration there', async () => {
    expect((await get('/admin')).status).toBe(401);
    const res = await get('/admin', { authorization: smart() });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`Регистрационный номер: ${srv.state.profile.regnum}`);
    expect(html).toContain('Ограничение рег. файла: 10');
    const lic = await (await get('/admin/lic', { authorization: smart() })).text();
    expect(lic).toContain('Привязка: SenseLock ключ');
  });

  it('serves the main page of each catalog and 404 elsewhere', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('data-state="ok"');
    expect((await get('/')).headers.get('location')).toBe('/docs/');
    expect((await get('/nowhere')).status).toBe(404);
  });
});

describe('faults change what the server answers', () => {
  it('down: connection refused, then back on the same port', async () => {
    await srv.setFault('down', true);
    expect(await connectError(srv.port)).toBe('ECONNREFUSED');
    await srv.setFault('down', false);
    expect((await fetch(`${srv.url}/docs/`)).status).toBe(200);
  });

  it('tcp_closed: the connection is accepted and closed without an answer', async () => {
    await srv.setFault('tcp_closed', true);
    const r = await sh(`curl -s -o /dev/null -w "%{http_code}" ${srv.url}/docs/ ; echo " exit=$?"`);
    expect(r.stdout.trim()).toBe('000 exit=52'); // curl: empty reply from server
    expect(await connectError(srv.port)).toBeNull(); // the port itself is open
  });

  it('reverse_proxy_down: the front answers 502', async () => {
    await srv.setFault('reverse_proxy_down', true);
    const res = await get('/docs/');
    expect(res.status).toBe(502);
    expect(res.headers.get('server')).toBe('nginx');
    expect((await get('/sysmon/metrics', { authorization: smart() })).status).toBe(502);
  });

  it('slow: every answer is delayed', async () => {
    await srv.setFault('slow', true, { delayMs: 400 });
    const t0 = performance.now();
    expect((await get('/docs/')).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
  });

  it('maintenance: 503 main page, logins refused, maintenance metric', async () => {
    await srv.setFault('maintenance', true);
    const res = await get('/docs/');
    expect(res.status).toBe(503);
    const html = await res.text();
    expect(html).toContain('data-state="maintenance"');
    expect(html).toContain('Режим обслуживания');
    expect((await login('smartlogin', srv.state.profile.smartloginPassword)).status).toBe(503);
    const m = await metrics();
    expect(m.get('kserver_maintenance')).toBe(1);
    expect(m.get('kserver_main_page:/docs')).toBe(1);
    expect(m.get('kserver_main_page_status_code:/docs')).toBe(503);
    expect(await sysinfoXml()).toContain('<inuse>0</inuse>');
  });

  it('needs_service: the service message on the main page', async () => {
    await srv.setFault('needs_service', true);
    const res = await get('/docs/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Требуется обслуживание');
    expect((await metrics()).get('kserver_needs_service')).toBe(1);
  });

  it('server_not_started: the front answers, the server is down', async () => {
    await srv.setFault('server_not_started', true);
    const res = await get('/docs/');
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('Сервер не стартовал');
    expect((await metrics()).get('kserver_up')).toBe(0);
  });

  it('key_lost: seen by a signed-in smartlogin, in sysinfo and in the metrics', async () => {
    const cookie = cookieOf(await login('smartlogin', srv.state.profile.smartloginPassword));
    await srv.setFault('key_lost', true);
    expect(await (await get('/docs/', { cookie })).text()).toContain('data-notice="key_not_found"');
    expect(await (await get('/docs/')).text()).not.toContain('data-notice'); // anonymous: cannot tell
    expect(await sysinfoXml()).toMatch(/<senselock status="not_found" code="4111"/);
    expect((await metrics()).get('kserver_senselock_key_ok')).toBe(0);
  });

  it('licences_exhausted: users are turned away, smartlogin is not; refusals are counted', async () => {
    await srv.setFault('licences_exhausted', true);
    now = T0 + HOUR;
    const user = srv.state.profile.users[0]!;
    expect((await login(user.login, user.password)).status).toBe(403);
    expect((await login('smartlogin', srv.state.profile.smartloginPassword)).status).toBe(302);
    const xml = await sysinfoXml();
    expect(xml).toContain('<inuse>10</inuse>');
    expect((xml.match(/<refused /g) ?? []).length).toBeGreaterThanOrEqual(10);
    const m = await metrics();
    expect(m.get('kserver_licenses_in_use')).toBe(m.get('kserver_licenses_total'));
    expect(m.get('kserver_logons_refused_total')).toBeGreaterThanOrEqual(10);
  });

  it('db_error: the given code on DB volumes, in sysinfo and the metrics', async () => {
    await srv.setFault('db_error', true, { code: 2021 });
    expect(await sysinfoXml()).toMatch(/<error code="2021">Ошибка защиты \(2021\)/);
    const m = await metrics();
    expect(m.get('kserver_db_volume_errors:/docs:2021')).toBeGreaterThanOrEqual(1);
    expect(m.get('kserver_product_control:/docs')).toBe(1);
  });

  it('operups_stale: OperUp files days old', async () => {
    await srv.setFault('operups_stale', true);
    const xml = await sysinfoXml();
    const times = [...xml.matchAll(/<operup [^>]*modified="([^"]+)"/g)].map((m) => m[1]!);
    expect(times.length).toBeGreaterThan(0);
    for (const t of times) expect(t < '2026-04-17').toBe(true);
  });

  it('search_broken: searches fail from then on', async () => {
    await srv.setFault('search_broken', true);
    now = T0 + 2 * HOUR;
    expect(await sysinfoXml()).toMatch(/status="error"/);
    expect((await metrics()).get('kserver_search_errors_total')).toBeGreaterThan(0);
  });

  it('can be switched through the simulator admin endpoint', async () => {
    const post = (body: unknown): Promise<Response> =>
      fetch(`${srv.url}/__sim/faults`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post({ fault: 'maintenance', on: true })).status).toBe(200);
    expect((await get('/docs/')).status).toBe(503);
    const state = (await (await get('/__sim/state')).json()) as {
      faults: Record<string, unknown>;
      regnum: string;
    };
    expect(Object.keys(state.faults)).toEqual(['maintenance']);
    expect(state.regnum).toBe(srv.state.profile.regnum);
    expect((await post({ fault: 'maintenance', on: false })).status).toBe(200);
    expect((await get('/docs/')).status).toBe(200);
    expect((await post({ fault: 'meteor', on: true })).status).toBe(400);
    expect((await fetch(`${srv.url}/__sim/faults`, { method: 'POST', body: '{' })).status).toBe(400);
    // Even "down" can be switched on over HTTP (it is switched off through the library or the fleet).
    expect((await post({ fault: 'down', on: true })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(srv.state.listening).toBe(false);
  });
});

describe('a fleet', () => {
  let fleet: Fleet | null = null;
  afterEach(async () => {
    await fleet?.close();
    fleet = null;
  });

  it('runs N servers with distinct clients, on consecutive ports from a base', async () => {
    for (let attempt = 0; ; attempt++) {
      const base = 20_000 + Math.floor(Math.random() * 30_000);
      try {
        fleet = await startFleet({ installations: 3, portBase: base, seed: 5, clock: () => T0 });
        expect(fleet.servers.map((s) => s.port)).toEqual([base, base + 1, base + 2]);
        break;
      } catch (e) {
        if ((e as { code?: string }).code !== 'EADDRINUSE' || attempt > 5) throw e;
      }
    }
    const regnums = new Set(fleet.servers.map((s) => s.state.profile.regnum));
    expect(regnums.size).toBe(3);
    expect(fleet.servers.map((s) => s.state.profile.shortName)).toEqual(['sim0001', 'sim0002', 'sim0003']);
    for (const s of fleet.servers) expect((await fetch(`${s.url}/docs/`)).status).toBe(200);
  });

  it('switches faults per server through one control endpoint', async () => {
    fleet = await startFleet({ installations: 2, portBase: 0, seed: 5, controlPort: 0, clock: () => T0 });
    const control = fleet.controlUrl!;
    const post = (body: unknown): Promise<Response> =>
      fetch(`${control}/__sim/faults`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post({ server: 1, fault: 'down', on: true })).status).toBe(200);
    expect(await connectError(fleet.servers[1]!.port)).toBe('ECONNREFUSED');
    expect((await fetch(`${fleet.servers[0]!.url}/docs/`)).status).toBe(200);
    const state = (await (await fetch(`${control}/__sim/state`)).json()) as { listening: boolean }[];
    expect(state.map((s) => s.listening)).toEqual([true, false]);
    expect((await post({ server: 1, fault: 'down', on: false })).status).toBe(200);
    expect((await fetch(`${fleet.servers[1]!.url}/docs/`)).status).toBe(200);
    expect((await post({ server: 9, fault: 'down', on: true })).status).toBe(404);
  });

  it('stays light: a hundred servers start quickly', async () => {
    const t0 = performance.now();
    fleet = await startFleet({ installations: 100, portBase: 0, seed: 1 });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(new Set(fleet.servers.map((s) => s.port)).size).toBe(100);
    expect(existsSync(work)).toBe(true);
  });
});
