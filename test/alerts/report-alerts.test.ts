/**
 * Scenario: an agent installation's reports (sysinfo and .status) come from the Kodeks simulator with
 * each fault on, go through the real parser and store, and the exact alert (name, labels, priority)
 * must fire, reach the manager's mailbox, and resolve once a healthy report (or healthy data) follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAlertDef } from '../../src/alerts/catalogue.js';
import { evaluateSubjects } from '../../src/alerts/engine.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import type { FaultState } from '../../src/sim/kodeks/faults.js';
import {
  generateStatusFile,
  generateSysinfoXmlString,
  type ClientProfile,
} from '../../src/sim/kodeks/index.js';
import { DB_KINDS } from '../helpers/db.js';
import {
  DAY,
  HOUR,
  MANAGER_MAIL,
  MIN,
  op,
  openReportSpool,
  quietClientProfile,
  startAlertWorld,
  type AlertWorld,
  type ReportSpool,
} from './harness.js';
import { userUsageDay } from '../helpers/usage.js';

/** Tuesday 2026-03-10 10:00 UTC (13:00 in Moscow): a working day, before the 20th. */
const T0 = Date.UTC(2026, 2, 10, 10, 0);

type Labels = Record<string, string>;

describe.each(DB_KINDS)('report faults → alerts → messages (%s)', (kind) => {
  let w: AlertWorld;
  let inst: Installation;
  let profile: ClientProfile;
  let spool: ReportSpool;

  /** Faults switched on an hour ago (so event-like faults have produced events by now). */
  const faults = (...names: (keyof FaultState)[]): FaultState =>
    Object.fromEntries(names.map((n) => [n, { since: w.t.clock.now() - HOUR }]));
  const faultsWithCode = (code: number): FaultState => ({
    db_error: { since: w.t.clock.now() - HOUR, code },
  });
  /** Both channels of the agent report now. */
  const report = async (sys: FaultState = {}, status: FaultState = sys, i = inst): Promise<void> => {
    const now = w.t.clock.now();
    await spool.ingest(i, 'sysinfo', generateSysinfoXmlString(profile, now, { faults: sys }));
    await spool.ingest(i, 'status', generateStatusFile(profile, now, { faults: status }));
  };
  const evaluate = async (i = inst) => {
    await evaluateSubjects(w.t.ctx, { installations: [i.id] });
  };
  const openRows = async (i = inst) => w.openRowsOf('installation', i.id);
  const openKeys = async (i = inst) =>
    (await openRows(i)).map((r) => `${r.name}@${r.fingerprint}:${r.state}`).sort();

  const hostOf = async (i: Installation) => {
    const r = await w.t.ctx.db
      .selectFrom('installations')
      .select(['address', 'source_key'])
      .where('id', '=', i.id)
      .executeTakeFirstOrThrow();
    return r.address ?? r.source_key;
  };

  /** The open instance of `name` must be firing with the subject's labels and `extra`. */
  const expectFiring = async (name: string, extra: Labels = {}, i = inst) => {
    const rows = (await openRows(i)).filter(
      (r) =>
        r.name === name && Object.entries(extra).every(([k, v]) => (JSON.parse(r.labels) as Labels)[k] === v),
    );
    expect(rows, `${name} open`).toHaveLength(1);
    const row = rows[0]!;
    expect(row.state, `${name} state`).toBe('firing');
    const labels = JSON.parse(row.labels) as Labels;
    expect(labels).toMatchObject({
      alertname: name,
      dealer: 'alrt',
      client: 'romashka',
      installation: String(i.id),
      host: await hostOf(i),
      ...extra,
    });
    return row;
  };
  const expectMails = async (mailsBefore: number, names: string[]) => {
    await w.drain();
    const mails = w.smtp.messages.slice(mailsBefore).filter((m) => m.to.includes(MANAGER_MAIL));
    for (const name of names) {
      const def = requireAlertDef(name);
      const firing = mails.filter(
        (m) => m.subject.startsWith('[FIRING:1]') && m.subject.includes(` ${name} `),
      );
      expect(firing, `${name} mail to the manager`).toHaveLength(1);
      expect(firing[0]!.subject).toBe(`[FIRING:1] ${name} ${def.priority} ${def.importance} romashka`);
    }
  };
  const expectResolvedMails = async (mailsBefore: number, names: string[]) => {
    const resolved = await w.resolvedMailNames(mailsBefore);
    for (const name of names) expect(resolved, `${name} RESOLVED mail`).toContain(name);
  };
  const expectClosed = async (names: string[], i = inst) => {
    const open = (await openRows(i)).map((r) => r.name);
    for (const name of names) expect(open, `${name} resolved`).not.toContain(name);
  };

  /**
   * One fault case: a healthy baseline, the faulty report (the exact set of new alerts), mails, then a
   * healthy report later and everything resolved with RESOLVED mails.
   */
  const faultCase = async (
    sys: FaultState,
    status: FaultState,
    expected: { name: string; labels?: Labels }[],
    opts: { healthyAfterMs?: number; atNoon?: boolean } = {},
  ) => {
    expect(await openKeys()).toEqual([]);
    const mailsBefore = w.smtp.messages.length;
    const names = expected.map((e) => e.name);
    const forMs = Math.max(...names.map((n) => requireAlertDef(n).forMs));
    const keepMs = Math.max(...names.map((n) => requireAlertDef(n).keepFiringForMs));
    if (opts.atNoon) {
      // The next day at 12:00 in Moscow, when users search.
      const day = Math.floor(w.t.clock.now() / DAY) + 1;
      w.t.clock.t = day * DAY + 9 * HOUR;
    } else w.t.clock.advance(HOUR);
    await report(sys, status);
    await evaluate();
    if (forMs > 0) {
      // Conditions that may flap wait their `for` while the next status file still shows the fault.
      expect((await openRows()).map((r) => r.state)).toEqual(names.map(() => 'pending'));
      w.t.clock.advance(forMs + 1_000);
      await spool.ingest(inst, 'status', generateStatusFile(profile, w.t.clock.now(), { faults: status }));
      await evaluate();
    }
    expect((await openRows()).map((r) => r.name).sort()).toEqual([...names].sort());
    for (const e of expected) await expectFiring(e.name, e.labels);
    await expectMails(mailsBefore, names);
    w.t.clock.advance(opts.healthyAfterMs ?? 3 * HOUR);
    await report();
    await evaluate();
    if (keepMs > 0) {
      // Hysteresis: still firing at the first healthy report, resolved once clear long enough.
      expect((await openRows()).map((r) => r.state)).toEqual(names.map(() => 'firing'));
      w.t.clock.advance(keepMs + 1_000);
      await report();
      await evaluate();
    }
    await expectClosed(names);
    await expectResolvedMails(mailsBefore, names);
    expect(await openKeys()).toEqual([]);
  };

  beforeAll(async () => {
    w = await startAlertWorld(kind);
    w.t.clock.t = T0;
    profile = quietClientProfile();
    spool = openReportSpool(w, profile);
    inst = await createInstallation(w.t.ctx, op, {
      clientId: w.client.id,
      kind: 'agent',
      utcOffsetMin: 180,
      managers: [{ managerId: w.manager.id, email: MANAGER_MAIL }],
    });
    await report();
    await evaluate();
  });
  afterAll(async () => {
    await w?.close();
    spool?.remove();
  });

  it('a healthy report opens nothing and sends nothing', async () => {
    expect(await openKeys()).toEqual([]);
    expect(w.smtp.messages).toHaveLength(0);
  });

  it('key_lost: KodeksXmlSensLockStatus (sysinfo) and KodeksOfflineSensLockCheck (status)', async () => {
    await faultCase(faults('key_lost'), faults('key_lost'), [
      { name: 'KodeksXmlSensLockStatus' },
      { name: 'KodeksOfflineSensLockCheck' },
    ]);
  });

  it('db_error 2007: KodeksDBerrorsCode2007', async () => {
    await faultCase(faultsWithCode(2007), {}, [
      { name: 'KodeksDBerrorsCode2007', labels: { codes: '2007' } },
    ]);
  });

  it('db_error 600: KodeksDBerrorsCodeXXX', async () => {
    await faultCase(faultsWithCode(600), {}, [{ name: 'KodeksDBerrorsCodeXXX', labels: { codes: '600' } }]);
  });

  it('db_error without a code: KodeksDBerrorsNoCode', async () => {
    await faultCase(faultsWithCode(0), {}, [{ name: 'KodeksDBerrorsNoCode' }]);
    const row = await w.t.ctx.db
      .selectFrom('alert_instances')
      .select(['labels', 'text', 'value'])
      .where('name', '=', 'KodeksDBerrorsNoCode')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    // No code to show: no `codes` label, and the text quotes the ПК's message instead.
    expect(JSON.parse(row.labels)).not.toHaveProperty('codes');
    expect(row.text).toMatch(/ошибка без кода: «Том .* недоступен: внутренняя ошибка базы»/);
    expect(row.value).toBeGreaterThanOrEqual(1);
  });

  it('operups_stale: KodeksDBOperUpToOld with the newest file name', async () => {
    const before = w.smtp.messages.length;
    w.t.clock.advance(HOUR);
    await report(faults('operups_stale'), {});
    await evaluate();
    expect((await openRows()).map((r) => r.name)).toEqual(['KodeksDBOperUpToOld']);
    const row = await expectFiring('KodeksDBOperUpToOld');
    const files = await w.t.ctx.db
      .selectFrom('installation_operups')
      .select(['path', 'modified_at'])
      .where('installation_id', '=', inst.id)
      .orderBy('modified_at', 'desc')
      .execute();
    expect(row.filename).toBe(files[0]!.path);
    expect(row.value).toBeGreaterThan(3);
    await expectMails(before, ['KodeksDBOperUpToOld']);
    w.t.clock.advance(HOUR);
    await report();
    await evaluate();
    expect(await openKeys()).toEqual([]);
    await expectResolvedMails(before, ['KodeksDBOperUpToOld']);
  });

  it('licences_exhausted: KodeksDetectOverUserError and KodeksLimitsUsers', async () => {
    await faultCase(faults('licences_exhausted'), faults('licences_exhausted'), [
      { name: 'KodeksDetectOverUserError' },
      { name: 'KodeksLimitsUsers' },
    ]);
  });

  it('search_broken: KodeksSearchError', async () => {
    await faultCase(faults('search_broken'), faults('search_broken'), [{ name: 'KodeksSearchError' }], {
      atNoon: true,
    });
  });

  it('spp_down (status): KodeksSppStatus', async () => {
    await faultCase({}, faults('spp_down'), [{ name: 'KodeksSppStatus' }]);
  });

  it('needs_service (status): KodeksNeedSupport', async () => {
    await faultCase({}, faults('needs_service'), [{ name: 'KodeksNeedSupport' }]);
  });

  it('maintenance (status): KodeksMaintenance pending for 5 minutes, then firing; resolves after 2 clear minutes', async () => {
    const before = w.smtp.messages.length;
    w.t.clock.advance(HOUR);
    await report(faults('maintenance'), faults('maintenance'));
    await evaluate();
    expect(await openKeys()).toEqual([`KodeksMaintenance@installation:${inst.id}:pending`]);
    w.t.clock.advance(5 * MIN + 1_000);
    await spool.ingest(
      inst,
      'status',
      generateStatusFile(profile, w.t.clock.now(), { faults: faults('maintenance') }),
    );
    await evaluate();
    await expectFiring('KodeksMaintenance');
    await expectMails(before, ['KodeksMaintenance']);
    w.t.clock.advance(MIN);
    await report();
    await evaluate();
    // Hysteresis: still firing right after the first clear report.
    expect(await openKeys()).toEqual([`KodeksMaintenance@installation:${inst.id}:firing`]);
    w.t.clock.advance(3 * MIN);
    await report();
    await evaluate();
    expect(await openKeys()).toEqual([]);
    await expectResolvedMails(before, ['KodeksMaintenance']);
  });

  /** Crafted data: `spoil` makes the alert hold, `heal` (or a later healthy report) clears it. */
  const dataCase = async (
    spoil: () => Promise<void>,
    expected: { name: string; labels?: Labels }[],
    heal: () => Promise<void> = () => report(),
  ) => {
    expect(await openKeys()).toEqual([]);
    const before = w.smtp.messages.length;
    w.t.clock.advance(HOUR);
    await report();
    await spoil();
    await evaluate();
    expect((await openRows()).map((r) => r.name).sort()).toEqual(expected.map((e) => e.name).sort());
    for (const e of expected) await expectFiring(e.name, e.labels);
    await expectMails(
      before,
      expected.map((e) => e.name),
    );
    w.t.clock.advance(MIN);
    await heal();
    await evaluate();
    await expectClosed(expected.map((e) => e.name));
    await expectResolvedMails(
      before,
      expected.map((e) => e.name),
    );
    expect(await openKeys()).toEqual([]);
  };
  const setExpiry = async (at: number): Promise<void> => {
    await w.t.ctx.db
      .updateTable('installation_licences')
      .set({ expires_at: at })
      .where('installation_id', '=', inst.id)
      .execute();
  };

  for (const [days, name] of [
    [1.5, 'KodeksLicenseExpiring2day'],
    [5, 'KodeksLicenseExpiring7day'],
    [60, 'KodeksLicenseExpiring90day'],
  ] as const) {
    it(`licence ending in ${days} days: ${name} (exclusive band)`, async () => {
      await dataCase(() => setExpiry(w.t.clock.now() + days * DAY), [{ name }]);
    });
  }

  it('every licence expired while the DB is used: KodeksUnsupportedButUsed (and the 2-day band)', async () => {
    await dataCase(
      () => setExpiry(w.t.clock.now() - DAY),
      [{ name: 'KodeksUnsupportedButUsed' }, { name: 'KodeksLicenseExpiring2day' }],
    );
  });

  it('no licence for the volumes: KodeksDBLicensesZero', async () => {
    await dataCase(async () => {
      await w.t.ctx.db.deleteFrom('installation_licences').where('installation_id', '=', inst.id).execute();
    }, [{ name: 'KodeksDBLicensesZero' }]);
  });

  it('a user registered now: KodeksNewUser with user and domain', async () => {
    let user: { login: string; domain: string; registered_at: number | null } | undefined;
    await dataCase(
      async () => {
        user = await w.t.ctx.db
          .selectFrom('installation_users')
          .select(['login', 'domain', 'registered_at'])
          .where('installation_id', '=', inst.id)
          .orderBy('login')
          .executeTakeFirstOrThrow();
        await w.t.ctx.db
          .updateTable('installation_users')
          .set({ registered_at: w.t.clock.now() - 10 * MIN })
          .where('installation_id', '=', inst.id)
          .where('login', '=', user.login)
          .execute();
      },
      [{ name: 'KodeksNewUser' }],
      async () => {
        await w.t.ctx.db
          .updateTable('installation_users')
          .set({ registered_at: user!.registered_at })
          .where('installation_id', '=', inst.id)
          .where('login', '=', user!.login)
          .execute();
      },
    );
    const row = await w.t.ctx.db
      .selectFrom('alert_instances')
      .select('labels')
      .where('name', '=', 'KodeksNewUser')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.labels)).toMatchObject({ user: user!.login, domain: user!.domain });
  });

  it('an empty search: KodeksSearchIsEmpty with user and query', async () => {
    await dataCase(
      async () => {
        await w.t.ctx.db
          .insertInto('search_log')
          .values({
            installation_id: inst.id,
            at: w.t.clock.now() - 5 * MIN,
            login: 'petrov',
            query: 'нет такого документа',
            catalog: '/docs',
            type: 'intelligent',
            source: 'ksrv',
            status: 'empty',
            duration_ms: 100,
          })
          .execute();
      },
      [
        {
          name: 'KodeksSearchIsEmpty',
          labels: { user: 'petrov', query: 'нет такого документа', catalog: '/docs' },
        },
      ],
      async () => {
        await w.t.ctx.db
          .deleteFrom('search_log')
          .where('installation_id', '=', inst.id)
          .where('status', '=', 'empty')
          .execute();
      },
    );
  });

  it('on the 20th with low usage: KodeksUserActivityIsLow and KodeksUserAInvolvementIsLow', async () => {
    // The 20th, 12:00 in Moscow; a fresh report keeps the collection alerts quiet.
    w.t.clock.t = Date.UTC(2026, 2, 20, 9, 0);
    const wipeUsage = async () => {
      await w.t.ctx.db.deleteFrom('user_usage_daily').where('installation_id', '=', inst.id).execute();
      await w.t.ctx.db.deleteFrom('search_log').where('installation_id', '=', inst.id).execute();
    };
    await dataCase(
      wipeUsage,
      [{ name: 'KodeksUserActivityIsLow' }, { name: 'KodeksUserAInvolvementIsLow' }],
      async () => {
        // Healthy: 8 users for 6 seats worked this month and opened plenty of documents.
        await w.t.ctx.db
          .insertInto('user_usage_daily')
          .values(
            Array.from({ length: 8 }, (_, k) =>
              userUsageDay(inst.id, `worker${k}`, '2026-03-19', {
                db_requests: 10,
                docs_counted: 5,
                docs_licensed: 5,
              }),
            ),
          )
          .execute();
      },
    );
  });

  it('SmartAgentSilent: an agent that reported, then nothing for two intervals', async () => {
    expect(await openKeys()).toEqual([]);
    const before = w.smtp.messages.length;
    // Keep the month's usage healthy (the last case's rows) across new reports.
    w.t.clock.advance(2 * HOUR + MIN);
    await evaluate();
    await expectFiring('SmartAgentSilent', { channel: 'sysinfo' });
    await expectFiring('SmartAgentSilent', { channel: 'status' });
    const silent = (await openRows()).filter((r) => r.name === 'SmartAgentSilent');
    expect(silent).toHaveLength(2);
    await w.drain();
    const mails = w.smtp.messages
      .slice(before)
      .filter((m) => m.to.includes(MANAGER_MAIL) && m.subject.includes(' SmartAgentSilent '));
    const def = requireAlertDef('SmartAgentSilent');
    expect(mails.map((m) => m.subject)).toContain(
      `[FIRING:2] SmartAgentSilent ${def.priority} ${def.importance} romashka`,
    );
    // Too-old data is inhibited by the silent agent, not sent.
    const old = (await openRows()).filter((r) => r.name === 'SmartXMLfileIsToOld');
    for (const r of old) expect(r.inhibited_by).not.toBeNull();
    w.t.clock.advance(MIN);
    await report();
    await evaluate();
    await expectClosed(['SmartAgentSilent', 'SmartXMLfileIsToOld']);
    await expectResolvedMails(before, ['SmartAgentSilent']);
  });

  it('SmartXMLfileIsToOld: a polled installation without a report for three intervals', async () => {
    const polled = await createInstallation(w.t.ctx, op, {
      clientId: w.client.id,
      kind: 'polled',
      address: '10.1.2.3',
      probeEnabled: false,
      utcOffsetMin: 180,
      managers: [{ managerId: w.manager.id, email: MANAGER_MAIL }],
    });
    await spool.ingest(polled, 'sysinfo', generateSysinfoXmlString(profile, w.t.clock.now()));
    await evaluate(polled);
    expect(await openKeys(polled)).toEqual([]);
    const before = w.smtp.messages.length;
    w.t.clock.advance(3 * HOUR + MIN);
    await evaluate(polled);
    expect(await openKeys(polled)).toEqual([`SmartXMLfileIsToOld@installation:${polled.id}:sysinfo:firing`]);
    await expectFiring('SmartXMLfileIsToOld', { channel: 'sysinfo' }, polled);
    await expectMails(before, ['SmartXMLfileIsToOld']);
    await spool.ingest(polled, 'sysinfo', generateSysinfoXmlString(profile, w.t.clock.now()));
    await evaluate(polled);
    expect(await openKeys(polled)).toEqual([]);
    await expectResolvedMails(before, ['SmartXMLfileIsToOld']);
  });
});
