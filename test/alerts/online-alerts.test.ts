/**
 * Scenario: an online access read through the DC simulator with the real poller functions (profile
 * reads, failures, the nightly search log), and crafted profile readings where a remainder or a
 * calendar day must be exact. Each alert must fire with its labels, mail the manager, and resolve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAlertDef } from '../../src/alerts/catalogue.js';
import { evaluateSubjects } from '../../src/alerts/engine.js';
import { createOnlineAccess, type OnlineAccess } from '../../src/inventory/online.js';
import { readProfile } from '../../src/online/client.js';
import {
  catchUpSearchLog,
  storeFailure,
  storeProfile,
  type OnlineAccessTarget,
} from '../../src/online/poller.js';
import type { OnlineKind, OnlineProfile } from '../../src/online/types.js';
import { searchLog, startDcServer, type DcServer } from '../../src/sim/dc/index.js';
import { DB_KINDS } from '../helpers/db.js';
import { DAY, HOUR, MANAGER_MAIL, MIN, op, startAlertWorld, type AlertWorld } from './harness.js';

/** The access's zone: UTC+5. */
const OFFSET = 300;
const HOST = 'dc1.example.ru';
const READ = { connectTimeoutMs: 2_000, readTimeoutMs: 2_000 };

type Labels = Record<string, string>;

/** UTC ms of a local wall time in the access's zone. */
const local = (y: number, m: number, d: number, h = 12, min = 0) =>
  Date.UTC(y, m - 1, d, h, min) - OFFSET * MIN;

