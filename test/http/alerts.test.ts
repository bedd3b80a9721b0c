import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../src/alerts/catalogue.js';
import { dealerAlertSettings } from '../../src/alerts/settings.js';
import type { AppContext } from '../../src/context.js';
import type { Client as InventoryClient } from '../../src/inventory/clients.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { createUser } from '../../src/tenancy/users.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type Res, type TestServer } from './harness.js';

/**
 * The alert API over HTTP: instances (list, detail, acknowledgement, suppression), the catalogue and
 * alert settings, channels, rules and the routing preview, silences, maintenance windows and the
 * delivery log. Every group has a happy path, validation errors that name the field, and the scope
 * rules: dealer B sees nothing of dealer A (404), a head sees only their subtree and cannot change
 * dealer-wide configuration (403), managers and viewers only read (403 on changes), viewers cannot
 * acknowledge.
 */

const HOUR = 3_600_000;

interface AlertRow {
  id: number;
  name: string;
  state: string;
  priority: string | null;
  labels: Record<string, string>;
  client: { id: number; name: string } | null;
  managers: string[];
  runbookUrl: string;
  suppressedBy: string | null;
  inhibitedBy: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  firstSeenAt: number;
}
interface Page<T> {
  total: number;
  items: T[];
}

type Subject =
  | { kind: 'installation'; inst: DealerWorld['i1']; client: InventoryClient }
  | { kind: 'online'; access: DealerWorld['o1']; client: InventoryClient }
  | { kind: 'dealer' };

