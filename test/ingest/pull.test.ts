import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullScheduler } from '../../src/ingest/pull-scheduler.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { startKodeksServer, type KodeksServer } from '../../src/sim/kodeks/index.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { settled, startIngestServer, type IngestServer } from './harness.js';

describe.each(DB_KINDS)('server pull of installations reachable by URL (%s)', (kind) => {
  let s: IngestServer;
  let pk: KodeksServer;
  let scheduler: PullScheduler;
  let installationId: number;

  beforeAll(async () => {
    s = await startIngestServer(kind);
    // The simulated ПК lives on SMART's fake clock, so a pull an hour later brings a new report.
    pk = await startKodeksServer({
      port: 0,
      seed: 9,
      clock: () => s.t.clock.now(),
      profile: { shortName: 'cloudclient', utcOffsetMin: 420, users: 8 },
    });
    const op = cliActor('test');
    const d = await createDealer(s.t.ctx, op, { code: 'pulldealer', name: 'Pull' });
    const c = await createClient(s.t.ctx, op, { dealerId: d.dealer.id, shortName: 'cloudclient' });
    installationId = (
      await createInstallation(s.t.ctx, op, {
        clientId: c.id,
        kind: 'polled',
        address: '127.0.0.1',
        port: pk.port,
        protocol: 'http',
        probeEnabled: true,
        utcOffsetMin: 420,
        smartloginUser: 'smartlogin',
        smartloginPassword: pk.state.profile.smartloginPassword,
      })
    ).id;
    scheduler = new PullScheduler(s.t.ctx, s.ingest, { retryAfterMs: 60_000 });
  });
  afterAll(async () => {
    await scheduler.stop();
    await pk.close();
    await s.close();
  });

  const channel = (ch: string) =>
    s.t.ctx.db
      .selectFrom('installation_channels')
      .selectAll()
      .where('installation_id', '=', installationId)
      .where('channel', '=', ch)
      .executeTakeFirst();

  it('pulls sysinfo (zip) and the sysmon metrics as smartlogin, through the same pipeline', async () => {
    expect(await scheduler.tick()).toBe(2);
    await settled(s);
    const reports = await s.t.ctx.db
      .selectFrom('reports')
      .select(['via', 'format', 'status'])
      .orderBy('format')
      .execute();
    expect(reports).toEqual([
      { via: 'pull', format: 'status', status: 'processed' },
      { via: 'pull', format: 'zip', status: 'processed' },
    ]);
    const state = await s.t.ctx.db.selectFrom('installation_state').selectAll().executeTakeFirstOrThrow();
    expect(state.regnum).toBe(pk.state.profile.regnum);
    // Nothing is due again before the interval has passed.
    expect(await scheduler.tick()).toBe(0);
  });

  it('pulls again when the interval has passed', async () => {
    // The first pull came at once; the next one is at the job's slot on its grid, at least half an
    // interval later and at most one and a half.
    s.t.clock.advance(5_400_000);
    expect(await scheduler.tick()).toBe(2);
    await settled(s);
    expect((await s.t.ctx.db.selectFrom('reports').select('id').execute()).length).toBe(4);
  });

  it('records a failed pull on the channel and waits before retrying', async () => {
    s.t.clock.advance(3600_000);
    await pk.setFault('down', true);
    expect(await scheduler.tick()).toBe(2);
    const failed = await channel('sysinfo');
    expect(failed).toMatchObject({ last_error_reason: 'pull_failed', consecutive_failures: 1 });
    expect(failed?.last_error_message).toMatch(/ECONNREFUSED/);
    expect(await scheduler.tick()).toBe(0); // backing off
    s.t.clock.advance(61_000);
    await pk.setFault('down', false);
    expect(await scheduler.tick()).toBe(2);
    await settled(s);
    expect(await channel('sysinfo')).toMatchObject({ consecutive_failures: 0, last_error_reason: null });
  });

  it('refuses a wrong smartlogin password on /sysmon (401 recorded)', async () => {
    await s.t.ctx.db
      .updateTable('installations')
      .set({ smartlogin_password_enc: s.t.ctx.secrets.encrypt('wrong') })
      .where('id', '=', installationId)
      .execute();
    s.t.clock.advance(3600_000);
    await scheduler.tick();
    expect((await channel('status'))?.last_error_message).toMatch(/HTTP 401/);
  });
});
