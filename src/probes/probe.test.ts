import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Fault, FaultOptions } from '../sim/kodeks/faults.js';
import { startKodeksServer, type KodeksServer } from '../sim/kodeks/server.js';
import { ping } from './icmp.js';
import { noStates } from './page-state.js';
import { probeInstallation, type ProbeOptions } from './probe.js';
import { SessionCache } from './session.js';
import { openStalledPort, type StalledPort } from './stalled-port.js';
import type { AbnormalState, CheckName, CheckOutcome, ProbeResult, ProbeTarget } from './types.js';

let srv: KodeksServer;
let stalled: StalledPort;
let licman: Server;
let licmanPort: number;
let closedPort: number;
let sessions: SessionCache;

/** ICMP is tested in icmp.test.ts; here it must not depend on the machine's ping privilege. */
const okPinger: typeof ping = () => Promise.resolve({ outcome: 'ok', rttMs: 0.1, detail: 'reply received' });

const listen = (s: Server): Promise<number> =>
  new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));

beforeAll(async () => {
  srv = await startKodeksServer({ seed: 31, profile: { users: 12, seats: 5 } });
  stalled = await openStalledPort();
  licman = createServer((s) => s.destroy());
  licmanPort = await listen(licman);
  const tmp = createServer();
  closedPort = await listen(tmp);
  await new Promise((r) => tmp.close(r));
});
afterAll(async () => {
  stalled.close();
  licman.close();
  await srv.close();
});
afterEach(async () => {
  for (const f of Object.keys(srv.state.faults) as Fault[]) await srv.setFault(f, false);
});

function target(over: Partial<ProbeTarget> = {}): ProbeTarget {
  return {
    address: '127.0.0.1',
    port: srv.port,
    protocol: 'http',
    catalogPath: srv.state.profile.catalogs[0]!.path,
    smartlogin: { user: 'smartlogin', password: srv.state.profile.smartloginPassword },
    icmp: true,
    behindProxy: false,
    licman: null,
    ...over,
  };
}

const run = (t: ProbeTarget = target(), o: ProbeOptions = {}): Promise<ProbeResult> =>
  probeInstallation(t, { timeoutMs: 2000, sessions, pinger: okPinger, ...o });

function outcomes(r: ProbeResult): Partial<Record<CheckName, CheckOutcome>> {
  return Object.fromEntries(r.checks.map((c) => [c.check, c.outcome]));
}
function codes(r: ProbeResult): Partial<Record<CheckName, number | string>> {
  return Object.fromEntries(r.checks.filter((c) => c.code !== undefined).map((c) => [c.check, c.code!]));
}
function detail(r: ProbeResult, check: CheckName): string | undefined {
  return r.checks.find((c) => c.check === check)?.detail;
}
const states = (s: Partial<Record<AbnormalState, number>> = {}): Record<AbnormalState, number> => ({
  ...noStates(),
  ...s,
});

const ALL_OK = {
  icmp: 'ok',
  tcp: 'ok',
  http200: 'ok',
  auth: 'ok',
  Maintenance: 'ok',
  warning: 'ok',
  key: 'ok',
  limit: 'ok',
} as const;
const UNREAD = {
  auth: 'unknown',
  Maintenance: 'unknown',
  warning: 'unknown',
  key: 'unknown',
  limit: 'unknown',
} as const;

async function expectHealthy(t: ProbeTarget = target()): Promise<ProbeResult> {
  const r = await run(t);
  expect(outcomes(r)).toEqual({ ...ALL_OK, ...(t.behindProxy ? { proxy: 'ok' } : {}) });
  expect(codes(r)).toMatchObject({ http200: 200 });
  expect(r.states).toEqual(states());
  expect(r.httpLatencyMs).toBeGreaterThan(0);
  return r;
}

interface Case {
  fault: Fault;
  options?: FaultOptions;
  probe?: ProbeOptions;
  checks: Partial<Record<CheckName, CheckOutcome>>;
  codes: Partial<Record<CheckName, number | string>>;
  states: Record<AbnormalState, number> | null;
}

