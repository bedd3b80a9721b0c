/**
 * The online client against the real ДЦ simulator: profiles equal the ground truth, every fault maps onto
 * its error text, the search log matches, and no read ever spends a unit.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DC_FAULTS,
  searchLog,
  startDcServer,
  usageAt,
  type Account,
  type AccountSpec,
  type DcFault,
  type DcServer,
} from '../sim/dc/index.js';
import {
  ONLINE_KINDS,
  readProfile,
  readSearchLog,
  usedPercent,
  type OnlineErrorKind,
  type OnlineTarget,
  type ProfileOutcome,
  type SearchLogOutcome,
} from './index.js';

const HOUR = 3_600_000;
/** 2026-04-20 (Monday) 12:00 Moscow. */
const T0 = Date.UTC(2026, 3, 20, 9);
/** Short timeouts only where a timeout is the expected outcome; generous ones everywhere else. */
const HANG = { connectTimeoutMs: 400, readTimeoutMs: 5_000 };
const STALL = { connectTimeoutMs: 5_000, readTimeoutMs: 400 };
const NORMAL = { connectTimeoutMs: 5_000, readTimeoutMs: 5_000 };

const SPECS: AccountSpec[] = [
  { login: 'reg-msk', profile: 'regular', utcOffsetMin: 180 },
  { login: 'reg-vvo', profile: 'regular', utcOffsetMin: 600 },
  { login: 'reg-west', profile: 'regular', utcOffsetMin: -300 },
  { login: 'shr-ekb', profile: 'sharer', utcOffsetMin: 300 },
  { login: 'shr-msk', profile: 'sharer', utcOffsetMin: 180 },
  { login: 'idle-msk', profile: 'idle', utcOffsetMin: 180 },
  { login: 'idle-kgd', profile: 'idle', utcOffsetMin: 120 },
  { login: 'epi-nsk', profile: 'episodic', utcOffsetMin: 420 },
  { login: 'epi-msk', profile: 'episodic', utcOffsetMin: 180 },
  { login: 'epi-sam', profile: 'episodic', utcOffsetMin: 240 },
  // Two logins in one folder, in a half-hour time zone.
  { login: 'shared-a', folder: 'kodeks-shared', profile: 'regular', utcOffsetMin: 330 },
  { login: 'shared-b', folder: 'kodeks-shared', profile: 'sharer', utcOffsetMin: 330 },
];

let now = T0;
let dc: DcServer;

const account = (login: string): Account => {
  const a = dc.accounts.find((x) => x.login === login);
  if (!a) throw new Error(`no account ${login}`);
  return a;
};
const target = (a: Account, srv: DcServer = dc): OnlineTarget => ({
  baseUrl: srv.url,
  folder: a.folder,
  login: a.login,
  password: a.password,
});

/** Reads the profile and checks it against the simulator's ground truth at `now`. */
async function expectTruth(srv: DcServer, a: Account): Promise<void> {
  const r = await readProfile(target(a, srv), NORMAL);
  if (!r.ok) throw new Error(`${a.login}: ${r.error} ${r.code} ${r.message}`);
  const truth = srv.profileOf(a.login);
  expect(r.profile, a.login).toEqual(truth);
  expect(r.profile, a.login).toEqual(usageAt(a, now));
  for (const k of ONLINE_KINDS) {
    const t = truth[k];
    expect(usedPercent(r.profile[k])).toBe(t.limit === 0 ? 0 : ((t.limit - t.remaining) / t.limit) * 100);
  }
  expect(r.latencyMs).toBeGreaterThanOrEqual(0);
}

function expectFailure(
  r: ProfileOutcome | SearchLogOutcome,
  error: OnlineErrorKind,
  code: number | string,
): void {
  expect(r).toMatchObject({ ok: false, error, code });
}

beforeAll(async () => {
  dc = await startDcServer({ seed: 4242, accounts: SPECS, clock: () => now });
});
afterAll(async () => {
  await dc.close();
});
afterEach(() => {
  now = T0;
  for (const who of ['*', ...dc.accounts.map((a) => a.login)])
    for (const f of DC_FAULTS) dc.setFault(who, f, false);
  // The non-interference rule: no read, successful or not, spends a billing unit.
  expect(dc.consumed().total).toBe(0);
});

