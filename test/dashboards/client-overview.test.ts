import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateSubjects } from '../../src/alerts/engine.js';
import {
  clientOverview,
  clientVerdict,
  formatAge,
  type VerdictInput,
} from '../../src/dashboards/client-overview.js';
import type { ClientOverviewOut } from '../../src/dashboards/contract.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import type { CheckObservation } from '../../src/metrics/checks.js';
import { storeProfile } from '../../src/online/poller.js';
import { probeRecorder } from '../../src/probes/service.js';
import { makeProfile, type ClientProfile } from '../../src/sim/kodeks/index.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';
import { ingestReport } from './ingest.js';

/**
 * The client page: a sysinfo of a simulated ПК (SenseLock key lost, licences ending in five days)
 * through the real ingest and the alert engine, probe results of a polled installation through the
 * CheckRecorder (a 24-hour timeline with a failed hour), an online access read by the poller's store;
 * the verdict and its reasons; staleness later on; the verdict rules one by one; scope (404) and HTTP.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const op = cliActor('test');

type Alert = VerdictInput['alerts'][number];
const alert = (name: string, extra: Partial<Alert> = {}): Alert => ({
  name,
  state: 'firing',
  priority: 'K5',
  importance: 'info',
  subject: { kind: 'installation', id: 1 },
  inhibitedBy: null,
  suppressedBy: null,
  value: null,
  labels: {},
  text: `${name} text`,
  ...extra,
});

describe('client verdict rules', () => {
  const now = Date.UTC(2026, 10, 1, 9, 0);
  const inst = (sysinfoAge: number | null, extra: Partial<VerdictInput['installations'][number]> = {}) => ({
    id: 1,
    host: 'romashka',
    kind: 'agent',
    channels: [
      {
        channel: 'sysinfo' as const,
        lastAt: sysinfoAge === null ? null : now - sysinfoAge,
        expectedMs: HOUR,
      },
      { channel: 'status' as const, lastAt: null, expectedMs: 15 * MIN },
    ],
    licenceExpiresAt: null,
    operupAgeDays: null,
    ...extra,
  });
  const verdict = (input: Partial<VerdictInput>) =>
    clientVerdict({ installations: [inst(10 * MIN)], onlineAccesses: [], alerts: [], ...input }, now);

  it('ok when data is fresh and nothing is open', () => {
    expect(verdict({})).toEqual({ verdict: 'ok', reasons: [] });
  });
  it('late data is a warning, in the unit a person would say', () => {
    expect(verdict({ installations: [inst(3 * HOUR + 10 * MIN)] })).toEqual({
      verdict: 'warning',
      reasons: ['Нет sysinfo 3 ч'],
    });
    expect([formatAge(25 * MIN), formatAge(30 * HOUR), formatAge(50 * HOUR), formatAge(5_000)]).toEqual([
      '25 мин',
      '30 ч',
      '2 дн.',
      '1 мин',
    ]);
  });
  it('a firing info alert is a warning; K1/K2, or K3 of critical importance, is critical', () => {
    expect(verdict({ alerts: [alert('KodeksNewUser')] })).toEqual({
      verdict: 'warning',
      reasons: ['В ПК зарегистрирован новый пользователь'],
    });
    expect(
      verdict({
        alerts: [
          alert('KodeksTcpStatus', { priority: 'K2', importance: 'critical' }),
          // Inhibited by the port alert: its cause is already listed.
          alert('KodeksHttp200Status', {
            priority: 'K2',
            importance: 'critical',
            inhibitedBy: 'KodeksTcpStatus',
          }),
          alert('KodeksNewUser'),
        ],
      }),
    ).toEqual({
      verdict: 'critical',
      reasons: ['Порт-монитор ПК не принимает соединения', 'В ПК зарегистрирован новый пользователь'],
    });
    // An early reminder is a warning even of critical importance; two days before the end it is critical.
    expect(
      verdict({ alerts: [alert('KodeksLicenseExpiring7day', { priority: 'K5', importance: 'critical' })] }),
    ).toMatchObject({ verdict: 'warning' });
    expect(
      verdict({ alerts: [alert('OnlineBillingDocsLeft50', { priority: 'K4', importance: 'critical' })] }),
    ).toMatchObject({ verdict: 'warning' });
    expect(
      verdict({ alerts: [alert('KodeksLicenseExpiring2day', { priority: 'K3', importance: 'critical' })] }),
    ).toMatchObject({ verdict: 'critical' });
    expect(
      verdict({ alerts: [alert('KodeksSppStatus', { priority: 'K3', importance: 'info' })] }),
    ).toMatchObject({ verdict: 'warning' });
  });
  it('silenced or in a maintenance window: a warning that says so; pending: awaiting confirmation', () => {
    const tcp = { priority: 'K2' as const, importance: 'critical' as const };
    expect(verdict({ alerts: [alert('KodeksTcpStatus', { ...tcp, suppressedBy: 'silence:3' })] })).toEqual({
      verdict: 'warning',
      reasons: ['Порт-монитор ПК не принимает соединения (заглушено)'],
    });
    expect(
      verdict({ alerts: [alert('KodeksTcpStatus', { ...tcp, suppressedBy: 'maintenance:4' })] }),
    ).toEqual({
      verdict: 'warning',
      reasons: ['Порт-монитор ПК не принимает соединения (плановые работы)'],
    });
    expect(
      verdict({
        alerts: [
          alert('KodeksXmlSensLockStatus', { priority: 'K1', importance: 'critical', state: 'pending' }),
        ],
      }),
    ).toEqual({ verdict: 'warning', reasons: ['Ключ защиты не найден (ожидает подтверждения)'] });
  });
  it('licence, key, staleness and OperUp alerts read as short facts', () => {
    const lic = alert('KodeksLicenseExpiring7day', { importance: 'critical' });
    const at = (days: number) =>
      verdict({ installations: [inst(10 * MIN, { licenceExpiresAt: now + days * DAY })], alerts: [lic] })
        .reasons;
    expect(at(5.5)).toEqual(['Лицензия истекает через 5 дн.']);
    expect(at(0.5)).toEqual(['Лицензия истекает сегодня']);
    expect(at(-1)).toEqual(['Лицензия истекла']);
    expect(verdict({ alerts: [alert('KodeksOfflineSensLockCheck', { priority: 'K1' })] })).toEqual({
      verdict: 'critical',
      reasons: ['Ключ защиты не найден'],
    });
    // The alert and the staleness rule say the same thing once.
    expect(
      verdict({
        installations: [inst(3 * HOUR + 10 * MIN)],
        alerts: [
          alert('SmartXMLfileIsToOld', {
            priority: 'K3',
            importance: 'critical',
            labels: { channel: 'sysinfo' },
          }),
        ],
      }),
    ).toEqual({ verdict: 'critical', reasons: ['Нет sysinfo 3 ч'] });
    expect(
      verdict({
        installations: [inst(10 * MIN, { operupAgeDays: 4.6 })],
        alerts: [alert('KodeksDBOperUpToOld')],
      }).reasons,
    ).toEqual(['Файлы OperUp не обновлялись 4 дн.']);
  });
  it('unknown before any data, or without objects', () => {
    expect(verdict({ installations: [inst(null)] })).toEqual({
      verdict: 'unknown',
      reasons: ['sysinfo ещё не поступал'],
    });
    expect(verdict({ installations: [] })).toEqual({
      verdict: 'unknown',
      reasons: ['Нет установок и онлайн-доступов'],
    });
    const closed = inst(null, {
      kind: 'closed',
      channels: [{ channel: 'sysinfo', lastAt: null, expectedMs: null }],
    });
    expect(verdict({ installations: [closed] })).toEqual({
      verdict: 'unknown',
      reasons: ['Данных ещё не поступало'],
    });
  });
  it('several objects: each reason names its object; online read errors and silence', () => {
    expect(
      verdict({
        onlineAccesses: [
          { id: 7, login: 'user1', lastPollAt: now - 4 * HOUR, ok: false, error: 'LoginPasswordError' },
        ],
        alerts: [
          alert('OnlineLoginFailed', {
            subject: { kind: 'online', id: 7 },
            priority: 'K3',
            importance: 'critical',
          }),
        ],
      }),
    ).toEqual({
      verdict: 'critical',
      reasons: [
        'user1: Не удаётся авторизоваться в онлайн-доступе',
        'user1: Ошибка получения статистики: LoginPasswordError',
        'user1: Нет опроса онлайн-доступа 4 ч',
      ],
    });
  });
});

describe.each(DB_KINDS)('client page (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let i4: Installation;
  let profile: ClientProfile;
  let now: number;

  beforeAll(async () => {
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'ca');
    b = await buildDealerWorld(ctx, 'cb');
    now = ctx.clock.now(); // 2026-11-01 09:00 UTC, 12:00 in Moscow
    i4 = await createInstallation(ctx, op, {
      clientId: a.c1.id,
      kind: 'polled',
      address: 'q-alpha.te-cloud.ru',
      managers: [{ managerId: a.m1.id, email: 'ivanov@ca.example' }],
    });
    // The agent installation: its key is lost and every licence ends on 6 November (Moscow).
    profile = makeProfile({ seed: 7, shortName: 'alphaca', utcOffsetMin: 180, licenceEndDay: '2026-11-06' });
    await ingestReport(
      ctx,
      { dealerId: a.dealer.id, installationId: a.i1.id, sourceName: 'alphaca' },
      profile,
      'sysinfo',
      { key_lost: { since: now - HOUR } },
    );
    // Probes of i4 every 10 minutes for 30 hours: the port fails from 5 to 4 hours ago; ICMP only
    // for the last 10 hours.
    const rec = probeRecorder(ctx);
    const subject = { kind: 'installation' as const, id: i4.id, dealerId: a.dealer.id };
    for (let t = now - 30 * HOUR; t <= now; t += 10 * MIN) {
      const obs: CheckObservation[] = [
        { subject, check: 'http200', outcome: 'ok', code: 200, at: t },
        {
          subject,
          check: 'tcp',
          outcome: t >= now - 5 * HOUR && t < now - 4 * HOUR ? 'failed' : 'ok',
          at: t,
        },
      ];
      if (t >= now - 10 * HOUR) obs.push({ subject, check: 'icmp', outcome: 'ok', at: t });
      rec.add(obs);
      await rec.flush();
    }
    // The online access was read half an hour ago.
    const at = now - 30 * MIN;
    const c = (limit: number, remaining: number) => ({ limit, remaining, used: limit - remaining });
    await storeProfile(
      ctx,
      { accessId: a.o1.id, dealerId: a.dealer.id, utcOffsetMin: 180 },
      {
        month: '2026-11',
        docs: c(400, 100),
        search: c(4000, 3500),
        print: c(3000, 3000),
        export: c(3000, 3000),
      },
      at,
    );
    rec.add([
      { subject: { kind: 'online', id: a.o1.id, dealerId: a.dealer.id }, check: 'login', outcome: 'ok', at },
    ]);
    await rec.flush();
    await evaluateSubjects(ctx, { installations: [a.i1.id, i4.id], online: [a.o1.id] });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('every installation and access with its data, and a critical verdict with the reasons', async () => {
    const out = await clientOverview(s.t.ctx, a.actors.admin, a.c1.id, now);
    expect(out.client).toEqual({
      id: a.c1.id,
      shortName: 'alphaca',
      name: null,
      dealerId: a.dealer.id,
      unitId: a.branch1dept.id,
    });
    expect(out.managers).toEqual([{ id: a.m1.id, name: 'Ivanov ca', emails: ['ivanov@ca.example'] }]);
    expect(out.verdict).toBe('critical');
    expect(out.reasons).toContain('alphaca: Ключ защиты не найден');
    expect(out.reasons).toContain('alphaca: Лицензия истекает через 5 дн.');
    expect(out.reasons).toContain('q-alpha.te-cloud.ru: sysinfo ещё не поступал');

    const [agent, polled] = out.installations;
    expect(agent!).toMatchObject({
      id: a.i1.id,
      host: 'alphaca',
      kind: 'agent',
      pkVersion: /^\d+(?:\.\d+)+/.exec(profile.pkVersion)![0],
      regnum: profile.regnum,
      clientname: profile.legalName,
      seats: profile.seats,
      availability30d: { http200: null, tcp: null },
      checks: [],
      timeline: [],
    });
    expect(agent!.sysinfoVersion).toBe(profile.sysinfoVersion);
    const sys = agent!.channels.find((c) => c.channel === 'sysinfo')!;
    expect(sys.expectedMs).toBe(HOUR);
    expect(Math.abs(sys.lastAt! - now)).toBeLessThan(2 * MIN);
    expect(agent!.channels.find((c) => c.channel === 'status')).toEqual({
      channel: 'status',
      lastAt: null,
      expectedMs: 15 * MIN,
    });
    expect(agent!.channels.map((c) => c.channel)).toEqual(['sysinfo', 'status']);
    // Licences end at the midnight after 6 November, Moscow time.
    const end = Date.UTC(2026, 10, 7) - 3 * HOUR;
    expect(agent!.licences.length).toBe(profile.licences.length);
    expect(agent!.licences.every((l) => l.expiresAt === end)).toBe(true);
    // OperUp files: the newest first, at most five; the age of the newest in days.
    const mtimes = agent!.updates.map((u) => u.modifiedAt);
    expect(mtimes).toEqual([...mtimes].sort((x, y) => y - x));
    expect(agent!.updates.length).toBe(Math.min(5, profile.operups.length));
    expect(agent!.operupAgeDays).toBe(Math.round(((now - mtimes[0]!) / DAY) * 10) / 10);
    const agentAlerts = out.openAlerts.filter((r) => r.installationId === a.i1.id);
    expect(agent!.openAlerts).toBe(agentAlerts.length);
    expect(agentAlerts.map((r) => r.name)).toEqual(
      expect.arrayContaining(['KodeksXmlSensLockStatus', 'KodeksLicenseExpiring7day']),
    );
    expect(agentAlerts.find((r) => r.name === 'KodeksXmlSensLockStatus')).toMatchObject({
      priority: 'K1',
      clientname: profile.legalName,
      regnum: profile.regnum,
      host: 'alphaca',
      managers: ['Ivanov ca'],
    });

    expect(polled!).toMatchObject({
      id: i4.id,
      host: 'q-alpha.te-cloud.ru',
      kind: 'polled',
      pkVersion: null,
      // 6 of 181 port probes failed.
      availability30d: { http200: 100, tcp: 96.69 },
      checks: [
        { check: 'http200', outcome: 'ok', since: now - 30 * HOUR },
        { check: 'icmp', outcome: 'ok', since: now - 10 * HOUR },
        { check: 'tcp', outcome: 'ok', since: now - 4 * HOUR },
      ],
      openAlerts: 0,
    });
    expect(polled!.channels.find((c) => c.channel === 'probe')).toEqual({
      channel: 'probe',
      lastAt: now,
      expectedMs: 60_000,
    });
    expect(polled!.timeline).toEqual([
      { check: 'http200', segments: [{ from: now - DAY, to: now, outcome: 'ok' }] },
      {
        check: 'icmp',
        segments: [
          { from: now - DAY, to: now - 10 * HOUR, outcome: 'unknown' },
          { from: now - 10 * HOUR, to: now, outcome: 'ok' },
        ],
      },
      {
        check: 'tcp',
        segments: [
          { from: now - DAY, to: now - 5 * HOUR, outcome: 'ok' },
          { from: now - 5 * HOUR, to: now - 4 * HOUR, outcome: 'failed' },
          { from: now - 4 * HOUR, to: now, outcome: 'ok' },
        ],
      },
    ]);

    expect(out.onlineAccesses).toEqual([
      {
        id: a.o1.id,
        login: 'user1ca',
        host: 'nps2.cntd.ru',
        catalog: 'kodeks01',
        lastPollAt: now - 30 * MIN,
        ok: true,
        error: null,
        docsRemaining: 100,
        docsUsedPct: 75,
        searchRemaining: 3500,
        availability30d: 100,
        lastUsedAt: now - 30 * MIN,
        openAlerts: 1,
      },
    ]);
    // 100 documents left: below the 150 mark.
    expect(out.openAlerts.find((r) => r.onlineAccessId === a.o1.id)).toMatchObject({
      name: 'OnlineBillingDocsLeft150',
      priority: 'K5',
      importance: 'info',
      catalog: 'kodeks01',
      url: 'nps2.cntd.ru',
      user: 'user1ca',
    });
    expect(out.reasons.filter((r) => r.startsWith('user1ca: '))).toEqual([
      'user1ca: Биллинг по открытию документов: осталось меньше 150 единиц',
    ]);
  });

  it('clients from which nothing has come yet are unknown, and say what is missing', async () => {
    const c3 = await clientOverview(s.t.ctx, a.actors.admin, a.c3.id, now);
    expect(c3).toMatchObject({ verdict: 'unknown', reasons: ['Данных ещё не поступало'] });
    expect(c3.installations[0]!.channels.every((c) => c.expectedMs === null)).toBe(true);
    const c2 = await clientOverview(s.t.ctx, a.actors.admin, a.c2.id, now);
    expect(c2.verdict).toBe('unknown');
    expect(c2.reasons).toEqual([
      'ca-beta.te-cloud.ru: sysinfo ещё не поступал',
      'user2ca: статистика ещё не получена',
    ]);
  });

  it('scope: another dealer’s client, a manager’s other client and a viewer’s are not found', async () => {
    const ctx = s.t.ctx;
    await expect(clientOverview(ctx, b.actors.admin, a.c1.id, now)).rejects.toThrow('client not found');
    await expect(clientOverview(ctx, a.actors.manager1, a.c2.id, now)).rejects.toThrow('client not found');
    await expect(clientOverview(ctx, a.actors.viewer2, a.c1.id, now)).rejects.toThrow('client not found');
    expect((await clientOverview(ctx, a.actors.manager1, a.c1.id, now)).installations).toHaveLength(2);
  });

  it('over HTTP: the page, 404 outside the scope, 400 naming the field', async () => {
    const admin = await loginAs(s.url, 'admin.ca', TEST_PASSWORD);
    const r = await admin.get(`/api/clients/${a.c1.id}/overview`);
    expect(r.status).toBe(200);
    expect(body<ClientOverviewOut>(r)).toEqual(await clientOverview(s.t.ctx, a.actors.admin, a.c1.id, now));
    const other = await loginAs(s.url, 'admin.cb', TEST_PASSWORD);
    const rb = await other.get(`/api/clients/${a.c1.id}/overview`);
    expect(rb.status).toBe(404);
    expect(rb.text).not.toContain('alphaca');
    const m1 = await loginAs(s.url, 'manager1.ca', TEST_PASSWORD);
    expect((await m1.get(`/api/clients/${a.c1.id}/overview`)).status).toBe(200);
    expect((await m1.get(`/api/clients/${a.c2.id}/overview`)).status).toBe(404);
    expect((await m1.get('/api/clients/999999/overview')).status).toBe(404);
    const bad = await m1.get('/api/clients/abc/overview');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('params.id');
  });

  it('later, without new data: the agent is silent, sysinfo is late, probes stopped', async () => {
    s.t.clock.advance(2 * HOUR + 30 * MIN);
    const later = s.t.clock.now();
    await evaluateSubjects(s.t.ctx, { installations: [a.i1.id, i4.id], online: [a.o1.id] });
    const out = await clientOverview(s.t.ctx, a.actors.admin, a.c1.id, later);
    expect(out.verdict).toBe('critical');
    expect(out.reasons).toEqual(
      expect.arrayContaining([
        'alphaca: Агент не присылает отчёты 2 ч',
        'alphaca: Нет sysinfo 2 ч',
        'q-alpha.te-cloud.ru: Проверки не выполнялись 2 ч',
      ]),
    );
    expect(out.reasons).not.toContain('user1ca: Нет опроса онлайн-доступа 3 ч');
  });
});
