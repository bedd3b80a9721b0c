/**
 * The ASRP endpoints over HTTP: settings (the password write-only and stored encrypted), «send now»,
 * and «Загрузка sysinfo в АСРП», each checked across tenants (another dealer, another manager).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AsrpDashboardOut, AsrpSettingsOut } from '../../src/asrp/contract.js';
import { ASRP_JOB } from '../../src/asrp/uploader.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type TestServer } from '../http/harness.js';

const HOUR = 3_600_000;
const SECRET = 'asrp-pa$$word-never-shown';

interface Invalid {
  error: string;
  message: string;
  details: string[];
}

describe.each(DB_KINDS)('ASRP endpoints (%s)', (kind) => {
  let s: TestServer;
  let A: DealerWorld;
  let B: DealerWorld;
  let adminA: Client;
  let adminB: Client;
  let managerA: Client;
  let head1A: Client;
  const login = (w: DealerWorld, who: keyof DealerWorld['users']) =>
    loginAs(s.url, w.users[who].login, TEST_PASSWORD);

  beforeAll(async () => {
    s = await startTestServer(kind);
    A = await buildDealerWorld(s.t.ctx, 'da');
    B = await buildDealerWorld(s.t.ctx, 'db');
    adminA = await login(A, 'admin');
    adminB = await login(B, 'admin');
    managerA = await login(A, 'manager1');
    head1A = await login(A, 'head1');
  });
  afterAll(async () => s.close());

  const settings = { enabled: true, endpoint: 'https://asrp.example.ru/api/v1/sysinfo', login: 'dealer-a' };

  it('settings: the password is required once, stored encrypted and never returned', async () => {
    const noPw = await adminA.req('PUT', '/api/asrp/settings', { body: settings });
    expect(noPw.status).toBe(400);
    expect(body<Invalid>(noPw).message).toMatch(/password: required the first time/);

    const put = await adminA.req('PUT', '/api/asrp/settings', { body: { ...settings, password: SECRET } });
    expect(put.status).toBe(200);
    expect(put.text).not.toContain(SECRET);
    expect(body<AsrpSettingsOut>(put)).toEqual({
      dealerId: A.dealer.id,
      configured: true,
      enabled: true,
      endpoint: settings.endpoint,
      login: settings.login,
      passwordSet: true,
      scheduleS: 604800,
      updatedAt: s.t.clock.now(),
    });
    const row = await s.t.ctx.db
      .selectFrom('asrp_settings')
      .selectAll()
      .where('dealer_id', '=', A.dealer.id)
      .executeTakeFirstOrThrow();
    expect(row.password_enc).not.toContain(SECRET);
    expect(s.t.ctx.secrets.decrypt(row.password_enc)).toBe(SECRET);

    // Saved again without a password: the stored one stays.
    const again = await adminA.req('PUT', '/api/asrp/settings', { body: { ...settings, scheduleS: 86400 } });
    expect(body<AsrpSettingsOut>(again).scheduleS).toBe(86400);
    const row2 = await s.t.ctx.db
      .selectFrom('asrp_settings')
      .select('password_enc')
      .where('dealer_id', '=', A.dealer.id)
      .executeTakeFirstOrThrow();
    expect(s.t.ctx.secrets.decrypt(row2.password_enc)).toBe(SECRET);

    const get = await adminA.get('/api/asrp/settings');
    expect(get.status).toBe(200);
    expect(get.text).not.toContain(SECRET);
    expect(get.text).not.toContain(row2.password_enc);
    expect(body<AsrpSettingsOut>(get)).toMatchObject({ passwordSet: true, scheduleS: 86400 });
    // The audit trail says the password changed, not what it is.
    const audit = await s.t.ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('entity', '=', 'asrp_settings')
      .execute();
    expect(audit.length).toBe(2);
    for (const a of audit) expect(a.details).not.toContain(SECRET);
  });

  it('settings: bad input is a 400 naming the field', async () => {
    const bad = await adminA.req('PUT', '/api/asrp/settings', {
      body: { ...settings, endpoint: 'ftp://asrp.example.ru', scheduleS: 60 },
    });
    expect(bad.status).toBe(400);
    const msg = body<Invalid>(bad).details.join('\n');
    expect(msg).toMatch(/body\.endpoint: must be an http:\/\/ or https:\/\/ address/);
    expect(msg).toMatch(/body\.scheduleS: must be at least 3600/);
  });

  it('settings: other roles get 403, another dealer 404', async () => {
    expect((await managerA.get('/api/asrp/settings')).status).toBe(403);
    expect(
      (await head1A.req('PUT', '/api/asrp/settings', { body: { ...settings, password: 'x' } })).status,
    ).toBe(403);
    expect((await adminB.get(`/api/asrp/settings?dealerId=${A.dealer.id}`)).status).toBe(404);
    const cross = await adminB.req('PUT', '/api/asrp/settings', {
      body: { ...settings, password: 'x', dealerId: A.dealer.id },
    });
    expect(cross.status).toBe(404);
    // B's own settings are untouched by all that: not configured.
    expect(body<AsrpSettingsOut>(await adminB.get('/api/asrp/settings')).configured).toBe(false);
  });

  it('send now: queues the visible installations only; off for a dealer without settings', async () => {
    const all = await adminA.post('/api/asrp/send', {});
    expect(body<{ queued: number }>(all)).toEqual({ queued: 3 });
    await s.t.ctx.db.deleteFrom('jobs').where('kind', '=', ASRP_JOB).execute();

    // head1 sees branch 1 and its department: client c1 only.
    const head = await head1A.post('/api/asrp/send', {});
    expect(body<{ queued: number }>(head)).toEqual({ queued: 1 });
    const jobs = await s.t.ctx.db.selectFrom('jobs').selectAll().where('kind', '=', ASRP_JOB).execute();
    expect(jobs.map((j) => j.subject_id)).toEqual([A.i1.id]);
    expect(jobs[0]).toMatchObject({
      next_run_at: s.t.clock.now(),
      interval_ms: 86400_000,
      host: 'asrp.example.ru',
    });

    expect((await head1A.post('/api/asrp/send', { installationIds: [A.i2.id] })).status).toBe(404);
    expect((await adminB.post('/api/asrp/send', { installationIds: [A.i1.id] })).status).toBe(404);
    expect((await adminB.post('/api/asrp/send', { dealerId: A.dealer.id })).status).toBe(404);
    expect((await managerA.post('/api/asrp/send', {})).status).toBe(403);
    const off = await adminB.post('/api/asrp/send', {});
    expect(off.status).toBe(409);
    expect(off.text).toContain('ASRP upload is off');
  });

  it('the dashboard: last upload per installation, hourly counts and the log, scoped', async () => {
    const now = s.t.clock.now();
    const seed = [
      // [world, installation, hours ago, outcome, response, state]
      [A, A.i1, 30, 'accepted', 'ok', 'Принят'],
      [A, A.i1, 2, 'repeat', 'warning', 'Повтор'],
      [A, A.i2, 2, 'error', null, null],
      [A, A.i2, 1, 'error', null, null],
      [A, A.i3, 2, 'accepted', 'ok', 'Принят'],
      [B, B.i1, 2, 'accepted', 'ok', 'Принят'],
      [A, A.i1, 24 * 40, 'accepted', 'ok', 'Принят'],
    ] as const;
    for (const [n, [w, i, ago, outcome, response, state]] of seed.entries()) {
      await s.t.ctx.db
        .insertInto('asrp_uploads')
        .values({
          dealer_id: w.dealer.id,
          installation_id: i.id,
          report_id: null,
          sha256: `sha-${n}`,
          size_bytes: 1000 + n,
          sent_at: now - ago * HOUR,
          outcome,
          response,
          state,
          upload_number: outcome === 'error' ? null : `num${n}`,
          identifier: outcome === 'error' ? null : `guid-${n}`,
          error_kind: outcome === 'error' ? 'http' : null,
          http_status: outcome === 'error' ? 503 : 200,
          message: outcome === 'error' ? 'ASRP answered HTTP 503' : null,
          duration_ms: 5,
        })
        .execute();
    }
    // A newer sysinfo of A.i3 than the one ASRP has: pending for the next run.
    await s.t.ctx.db
      .insertInto('reports')
      .values({
        dealer_id: A.dealer.id,
        installation_id: A.i3.id,
        source_name: A.c3.shortName,
        file_name: `${A.c3.shortName}.zip`,
        channel: 'sysinfo',
        format: 'zip',
        via: 'manual',
        sha256: 'sha-new',
        size_bytes: 10,
        node_id: 'test',
        spool_path: '/nonexistent/spooled.zip',
        received_at: now - HOUR,
        status: 'processed',
        report_at: now - HOUR,
      })
      .execute();

    const expectFor = (w: DealerWorld, ids: number[]) => {
      const inRange = seed.filter(
        ([sw, i, ago]) => sw === w && ids.includes(i.id) && ago * HOUR <= 30 * 24 * HOUR,
      );
      const hours = new Map<number, { accepted: number; notOk: number }>();
      for (const [, , ago, outcome] of inRange) {
        const h = Math.floor((now - ago * HOUR) / HOUR) * HOUR;
        const v = hours.get(h) ?? { accepted: 0, notOk: 0 };
        if (outcome === 'accepted') v.accepted++;
        else v.notOk++;
        hours.set(h, v);
      }
      return {
        logTotal: inRange.length,
        hourly: [...hours.entries()].sort((a, b) => a[0] - b[0]).map(([hour, v]) => ({ hour, ...v })),
      };
    };

    const a = body<AsrpDashboardOut>(await adminA.get('/api/dashboards/asrp'));
    const ids = [A.i1.id, A.i2.id, A.i3.id];
    expect(a.installations.map((r) => r.installationId).sort()).toEqual([...ids].sort());
    expect(a.logTotal).toBe(expectFor(A, ids).logTotal);
    expect(a.hourly).toEqual(expectFor(A, ids).hourly);
    expect(a.log.every((r) => r.dealer === 'da')).toBe(true);
    const i1 = a.installations.find((r) => r.installationId === A.i1.id)!;
    expect(i1.last).toMatchObject({ outcome: 'repeat', state: 'Повтор', response: 'warning' });
    expect(i1.lastAcceptedAt).toBe(now - 30 * HOUR);
    const i2 = a.installations.find((r) => r.installationId === A.i2.id)!;
    expect(i2).toMatchObject({ errorsInRow: 2, lastAcceptedAt: null });
    expect(i2.last).toMatchObject({ outcome: 'error', httpStatus: 503, message: 'ASRP answered HTTP 503' });
    const i3 = a.installations.find((r) => r.installationId === A.i3.id)!;
    expect(i3).toMatchObject({ pending: true, stale: false, sysinfoAt: now - HOUR, sysinfoAgeMs: HOUR });
    expect(a.dealers).toEqual([{ dealerId: A.dealer.id, dealer: 'da', enabled: true, scheduleS: 86400 }]);

    // The response variable: warning = refused or «Повтор».
    const w = body<AsrpDashboardOut>(await adminA.get('/api/dashboards/asrp?response=warning'));
    expect(w.log.map((r) => r.outcome)).toEqual(['repeat']);

    // manager1 of A sees client c1 only; B sees nothing of A even when asking for it.
    const m = body<AsrpDashboardOut>(await managerA.get('/api/dashboards/asrp'));
    expect(m.installations.map((r) => r.installationId)).toEqual([A.i1.id]);
    expect(m.logTotal).toBe(expectFor(A, [A.i1.id]).logTotal);
    const b = body<AsrpDashboardOut>(
      await adminB.get(`/api/dashboards/asrp?dealerId=${A.dealer.id}&installationId=${A.i1.id}`),
    );
    expect(b.installations).toEqual([]);
    expect(b.log).toEqual([]);
    const bOwn = body<AsrpDashboardOut>(await adminB.get('/api/dashboards/asrp'));
    expect(bOwn.log.map((r) => r.installationId)).toEqual([B.i1.id]);

    expect((await adminA.get('/api/dashboards/asrp?response=maybe')).status).toBe(400);
  });
});