describe.each(DB_KINDS)('online accesses → alerts → messages (%s)', (kind) => {
  let w: AlertWorld;
  let dc: DcServer;
  let access: OnlineAccess;
  let target: OnlineAccessTarget;

  const evaluate = async () => {
    await evaluateSubjects(w.t.ctx, { online: [access.id] });
  };
  /** One real profile read through the simulator, stored as the poller does, then evaluated. */
  const poll = async () => {
    const r = await readProfile(target, READ);
    const at = w.t.clock.now();
    if (r.ok) await storeProfile(w.t.ctx, target, r.profile, at);
    else await storeFailure(w.t.ctx, target, r, at);
    await evaluate();
    return r;
  };
  /** A crafted reading: every limit 1000, remainders as given (others untouched: 1000). */
  const reading = async (remaining: Partial<Record<OnlineKind, number>>) => {
    const now = w.t.clock.now();
    const month = new Date(now + OFFSET * MIN).toISOString().slice(0, 7);
    const lim = (k: OnlineKind) => {
      const r = remaining[k] ?? 1000;
      return { limit: 1000, used: 1000 - r, remaining: r };
    };
    const p: OnlineProfile = {
      month,
      docs: lim('docs'),
      search: lim('search'),
      print: lim('print'),
      export: lim('export'),
    };
    await storeProfile(w.t.ctx, target, p, now);
    await evaluate();
  };
  const openRows = () => w.openRowsOf('online', access.id);
  const openNames = async () => (await openRows()).map((r) => r.name).sort();
  const expectFiring = async (name: string, extra: Labels = {}) => {
    const rows = (await openRows()).filter((r) => r.name === name);
    expect(rows, `${name} open`).toHaveLength(1);
    expect(rows[0]!.state).toBe('firing');
    expect(JSON.parse(rows[0]!.labels)).toMatchObject({
      alertname: name,
      dealer: 'alrt',
      client: 'romashka',
      online: String(access.id),
      user: access.login,
      url: `http://${HOST}`,
      catalog: access.folder,
      ...extra,
    });
  };
  const expectMail = async (before: number, name: string) => {
    await w.drain();
    const def = requireAlertDef(name);
    const mails = w.smtp.messages
      .slice(before)
      .filter((m) => m.to.includes(MANAGER_MAIL) && m.subject.startsWith('[FIRING:1]'))
      .map((m) => m.subject);
    expect(mails).toContain(`[FIRING:1] ${name} ${def.priority} ${def.importance} romashka`);
  };
  const expectResolvedMail = async (before: number, name: string) => {
    expect(await w.resolvedMailNames(before), `${name} RESOLVED mail`).toContain(name);
  };

  beforeAll(async () => {
    w = await startAlertWorld(kind);
    // Monday 2026-02-02, 15:00 at UTC+5.
    w.t.clock.t = local(2026, 2, 2, 15);
    dc = await startDcServer({
      seed: 5,
      clock: () => w.t.clock.now(),
      accounts: [
        {
          profile: 'regular',
          utcOffsetMin: OFFSET,
          limits: { docs: 5000, search: 5000, print: 5000, export: 5000 },
        },
      ],
    });
    const acc = dc.accounts[0]!;
    access = await createOnlineAccess(w.t.ctx, op, {
      clientId: w.client.id,
      login: acc.login,
      password: acc.password,
      host: HOST,
      folder: acc.folder,
      protocol: 'http',
      utcOffsetMin: OFFSET,
      managers: [{ managerId: w.manager.id, email: MANAGER_MAIL }],
    });
    target = {
      accessId: access.id,
      dealerId: w.dealer.id,
      host: HOST,
      utcOffsetMin: OFFSET,
      baseUrl: dc.url,
      folder: acc.folder,
      login: acc.login,
      password: acc.password,
    };
  });
  afterAll(async () => {
    await dc?.close();
    await w?.close();
  });

  it('a healthy read opens nothing', async () => {
    const r = await poll();
    expect(r.ok).toBe(true);
    expect(await openNames()).toEqual([]);
  });

  it('wrong_password: OnlineLoginFailed fires, then resolves once the password works again', async () => {
    const before = w.smtp.messages.length;
    const def = requireAlertDef('OnlineLoginFailed');
    dc.setFault(access.login, 'wrong_password', true);
    w.t.clock.advance(HOUR);
    const r = await poll();
    expect(r.ok).toBe(false);
    if (def.forMs > 0) {
      expect((await openRows()).map((x) => x.state)).toEqual(['pending']);
      w.t.clock.advance(def.forMs);
      await poll();
    }
    expect(await openNames()).toEqual(['OnlineLoginFailed']);
    await expectFiring('OnlineLoginFailed');
    await expectMail(before, 'OnlineLoginFailed');
    dc.setFault(access.login, 'wrong_password', false);
    w.t.clock.advance(HOUR);
    expect((await poll()).ok).toBe(true);
    if (def.keepFiringForMs > 0) {
      w.t.clock.advance(def.keepFiringForMs + 1_000);
      await poll();
    }
    expect(await openNames()).toEqual([]);
    await expectResolvedMail(before, 'OnlineLoginFailed');
  });

  it('OnlineUserActivityIsLow10/20/30 in the access’s zone, February’s last day counting as the 30th', async () => {
    const before = w.smtp.messages.length;
    // 9th, 23:30 at UTC+5: the 9th, nothing yet.
    w.t.clock.t = local(2026, 2, 9, 23, 30);
    await reading({ docs: 996 });
    expect(await openNames()).toEqual([]);
    // 10th, 00:30 at UTC+5 (still the 9th in UTC): 0.5% used < 3%.
    w.t.clock.t = local(2026, 2, 10, 0, 30);
    await reading({ docs: 995 });
    expect(await openNames()).toEqual(['OnlineUserActivityIsLow10']);
    await expectFiring('OnlineUserActivityIsLow10');
    await expectMail(before, 'OnlineUserActivityIsLow10');
    // 20th: 4% < 10%: the 20 window replaces the 10 one.
    w.t.clock.t = local(2026, 2, 20, 0, 30);
    await reading({ docs: 960 });
    expect(await openNames()).toEqual(['OnlineUserActivityIsLow20']);
    await expectFiring('OnlineUserActivityIsLow20');
    await expectMail(before, 'OnlineUserActivityIsLow20');
    // 27th: still the 20 window.
    w.t.clock.t = local(2026, 2, 27, 23, 0);
    await reading({ docs: 930 });
    expect(await openNames()).toEqual(['OnlineUserActivityIsLow20']);
    // 28th February, 00:30 at UTC+5 (the 27th in UTC): the last day is the 30th; 10% < 15%.
    w.t.clock.t = local(2026, 2, 28, 0, 30);
    await reading({ docs: 900 });
    expect(await openNames()).toEqual(['OnlineUserActivityIsLow30']);
    await expectFiring('OnlineUserActivityIsLow30');
    await expectMail(before, 'OnlineUserActivityIsLow30');
    // Users catch up: 20% ≥ 15%.
    w.t.clock.advance(HOUR);
    await reading({ docs: 800 });
    expect(await openNames()).toEqual([]);
    await expectResolvedMail(before, 'OnlineUserActivityIsLow30');
    const resolved = w.smtp.messages
      .slice(before)
      .filter((m) => m.subject.startsWith('[RESOLVED]'))
      .map((m) => m.subject.split(' ')[1]);
    expect(resolved).toEqual(
      expect.arrayContaining(['OnlineUserActivityIsLow10', 'OnlineUserActivityIsLow20']),
    );
  });

  it('OnlineAccessUnused after 5 working days without use; a spent unit resolves it', async () => {
    // Monday 2 March: units spent (first reading of the month).
    w.t.clock.t = local(2026, 3, 2, 12);
    await reading({ docs: 900 });
    expect(await openNames()).toEqual([]);
    const before = w.smtp.messages.length;
    // Monday 9 March, unchanged: 4 working days between (3–6 March).
    w.t.clock.t = local(2026, 3, 9, 12);
    await reading({ docs: 900 });
    expect(await openNames()).toEqual([]);
    // Tuesday 10 March: 5 working days (3–6, 9 March).
    w.t.clock.t = local(2026, 3, 10, 12);
    await reading({ docs: 900 });
    expect(await openNames()).toEqual(['OnlineAccessUnused']);
    await expectFiring('OnlineAccessUnused');
    const row = (await openRows())[0]!;
    expect(row.value).toBe(5);
    await expectMail(before, 'OnlineAccessUnused');
    w.t.clock.advance(HOUR);
    await reading({ docs: 899 });
    expect(await openNames()).toEqual([]);
    await expectResolvedMail(before, 'OnlineAccessUnused');
  });

  const WORD: Record<OnlineKind, string> = {
    docs: 'Docs',
    print: 'Print',
    search: 'Search',
    export: 'Upload',
  };
  for (const k of ['docs', 'print', 'search', 'export'] as const) {
    for (const [remaining, level] of [
      [149, '150'],
      [49, '50'],
      [0, 'Zero'],
    ] as const) {
      const name = `OnlineBilling${WORD[k]}Left${level}`;
      it(`${k} remainder ${remaining}: ${name} (exclusive), resolved when the limit is topped up`, async () => {
        const before = w.smtp.messages.length;
        w.t.clock.advance(HOUR);
        await reading({ docs: 890, [k]: remaining });
        expect(await openNames()).toEqual([name]);
        await expectFiring(name, { kind: k });
        await expectMail(before, name);
        w.t.clock.advance(MIN);
        await reading({ docs: 880, [k]: 150 });
        expect(await openNames()).toEqual([]);
        await expectResolvedMail(before, name);
      });
    }
  }

  it('KodeksSearchIsEmpty from the nightly search log of the simulator, resolved when it ages out', async () => {
    const before = w.smtp.messages.length;
    // Wednesday 11 March, 04:00 at UTC+5: the nightly read of yesterday (10 March).
    w.t.clock.t = local(2026, 3, 11, 4);
    const r = await catchUpSearchLog(w.t.ctx, target, w.t.clock.now(), READ);
    expect(r).toEqual({ ok: true, days: expect.any(Number) });
    const acc = dc.accounts[0]!;
    const empties = searchLog(acc, '2026-03-10').filter((e) => e.status === 'empty');
    expect(empties.length).toBeGreaterThan(0);
    await evaluate();
    const rows = (await openRows()).filter((x) => x.name === 'KodeksSearchIsEmpty');
    const keys = new Set(empties.map((e) => `${e.user}\u0000${e.query}`));
    expect(rows.length).toBeLessThanOrEqual(keys.size);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.state).toBe('firing');
      const labels = JSON.parse(row.labels) as Labels;
      expect(labels).toMatchObject({
        alertname: 'KodeksSearchIsEmpty',
        dealer: 'alrt',
        client: 'romashka',
        online: String(access.id),
        user: acc.login,
        catalog: acc.folder,
      });
      expect(empties.map((e) => e.query)).toContain(labels.query);
    }
    await w.drain();
    const def = requireAlertDef('KodeksSearchIsEmpty');
    const mails = w.smtp.messages
      .slice(before)
      .filter((m) => m.to.includes(MANAGER_MAIL) && m.subject.includes(' KodeksSearchIsEmpty '));
    expect(mails.map((m) => m.subject)).toContain(
      `[FIRING:${rows.length}] KodeksSearchIsEmpty ${def.priority} ${def.importance} romashka`,
    );
    // Two days later (window 24 h + a day of lateness) the empty searches are out of the window.
    w.t.clock.advance(2 * DAY + HOUR);
    await evaluate();
    expect(await openNames()).not.toContain('KodeksSearchIsEmpty');
    await expectResolvedMail(before, 'KodeksSearchIsEmpty');
  });
});