const CASES: Case[] = [
  {
    fault: 'down',
    checks: { icmp: 'ok', tcp: 'failed', http200: 'failed', ...UNREAD },
    codes: { tcp: 'ECONNREFUSED', http200: 'ECONNREFUSED' },
    states: null,
  },
  {
    fault: 'tcp_closed',
    checks: { icmp: 'ok', tcp: 'ok', http200: 'failed', ...UNREAD },
    codes: { http200: 'ECONNRESET' },
    states: null,
  },
  {
    fault: 'reverse_proxy_down',
    checks: { icmp: 'ok', tcp: 'ok', http200: 'failed', ...UNREAD, proxy: 'failed' },
    codes: { http200: 502, proxy: 502 },
    states: states({ server_not_working: 502 }),
  },
  {
    fault: 'slow',
    options: { delayMs: 3000 },
    probe: { timeoutMs: 1000 },
    checks: { icmp: 'ok', tcp: 'ok', http200: 'failed', ...UNREAD },
    codes: { http200: 'ETIMEDOUT' },
    states: null,
  },
  {
    fault: 'maintenance',
    checks: {
      icmp: 'ok',
      tcp: 'ok',
      http200: 'suppressed',
      auth: 'suppressed',
      Maintenance: 'failed',
      warning: 'suppressed',
      key: 'suppressed',
      limit: 'suppressed',
    },
    codes: { http200: 503, Maintenance: 503 },
    states: states({ maintenance: 503 }),
  },
  {
    fault: 'needs_service',
    checks: { ...ALL_OK, warning: 'failed' },
    codes: { http200: 200, warning: 200 },
    states: states({ needs_service: 200 }),
  },
  {
    fault: 'server_not_started',
    checks: {
      ...ALL_OK,
      http200: 'failed',
      auth: 'unknown',
      warning: 'unknown',
      key: 'unknown',
      limit: 'unknown',
    },
    codes: { http200: 500 },
    states: states({ server_not_started: 500 }),
  },
  {
    fault: 'key_lost',
    checks: { ...ALL_OK, key: 'failed' },
    codes: { http200: 200, key: 200 },
    states: states({ key_not_found: 200 }),
  },
  {
    fault: 'licences_exhausted',
    checks: { ...ALL_OK, limit: 'failed' },
    codes: { http200: 200, limit: 200 },
    states: states({ licences_exhausted: 200 }),
  },
  {
    fault: 'db_error',
    options: { code: 603 },
    checks: { ...ALL_OK, warning: 'failed' },
    codes: { http200: 200, warning: 200 },
    states: states({ server_errors: 200 }),
  },
  {
    fault: 'search_broken',
    checks: { ...ALL_OK, warning: 'failed' },
    codes: { http200: 200, warning: 200 },
    states: states({ server_errors: 200 }),
  },
  { fault: 'operups_stale', checks: ALL_OK, codes: { http200: 200 }, states: states() },
];

describe('probeInstallation against the simulator, fault by fault', () => {
  beforeAll(() => {
    sessions = new SessionCache();
  });

  it.each(CASES.map((c) => [c.fault, c] as const))('%s', async (fault, c) => {
    await expectHealthy();
    await srv.setFault(fault, true, c.options);
    const r = await run(target(), c.probe);
    expect(outcomes(r)).toEqual(c.checks);
    expect(codes(r)).toEqual(c.codes);
    expect(r.states).toEqual(c.states);
    if (c.states === null) expect(r.httpLatencyMs).toBeNull();
    await srv.setFault(fault, false);
    await expectHealthy();
  });

  it('slow but within the timeout is ok', async () => {
    await expectHealthy(); // the session is cached: one request of 3 s
    await srv.setFault('slow', true, { delayMs: 3000 });
    const r = await run(target(), { timeoutMs: 6000 });
    expect(outcomes(r)).toEqual(ALL_OK);
    expect(detail(r, 'auth')).toBe('session reused');
    expect(r.httpLatencyMs).toBeGreaterThanOrEqual(2900);
  });

  it('details say why a check could not be judged', async () => {
    await srv.setFault('maintenance', true);
    const m = await run();
    expect(detail(m, 'Maintenance')).toBe('maintenance mode');
    expect(detail(m, 'key')).toBe('maintenance');
    await srv.setFault('maintenance', false);
    await srv.setFault('server_not_started', true);
    const s = await run();
    expect(detail(s, 'http200')).toBe('server not started');
    expect(detail(s, 'auth')).toBe('server not started');
    await srv.setFault('server_not_started', false);
    await srv.setFault('down', true);
    expect(detail(await run(), 'key')).toBe('no TCP connection (ECONNREFUSED)');
  });
});