/** An alert instance as the engine would write it, with realistic labels and its first transition. */
async function insertAlert(
  ctx: AppContext,
  w: DealerWorld,
  name: string,
  subject: Subject,
  opts: {
    state?: 'pending' | 'firing' | 'resolved';
    pendingAt: number;
    resolvedAt?: number;
    inhibitedBy?: string;
    text?: string;
    labels?: Record<string, string>;
  },
): Promise<number> {
  const state = opts.state ?? 'firing';
  let labels: Record<string, string> = { dealer: w.dealer.code, alertname: name };
  let subjectId = w.dealer.id;
  let client: InventoryClient | null = null;
  if (subject.kind !== 'dealer') {
    client = subject.client;
    labels = {
      ...labels,
      client: client.shortName,
      client_id: String(client.id),
      ...(client.unitId === null ? {} : { unit: String(client.unitId) }),
    };
  }
  if (subject.kind === 'installation') {
    subjectId = subject.inst.id;
    labels = {
      ...labels,
      installation: String(subject.inst.id),
      host: subject.inst.address ?? subject.inst.sourceKey,
    };
  } else if (subject.kind === 'online') {
    subjectId = subject.access.id;
    labels = {
      ...labels,
      online: String(subject.access.id),
      user: subject.access.login,
      url: `https://${subject.access.host}`,
      catalog: subject.access.folder,
    };
  }
  labels = { ...labels, ...(opts.labels ?? {}) };
  const row = await ctx.db
    .insertInto('alert_instances')
    .values({
      dealer_id: w.dealer.id,
      name,
      fingerprint: `${subject.kind}:${subjectId}`,
      subject_kind: subject.kind,
      subject_id: subjectId,
      client_id: client?.id ?? null,
      unit_id: client?.unitId ?? null,
      labels: JSON.stringify(labels),
      text: opts.text ?? `${name} on ${labels.host ?? labels.url ?? labels.dealer}`,
      value: null,
      filename: null,
      state,
      active_since: opts.pendingAt,
      pending_at: opts.pendingAt,
      fired_at: state === 'pending' ? null : opts.pendingAt,
      resolved_at: state === 'resolved' ? (opts.resolvedAt ?? opts.pendingAt + HOUR) : null,
      clear_since: null,
      last_eval_at: opts.pendingAt,
      inhibited_by: opts.inhibitedBy ?? null,
      acked_at: null,
      acked_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db
    .insertInto('alert_transitions')
    .values({
      instance_id: row.id,
      dealer_id: w.dealer.id,
      at: opts.pendingAt,
      from_state: null,
      to_state: state === 'resolved' ? 'firing' : state,
      reason: 'condition',
    })
    .execute();
  if (state === 'resolved') {
    await ctx.db
      .insertInto('alert_transitions')
      .values({
        instance_id: row.id,
        dealer_id: w.dealer.id,
        at: opts.resolvedAt ?? opts.pendingAt + HOUR,
        from_state: 'firing',
        to_state: 'resolved',
        reason: 'condition cleared',
      })
      .execute();
  }
  return row.id;
}

async function insertNotification(
  ctx: AppContext,
  w: DealerWorld,
  v: {
    kind: string;
    target: string;
    channelId: number | null;
    alertName: string;
    status: 'queued' | 'sent' | 'failed';
    at: number;
    error?: string;
  },
): Promise<number> {
  const row = await ctx.db
    .insertInto('notifications')
    .values({
      dealer_id: w.dealer.id,
      group_id: null,
      channel_id: v.channelId,
      kind: v.kind,
      target: v.target,
      alert_name: v.alertName,
      reason: 'firing',
      subject: `[FIRING:1] ${v.alertName}`,
      body: `FIRING ${v.alertName}\nСписок:\n- ${w.c1.shortName}`,
      payload: JSON.stringify({ version: 1, alertname: v.alertName }),
      instance_count: 1,
      status: v.status,
      attempts: v.error ? 2 : 1,
      next_attempt_at: v.at,
      lease_owner: null,
      lease_until: null,
      created_at: v.at,
      sent_at: v.status === 'sent' ? v.at : null,
      last_error: v.error ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < (v.error ? 2 : 1); i += 1) {
    await ctx.db
      .insertInto('notification_attempts')
      .values({
        notification_id: row.id,
        at: v.at + i * 1000,
        node_id: 'node-1',
        ok: v.error ? 0 : 1,
        permanent: v.error && i === 1 ? 1 : 0,
        error: v.error ?? null,
        code: v.error ? '550' : null,
        retry_after_ms: null,
        duration_ms: 12,
      })
      .execute();
  }
  return row.id;
}

function expectInvalid(r: Res, field: string): void {
  expect(r.status, r.text).toBe(400);
  expect(body<{ error: string }>(r).error).toBe('invalid');
  expect(body<{ message: string }>(r).message).toContain(field);
}

function expectStatus(r: Res, status: number, what = ''): void {
  expect(r.status, `${what} ${r.text}`).toBe(status);
}

const ids = (r: Res) =>
  body<Page<{ id: number }>>(r)
    .items.map((x) => x.id)
    .sort((x, y) => x - y);

describe.each(DB_KINDS)('HTTP: alerts (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let ctx: AppContext;
  let t0: number;
  let admin: Client;
  let head1: Client;
  let headDept: Client;
  let manager1: Client;
  let viewer2: Client;
  let bAdmin: Client;
  let root: Client;
  const al = {} as Record<
    'count' | 'tcp' | 'http' | 'icmp' | 'maint' | 'billing' | 'old' | 'oper' | 'bTcp' | 'bFailed',
    number
  >;

  beforeAll(async () => {
    s = await startTestServer(kind);
    ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'deala');
    b = await buildDealerWorld(ctx, 'dealb');
    await createUser(ctx, cliActor('test'), {
      dealerId: null,
      login: 'root',
      password: TEST_PASSWORD,
      role: 'operator',
    });
    t0 = s.t.clock.now();
    const inst = (w: DealerWorld, i: 'i1' | 'i2' | 'i3', c: 'c1' | 'c2' | 'c3'): Subject => ({
      kind: 'installation',
      inst: w[i],
      client: w[c],
    });
    al.count = await insertAlert(
      ctx,
      a,
      'KodeksTcpStatusCount',
      { kind: 'dealer' },
      { pendingAt: t0 - 5 * HOUR },
    );
    al.tcp = await insertAlert(ctx, a, 'KodeksTcpStatus', inst(a, 'i2', 'c2'), { pendingAt: t0 - 2 * HOUR });
    al.http = await insertAlert(ctx, a, 'KodeksHttp200Status', inst(a, 'i2', 'c2'), {
      pendingAt: t0 - HOUR,
      inhibitedBy: 'KodeksTcpStatus',
    });
    al.icmp = await insertAlert(ctx, a, 'KodeksIcmp', inst(a, 'i1', 'c1'), { pendingAt: t0 - 3 * HOUR });
    al.maint = await insertAlert(ctx, a, 'KodeksMaintenance', inst(a, 'i1', 'c1'), {
      state: 'pending',
      pendingAt: t0 - 10 * 60_000,
    });
    al.billing = await insertAlert(
      ctx,
      a,
      'OnlineBillingDocsLeft50',
      { kind: 'online', access: a.o1, client: a.c1 },
      { pendingAt: t0 - 4 * HOUR, labels: { kind: 'docs' } },
    );
    al.old = await insertAlert(ctx, a, 'KodeksIcmp', inst(a, 'i3', 'c3'), {
      state: 'resolved',
      pendingAt: t0 - 48 * HOUR,
      resolvedAt: t0 - 47 * HOUR,
    });
    al.oper = await insertAlert(ctx, a, 'KodeksDBOperUpToOld', inst(a, 'i3', 'c3'), {
      pendingAt: t0 - 6 * HOUR,
      labels: { file: 'D:\\Kodeks\\operup\\oper.upd' },
    });
    al.bTcp = await insertAlert(ctx, b, 'KodeksTcpStatus', inst(b, 'i2', 'c2'), { pendingAt: t0 - HOUR });
    al.bFailed = await insertAlert(
      ctx,
      b,
      'SmartNotificationFailed',
      { kind: 'dealer' },
      { pendingAt: t0 - HOUR },
    );
    const login = (l: string) => loginAs(s.url, l, TEST_PASSWORD);
    admin = await login(a.users.admin.login);
    head1 = await login(a.users.head1.login);
    headDept = await login(a.users.headDept.login);
    manager1 = await login(a.users.manager1.login);
    viewer2 = await login(a.users.viewer2.login);
    bAdmin = await login(b.users.admin.login);
    root = await login('root');
  });
  afterAll(() => s.close());

  // ---- instances ----

  it('lists open alerts K1 first with client, managers, labels and the runbook link', async () => {
    const r = await admin.get('/api/alerts');
    expectStatus(r, 200);
    const page = body<Page<AlertRow>>(r);
    expect(page.total).toBe(7);
    expect(page.items.map((x) => x.id)).toEqual([
      al.count, // K1
      al.http, // K2, newest first
      al.tcp,
      al.maint, // K4
      al.icmp,
      al.billing,
      al.oper, // K5
    ]);
    const tcp = page.items.find((x) => x.id === al.tcp)!;
    expect(tcp).toMatchObject({
      name: 'KodeksTcpStatus',
      state: 'firing',
      priority: 'K2',
      client: { id: a.c2.id, name: a.c2.shortName },
      managers: [a.m2.name],
      runbookUrl: '/docs/errors/KodeksTcpStatus.md',
      suppressedBy: null,
    });
    expect(tcp.labels).toMatchObject({ dealer: 'deala', host: a.i2.address, installation: String(a.i2.id) });
    const http = page.items.find((x) => x.id === al.http)!;
    expect(http).toMatchObject({ inhibitedBy: 'KodeksTcpStatus', suppressedBy: 'inhibited:KodeksTcpStatus' });
    const count = page.items.find((x) => x.id === al.count)!;
    expect(count).toMatchObject({ client: null, managers: [] });
    expect(r.text).not.toContain('dealb');
  });

  it('filters by state, name (aliases too), priority, category, object, time and pages', async () => {
    const get = (q: string) => admin.get(`/api/alerts?${q}`);
    expect(ids(await get('state=resolved'))).toEqual([al.old]);
    expect(body<Page<unknown>>(await get('state=all')).total).toBe(8);
    expect(ids(await get('state=pending'))).toEqual([al.maint]);
    expect(ids(await get('name=KodeksDBOperUpTooOld'))).toEqual([al.oper]);
    expect(ids(await get('name=KodeksIcmp,KodeksTcpStatus'))).toEqual(
      [al.tcp, al.icmp].sort((x, y) => x - y),
    );
    expect(ids(await get('name=KodeksIcmp&name=KodeksTcpStatus&priority=K2'))).toEqual([al.tcp]);
    expect(ids(await get('priority=K1'))).toEqual([al.count]);
    expect(ids(await get('category=online'))).toEqual([al.billing]);
    expect(ids(await get('importance=info&category=db'))).toEqual([al.oper]);
    expect(ids(await get(`installationId=${a.i2.id}`))).toEqual([al.tcp, al.http].sort((x, y) => x - y));
    expect(ids(await get(`onlineAccessId=${a.o1.id}`))).toEqual([al.billing]);
    expect(ids(await get(`clientId=${a.c1.id}`))).toEqual(
      [al.icmp, al.maint, al.billing].sort((x, y) => x - y),
    );
    // History: alive at some time in from…to.
    expect(ids(await get(`state=all&to=${t0 - 40 * HOUR}`))).toEqual([al.old]);
    expect(ids(await get(`state=all&from=${t0 - 46 * HOUR}&name=KodeksIcmp`))).toEqual([al.icmp]);
    const paged = body<Page<AlertRow>>(await get('limit=2&offset=1'));
    expect(paged.total).toBe(7);
    expect(paged.items.map((x) => x.id)).toEqual([al.http, al.tcp]);
    expect(body<Page<unknown>>(await get(`dealerId=${b.dealer.id}`)).total).toBe(0);

    expectInvalid(await get('name=NoSuchAlert'), 'name');
    expect((await get('name=NoSuchAlert')).text).toContain('unknown alert NoSuchAlert');
    expectInvalid(await get('limit=5000'), 'limit');
    expectInvalid(await get('state=burning'), 'state');
    expectInvalid(await get('priority=K9'), 'priority');
    expectInvalid(await get('from=yesterday'), 'from');
  });

  it('each scope sees exactly its alerts; dealer-level alerts only dealer-wide scopes', async () => {
    const aAll = [al.count, al.tcp, al.http, al.icmp, al.maint, al.billing, al.oper];
    const c1 = [al.icmp, al.maint, al.billing];
    const expected: [Client, number[]][] = [
      [admin, aAll],
      [head1, c1],
      [headDept, c1],
      [manager1, c1],
      [viewer2, [al.tcp, al.http]],
      [bAdmin, [al.bTcp, al.bFailed]],
      [root, [...aAll, al.bTcp, al.bFailed]],
    ];
    for (const [c, want] of expected) {
      expect(ids(await c.get('/api/alerts')), c.auth.cookie).toEqual([...want].sort((x, y) => x - y));
    }
    // Out of scope is 404 without data, for reading and for acknowledging.
    for (const [c, id] of [
      [bAdmin, al.tcp],
      [bAdmin, al.count],
      [head1, al.count],
      [head1, al.tcp],
      [manager1, al.oper],
      [viewer2, al.icmp],
      [admin, al.bFailed],
    ] as const) {
      const r = await c.get(`/api/alerts/${id}`);
      expectStatus(r, 404, `GET ${id}`);
      expect(r.text).not.toContain('KodeksTcpStatus');
      expectStatus(await c.post(`/api/alerts/${id}/ack`, { comment: 'x' }), 404, `ack ${id}`);
    }
  });

  let dutyChat: number;

  it('shows one alert with its transitions and the messages its scope may see', async () => {
    const mailIvanov = await insertNotification(ctx, a, {
      kind: 'email',
      target: 'ivanov@deala.example',
      channelId: null,
      alertName: 'KodeksIcmp',
      status: 'sent',
      at: t0 - 3 * HOUR + 60_000,
    });
    dutyChat = (
      await ctx.db
        .insertInto('notification_channels')
        .values({
          dealer_id: a.dealer.id,
          unit_id: null,
          kind: 'telegram',
          class: 'high',
          name: 'duty chat',
          target: '-1009990001',
          enabled: 1,
          last_error: null,
          last_error_at: null,
          created_at: t0,
          updated_at: t0,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const countMsg = await insertNotification(ctx, a, {
      kind: 'telegram',
      target: '-1009990001',
      channelId: dutyChat,
      alertName: 'KodeksIcmpCount',
      status: 'sent',
      at: t0 - 2 * HOUR,
    });
    // Before the instance: not about it.
    await insertNotification(ctx, a, {
      kind: 'email',
      target: 'ivanov@deala.example',
      channelId: null,
      alertName: 'KodeksIcmp',
      status: 'sent',
      at: t0 - 10 * HOUR,
    });
    const d = body<
      AlertRow & { transitions: { to: string; from: string | null }[]; notifications: { id: number }[] }
    >(await admin.get(`/api/alerts/${al.icmp}`));
    expect(d.transitions).toEqual([
      expect.objectContaining({ from: null, to: 'firing', reason: 'condition' }),
    ]);
    expect(d.notifications.map((n) => n.id).sort()).toEqual([mailIvanov, countMsg].sort());
    const old = body<{ transitions: { to: string }[] }>(await admin.get(`/api/alerts/${al.old}`));
    expect(old.transitions.map((x) => x.to)).toEqual(['firing', 'resolved']);
    // The manager sees what went to their own mailbox, not the dealer's chat.
    const m = body<{ notifications: { id: number }[] }>(await manager1.get(`/api/alerts/${al.icmp}`));
    expect(m.notifications.map((n) => n.id)).toEqual([mailIvanov]);
    expectInvalid(await admin.get('/api/alerts/abc'), 'id');
  });

  it('acknowledges: every role but viewer, only open alerts, with an audit row', async () => {
    const r = await manager1.post(`/api/alerts/${al.icmp}/ack`, { comment: 'звоню клиенту' });
    expectStatus(r, 200);
    expect(body<AlertRow>(r)).toMatchObject({
      id: al.icmp,
      acknowledgedBy: a.users.manager1.login,
      acknowledgedAt: s.t.clock.now(),
    });
    const auditRow = await ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity', '=', 'alert')
      .where('entity_id', '=', String(al.icmp))
      .executeTakeFirstOrThrow();
    expect(auditRow.actor).toBe(a.users.manager1.login);
    expect(auditRow.details).toContain('звоню клиенту');
    expectStatus(await head1.post(`/api/alerts/${al.maint}/ack`), 200);
    const denied = await viewer2.post(`/api/alerts/${al.tcp}/ack`, {});
    expectStatus(denied, 403);
    expect(body<{ error: string }>(denied).error).toBe('forbidden');
    expectStatus(await admin.post(`/api/alerts/${al.old}/ack`), 409);
    expectInvalid(
      await admin.post(`/api/alerts/${al.tcp}/ack`, { comment: 'x'.repeat(1001) }),
      'body.comment',
    );
    expectInvalid(await admin.post(`/api/alerts/${al.tcp}/ack`, { note: 'x' }), 'note');
  });

  // ---- catalogue and settings ----

  it('serves the catalogue with the effective settings and changes them (dealer-admin, operator)', async () => {
    const cat = body<{
      dealerId: number;
      alerts: { name: string; effective: { countThreshold: number | null }; overridden: boolean }[];
    }>(await admin.get('/api/alert-catalogue'));
    expect(cat.dealerId).toBe(a.dealer.id);
    expect(cat.alerts).toHaveLength(CATALOGUE.length);
    expect(cat.alerts.find((x) => x.name === 'KodeksIcmp')).toMatchObject({
      effective: { countThreshold: 10 },
      overridden: false,
    });
    expect(body<{ dealerId: number | null }>(await root.get('/api/alert-catalogue')).dealerId).toBeNull();
    expectStatus(await bAdmin.get(`/api/alert-catalogue?dealerId=${a.dealer.id}`), 404);

    expect((await dealerAlertSettings(ctx, a.dealer.id)).params('KodeksDBOperUpToOld')).toEqual({
      maxAgeDays: 3,
    });
    // An alias in the path; the settings are stored under the catalogue name.
    const put = await admin.req('PUT', '/api/alert-settings/KodeksDBOperUpTooOld', {
      body: { countThreshold: 20, params: { maxAgeDays: 5 }, groupWaitMs: 60_000 },
    });
    expectStatus(put, 200);
    expect(body<{ name: string; effective: object; override: object }>(put)).toMatchObject({
      name: 'KodeksDBOperUpToOld',
      effective: {
        enabled: true,
        countThreshold: 20,
        params: { maxAgeDays: 5 },
        timings: { groupWaitMs: 60_000 },
      },
      override: { countThreshold: 20, forMs: null },
    });
    // The engine's cache was dropped: the change applies at once.
    const live = await dealerAlertSettings(ctx, a.dealer.id);
    expect(live.params('KodeksDBOperUpToOld')).toEqual({ maxAgeDays: 5 });
    expect(live.countThreshold('KodeksDBOperUpToOld')).toBe(20);
    const cat2 = body<{ alerts: { name: string; overridden: boolean }[] }>(
      await viewer2.get('/api/alert-catalogue'),
    );
    expect(cat2.alerts.find((x) => x.name === 'KodeksDBOperUpToOld')?.overridden).toBe(true);
    expect(
      body<{ effective: { params: object } }>(await viewer2.get('/api/alert-settings/KodeksDBOperUpToOld'))
        .effective.params,
    ).toEqual({ maxAgeDays: 5 });
    expect(
      (await ctx.db.selectFrom('audit_log').select('id').where('entity', '=', 'alert_settings').execute())
        .length,
    ).toBe(1);

    const putAs = (c: Client, name: string, b: object) =>
      c.req('PUT', `/api/alert-settings/${name}`, { body: b });
    expectInvalid(
      await putAs(admin, 'OnlineBillingDocsLeft50', { countThreshold: 5 }),
      'body.countThreshold',
    );
    expectInvalid(await putAs(admin, 'KodeksIcmp', { countThreshold: 0 }), 'body.countThreshold');
    expectInvalid(
      await putAs(admin, 'KodeksDBOperUpToOld', { params: { maxAgeHours: 5 } }),
      'body.params.maxAgeHours',
    );
    expectInvalid(
      await putAs(admin, 'KodeksDBOperUpToOld', { params: { maxAgeDays: 'five' } }),
      'body.params.maxAgeDays',
    );
    expectInvalid(await putAs(admin, 'KodeksIcmp', { forMs: -1 }), 'body.forMs');
    expectStatus(await putAs(admin, 'NoSuchAlert', { enabled: false }), 404);
    expectStatus(await putAs(head1, 'KodeksIcmp', { enabled: false }), 403);
    expectStatus(await putAs(manager1, 'KodeksIcmp', { enabled: false }), 403);
    expectStatus(await putAs(bAdmin, 'KodeksIcmp', { enabled: false, dealerId: a.dealer.id }), 404);
    expectStatus(await bAdmin.get(`/api/alert-settings/KodeksIcmp?dealerId=${a.dealer.id}`), 404);
    expectInvalid(await putAs(root, 'KodeksIcmp', { enabled: false }), 'body.dealerId: required');
    expectStatus(await putAs(root, 'KodeksIcmp', { enabled: false, dealerId: a.dealer.id }), 200);
    expect((await dealerAlertSettings(ctx, a.dealer.id)).enabled('KodeksIcmp')).toBe(false);

    const reset = await admin.del('/api/alert-settings/KodeksIcmp');
    expectStatus(reset, 200);
    expect(body<{ override: unknown; effective: { enabled: boolean } }>(reset)).toMatchObject({
      override: null,
      effective: { enabled: true },
    });
    expect((await dealerAlertSettings(ctx, a.dealer.id)).enabled('KodeksIcmp')).toBe(true);
  });

  it("the catalogue carries the dealer's stored settings, even a value equal to the default, to that dealer only", async () => {
    interface Stored {
      enabled: boolean;
      countThreshold: number | null;
      forMs: number | null;
      groupWaitMs: number | null;
      params: Record<string, number>;
      updatedAt: number;
    }
    interface Entry {
      name: string;
      defaults: { countThreshold: number | null };
      effective: { countThreshold: number | null };
      overridden: boolean;
      override: Stored | null;
    }
    const catalogue = async (c: Client, query = '') => {
      const r = await c.get(`/api/alert-catalogue${query}`);
      expectStatus(r, 200);
      return new Map(body<{ alerts: Entry[] }>(r).alerts.map((x) => [x.name, x]));
    };
    const stored = async (c: Client, name: string, query = '') => {
      const r = await c.get(`/api/alert-settings/${name}${query}`);
      expectStatus(r, 200);
      return body<{ override: Stored | null }>(r).override;
    };

    // The default Count threshold, stored: the effective value does not change, the entry says it is set.
    const put = await admin.req('PUT', '/api/alert-settings/KodeksIcmp', {
      body: { countThreshold: 10, forMs: 0 },
    });
    expectStatus(put, 200);
    const mine = await catalogue(admin);
    const icmp = mine.get('KodeksIcmp');
    expect(icmp?.effective.countThreshold).toBe(icmp?.defaults.countThreshold);
    expect(icmp).toMatchObject({
      overridden: true,
      override: { enabled: true, countThreshold: 10, forMs: 0, groupWaitMs: null, params: {} },
    });
    // The same shape and values as the settings endpoint's stored part.
    expect(icmp?.override).toEqual(await stored(admin, 'KodeksIcmp'));
    expect(mine.get('KodeksDBOperUpToOld')?.override).toEqual(await stored(admin, 'KodeksDBOperUpToOld'));
    expect(mine.get('KodeksDBOperUpToOld')?.override).toMatchObject({
      countThreshold: 20,
      groupWaitMs: 60_000,
      params: { maxAgeDays: 5 },
    });
    for (const x of mine.values()) expect(x.override === null).toBe(!x.overridden);
    // Everyone of the dealer reads it; the operator reads it when naming the dealer.
    expect((await catalogue(viewer2)).get('KodeksIcmp')?.override).toEqual(icmp?.override);
    expect((await catalogue(root, `?dealerId=${a.dealer.id}`)).get('KodeksIcmp')?.override).toEqual(
      icmp?.override,
    );

    // Another dealer's admin sees their own (unset) settings and cannot ask for this dealer's.
    const theirs = await catalogue(bAdmin);
    expect(theirs.get('KodeksIcmp')).toMatchObject({ overridden: false, override: null });
    expect([...theirs.values()].every((x) => x.override === null && !x.overridden)).toBe(true);
    const denied = await bAdmin.get(`/api/alert-catalogue?dealerId=${a.dealer.id}`);
    expectStatus(denied, 404);
    expect(denied.text).not.toContain('updatedAt');
    expectStatus(await bAdmin.get(`/api/alert-settings/KodeksIcmp?dealerId=${a.dealer.id}`), 404);
    // The operator without a dealer gets the catalogue's defaults: nothing stored.
    expect([...(await catalogue(root)).values()].every((x) => x.override === null)).toBe(true);

    expectStatus(await admin.del('/api/alert-settings/KodeksIcmp'), 200);
    expect((await catalogue(admin)).get('KodeksIcmp')).toMatchObject({ overridden: false, override: null });
  });

  // ---- channels, rules, preview ----

  let chat: number;
  let hook: number;
  let headMail: number;

  it('creates, lists, changes and deletes channels; targets are validated per kind', async () => {
    const r = await admin.post('/api/notification-channels', {
      kind: 'telegram',
      class: 'high',
      name: 'Дежурные',
      target: '-100123',
    });
    expectStatus(r, 201);
    chat = body<{ id: number }>(r).id;
    expect(body<object>(r)).toMatchObject({
      dealerId: a.dealer.id,
      unitId: null,
      enabled: true,
      editable: true,
    });
    hook = body<{ id: number }>(
      await admin.post('/api/notification-channels', {
        kind: 'webhook',
        class: 'all',
        name: 'CRM',
        target: 'https://hooks.example/T0/secret-token',
      }),
    ).id;
    const mail = await admin.post('/api/notification-channels', {
      kind: 'email',
      class: 'analytics',
      name: 'Analytics',
      target: 'Analytics@Deala.Example',
      unitId: a.branch2.id,
    });
    expectStatus(mail, 201);
    expect(body<{ target: string; unitId: number }>(mail)).toMatchObject({
      target: 'analytics@deala.example',
      unitId: a.branch2.id,
    });

    const post = (c: Client, b: object) => c.post('/api/notification-channels', b);
    expectInvalid(
      await post(admin, { kind: 'telegram', class: 'high', name: 'x', target: 'chat' }),
      'body.target',
    );
    expectInvalid(
      await post(admin, { kind: 'email', class: 'high', name: 'x', target: 'nobody' }),
      'body.target',
    );
    expectInvalid(
      await post(admin, { kind: 'webhook', class: 'all', name: 'x', target: 'ftp://h/x' }),
      'body.target',
    );
    expectInvalid(await post(admin, { class: 'high', name: 'x', target: '-1' }), 'body.kind');
    expectInvalid(await post(admin, { kind: 'sms', class: 'high', name: 'x', target: '-1' }), 'body.kind');
    expectInvalid(
      await post(admin, { kind: 'telegram', class: 'normal', name: 'x', target: '-1' }),
      'body.class',
    );
    expectInvalid(
      await admin.patch(`/api/notification-channels/${chat}`, { target: 'not a chat' }),
      'body.target',
    );
    expectInvalid(await admin.patch(`/api/notification-channels/${chat}`, { kind: 'email' }), 'body.target');

    // A head's channel goes to their unit; another branch's unit is not found.
    const h = await post(head1, {
      kind: 'email',
      class: 'high',
      name: 'Branch duty',
      target: 'duty@b1.example',
    });
    expectStatus(h, 201);
    headMail = body<{ id: number }>(h).id;
    expect(body<{ unitId: number }>(h).unitId).toBe(a.branch1.id);
    expectStatus(
      await post(head1, {
        kind: 'email',
        class: 'high',
        name: 'x',
        target: 'a@b.example',
        unitId: a.branch2.id,
      }),
      404,
    );
    expectStatus(await head1.patch(`/api/notification-channels/${chat}`, { enabled: false }), 403);
    expectStatus(await head1.del(`/api/notification-channels/${chat}`), 403);
    expectStatus(
      await post(manager1, { kind: 'email', class: 'high', name: 'x', target: 'a@b.example' }),
      403,
    );
    expectStatus(
      await post(viewer2, { kind: 'email', class: 'high', name: 'x', target: 'a@b.example' }),
      403,
    );

    // Lists: what the scope sees; webhook URLs only to those who may change them.
    await ctx.db
      .updateTable('notification_channels')
      .set({ last_error: 'Forbidden: bot was blocked by the user', last_error_at: t0 })
      .where('id', '=', chat)
      .execute();
    type Ch = {
      id: number;
      target: string;
      lastError: string | null;
      lastErrorAt: number | null;
      editable: boolean;
    };
    const all = body<Ch[]>(await admin.get('/api/notification-channels'));
    expect(all.map((c) => c.id).sort((x, y) => x - y)).toEqual(
      [dutyChat, chat, hook, body<{ id: number }>(mail).id, headMail].sort((x, y) => x - y),
    );
    expect(all.find((c) => c.id === chat)).toMatchObject({
      lastError: 'Forbidden: bot was blocked by the user',
      lastErrorAt: t0,
    });
    expect(all.find((c) => c.id === hook)?.target).toBe('https://hooks.example/T0/secret-token');
    const seenByViewer = body<Ch[]>(await viewer2.get('/api/notification-channels'));
    expect(seenByViewer.map((c) => c.id).sort((x, y) => x - y)).toEqual(
      [dutyChat, chat, hook, body<{ id: number }>(mail).id].sort((x, y) => x - y),
    );
    expect(seenByViewer.find((c) => c.id === hook)).toMatchObject({
      target: 'https://hooks.example/…',
      editable: false,
    });
    expect(JSON.stringify(seenByViewer)).not.toContain('secret-token');
    const seenByHead = body<Ch[]>(await head1.get('/api/notification-channels'));
    expect(seenByHead.map((c) => c.id)).toContain(headMail);
    expect(seenByHead.map((c) => c.id)).not.toContain(body<{ id: number }>(mail).id);
    expect(seenByHead.find((c) => c.id === headMail)?.editable).toBe(true);

    // Dealer B: nothing of dealer A exists.
    for (const id of [chat, hook, headMail]) {
      expectStatus(await bAdmin.get(`/api/notification-channels/${id}`), 404);
      expectStatus(await bAdmin.patch(`/api/notification-channels/${id}`, { name: 'mine' }), 404);
      expectStatus(await bAdmin.del(`/api/notification-channels/${id}`), 404);
    }
    expectStatus(
      await post(bAdmin, {
        kind: 'email',
        class: 'high',
        name: 'x',
        target: 'a@b.example',
        unitId: a.branch1.id,
      }),
      404,
    );
    expectStatus(
      await post(bAdmin, {
        kind: 'email',
        class: 'high',
        name: 'x',
        target: 'a@b.example',
        dealerId: a.dealer.id,
      }),
      404,
    );
    expect(body<Ch[]>(await bAdmin.get('/api/notification-channels'))).toEqual([]);

    // Change and delete; a changed target drops the old error.
    const changed = await admin.patch(`/api/notification-channels/${chat}`, {
      target: '@smart_duty',
      name: 'Duty',
    });
    expectStatus(changed, 200);
    expect(body<Ch>(changed)).toMatchObject({ target: '@smart_duty', lastError: null });
    expectStatus(await admin.del(`/api/notification-channels/${body<{ id: number }>(mail).id}`), 204);
    expectStatus(await admin.get(`/api/notification-channels/${body<{ id: number }>(mail).id}`), 404);
    const audits = await ctx.db
      .selectFrom('audit_log')
      .select(['action'])
      .where('entity', '=', 'notification_channel')
      .execute();
    expect(audits.map((x) => x.action).sort()).toEqual([
      'create',
      'create',
      'create',
      'create',
      'delete',
      'update',
    ]);
  });

  let rule: number;

  it('creates, orders and deletes rules; channels must be the dealer’s and visible', async () => {
    const r = await admin.post('/api/notification-rules', {
      name: 'ICMP to the duty chat',
      matchers: { alerts: ['KodeksIcmp'], labels: { dealer: 'deala' } },
      channelIds: [chat],
    });
    expectStatus(r, 201);
    rule = body<{ id: number }>(r).id;
    expect(body<object>(r)).toMatchObject({
      position: 1,
      mode: 'add',
      managers: true,
      enabled: true,
      unitId: null,
    });
    const second = await admin.post('/api/notification-rules', {
      name: 'Billing only to the CRM',
      matchers: { categories: ['online'] },
      mode: 'replace',
      channelIds: [hook],
      managers: false,
    });
    expectStatus(second, 201);
    expect(body<{ position: number }>(second).position).toBe(2);

    const post = (c: Client, b: object) => c.post('/api/notification-rules', b);
    expectInvalid(
      await post(admin, { name: 'x', matchers: { alerts: ['NoSuch'] }, channelIds: [chat] }),
      'body.matchers.alerts.0',
    );
    expectInvalid(
      await post(admin, { name: 'x', matchers: { priority: ['K1'] }, channelIds: [chat] }),
      'body.matchers',
    );
    expectInvalid(await post(admin, { name: 'x', matchers: {} }), 'body.channelIds');
    expectInvalid(await post(admin, { name: 'x', mode: 'drop', channelIds: [chat] }), 'body.mode');
    expectInvalid(await post(admin, { matchers: {}, channelIds: [chat] }), 'body.name');
    const bChat = body<{ id: number }>(
      await bAdmin.post('/api/notification-channels', {
        kind: 'telegram',
        class: 'high',
        name: 'B',
        target: '-42',
      }),
    ).id;
    const foreign = await post(admin, { name: 'x', channelIds: [bChat] });
    expectStatus(foreign, 404);
    expect(body<{ message: string }>(foreign).message).toContain('channelIds');
    // A head's rule is in their unit and may use their unit's channel and the dealer's.
    const h = await post(head1, { name: 'branch', channelIds: [headMail, chat] });
    expectStatus(h, 201);
    expect(body<{ unitId: number }>(h).unitId).toBe(a.branch1.id);
    expectStatus(await head1.patch(`/api/notification-rules/${rule}`, { enabled: false }), 403);
    expectStatus(await head1.post('/api/notification-rules/reorder', { ids: [rule] }), 403);
    expectStatus(await post(manager1, { name: 'x', channelIds: [chat] }), 403);
    expectInvalid(
      await admin.post('/api/notification-rules', {
        name: 'x',
        unitId: a.branch2.id,
        channelIds: [headMail],
      }),
      'body.channelIds.0',
    );

    const all = [rule, body<{ id: number }>(second).id, body<{ id: number }>(h).id];
    expectInvalid(await admin.post('/api/notification-rules/reorder', { ids: [rule] }), 'body.ids');
    const reordered = await admin.post('/api/notification-rules/reorder', { ids: [...all].reverse() });
    expectStatus(reordered, 200);
    expect(body<{ id: number }[]>(reordered).map((x) => x.id)).toEqual([...all].reverse());
    expectStatus(await admin.post('/api/notification-rules/reorder', { ids: all }), 200);

    for (const id of all) {
      expectStatus(await bAdmin.get(`/api/notification-rules/${id}`), 404);
      expectStatus(await bAdmin.patch(`/api/notification-rules/${id}`, { name: 'mine' }), 404);
      expectStatus(await bAdmin.del(`/api/notification-rules/${id}`), 404);
    }
    expect(body<unknown[]>(await bAdmin.get('/api/notification-rules'))).toEqual([]);
    expect(body<{ id: number }[]>(await viewer2.get('/api/notification-rules')).map((x) => x.id)).toEqual(
      all.slice(0, 2),
    );

    const patched = await admin.patch(`/api/notification-rules/${rule}`, {
      matchers: { alerts: ['KodeksIcmp'] },
    });
    expectStatus(patched, 200);
    expect(body<{ matchers: object }>(patched).matchers).toEqual({ alerts: ['KodeksIcmp'] });
    expectStatus(await head1.del(`/api/notification-rules/${body<{ id: number }>(h).id}`), 204);
  });

  it('previews who would be told, with the rules that apply', async () => {
    const r = await admin.post('/api/routing/preview', { installationId: a.i1.id, alertName: 'KodeksIcmp' });
    expectStatus(r, 200);
    const p = body<{
      receivers: { kind: string; target: string; channelId: number | null; countOnly: boolean }[];
      matchedRules: { id: number }[];
      labels: Record<string, string>;
    }>(r);
    expect(p.matchedRules.map((x) => x.id)).toEqual([rule]);
    expect(p.labels).toMatchObject({ dealer: 'deala', client: a.c1.shortName, alertname: 'KodeksIcmp' });
    expect(p.receivers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'email', target: 'ivanov@deala.example', channelId: null }),
        expect.objectContaining({
          kind: 'telegram',
          target: '@smart_duty',
          channelId: chat,
          countOnly: false,
        }),
        expect.objectContaining({ kind: 'webhook', channelId: hook }),
      ]),
    );
    // The replace rule: billing alerts go only to the CRM webhook, not to the managers.
    const billing = body<{ receivers: { channelId: number | null }[] }>(
      await admin.post('/api/routing/preview', {
        onlineAccessId: a.o1.id,
        alertName: 'OnlineBillingDocsLeft50',
      }),
    );
    expect(billing.receivers.map((x) => x.channelId)).toEqual([hook]);
    // A manager may preview their own object; the webhook URL is hidden from them.
    const m = await manager1.post('/api/routing/preview', {
      onlineAccessId: a.o1.id,
      alertName: 'OnlineBillingDocsLeft50',
    });
    expectStatus(m, 200);
    expect(m.text).not.toContain('secret-token');

    expectInvalid(
      await admin.post('/api/routing/preview', {
        installationId: a.i1.id,
        onlineAccessId: a.o1.id,
        alertName: 'KodeksIcmp',
      }),
      'body.installationId',
    );
    expectInvalid(
      await admin.post('/api/routing/preview', { installationId: a.i1.id, alertName: 'Nope' }),
      'body.alertName',
    );
    expectStatus(
      await bAdmin.post('/api/routing/preview', { installationId: a.i1.id, alertName: 'KodeksIcmp' }),
      404,
    );
    expectStatus(
      await viewer2.post('/api/routing/preview', { installationId: a.i1.id, alertName: 'KodeksIcmp' }),
      404,
    );
  });

  // ---- silences and maintenance ----

  it('a silence created through the API suppresses matching alerts until it is expired', async () => {
    const now = s.t.clock.now();
    const r = await admin.post('/api/silences', {
      matchers: { alerts: ['KodeksTcpStatus'], labels: { host: a.i2.address! } },
      endsAt: new Date(now + 2 * HOUR).toISOString(),
      comment: 'замена коммутатора',
    });
    expectStatus(r, 201);
    const sil = body<{ id: number; state: string; author: string; startsAt: number; endsAt: number }>(r);
    expect(sil).toMatchObject({
      state: 'active',
      author: a.users.admin.login,
      startsAt: now,
      endsAt: now + 2 * HOUR,
    });
    const list = body<Page<AlertRow>>(await admin.get('/api/alerts'));
    expect(list.items.find((x) => x.id === al.tcp)?.suppressedBy).toBe(`silence:${sil.id}`);
    expect(list.items.find((x) => x.id === al.icmp)?.suppressedBy).toBeNull();
    // The viewer of branch 2 sees it too (it is the dealer's), but may not end it.
    expect(body<{ id: number }[]>(await viewer2.get('/api/silences')).map((x) => x.id)).toEqual([sil.id]);
    expectStatus(await viewer2.post(`/api/silences/${sil.id}/expire`), 403);
    expectStatus(await head1.post(`/api/silences/${sil.id}/expire`), 403);
    const active = body<{ silences: { id: number }[] }>(await admin.get('/api/suppressions/active'));
    expect(active.silences.map((x) => x.id)).toEqual([sil.id]);

    const post = (c: Client, b: object) => c.post('/api/silences', b);
    const until = now + HOUR;
    expectInvalid(
      await post(admin, { matchers: { alerts: ['KodeksIcmp'] }, endsAt: until, comment: ' ' }),
      'body.comment',
    );
    expectInvalid(await post(admin, { matchers: { alerts: ['KodeksIcmp'] }, endsAt: until }), 'body.comment');
    expectInvalid(await post(admin, { matchers: {}, endsAt: until, comment: 'x' }), 'body.matchers');
    expectInvalid(
      await post(admin, {
        matchers: { alerts: ['KodeksIcmp'] },
        startsAt: until,
        endsAt: until - 1,
        comment: 'x',
      }),
      'body.endsAt',
    );
    expectInvalid(
      await post(admin, { matchers: { alerts: ['KodeksIcmp'] }, endsAt: 'tomorrow', comment: 'x' }),
      'body.endsAt',
    );
    expectInvalid(
      await post(admin, { matchers: { alerts: ['KodeksIcmp'] }, endsAt: now - 1, comment: 'x' }),
      'body.endsAt',
    );
    expectStatus(
      await post(viewer2, { matchers: { alerts: ['KodeksIcmp'] }, endsAt: until, comment: 'x' }),
      403,
    );
    expectStatus(
      await post(manager1, { matchers: { alerts: ['KodeksIcmp'] }, endsAt: until, comment: 'x' }),
      403,
    );
    // A head's silence belongs to their unit: it silences only what is below it.
    const hs = await post(head1, {
      matchers: { alerts: ['KodeksTcpStatus', 'KodeksIcmp'] },
      endsAt: until,
      comment: 'x',
    });
    expectStatus(hs, 201);
    expect(body<{ unitId: number }>(hs).unitId).toBe(a.branch1.id);
    const afterHead = body<Page<AlertRow>>(await admin.get('/api/alerts'));
    expect(afterHead.items.find((x) => x.id === al.icmp)?.suppressedBy).toBe(
      `silence:${body<{ id: number }>(hs).id}`,
    );
    expectStatus(await head1.del(`/api/silences/${body<{ id: number }>(hs).id}`), 204);

    for (const c of [bAdmin]) {
      expectStatus(await c.get(`/api/silences/${sil.id}`), 404);
      expectStatus(await c.post(`/api/silences/${sil.id}/expire`), 404);
      expectStatus(await c.del(`/api/silences/${sil.id}`), 404);
      expect(body<unknown[]>(await c.get('/api/silences'))).toEqual([]);
    }

    s.t.clock.advance(60_000);
    const expired = await admin.post(`/api/silences/${sil.id}/expire`);
    expectStatus(expired, 200);
    expect(body<{ state: string; endsAt: number }>(expired)).toMatchObject({
      state: 'expired',
      endsAt: now + 60_000,
    });
    const after = body<Page<AlertRow>>(await admin.get('/api/alerts'));
    expect(after.items.find((x) => x.id === al.tcp)?.suppressedBy).toBeNull();
    expect(body<unknown[]>(await admin.get('/api/silences'))).toEqual([]);
    expect(body<{ id: number }[]>(await admin.get('/api/silences?state=expired')).map((x) => x.id)).toEqual([
      sil.id,
    ]);
    expectInvalid(await admin.get('/api/silences?state=old'), 'state');
    expectStatus(await admin.del(`/api/silences/${sil.id}`), 204);
  });

  it('a weekly window in Asia/Yekaterinburg suppresses exactly inside its local hours', async () => {
    const saved = s.t.clock.t;
    const r = await admin.post('/api/maintenance-windows', {
      scope: { kind: 'installation', id: a.i2.id },
      timeZone: 'Asia/Yekaterinburg',
      kind: 'weekly',
      days: [7],
      startTime: '02:00',
      durationMin: 240,
      comment: 'еженедельное обновление',
    });
    expectStatus(r, 201);
    const w = body<{ id: number; dealerId: number; days: number[]; author: string }>(r);
    expect(w).toMatchObject({ dealerId: a.dealer.id, days: [7], author: a.users.admin.login });
    // Sunday 02:00–06:00 in Yekaterinburg (UTC+5) is Saturday 21:00 – Sunday 01:00 UTC.
    const at = async (utc: number) => {
      s.t.clock.t = utc;
      const page = body<Page<AlertRow>>(
        await admin.get(`/api/alerts?installationId=${a.i2.id}&name=KodeksTcpStatus`),
      );
      return page.items[0]?.suppressedBy;
    };
    try {
      expect(await at(Date.UTC(2026, 9, 31, 20, 59))).toBeNull(); // 01:59 local
      expect(await at(Date.UTC(2026, 9, 31, 21, 0))).toBe(`maintenance:${w.id}`); // 02:00
      expect(await at(Date.UTC(2026, 10, 1, 0, 59))).toBe(`maintenance:${w.id}`); // 05:59
      expect(await at(Date.UTC(2026, 10, 1, 1, 0))).toBeNull(); // 06:00
      expect(await at(Date.UTC(2026, 10, 7, 21, 30))).toBe(`maintenance:${w.id}`); // next Sunday 02:30
      expect(await at(Date.UTC(2026, 10, 2, 21, 30))).toBeNull(); // Tuesday 02:30
      // Other objects are not covered.
      s.t.clock.t = Date.UTC(2026, 9, 31, 22, 0);
      const page = body<Page<AlertRow>>(await admin.get('/api/alerts'));
      expect(page.items.find((x) => x.id === al.icmp)?.suppressedBy).toBeNull();
      const act = body<{ windows: { id: number; active: boolean }[] }>(
        await admin.get(`/api/suppressions/active?at=${Date.UTC(2026, 9, 31, 22, 0)}`),
      );
      expect(act.windows.map((x) => x.id)).toEqual([w.id]);
      const list = body<{ id: number; active: boolean }[]>(
        await viewer2.get(`/api/maintenance-windows?at=${Date.UTC(2026, 10, 1, 3, 0)}`),
      );
      expect(list).toEqual([expect.objectContaining({ id: w.id, active: false })]);
    } finally {
      s.t.clock.t = saved;
    }
    expectStatus(await admin.del(`/api/maintenance-windows/${w.id}`), 204);
  });

  it('one-off windows take local times; scopes must be visible; heads cannot cover the dealer', async () => {
    const post = (c: Client, b: object) => c.post('/api/maintenance-windows', b);
    const base = { timeZone: 'Asia/Yekaterinburg', comment: 'переезд', kind: 'once' };
    const once = await post(admin, {
      ...base,
      scope: { kind: 'client', id: a.c1.id },
      start: '2026-11-20T22:00',
      end: '2026-11-21T02:30',
    });
    expectStatus(once, 201);
    expect(body<{ startsAt: number; endsAt: number }>(once)).toMatchObject({
      startsAt: Date.UTC(2026, 10, 20, 17, 0),
      endsAt: Date.UTC(2026, 10, 20, 21, 30),
    });
    const isoOnce = await post(admin, {
      ...base,
      scope: { kind: 'dealer', id: a.dealer.id },
      start: '2026-11-20T22:00:00+03:00',
      end: Date.UTC(2026, 10, 21),
    });
    expectStatus(isoOnce, 201);
    expect(body<{ startsAt: number }>(isoOnce).startsAt).toBe(Date.UTC(2026, 10, 20, 19, 0));

    const weekly = {
      ...base,
      kind: 'weekly',
      scope: { kind: 'installation', id: a.i1.id },
      days: [1],
      startTime: '03:00',
      durationMin: 60,
    };
    expectInvalid(await post(admin, { ...weekly, timeZone: 'Mars/Olympus' }), 'body.timeZone');
    expectInvalid(await post(admin, { ...weekly, days: [8] }), 'body.days.0');
    expectInvalid(await post(admin, { ...weekly, startTime: '25:00' }), 'body.startTime');
    expectInvalid(await post(admin, { ...weekly, durationMin: 20_000 }), 'body.durationMin');
    expectInvalid(await post(admin, { ...weekly, comment: '' }), 'body.comment');
    expectInvalid(await post(admin, { ...weekly, validFrom: 'soon' }), 'body.validFrom');
    expectInvalid(await post(admin, { ...weekly, scope: { kind: 'planet', id: 1 } }), 'body.scope.kind');
    expectInvalid(
      await post(admin, {
        ...base,
        scope: { kind: 'client', id: a.c1.id },
        start: '2026-11-21T02:30',
        end: '2026-11-20T22:00',
      }),
      'body.end',
    );
    expectInvalid(
      await post(admin, {
        ...base,
        scope: { kind: 'client', id: a.c1.id },
        start: '20.11.2026 22:00',
        end: '2026-11-21T22:00',
      }),
      'body.start',
    );
    expectInvalid(await post(admin, { ...weekly, kind: 'monthly' }), 'kind');

    // Scope objects outside the caller's scope do not exist; heads may not cover the whole dealer.
    expectStatus(await post(bAdmin, { ...weekly, scope: { kind: 'installation', id: a.i1.id } }), 404);
    expectStatus(await post(bAdmin, { ...weekly, scope: { kind: 'dealer', id: a.dealer.id } }), 404);
    expectStatus(await post(head1, { ...weekly, scope: { kind: 'installation', id: a.i2.id } }), 404);
    const denied = await post(head1, { ...weekly, scope: { kind: 'dealer', id: a.dealer.id } });
    expectStatus(denied, 403);
    expect(body<{ message: string }>(denied).message).toContain('dealer-wide');
    const headOwn = await post(head1, { ...weekly, scope: { kind: 'unit', id: a.branch1dept.id } });
    expectStatus(headOwn, 201);
    expectStatus(await post(manager1, { ...weekly, scope: { kind: 'installation', id: a.i1.id } }), 403);
    expectStatus(await post(manager1, { ...weekly, scope: { kind: 'installation', id: a.i2.id } }), 404);

    const onceId = body<{ id: number }>(once).id;
    const dealerWin = body<{ id: number }>(isoOnce).id;
    for (const id of [onceId, dealerWin]) {
      expectStatus(await bAdmin.get(`/api/maintenance-windows/${id}`), 404);
      expectStatus(await bAdmin.del(`/api/maintenance-windows/${id}`), 404);
    }
    expect(body<unknown[]>(await bAdmin.get('/api/maintenance-windows'))).toEqual([]);
    expectStatus(await viewer2.get(`/api/maintenance-windows/${onceId}`), 404); // client c1 is branch 1's
    expectStatus(await head1.del(`/api/maintenance-windows/${dealerWin}`), 403);
    expectStatus(await head1.del(`/api/maintenance-windows/${onceId}`), 204);
    expectStatus(await head1.del(`/api/maintenance-windows/${body<{ id: number }>(headOwn).id}`), 204);
    expectStatus(await admin.del(`/api/maintenance-windows/${dealerWin}`), 204);
  });

  // ---- delivery log ----

  it('serves the delivery log by scope, with attempts; webhook URLs hidden from readers', async () => {
    const at = t0 - 30 * 60_000;
    const failed = await insertNotification(ctx, a, {
      kind: 'email',
      target: 'ivanov@deala.example',
      channelId: null,
      alertName: 'KodeksIcmp',
      status: 'failed',
      at,
      error: '550 mailbox unavailable',
    });
    const hooked = await insertNotification(ctx, a, {
      kind: 'webhook',
      target: 'https://hooks.example/T0/secret-token',
      channelId: hook,
      alertName: 'OnlineBillingDocsLeft50',
      status: 'sent',
      at,
    });
    const bMsg = await insertNotification(ctx, b, {
      kind: 'email',
      target: 'petrov@dealb.example',
      channelId: null,
      alertName: 'KodeksTcpStatus',
      status: 'sent',
      at,
    });
    type N = { id: number; status: string; attempts: number; lastError: string | null; target: string };
    const mine = body<Page<N>>(await admin.get('/api/notifications'));
    expect(mine.items.map((n) => n.id)).toContain(failed);
    expect(mine.items.map((n) => n.id)).not.toContain(bMsg);
    const onlyFailed = body<Page<N>>(await admin.get('/api/notifications?status=failed'));
    expect(onlyFailed.items).toEqual([
      expect.objectContaining({ id: failed, attempts: 2, lastError: '550 mailbox unavailable' }),
    ]);
    expect(body<Page<N>>(await admin.get('/api/notifications?kind=webhook')).items.map((n) => n.id)).toEqual([
      hooked,
    ]);
    expect(body<Page<N>>(await admin.get('/api/notifications?alertName=OnlineBillingDocsLeft50')).total).toBe(
      1,
    );
    expect(body<Page<N>>(await admin.get(`/api/notifications?from=${at}&to=${at}`)).total).toBe(2);
    expectInvalid(await admin.get('/api/notifications?alertName=Nope'), 'alertName');
    expectInvalid(await admin.get('/api/notifications?status=lost'), 'status');
    expectInvalid(await admin.get('/api/notifications?limit=0'), 'limit');

    const detail = await admin.get(`/api/notifications/${failed}`);
    expectStatus(detail, 200);
    expect(body<{ attemptLog: { ok: boolean; permanent: boolean }[]; body: string }>(detail)).toMatchObject({
      attemptLog: [
        { ok: false, permanent: false },
        { ok: false, permanent: true },
      ],
      body: expect.stringContaining('FIRING KodeksIcmp'),
    });
    // The manager sees what went to their own address; the viewer of branch 2 nothing of these.
    const m = body<Page<N>>(await manager1.get('/api/notifications'));
    expect(m.items.map((n) => n.id)).toContain(failed);
    expect(m.items.map((n) => n.id)).not.toContain(hooked);
    expectStatus(await manager1.get(`/api/notifications/${hooked}`), 404);
    expect(body<Page<N>>(await viewer2.get('/api/notifications')).total).toBe(0);
    // A head sees their managers' mail, not the dealer's webhook.
    const h = body<Page<N>>(await head1.get('/api/notifications'));
    expect(h.items.map((n) => n.id)).toContain(failed);
    expect(h.items.map((n) => n.id)).not.toContain(hooked);
    for (const id of [failed, hooked]) expectStatus(await bAdmin.get(`/api/notifications/${id}`), 404);
    expect(body<Page<N>>(await bAdmin.get('/api/notifications')).items.map((n) => n.id)).toEqual([bMsg]);
    expect(body<Page<N>>(await root.get('/api/notifications')).items.map((n) => n.id)).toContain(bMsg);
  });

  it('documents every alert route in the OpenAPI document', async () => {
    const doc = body<{ paths: Record<string, Record<string, { tags?: string[]; summary?: string }>> }>(
      await admin.get('/api/docs/json'),
    );
    for (const p of [
      '/api/alerts',
      '/api/alerts/{id}/ack',
      '/api/alert-catalogue',
      '/api/alert-settings/{name}',
      '/api/notification-channels/{id}',
      '/api/notification-rules/reorder',
      '/api/routing/preview',
      '/api/silences/{id}/expire',
      '/api/maintenance-windows',
      '/api/suppressions/active',
      '/api/notifications/{id}',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
      for (const op of Object.values(doc.paths[p]!)) {
        expect(op.tags?.length, p).toBeGreaterThan(0);
        expect(op.summary, p).toBeTruthy();
      }
    }
  });
});