describe('readProfile against the simulator', () => {
  it('covers every usage profile', () => {
    expect(new Set(dc.accounts.map((a) => a.profile))).toEqual(
      new Set(['regular', 'sharer', 'idle', 'episodic']),
    );
  });

  it('equals the ground truth for every account at many instants', async () => {
    const instants = [
      T0,
      Date.UTC(2026, 3, 1, 0, 30), // early on the 1st (UTC), before or after local midnight depending on the zone
      Date.UTC(2026, 3, 4, 13), // a Saturday
      Date.UTC(2026, 3, 9, 6), // a sharer's busy first days
      Date.UTC(2026, 1, 28, 20, 59, 59, 999), // end of February in Moscow
      Date.UTC(2026, 4, 15, 12), // May: another episodic phase
      Date.UTC(2026, 5, 10, 7),
      Date.UTC(2025, 11, 31, 23),
    ];
    for (const t of instants) {
      now = t;
      for (const a of dc.accounts) await expectTruth(dc, a);
    }
    expect(dc.consumed().total).toBe(0);
  });

  it('shows real usage: something used, a sharer exhausted, an idle account nearly untouched', async () => {
    now = Date.UTC(2026, 3, 25, 12);
    const reg = await readProfile(target(account('reg-msk')), NORMAL);
    const shr = await readProfile(target(account('shr-msk')), NORMAL);
    const idle = await readProfile(target(account('idle-msk')), NORMAL);
    if (!reg.ok || !shr.ok || !idle.ok) throw new Error('read failed');
    expect(reg.profile.docs.used).toBeGreaterThan(0);
    expect(shr.profile.docs.remaining).toBe(0);
    expect(usedPercent(shr.profile.docs)).toBe(100);
    expect(usedPercent(idle.profile.docs)).toBeLessThanOrEqual(3);
  });

  it('follows the monthly reset at local midnight on the 1st (UTC+5)', async () => {
    const a = account('shr-ekb');
    const midnight = Date.UTC(2026, 4, 1) - a.utcOffsetMin * 60_000; // 2026-05-01 00:00 in UTC+5
    expect(new Date(midnight).toISOString()).toBe('2026-04-30T19:00:00.000Z');

    now = midnight - 1;
    const before = await readProfile(target(a), NORMAL);
    now = midnight;
    const at = await readProfile(target(a), NORMAL);
    now = midnight + 1;
    const after = await readProfile(target(a), NORMAL);
    now = midnight + 10 * HOUR; // 10:00 local, the sharer is at work again
    const morning = await readProfile(target(a), NORMAL);
    if (!before.ok || !at.ok || !after.ok || !morning.ok) throw new Error('read failed');

    expect(before.profile.month).toBe('2026-04');
    expect(before.profile.docs.used).toBeGreaterThan(0);
    expect(usedPercent(before.profile.docs)).toBeGreaterThan(0);
    for (const r of [at, after]) {
      expect(r.profile.month).toBe('2026-05');
      for (const k of ONLINE_KINDS) {
        expect(r.profile[k].used).toBe(0);
        expect(r.profile[k].remaining).toBe(r.profile[k].limit);
        expect(usedPercent(r.profile[k])).toBe(0);
      }
    }
    expect(morning.profile.month).toBe('2026-05');
    expect(morning.profile.docs.used).toBeGreaterThan(0);

    // In UTC it is still April 30 at 19:00 — a Moscow account has not reset yet.
    now = midnight + 1;
    const msk = await readProfile(target(account('shr-msk')), NORMAL);
    if (!msk.ok) throw new Error('read failed');
    expect(msk.profile.month).toBe('2026-04');
    for (const login of ['shr-ekb', 'shr-msk', 'reg-west', 'shared-a']) await expectTruth(dc, account(login));
  });

  it('resets every account at its own local midnight', async () => {
    for (const a of dc.accounts) {
      const midnight = Date.UTC(2026, 5, 1) - a.utcOffsetMin * 60_000;
      for (const t of [midnight - 1_000, midnight - 1, midnight, midnight + 1, midnight + 1_000]) {
        now = t;
        await expectTruth(dc, a);
      }
      now = midnight + 1;
      const r = await readProfile(target(a), NORMAL);
      if (!r.ok) throw new Error('read failed');
      expect(r.profile.month).toBe('2026-06');
      expect(r.profile.docs.used).toBe(0);
    }
  });

  it('reads two logins of one folder separately', async () => {
    const a = await readProfile(target(account('shared-a')), NORMAL);
    const b = await readProfile(target(account('shared-b')), NORMAL);
    if (!a.ok || !b.ok) throw new Error('read failed');
    expect(a.profile).toEqual(dc.profileOf('shared-a'));
    expect(b.profile).toEqual(dc.profileOf('shared-b'));
    expect(a.profile).not.toEqual(b.profile);
  });

  it('matches generated accounts too (another seed)', async () => {
    const other = await startDcServer({ seed: 77, accounts: 24, clock: () => now });
    try {
      for (const t of [T0, Date.UTC(2026, 6, 1, 2), Date.UTC(2026, 8, 30, 15)]) {
        now = t;
        for (const a of other.accounts) await expectTruth(other, a);
      }
      expect(other.consumed().total).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe('faults', () => {
  const cases: [DcFault, OnlineErrorKind, number | string][] = [
    ['wrong_password', 'LoginPasswordError', 401],
    ['connection_timeout', 'ConnectionTimeout', 'CONNECT_TIMEOUT'],
    ['read_timeout', 'ReadTimeOut', 'READ_TIMEOUT'],
    ['http_4xx', 'OtherErrorCode400+', 403],
    ['http_5xx', 'HTTPError', 500],
  ];

  it.each(cases)('%s → %s (%s), then recovers', async (fault, error, code) => {
    const a = account('reg-msk');
    const bystander = account('idle-msk');
    dc.setFault(a.login, fault, true);
    const o = fault === 'connection_timeout' ? HANG : fault === 'read_timeout' ? STALL : NORMAL;
    const r = await readProfile(target(a), o);
    expectFailure(r, error, code);
    if (!r.ok) {
      expect(r.message).not.toBe('');
      if (fault === 'connection_timeout' || fault === 'read_timeout')
        expect(r.latencyMs).toBeGreaterThanOrEqual(400 - 20);
      expect(r.latencyMs).toBeLessThan(5_000);
    }
    expectFailure(await readSearchLog(target(a), '2026-04-17', o), error, code);
    await expectTruth(dc, bystander); // another folder is not affected

    dc.setFault(a.login, fault, false);
    await expectTruth(dc, a);
    const log = await readSearchLog(target(a), '2026-04-17', NORMAL);
    expect(log.ok).toBe(true);
  });

  it('a fault for every account (*) hits all, and switching it off recovers all', async () => {
    dc.setFault('*', 'http_5xx', true);
    for (const a of dc.accounts) expectFailure(await readProfile(target(a), NORMAL), 'HTTPError', 500);
    dc.setFault('*', 'http_5xx', false);
    for (const a of dc.accounts) await expectTruth(dc, a);
  });

  it('a fault on one login of a shared folder leaves the other login readable', async () => {
    dc.setFault('shared-a', 'wrong_password', true);
    expectFailure(await readProfile(target(account('shared-a')), NORMAL), 'LoginPasswordError', 401);
    await expectTruth(dc, account('shared-b'));
  });

  it('the most severe of several faults wins', async () => {
    const a = account('epi-msk');
    dc.setFault(a.login, 'wrong_password', true);
    dc.setFault(a.login, 'http_4xx', true);
    expectFailure(await readProfile(target(a), NORMAL), 'OtherErrorCode400+', 403);
    dc.setFault(a.login, 'read_timeout', true);
    expectFailure(await readProfile(target(a), STALL), 'ReadTimeOut', 'READ_TIMEOUT');
  });

  it('a really wrong password, an unknown login and an unknown folder', async () => {
    const a = account('reg-vvo');
    expectFailure(await readProfile({ ...target(a), password: 'nope' }, NORMAL), 'LoginPasswordError', 401);
    expectFailure(await readProfile({ ...target(a), login: 'nobody' }, NORMAL), 'LoginPasswordError', 401);
    // The login of another folder does not open this one.
    expectFailure(
      await readProfile({ ...target(a), folder: account('reg-msk').folder }, NORMAL),
      'LoginPasswordError',
      401,
    );
    expectFailure(
      await readProfile({ ...target(a), folder: 'no-such-folder' }, NORMAL),
      'LoginPasswordError',
      404,
    );
  });

  it('a closed port is a ConnectionError (ECONNREFUSED)', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const t = { ...target(account('reg-msk')), baseUrl: `http://127.0.0.1:${port}` };
    expectFailure(await readProfile(t, NORMAL), 'ConnectionError', 'ECONNREFUSED');
    expectFailure(await readSearchLog(t, '2026-04-17', NORMAL), 'ConnectionError', 'ECONNREFUSED');
  });

  it('a closed simulator is a ConnectionError, a new one on the same port recovers', async () => {
    const a = account('idle-kgd');
    const tmp = await startDcServer({ seed: 4242, accounts: SPECS, clock: () => now });
    await expectTruth(tmp, a);
    const port = tmp.port;
    await tmp.close();
    expectFailure(await readProfile(target(a, tmp), NORMAL), 'ConnectionError', 'ECONNREFUSED');
    const again = await startDcServer({ seed: 4242, accounts: SPECS, clock: () => now, port });
    try {
      await expectTruth(again, a);
      expect(again.consumed().total).toBe(0);
    } finally {
      await again.close();
    }
  });
});

describe('readSearchLog against the simulator', () => {
  const DATES = ['2026-04-20', '2026-04-17', '2026-04-18', '2026-04-01', '2026-03-31', '2026-04-21'];

  it('equals searchLog(account, date) with times in UTC ms, for every account and several days', async () => {
    let total = 0;
    for (const a of dc.accounts) {
      for (const date of DATES) {
        const r = await readSearchLog(target(a), date, NORMAL);
        if (!r.ok) throw new Error(`${a.login} ${date}: ${r.error} ${r.message}`);
        const truth = searchLog(a, date, now).map((e) => ({ ...e, time: Date.parse(e.time) }));
        expect(r.entries, `${a.login} ${date}`).toEqual(truth);
        for (const e of r.entries) {
          expect(e.user).toBe(a.login);
          expect(e.time).toBeLessThanOrEqual(now);
        }
        total += r.entries.length;
      }
    }
    expect(total).toBeGreaterThan(100);
    expect(dc.consumed().total).toBe(0);
  });

  it('converts local times with the access offset: the day lies within that local day, in working hours', async () => {
    for (const login of ['reg-vvo', 'reg-west', 'shared-a', 'shr-ekb']) {
      const a = account(login);
      const r = await readSearchLog(target(a), '2026-04-03', NORMAL); // a Friday, early in the month
      if (!r.ok) throw new Error(r.message);
      expect(r.entries.length, login).toBeGreaterThan(0);
      const dayStart = Date.UTC(2026, 3, 3) - a.utcOffsetMin * 60_000;
      for (const e of r.entries) {
        expect(e.time).toBeGreaterThanOrEqual(dayStart + 9 * HOUR);
        expect(e.time).toBeLessThanOrEqual(dayStart + 18 * HOUR);
      }
      // A full past day has one entry per unit the Поиск counter gained that day.
      const gained = usageAt(a, dayStart + 24 * HOUR - 1).search.used - usageAt(a, dayStart).search.used;
      expect(r.entries.length, login).toBe(gained);
    }
  });

  it('today is known only up to the simulated now, and grows with it', async () => {
    const a = account('reg-msk');
    now = Date.UTC(2026, 3, 20, 8); // 11:00 Moscow
    const early = await readSearchLog(target(a), '2026-04-20', NORMAL);
    now = Date.UTC(2026, 3, 20, 14); // 17:00 Moscow
    const late = await readSearchLog(target(a), '2026-04-20', NORMAL);
    if (!early.ok || !late.ok) throw new Error('read failed');
    expect(late.entries.length).toBeGreaterThan(early.entries.length);
    expect(late.entries.slice(0, early.entries.length)).toEqual(early.entries);
    expect(Math.max(...early.entries.map((e) => e.time))).toBeLessThanOrEqual(Date.UTC(2026, 3, 20, 8));
  });

  it('an invalid date is refused before any request', async () => {
    await expect(readSearchLog(target(account('reg-msk')), '2026-02-30')).rejects.toThrow(RangeError);
    await expect(readSearchLog(target(account('reg-msk')), '20.04.2026')).rejects.toThrow(RangeError);
  });

  it('many reads of every account leave consumed() at zero', async () => {
    for (let i = 0; i < 3; i++)
      for (const a of dc.accounts) {
        expect((await readProfile(target(a), NORMAL)).ok).toBe(true);
        expect((await readSearchLog(target(a), '2026-04-20', NORMAL)).ok).toBe(true);
      }
    expect(dc.consumed()).toEqual({ docs: 0, search: 0, print: 0, export: 0, total: 0 });
  });
});