describe('dependency rules', () => {
  beforeAll(() => {
    sessions = new SessionCache();
  });

  it('rule 2: a wrong smartlogin password fails auth; key, warning and limit are unknown', async () => {
    const t = target({ smartlogin: { user: 'smartlogin', password: 'wrong' } });
    const r = await run(t);
    expect(outcomes(r)).toEqual({
      ...ALL_OK,
      auth: 'failed',
      warning: 'unknown',
      key: 'unknown',
      limit: 'unknown',
    });
    expect(codes(r)).toEqual({ http200: 200, auth: 401 });
    expect(detail(r, 'key')).toBe('no smartlogin session');
    expect(r.states).toEqual(states());
    // warning can still fail on what everyone sees
    await srv.setFault('needs_service', true);
    expect(outcomes(await run(t))).toMatchObject({ auth: 'failed', warning: 'failed', key: 'unknown' });
    await srv.setFault('needs_service', false);
    // back to ok once the password is right
    await expectHealthy();
  });

  it('rule 2: a refused login (no free seat for a user account) is the same', async () => {
    const user = srv.state.profile.users[0]!;
    const t = target({ smartlogin: { user: user.login, password: user.password } });
    await expectHealthy(t);
    sessions.clear();
    await srv.setFault('licences_exhausted', true);
    const r = await run(t);
    expect(outcomes(r)).toEqual({
      ...ALL_OK,
      auth: 'failed',
      warning: 'unknown',
      key: 'unknown',
      limit: 'unknown',
    });
    expect(codes(r)).toEqual({ http200: 200, auth: 403 });
    expect(r.states).toEqual(states());
  });

  it('rule 3: without smartlogin, auth, key, warning and limit are unknown', async () => {
    const t = target({ smartlogin: null });
    const r = await run(t);
    expect(outcomes(r)).toEqual({
      ...ALL_OK,
      auth: 'unknown',
      warning: 'unknown',
      key: 'unknown',
      limit: 'unknown',
    });
    for (const c of ['auth', 'warning', 'key', 'limit'] as const) expect(detail(r, c)).toBe('no smartlogin');
    await srv.setFault('key_lost', true); // invisible without a session
    expect(outcomes(await run(t))).toMatchObject({ key: 'unknown' });
    await srv.setFault('needs_service', true); // visible to everyone
    const n = await run(t);
    expect(outcomes(n)).toMatchObject({ warning: 'failed', key: 'unknown' });
    expect(n.states).toEqual(states({ needs_service: 200 }));
  });

  it('rule 4: a TCP timeout fails tcp and http200; the rest is unknown', async () => {
    const r = await run(target({ port: stalled.port }), { timeoutMs: 500 });
    expect(outcomes(r)).toEqual({ icmp: 'ok', tcp: 'failed', http200: 'failed', ...UNREAD });
    expect(codes(r)).toEqual({ tcp: 'ETIMEDOUT', http200: 'ETIMEDOUT' });
    expect(r.states).toBeNull();
    expect(r.httpLatencyMs).toBeNull();
  });
});

describe('sessions', () => {
  it('signs in once across probes, and again when the ПК drops the session', async () => {
    sessions = new SessionCache();
    const before = srv.state.requests;
    for (let i = 0; i < 5; i++) await expectHealthy();
    // GET page + POST login + GET page, then one GET per probe
    expect(srv.state.requests - before).toBe(3 + 4);
    expect(sessions.size).toBe(1);

    srv.state.sessions.clear();
    const mark = srv.state.requests;
    const r = await expectHealthy();
    expect(detail(r, 'auth')).toBe('signed in');
    expect(srv.state.requests - mark).toBe(3);
    expect(detail(await expectHealthy(), 'auth')).toBe('session reused');
  });

  it('without catalogPath: GET / and one redirect to the catalog', async () => {
    sessions = new SessionCache();
    const t = target({ catalogPath: undefined });
    const before = srv.state.requests;
    await expectHealthy(t);
    await expectHealthy(t);
    expect(srv.state.requests - before).toBe(4 + 2);
    await srv.setFault('key_lost', true);
    expect(outcomes(await run(t))).toMatchObject({ key: 'failed' });
  });
});

