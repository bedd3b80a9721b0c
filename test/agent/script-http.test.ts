import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadMinute } from '../../src/agents/script-schedule.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import { startKodeksServer, type KodeksServer } from '../../src/sim/kodeks/index.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, type Client, type Res } from '../http/harness.js';
import { settled, startIngestServer, type IngestServer } from '../ingest/harness.js';

/**
 * `POST /api/installations/:id/agent-script` and the acceptance check of issue 8: the generated Linux
 * smartupload.sh and smartstatus.sh, run with bash against a simulated ПК and our server, upload, and
 * the server stores the report for that installation. Also who may generate a script (it issues a
 * token and holds the smartlogin password) and what is refused.
 */

interface ScriptOut {
  installationId: number;
  kind: string;
  os: string;
  fileName: string;
  content: string;
  scriptPath: string;
  serverUrl: string;
  pkUrl: string;
  schedule: { command: string; minutes: number[]; intervalMinutes: number };
  tokenId: number;
  tokenIssued: boolean;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a script with bash from another folder (it must find its own); never blocks the server. */
function runBash(script: string, args: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', [script, ...args], { cwd: os.tmpdir(), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function expectStatus(r: Res, status: number): void {
  expect(r.status, r.text).toBe(status);
}

describe.each(DB_KINDS)('generated agent scripts over HTTP (%s)', (kind) => {
  let s: IngestServer;
  let pk: KodeksServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let dir: string;
  let marker: string;
  let inst: Installation;
  let admin: Client;
  let head1: Client;
  let manager1: Client;
  let viewer2: Client;
  let bAdmin: Client;

  const tokenCount = async () =>
    Number(
      (
        await s.t.ctx.db
          .selectFrom('upload_tokens')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  const generate = (c: Client, id: number, req: Record<string, unknown>) =>
    c.post(`/api/installations/${id}/agent-script`, req);

  /** Generates a script as the dealer admin and writes it into its own folder. */
  const writeScript = async (req: Record<string, unknown>, id = inst.id): Promise<[ScriptOut, string]> => {
    const r = await generate(admin, id, req);
    expectStatus(r, 200);
    const out = body<ScriptOut>(r);
    const folder = fs.mkdtempSync(path.join(dir, 'script-'));
    const file = path.join(folder, out.fileName);
    fs.writeFileSync(file, out.content, { mode: 0o700 });
    return [out, file];
  };

  const reportsOf = (installationId: number, channel: string) =>
    s.t.ctx.db
      .selectFrom('reports')
      .select(['id', 'status', 'file_name', 'via'])
      .where('installation_id', '=', installationId)
      .where('channel', '=', channel)
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    s = await startIngestServer(kind);
    a = await buildDealerWorld(s.t.ctx, 'scra');
    b = await buildDealerWorld(s.t.ctx, 'scrb');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-scripts-'));
    marker = path.join(dir, 'injected');
    // A password a naive script would execute: quotes, $(...), backticks, ; and &.
    const password = `p"w'$(touch ${marker})\`touch ${marker}\`;&|x`;
    pk = await startKodeksServer({
      seed: 11,
      profile: { shortName: 'romashka', users: 8, smartloginPassword: password },
    });
    inst = await createInstallation(s.t.ctx, cliActor('test'), {
      clientId: a.c1.id,
      kind: 'agent',
      sourceName: 'romashka_main',
      address: '127.0.0.1',
      port: pk.port,
      protocol: 'http',
      smartloginUser: 'smartlogin',
      smartloginPassword: password,
    });
    const login = (l: string) => loginAs(s.url, l, TEST_PASSWORD);
    admin = await login(a.users.admin.login);
    head1 = await login(a.users.head1.login);
    manager1 = await login(a.users.manager1.login);
    viewer2 = await login(a.users.viewer2.login);
    bAdmin = await login(b.users.admin.login);
  });
  afterAll(async () => {
    await pk.close();
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the generated smartupload.sh uploads the ПК sysinfo and the server stores it for the installation', async () => {
    const [out, file] = await writeScript({ kind: 'upload', os: 'linux' });
    expect(out.serverUrl).toBe(s.url); // no SMART_PUBLIC_URL: the address the request came to
    expect(out.pkUrl).toBe(`http://127.0.0.1:${pk.port}`);
    expect(out.tokenIssued).toBe(true);
    expect(out.schedule.minutes).toEqual([uploadMinute(inst.id)]);
    const run = await runBash(file);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('SMART: HTTP 200 {"ok":true,"path":"/files/romashka_main.xml"}');
    expect(fs.existsSync(path.join(path.dirname(file), 'romashka_main.xml'))).toBe(true);
    await settled(s);
    const rows = await reportsOf(inst.id, 'sysinfo');
    expect(rows.map((r) => [r.file_name, r.status, r.via])).toEqual([
      ['romashka_main.xml', 'processed', 'agent'],
    ]);
    // It came in with the token issued for this script, which is bound to the installation.
    const token = await s.t.ctx.db
      .selectFrom('upload_tokens')
      .selectAll()
      .where('id', '=', out.tokenId)
      .executeTakeFirstOrThrow();
    expect(token.installation_id).toBe(inst.id);
    expect(token.label).toBe('smartupload.sh (linux)');
    expect(token.last_used_at).not.toBeNull();
  });

  it('the generated smartstatus.sh logs in with a hostile password, uploads, and runs nothing from it', async () => {
    const [out, file] = await writeScript({ kind: 'status', os: 'linux', format: undefined });
    const run = await runBash(file);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('SMART: HTTP 200 {"ok":true,"path":"/files/romashka_main.status"}');
    const written = fs.readFileSync(path.join(path.dirname(file), 'romashka_main.status'), 'utf8');
    expect(written).toMatch(/^date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\n/i);
    expect(written).toContain('kserver_');
    await settled(s);
    expect((await reportsOf(inst.id, 'status')).map((r) => r.status)).toEqual(['processed']);
    expect(fs.existsSync(marker)).toBe(false);
    expect(out.schedule.intervalMinutes).toBe(15);
  });

  it('works through an HTTP proxy given with -t, and the ПК is reached directly', async () => {
    const { createServer, request } = await import('node:http');
    let proxied = 0;
    const proxy = createServer((req, res) => {
      proxied++;
      const target = new URL(req.url ?? '/');
      const up = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: req.method,
          headers: req.headers,
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    try {
      const [, file] = await writeScript({ kind: 'upload', os: 'linux', format: 'zip' });
      const run = await runBash(file, ['-t', `127.0.0.1:${port}`]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('"path":"/files/romashka_main.zip"');
      expect(proxied).toBe(1); // the upload only
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });

  it('fails with a clear message and a non-zero exit when a step fails', async () => {
    const [, down] = await writeScript({ kind: 'upload', os: 'linux', pkUrl: 'http://127.0.0.1:1' });
    const r1 = await runBash(down);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('ПК не отвечает по адресу http://127.0.0.1:1');

    const [out, revoked] = await writeScript({ kind: 'upload', os: 'linux' });
    expectStatus(await admin.del(`/api/upload-tokens/${out.tokenId}`), 204);
    const r2 = await runBash(revoked);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('HTTP 401');

    const [, noServer] = await writeScript({ kind: 'upload', os: 'linux', serverUrl: 'http://127.0.0.1:1' });
    const r3 = await runBash(noServer);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('SMART не отвечает по адресу http://127.0.0.1:1');
  });

  it('renders a Windows script without placeholders, and takes an existing token without issuing one', async () => {
    const before = await tokenCount();
    const wide = await s.t.ctx.db
      .selectFrom('upload_tokens')
      .select('id')
      .where('dealer_id', '=', a.dealer.id)
      .where('installation_id', 'is', null)
      .executeTakeFirstOrThrow();
    const r = await generate(admin, inst.id, {
      kind: 'status',
      os: 'windows',
      token: a.uploadToken,
      serverUrl: 'https://smart.example.ru/',
    });
    expectStatus(r, 200);
    const out = body<ScriptOut>(r);
    expect([out.fileName, out.tokenId, out.tokenIssued]).toEqual(['smartstatus.bat', wide.id, false]);
    expect(await tokenCount()).toBe(before);
    expect(r.headers.get('cache-control')).toBe('no-store');
    for (const p of [
      'АДРЕСПК',
      'ИМЯКЛИЕНТА',
      'НАЗВАНИЕКЛИЕНТА',
      'ИМЯДИСТРИБЬЮТОРА',
      'ТОКЕНБЕЗОПАСНОСТИ',
      'ЛОГИН:ПАРОЛЬ',
    ]) {
      expect(out.content).not.toContain(p);
    }
    expect(out.content).toContain('set "SERVER_URL=https://smart.example.ru"');
    expect(out.content).toContain(`set "TOKEN=${a.uploadToken}"`);
    expect(out.content).toContain(`set "PK_URL=http://127.0.0.1:${pk.port}"`);
    expect(out.content.replace(/\r\n/g, '')).not.toContain('\n');
    expect(out.schedule.command).toContain('schtasks /Create');

    // Another dealer's token, or one bound to another installation, is refused by name.
    const other = await generate(admin, inst.id, { kind: 'upload', os: 'linux', token: b.uploadToken });
    expectStatus(other, 400);
    expect(body<{ message: string }>(other).message).toContain('body.token');
    const bound = await admin.post(`/api/installations/${a.i1.id}/agent-tokens`, { label: 'i1' });
    const foreign = await generate(admin, inst.id, {
      kind: 'upload',
      os: 'linux',
      token: body<{ token: string }>(bound).token,
    });
    expectStatus(foreign, 400);
  });

  it('says what is wrong with the request, naming the field, and issues no token then', async () => {
    const before = await tokenCount();
    const bad = async (req: Record<string, unknown>, id: number, status: number, text: string) => {
      const r = await generate(admin, id, req);
      expectStatus(r, status);
      expect(body<{ message: string }>(r).message).toContain(text);
    };
    await bad({ kind: 'upload', os: 'macos' }, inst.id, 400, 'body.os');
    await bad({ kind: 'upload', os: 'linux', pkUrl: 'http://x/docs' }, inst.id, 400, 'body.pkUrl');
    await bad(
      { kind: 'upload', os: 'linux', serverUrl: 'javascript:alert(1)' },
      inst.id,
      400,
      'body.serverUrl',
    );
    await bad({ kind: 'upload', os: 'linux', extra: 1 }, inst.id, 400, 'extra');
    await bad({ kind: 'upload', os: 'linux', installDir: '/opt/$(x)' }, inst.id, 400, 'body.installDir');
    // A polled installation needs no script; an agent one without smartlogin password gets no smartstatus.
    await bad({ kind: 'upload', os: 'linux' }, a.i2.id, 409, 'polled');
    await bad({ kind: 'status', os: 'linux' }, a.i1.id, 409, 'smartlogin password');
    await bad({ kind: 'upload', os: 'linux' }, a.i3.id, 409, 'closed contour');
    expect(await tokenCount()).toBe(before);
  });

  it('is for those who may issue tokens, within their scope; another tenant gets 404', async () => {
    const before = await tokenCount();
    const req = { kind: 'upload', os: 'linux' };
    expectStatus(await generate(bAdmin, inst.id, req), 404);
    expectStatus(await generate(bAdmin, a.i1.id, req), 404);
    expectStatus(await generate(admin, b.i1.id, req), 404);
    expectStatus(await generate(viewer2, inst.id, req), 404); // another branch: hidden
    expectStatus(await generate(manager1, inst.id, req), 403); // sees it, may not issue tokens
    expectStatus(await generate(admin, 999_999, req), 404);
    expect(await tokenCount()).toBe(before);
    // A head of the branch that holds the client may.
    const r = await generate(head1, inst.id, req);
    expectStatus(r, 200);
    expect(body<ScriptOut>(r).installationId).toBe(inst.id);
    const logged = await s.t.ctx.db
      .selectFrom('audit_log')
      .select(['actor', 'details'])
      .where('entity', '=', 'agent_script')
      .where('action', '=', 'export')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(logged.actor).toBe(a.users.head1.login);
    expect(JSON.parse(logged.details)).toMatchObject({
      kind: 'upload',
      os: 'linux',
      withSmartloginPassword: false,
    });
  });
});
