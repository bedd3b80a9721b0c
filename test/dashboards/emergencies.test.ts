import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilence } from '../../src/alerts/admin.js';
import { evaluateSubjects } from '../../src/alerts/engine.js';
import { acknowledgeAlert } from '../../src/alerts/queries.js';
import type { EmergenciesOut, EmergenciesQuery } from '../../src/dashboards/contract.js';
import { emergencies } from '../../src/dashboards/emergencies.js';
import { probeRecorder } from '../../src/probes/service.js';
import { cliActor, type Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';

/**
 * «Текущие аварийные ситуации»: instances made by the alert engine from probe results and written
 * directly (online, resolved, dealer-level), listed with the columns of table 3.10.1, filtered by type
 * (names and aliases), priority, importance, state and the variables, paged, counted per priority; and
 * scoped: another dealer, a manager, a branch viewer.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const op = cliActor('test');

describe.each(DB_KINDS)('emergencies (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let now: number;
  const ids: Record<string, number> = {};

  /** An instance written the way the engine stores one. */
  const insert = async (
    w: DealerWorld,
    key: string,
    row: {
      name: string;
      subject: ['installation' | 'online' | 'dealer', number];
      clientId: number | null;
      unitId?: number | null;
      labels?: Record<string, string>;
      text: string;
      filename?: string;
      pendingAt: number;
      resolvedAt?: number;
    },
  ) => {
    const r = await s.t.ctx.db
      .insertInto('alert_instances')
      .values({
        dealer_id: w.dealer.id,
        name: row.name,
        fingerprint: `${row.subject[0]}:${row.subject[1]}:${key}`,
        subject_kind: row.subject[0],
        subject_id: row.subject[1],
        client_id: row.clientId,
        unit_id: row.unitId ?? null,
        labels: JSON.stringify({ alertname: row.name, dealer: w.dealer.code, ...row.labels }),
        text: row.text,
        value: null,
        filename: row.filename ?? null,
        state: row.resolvedAt ? 'resolved' : 'firing',
        active_since: row.pendingAt,
        pending_at: row.pendingAt,
        fired_at: row.pendingAt,
        resolved_at: row.resolvedAt ?? null,
        clear_since: null,
        last_eval_at: now,
        inhibited_by: null,
        acked_at: null,
        acked_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids[key] = r.id;
  };

  beforeAll(async () => {
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'em');
    b = await buildDealerWorld(ctx, 'en');
    // The engine: the port of each dealer's polled installation stops answering; after the 90 s `for`
    // KodeksTcpStatus fires.
    const rec = probeRecorder(ctx);
    const tcpDown = () => {
      for (const w of [a, b]) {
        rec.add([
          {
            subject: { kind: 'installation', id: w.i2.id, dealerId: w.dealer.id },
            check: 'tcp',
            outcome: 'failed',
            code: 'ECONNREFUSED',
            at: ctx.clock.now(),
          },
        ]);
      }
    };
    tcpDown();
    await rec.flush();
    await evaluateSubjects(ctx, { installations: [a.i2.id, b.i2.id] });
    s.t.clock.advance(91_000);
    tcpDown();
    await rec.flush();
    await evaluateSubjects(ctx, { installations: [a.i2.id, b.i2.id] });
    now = ctx.clock.now();
    const tcp = await ctx.db
      .selectFrom('alert_instances')
      .select(['id', 'state'])
      .where('name', '=', 'KodeksTcpStatus')
      .where('dealer_id', '=', a.dealer.id)
      .executeTakeFirstOrThrow();
    expect(tcp.state).toBe('firing');
    ids.tcp = tcp.id;

    // What sysinfo says about i1.
    await ctx.db
      .insertInto('installation_state')
      .values({
        installation_id: a.i1.id,
        report_id: null,
        report_at: now - HOUR,
        client_name: 'ООО «Альфа»',
        regnum: '330011',
        seats: 10,
        licences_in_use: 3,
        pk_version: null,
        pk_version_short: null,
        sysinfo_version: null,
        senselock_status: 'ok',
        senselock_code: null,
        senselock_message: null,
        host_name: null,
        host_started_at: null,
        updated_at: now,
      })
      .execute();
    await insert(a, 'docs50', {
      name: 'OnlineBillingDocsLeft50',
      subject: ['online', a.o1.id],
      clientId: a.c1.id,
      unitId: a.branch1dept.id,
      labels: {
        client: 'alphaem',
        online: String(a.o1.id),
        user: 'user1em',
        url: 'nps2.cntd.ru',
        catalog: 'kodeks01',
      },
      text: 'Биллинг по открытию документов: осталось 42',
      pendingAt: now - 2 * HOUR,
    });
    await insert(a, 'operup', {
      name: 'KodeksDBOperUpToOld',
      subject: ['installation', a.i1.id],
      clientId: a.c1.id,
      unitId: a.branch1dept.id,
      labels: { client: 'alphaem', host: 'alphaem' },
      text: 'Файлы OperUp старше 3 дней',
      filename: 'D:\\Kodeks\\OperUp\\12345ABC.ud6',
      pendingAt: now - 10 * DAY,
      resolvedAt: now - 9 * DAY,
    });
    await insert(a, 'lic90', {
      name: 'KodeksLicenseExpiring90day',
      subject: ['installation', a.i3.id],
      clientId: a.c3.id,
      text: 'Лицензия истечёт через 80 дн.',
      pendingAt: now - 40 * DAY,
    });
    await insert(a, 'lic7old', {
      name: 'KodeksLicenseExpiring7day',
      subject: ['installation', a.i1.id],
      clientId: a.c1.id,
      text: 'Лицензия истечёт через 5 дн.',
      pendingAt: now - 60 * DAY,
      resolvedAt: now - 45 * DAY,
    });
    await insert(a, 'count', {
      name: 'KodeksTcpStatusCount',
      subject: ['dealer', a.dealer.id],
      clientId: null,
      text: 'Порт-монитор не отвечает на многих ПК',
      pendingAt: now - 5 * MIN,
    });
    const silence = await createSilence(ctx, a.actors.admin, {
      matchers: { alerts: ['OnlineBillingDocsLeft50'] },
      endsAt: now + HOUR,
      comment: 'client warned',
    });
    ids.silence = silence.id;
    await acknowledgeAlert(ctx, a.actors.admin, ids.tcp, { comment: 'on it' });
  });
  afterAll(async () => {
    await s?.close();
  });

  const run = (actor: Actor, q: EmergenciesQuery = {}) => emergencies(s.t.ctx, actor, q, now);
  const names = (out: EmergenciesOut) => out.rows.map((r) => r.name);

  it('lists what was alive in the last 30 days, K1 first, then newest, with the table’s columns', async () => {
    const out = await run(a.actors.admin);
    expect(out).toMatchObject({ from: now - 30 * DAY, to: now, total: 5 });
    expect(names(out)).toEqual([
      'KodeksTcpStatusCount',
      'KodeksTcpStatus',
      'OnlineBillingDocsLeft50',
      'KodeksDBOperUpToOld',
      'KodeksLicenseExpiring90day',
    ]);
    const row = Object.fromEntries(out.rows.map((r) => [r.name, r]));
    expect(row.OnlineBillingDocsLeft50).toEqual({
      id: ids.docs50,
      name: 'OnlineBillingDocsLeft50',
      priority: 'K4',
      importance: 'critical',
      state: 'firing',
      clientId: a.c1.id,
      client: 'alphaem',
      managers: ['Ivanov em'],
      text: 'Биллинг по открытию документов: осталось 42',
      clientname: null,
      regnum: null,
      catalog: 'kodeks01',
      url: 'nps2.cntd.ru',
      user: 'user1em',
      filename: null,
      installationId: null,
      onlineAccessId: a.o1.id,
      host: 'nps2.cntd.ru',
      firstSeenAt: now - 2 * HOUR,
      firedAt: now - 2 * HOUR,
      resolvedAt: null,
      suppressed: true,
      suppressedBy: `silence:${ids.silence}`,
      acknowledgedAt: null,
      acknowledgedBy: null,
      runbook: '/docs/errors/OnlineBillingDocsLeft50.md',
    });
    expect(row.KodeksDBOperUpToOld).toMatchObject({
      state: 'resolved',
      clientname: 'ООО «Альфа»',
      regnum: '330011',
      filename: 'D:\\Kodeks\\OperUp\\12345ABC.ud6',
      installationId: a.i1.id,
      host: 'alphaem',
      url: null,
      suppressed: false,
      resolvedAt: now - 9 * DAY,
    });
    // Made by the engine: its labels, the installation's address, acknowledged but still notified.
    expect(row.KodeksTcpStatus).toMatchObject({
      priority: 'K2',
      importance: 'critical',
      clientId: a.c2.id,
      client: 'betaem',
      managers: ['Petrov em'],
      host: 'em-beta.te-cloud.ru',
      installationId: a.i2.id,
      acknowledgedBy: 'admin.em',
      suppressed: false,
      suppressedBy: null,
    });
    expect(row.KodeksTcpStatus!.text).toContain('ECONNREFUSED');
    expect(row.KodeksTcpStatusCount).toMatchObject({
      clientId: null,
      client: null,
      managers: [],
      priority: 'K1',
    });
    expect(out.openByPriority).toEqual({ K1: 1, K2: 1, K3: 0, K4: 1, K5: 1 });
    expect(out.names).toContain('KodeksDBOperUpToOld');
    expect(out.names).toContain('OnlineBillingDocsLeft50');
    expect(out.names).not.toContain('KodeksDBOperUpTooOld');
  });

  it('the range: an instance resolved before it is gone; an old one still open is there', async () => {
    const wide = await run(a.actors.admin, { from: now - 90 * DAY, to: now });
    expect(wide.total).toBe(6);
    expect(names(wide)).toContain('KodeksLicenseExpiring7day');
    const past = await run(a.actors.admin, { from: now - 50 * DAY, to: now - 35 * DAY });
    expect(names(past).sort()).toEqual(['KodeksLicenseExpiring7day', 'KodeksLicenseExpiring90day']);
  });

  it('filters: type (names and aliases), priority (Latin or Cyrillic К), importance, state; paging', async () => {
    const admin = a.actors.admin;
    expect(names(await run(admin, { name: ['KodeksTcpStatus'] }))).toEqual(['KodeksTcpStatus']);
    expect(names(await run(admin, { name: ['KodeksDBOperUpTooOld', 'KodeksTcpStatusCount'] }))).toEqual([
      'KodeksTcpStatusCount',
      'KodeksDBOperUpToOld',
    ]);
    expect(names(await run(admin, { priority: ['K5'] }))).toEqual([
      'KodeksDBOperUpToOld',
      'KodeksLicenseExpiring90day',
    ]);
    expect(names(await run(admin, { priority: ['К4'] }))).toEqual(['OnlineBillingDocsLeft50']);
    expect(names(await run(admin, { importance: ['info'] }))).toEqual([
      'KodeksDBOperUpToOld',
      'KodeksLicenseExpiring90day',
    ]);
    expect((await run(admin, { state: 'open' })).total).toBe(4);
    expect(names(await run(admin, { state: 'resolved' }))).toEqual(['KodeksDBOperUpToOld']);
    const page = await run(admin, { limit: 2, offset: 1 });
    expect(page.total).toBe(5);
    expect(names(page)).toEqual(['KodeksTcpStatus', 'OnlineBillingDocsLeft50']);
    // Counters ignore the priority and state filters, keep the type filter.
    expect((await run(admin, { priority: ['K1'], state: 'resolved' })).openByPriority).toEqual({
      K1: 1,
      K2: 1,
      K3: 0,
      K4: 1,
      K5: 1,
    });
    expect((await run(admin, { name: ['KodeksTcpStatus'] })).openByPriority).toEqual({
      K1: 0,
      K2: 1,
      K3: 0,
      K4: 0,
      K5: 0,
    });
  });

  it('variables narrow by client (unit, manager, client) and by object', async () => {
    const admin = a.actors.admin;
    expect(names(await run(admin, { clientId: [a.c1.id] }))).toEqual([
      'OnlineBillingDocsLeft50',
      'KodeksDBOperUpToOld',
    ]);
    expect(names(await run(admin, { unitId: [a.branch1.id] }))).toEqual([
      'OnlineBillingDocsLeft50',
      'KodeksDBOperUpToOld',
    ]);
    expect(names(await run(admin, { managerId: [a.m2.id] }))).toEqual(['KodeksTcpStatus']);
    expect(names(await run(admin, { installationId: [a.i1.id] }))).toEqual(['KodeksDBOperUpToOld']);
    expect(names(await run(admin, { onlineAccessId: [a.o1.id] }))).toEqual(['OnlineBillingDocsLeft50']);
    expect(names(await run(admin, { installationId: [a.i1.id], onlineAccessId: [a.o1.id] }))).toEqual([
      'OnlineBillingDocsLeft50',
      'KodeksDBOperUpToOld',
    ]);
    const m2 = await run(admin, { managerId: [a.m2.id] });
    expect(m2.openByPriority).toEqual({ K1: 0, K2: 1, K3: 0, K4: 0, K5: 0 });
    // Another dealer's ids match nothing.
    expect((await run(admin, { clientId: [b.c2.id] })).total).toBe(0);
  });

  it('scope: another dealer, a manager and a branch viewer', async () => {
    const bOut = await run(b.actors.admin);
    expect(bOut.rows.map((r) => [r.name, r.installationId])).toEqual([['KodeksTcpStatus', b.i2.id]]);
    expect(bOut.openByPriority).toEqual({ K1: 0, K2: 1, K3: 0, K4: 0, K5: 0 });
    const m1 = await run(a.actors.manager1);
    expect(names(m1)).toEqual(['OnlineBillingDocsLeft50', 'KodeksDBOperUpToOld']);
    expect(m1.openByPriority).toEqual({ K1: 0, K2: 0, K3: 0, K4: 1, K5: 0 });
    expect(names(await run(a.actors.viewer2))).toEqual(['KodeksTcpStatus']);
    // The dealer-level Count instance is for dealer-wide scopes only.
    expect(names(await run(a.actors.head1))).not.toContain('KodeksTcpStatusCount');
    expect((await run(op)).total).toBe(6);
  });

  it('over HTTP: the same answer, scoped; validation names the field', async () => {
    const admin = await loginAs(s.url, 'admin.em', TEST_PASSWORD);
    const r = await admin.get('/api/dashboards/emergencies?priority=K5,K4&limit=10');
    expect(r.status).toBe(200);
    expect(body<EmergenciesOut>(r)).toEqual(await run(a.actors.admin, { priority: ['K5', 'K4'], limit: 10 }));
    const r2 = await admin.get('/api/dashboards/emergencies?name=KodeksDBOperUpTooOld&name=KodeksTcpStatus');
    expect(names(body<EmergenciesOut>(r2))).toEqual(['KodeksTcpStatus', 'KodeksDBOperUpToOld']);
    const other = await loginAs(s.url, 'viewer2.en', TEST_PASSWORD);
    const rb = await other.get('/api/dashboards/emergencies');
    expect(rb.status).toBe(200);
    expect(body<EmergenciesOut>(rb).rows.map((x) => x.installationId)).toEqual([b.i2.id]);
    expect(rb.text).not.toContain('alphaem');
    expect(rb.text).not.toContain('betaem');

    const unknown = await admin.get('/api/dashboards/emergencies?name=NoSuchAlert');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('querystring.name');
    const prio = await admin.get('/api/dashboards/emergencies?priority=K9');
    expect(prio.status).toBe(400);
    expect(prio.text).toContain('querystring.priority');
    const state = await admin.get('/api/dashboards/emergencies?state=burning&offset=-1');
    expect(state.status).toBe(400);
    expect(state.text).toContain('querystring.state');
    expect(state.text).toContain('querystring.offset');
  });
});