describe('proxy and licence manager', () => {
  beforeAll(() => {
    sessions = new SessionCache();
  });

  it('proxy: ok through a working proxy, failed on its 502, unknown without a connection', async () => {
    const t = target({ behindProxy: true });
    await expectHealthy(t);
    await srv.setFault('reverse_proxy_down', true);
    const r = await run(t);
    expect(outcomes(r)).toMatchObject({ proxy: 'failed', http200: 'failed', Maintenance: 'unknown' });
    await srv.setFault('reverse_proxy_down', false);
    await srv.setFault('down', true);
    expect(outcomes(await run(t))).toMatchObject({ proxy: 'unknown', tcp: 'failed' });
    await srv.setFault('down', false);
    await expectHealthy(t);
  });

  it('licman: icmp and tcp to a listener, a closed port, and icmp only without a port', async () => {
    const up = await run(target({ licman: { address: '127.0.0.1', port: licmanPort } }));
    expect(outcomes(up)).toEqual({ ...ALL_OK, licman_icmp: 'ok', licman_tcp: 'ok' });
    const closed = await run(target({ licman: { address: '127.0.0.1', port: closedPort } }));
    expect(outcomes(closed)).toEqual({ ...ALL_OK, licman_icmp: 'ok', licman_tcp: 'failed' });
    expect(codes(closed).licman_tcp).toBe('ECONNREFUSED');
    const noPort = await run(target({ licman: { address: '127.0.0.1', port: null } }));
    expect(outcomes(noPort)).toEqual({ ...ALL_OK, licman_icmp: 'ok' });
  });

  it('with the system ping', async () => {
    const expected = (await ping('127.0.0.1', { timeoutMs: 2000 })).outcome; // ok, or unknown if not permitted
    const r = await probeInstallation(target({ licman: { address: '127.0.0.1', port: licmanPort } }), {
      timeoutMs: 2000,
      sessions,
    });
    expect(outcomes(r)).toEqual({ ...ALL_OK, icmp: expected, licman_icmp: expected, licman_tcp: 'ok' });
  });

  it('icmp and licman are not reported when not configured', async () => {
    const r = await run(target({ icmp: false }));
    expect(r.checks.map((c) => c.check)).toEqual([
      'tcp',
      'http200',
      'auth',
      'Maintenance',
      'warning',
      'key',
      'limit',
    ]);
  });
});

describe('a probe never throws', () => {
  it('an aborted probe stops at once and reports unknown', async () => {
    await srv.setFault('slow', true, { delayMs: 3000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const t0 = Date.now();
    const r = await run(target({ smartlogin: null }), { timeoutMs: 5000, signal: ac.signal });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(outcomes(r)).toEqual({ icmp: 'ok', tcp: 'ok', http200: 'unknown', ...UNREAD });
    expect(detail(r, 'http200')).toBe('aborted');
  });

  it('a throwing pinger, a bad port: outcomes, not exceptions', async () => {
    const boom: typeof ping = () => Promise.reject(new Error('boom'));
    const r = await run(target({ port: 70_000, licman: { address: '127.0.0.1', port: licmanPort } }), {
      pinger: boom,
      clock: () => 42,
    });
    expect(r.startedAt).toBe(42);
    expect(outcomes(r)).toEqual({
      icmp: 'unknown',
      tcp: 'failed',
      http200: 'failed',
      ...UNREAD,
      licman_icmp: 'unknown',
      licman_tcp: 'ok',
    });
    expect(detail(r, 'icmp')).toBe('probe error: boom');
    expect(codes(r).tcp).toBe('ERR_SOCKET_BAD_PORT');
  });
});
