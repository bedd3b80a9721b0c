import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import { createOnlineAccess, type OnlineAccess } from '../../src/inventory/online.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { startDcServer, type DcServer } from '../../src/sim/dc/index.js';
import { startKodeksServer, type KodeksServer } from '../../src/sim/kodeks/index.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { createCliEnv, smart, type CliEnv } from './run.js';

describe.each(DB_KINDS)('smart check (%s)', (kind) => {
  let t: CliEnv;
  let rt: Runtime;
  let sim: KodeksServer;
  let dc: DcServer;
  let inst: Installation;
  let agent: Installation;
  let access: OnlineAccess;

  beforeAll(async () => {
    t = await createCliEnv(kind);
    rt = await openRuntime(loadConfig(t.env));
    sim = await startKodeksServer({ seed: 3 });
    dc = await startDcServer({ seed: 3, accounts: 1 });
    const op = cliActor('test');
    const { dealer } = await createDealer(rt.ctx, op, { code: 'ck', name: 'Check dealer' });
    const client = await createClient(rt.ctx, op, { dealerId: dealer.id, shortName: 'checked' });
    inst = await createInstallation(rt.ctx, op, {
      clientId: client.id,
      kind: 'polled',
      address: '127.0.0.1',
      port: sim.port,
      protocol: 'http',
      smartloginUser: 'smartlogin',
      smartloginPassword: sim.state.profile.smartloginPassword,
    });
    agent = await createInstallation(rt.ctx, op, { clientId: client.id, kind: 'agent' });
    const acc = dc.accounts[0]!;
    // The DC simulator listens on a loopback port; an IPv4 host keeps the address valid.
    access = await createOnlineAccess(rt.ctx, op, {
      clientId: client.id,
      login: acc.login,
      password: acc.password,
      host: '127.0.0.1',
      folder: acc.folder,
      protocol: 'http',
    });
  });
  afterAll(async () => {
    await rt.close();
    await sim.close();
    await dc.close();
    await t.close();
  });

  it('check installation probes it now, prints every check and records the result', async () => {
    await sim.setFault('key_lost', true);
    const r = await smart(t.env, ['check', 'installation', String(inst.id)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/http200\s+ok/);
    expect(r.stdout).toMatch(/key\s+failed/);
    expect(r.stdout).toContain('Ключ не найден (200)');
    const row = await rt.ctx.db
      .selectFrom('check_status')
      .selectAll()
      .where('subject_id', '=', inst.id)
      .where('check_name', '=', 'key')
      .executeTakeFirstOrThrow();
    expect(row.outcome).toBe('failed');
    await sim.setFault('key_lost', false);
  });

  it('check installation refuses a timeout that is not a number of milliseconds', async () => {
    const r = await smart(t.env, ['check', 'installation', String(inst.id), '--timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--timeout');
    expect(r.stderr).toContain('expected milliseconds');
  });

  it('check installation explains why an installation is not probed', async () => {
    const r = await smart(t.env, ['check', 'installation', String(agent.id)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not probed');
  });

  it('check online reads the profile without spending units; a failure names the error kind', async () => {
    // An access has no port (a DC answers on 80/443) and nothing listens on 127.0.0.1:80 here, so this
    // exercises the failure path; test/online covers successful reads against the simulator.
    const r = await smart(t.env, ['check', 'online', String(access.id), '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ConnectionError \((ECONNREFUSED)\)/);
    const st = await rt.ctx.db
      .selectFrom('online_state')
      .selectAll()
      .where('online_access_id', '=', access.id)
      .executeTakeFirstOrThrow();
    expect(st).toMatchObject({ ok: 0, error: 'ConnectionError', error_code: 'ECONNREFUSED' });
    expect(dc.consumed().total).toBe(0);
  });
});
