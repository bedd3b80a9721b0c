import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadMinute } from '../../src/agents/script-schedule.js';
import { loadConfig } from '../../src/config/index.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { createCliEnv, smart, type CliEnv } from '../cli/run.js';

/** `smart agent script`: picks the client's installation, issues a token, prints or writes the script. */
describe.each(DB_KINDS)('smart agent script (%s)', (kind) => {
  let t: CliEnv;
  let rt: Runtime;
  let one: Installation;
  let twoA: Installation;
  let twoB: Installation;

  beforeAll(async () => {
    t = await createCliEnv(kind, { SMART_PUBLIC_URL: 'https://smart.dealer.example/' });
    rt = await openRuntime(loadConfig(t.env));
    const op = cliActor('test');
    const { dealer } = await createDealer(rt.ctx, op, { code: 'clid', name: 'CLI dealer' });
    const { dealer: other } = await createDealer(rt.ctx, op, { code: 'clio', name: 'Other dealer' });
    const c1 = await createClient(rt.ctx, op, { dealerId: dealer.id, shortName: 'solo' });
    one = await createInstallation(rt.ctx, op, {
      clientId: c1.id,
      kind: 'agent',
      smartloginUser: 'smartlogin',
      smartloginPassword: 'pw%1&"x',
    });
    await createInstallation(rt.ctx, op, { clientId: c1.id, kind: 'polled', address: 'solo.te-cloud.ru' });
    const c2 = await createClient(rt.ctx, op, { dealerId: dealer.id, shortName: 'twin' });
    twoA = await createInstallation(rt.ctx, op, { clientId: c2.id, kind: 'agent', sourceName: 'twin_a' });
    twoB = await createInstallation(rt.ctx, op, {
      clientId: c2.id,
      kind: 'agent',
      sourceName: 'twin_b',
      address: '10.1.2.3',
      port: 8080,
    });
    // The same short name at another dealer.
    const c3 = await createClient(rt.ctx, op, { dealerId: other.id, shortName: 'twin' });
    await createInstallation(rt.ctx, op, { clientId: c3.id, kind: 'agent', sourceName: 'twin_o' });
  });
  afterAll(async () => {
    await rt.close();
    await t.close();
  });

  const tokensOf = (installationId: number) =>
    rt.ctx.db.selectFrom('upload_tokens').selectAll().where('installation_id', '=', installationId).execute();

  it('prints the script for the only agent installation, with the token and schedule on stderr', async () => {
    const r = await smart(t.env, [
      'agent',
      'script',
      '--client',
      'solo',
      '--kind',
      'upload',
      '--os',
      'linux',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(r.stdout).toContain("SERVER_URL='https://smart.dealer.example'");
    expect(r.stdout).toContain("CLIENT='solo'");
    const tokens = await tokensOf(one.id);
    expect(tokens).toHaveLength(1);
    expect(r.stdout).toContain(`TOKEN='${tokens[0]!.prefix}`);
    expect(r.stderr).toContain(`issued agent token ${tokens[0]!.id} for installation ${one.id}`);
    expect(r.stderr).toContain(`${uploadMinute(one.id)} * * * * /opt/smartupload/smartupload.sh`);
  });

  it('writes a smartstatus.bat to --out, readable by the owner only, and answers --json', async () => {
    const file = path.join(t.dataDir, 'smartstatus.bat');
    const r = await smart(t.env, [
      'agent',
      'script',
      '--client',
      'solo',
      '--kind',
      'status',
      '--os',
      'windows',
      '--out',
      file,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const data = JSON.parse(r.stdout) as {
      fileName: string;
      out: string;
      tokenIssued: boolean;
      content: string;
    };
    expect([data.fileName, data.out, data.tokenIssued]).toEqual(['smartstatus.bat', file, true]);
    const written = fs.readFileSync(file, 'utf8');
    expect(written).toBe(data.content);
    expect(written).toContain('set "PK_AUTH=smartlogin:pw%%1&\\"x"');
    expect(fs.statSync(file).mode & 0o777).toBe(0o700);
  });

  it('asks which installation when the client has several, and takes --host or --installation', async () => {
    const base = ['agent', 'script', '--client', 'twin', '--kind', 'upload', '--os', 'linux'];
    const ambiguous = await smart(t.env, [...base, '--dealer', 'clid']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('has 2 agent installations');
    const dealers = await smart(t.env, base);
    expect(dealers.code).toBe(2);
    expect(dealers.stderr).toContain('--dealer');
    const byHost = await smart(t.env, [...base, '--dealer', 'clid', '--host', '10.1.2.3']);
    expect(byHost.code, byHost.stderr).toBe(0);
    expect(byHost.stdout).toContain("PK_URL='http://10.1.2.3:8080'");
    const byId = await smart(t.env, [
      ...base,
      '--dealer',
      'clid',
      '--installation',
      String(twoA.id),
      '--json',
    ]);
    expect(byId.code, byId.stderr).toBe(0);
    expect(JSON.parse(byId.stdout)).toMatchObject({ installationId: twoA.id, pkUrl: 'http://127.0.0.1:80' });
    expect(await tokensOf(twoB.id)).toHaveLength(1);
  });

  it('names the option that is wrong', async () => {
    const base = ['agent', 'script', '--client', 'solo', '--kind', 'upload', '--os', 'linux'];
    const url = await smart(t.env, [...base, '--pk-url', 'http://10.0.0.1/docs']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--pk-url');
    const os = await smart(t.env, ['agent', 'script', '--client', 'solo', '--kind', 'upload', '--os', 'mac']);
    expect(os.code).toBe(2);
    expect(os.stderr).toContain('--os');
    const token = await smart(t.env, [...base, '--token', 'smu_not_a_real_token_at_all']);
    expect(token.code).toBe(2);
    expect(token.stderr).toContain('--token');
    const { SMART_PUBLIC_URL: _unset, ...withoutUrl } = t.env;
    const none = await smart(withoutUrl, base);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--server-url');
  });
});
