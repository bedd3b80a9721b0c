import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKodeksServer, type KodeksServer } from '../../src/sim/kodeks/index.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { settled, startIngestServer, type IngestServer } from './harness.js';

const sh = promisify(execFile);

/** Runs a command line in bash in `cwd`, the way the agent scripts run curl. */
async function run(cmd: string, cwd: string): Promise<{ stdout: string; stderr: string }> {
  return sh('bash', ['-c', cmd], { cwd, maxBuffer: 64 * 1024 * 1024 });
}

function zipOf(entries: { name: string; data: Buffer; compress?: boolean }[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    for (const e of entries) z.addBuffer(e.data, e.name, { compress: e.compress ?? true });
    z.end();
    const parts: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => parts.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    z.outputStream.on('error', reject);
  });
}

describe.each(DB_KINDS)('agent upload endpoint, compatible with the existing scripts (%s)', (kind) => {
  let s: IngestServer;
  let pk: KodeksServer;
  let dir: string;
  let token: string;
  let installationId: number;
  const DEALER = 'rogaikopita599';
  const CLIENT = 'romashka';

  beforeAll(async () => {
    s = await startIngestServer(kind, { SMART_MAX_UPLOAD_BYTES: String(8 * 1024 * 1024) });
    const op = cliActor('test');
    const d = await createDealer(s.t.ctx, op, { code: DEALER, name: 'Рога и копыта' });
    token = d.uploadToken;
    const c = await createClient(s.t.ctx, op, { dealerId: d.dealer.id, shortName: CLIENT });
    installationId = (
      await createInstallation(s.t.ctx, op, { clientId: c.id, kind: 'agent', utcOffsetMin: 300 })
    ).id;
    pk = await startKodeksServer({
      port: 0,
      seed: 42,
      profile: { shortName: CLIENT, utcOffsetMin: 300, users: 15 },
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-agent-'));
  });
  afterAll(async () => {
    await pk.close();
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const smart = () => s.url.replace('http://', '');
  const pkAddr = () => `127.0.0.1:${pk.port}`;

  it('smartupload (Windows, zip): the literal curl lines get 200 and the JSON body', async () => {
    // The two lines of smartupload_EXAMPLE_04-2026.bat, placeholders replaced.
    const download = `curl -A "smartdownload" -k --no-progress-meter -v -d "type=zip" --no-progress-meter -L -c cookies.txt -b cookies.txt -o ${CLIENT}.zip http://${pkAddr()}/sysinfo/si_save_request`;
    const upload = `curl --no-progress-meter -H "upload: yes" -H "dealer: ${DEALER}" -v -Ffile=@${CLIENT}.zip  "http://${smart()}/upload?token=${token}"`;
    await run(download, dir);
    expect(fs.statSync(path.join(dir, `${CLIENT}.zip`)).size).toBeGreaterThan(1000);
    const r = await run(upload, dir);
    expect(r.stderr).toMatch(/< HTTP\/1\.1 200 OK/);
    expect(r.stderr).toMatch(/< content-type: text\/plain; charset=utf-8/i);
    expect(r.stdout).toBe(`{"ok":true,"path":"/files/${CLIENT}.zip"}`);
  });

  it('smartstatus: date line + /sysmon/metrics as smartlogin, uploaded as .status', async () => {
    const pw = pk.state.profile.smartloginPassword;
    const lines = [
      `rm -f ${CLIENT}.status`,
      `curl -i -A "smartdownload" -k -v -L -c cookies.txt -b cookies.txt -u smartlogin:${pw} http://${pkAddr()}/sysmon/metrics | grep "date:" >> ${CLIENT}.status`,
      `curl -A "smartdownload" -k -v -L -c cookies.txt -b cookies.txt -u smartlogin:${pw} http://${pkAddr()}/sysmon/metrics >> ${CLIENT}.status`,
    ];
    for (const l of lines) await run(l, dir);
    expect(fs.readFileSync(path.join(dir, `${CLIENT}.status`), 'utf8')).toMatch(
      /^date: \w{3}, \d{2} \w{3} \d{4}/,
    );
    const r = await run(
      `curl -H "upload: yes" -H "dealer: ${DEALER}" -v -Ffile=@${CLIENT}.status  "http://${smart()}/upload?token=${token}"`,
      dir,
    );
    expect(r.stdout).toBe(`{"ok":true,"path":"/files/${CLIENT}.status"}`);
  });

  it('smartupload (Linux, xml) and the HEAD check: 200 for an arrived file, 404 for another', async () => {
    await run(
      `curl -A "smartdownload" -k --no-progress-meter -L -c cookies.txt -b cookies.txt -o ${CLIENT}.xml http://${pkAddr()}/sysinfo/si_save_request -X POST`,
      dir,
    );
    const up = await run(
      `curl --no-progress-meter -H "upload: yes" -H "dealer: ${DEALER}" -Ffile=@${CLIENT}.xml "http://${smart()}/upload?token=${token}"`,
      dir,
    );
    expect(up.stdout).toBe(`{"ok":true,"path":"/files/${CLIENT}.xml"}`);
    const head = (name: string) =>
      run(
        `curl -s -o /dev/null -w "%{http_code}" -H "upload: yes" -H "dealer: ${DEALER}" -I 'http://${smart()}/files/${name}?token=${token}'`,
        dir,
      );
    expect((await head(`${CLIENT}.xml`)).stdout).toBe('200');
    expect((await head(`${CLIENT}.zip`)).stdout).toBe('200');
    expect((await head(`othername.zip`)).stdout).toBe('404');
  });

  it('processes what arrived: the snapshot of the simulated ПК is stored with its times converted', async () => {
    await settled(s);
    const reports = await s.t.ctx.db.selectFrom('reports').selectAll().orderBy('id').execute();
    expect(reports.map((r) => [r.format, r.status])).toEqual([
      ['zip', 'processed'],
      ['status', 'processed'],
      ['xml', 'processed'],
    ]);
    const state = await s.t.ctx.db
      .selectFrom('installation_state')
      .selectAll()
      .where('installation_id', '=', installationId)
      .executeTakeFirstOrThrow();
    expect(state.regnum).toBe(pk.state.profile.regnum);
    expect(state.seats).toBe(pk.state.profile.seats);
    expect(state.client_name).toBe(pk.state.profile.legalName);
    const samples = await s.t.ctx.db
      .selectFrom('series')
      .select('metric')
      .where('installation_id', '=', installationId)
      .execute();
    const metrics = new Set(samples.map((x) => x.metric));
    expect(metrics.has('sysinfo_seats')).toBe(true);
    expect(metrics.has('kserver_main_page')).toBe(true);
    const ch = await s.t.ctx.db.selectFrom('installation_channels').selectAll().orderBy('channel').execute();
    expect(ch.map((c) => [c.channel, c.consecutive_failures, c.last_data_at !== null])).toEqual([
      ['status', 0, true],
      ['sysinfo', 0, true],
    ]);
  });

  it('answers each bad input with the documented 4xx naming the problem, and stays up', async () => {
    const base = `http://${smart()}`;
    fs.writeFileSync(path.join(dir, 'small.zip'), 'PK');
    const code = async (cmd: string) => {
      const r = await run(`${cmd} -s -o body.txt -w "%{http_code}"`, dir);
      return { status: Number(r.stdout), body: fs.readFileSync(path.join(dir, 'body.txt'), 'utf8') };
    };
    const wrongToken = await code(
      `curl -H "dealer: ${DEALER}" -Ffile=@small.zip "${base}/upload?token=nope"`,
    );
    expect(wrongToken.status).toBe(401);
    expect(wrongToken.body).toMatch(/unknown dealer or wrong token/);
    const wrongDealer = await code(
      `curl -H "dealer: nosuchdealer" -Ffile=@small.zip "${base}/upload?token=${token}"`,
    );
    expect(wrongDealer.status).toBe(401);
    const noFile = await code(
      `curl -H "dealer: ${DEALER}" -F other=@small.zip "${base}/upload?token=${token}"`,
    );
    expect(noFile.status).toBe(400);
    expect(noFile.body, noFile.body).toMatch(/field \\"file\\"/);
    const notMultipart = await code(
      `curl -H "dealer: ${DEALER}" --data-binary @small.zip "${base}/upload?token=${token}"`,
    );
    expect(notMultipart.status).toBe(400);
    // curl strips directories from file names, so this multipart body is written by hand.
    const boundary = 'x-smart-test-boundary';
    const traversal = await fetch(`${base}/upload?token=${token}`, {
      method: 'POST',
      headers: { dealer: DEALER, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: [
        `--${boundary}`,
        'Content-Disposition: form-data; name="file"; filename="../../etc/romashka.zip"',
        'Content-Type: application/octet-stream',
        '',
        'PK',
        `--${boundary}--`,
        '',
      ].join('\r\n'),
    });
    expect(traversal.status).toBe(400);
    expect(await traversal.text()).toMatch(/contains a path/);
    fs.writeFileSync(path.join(dir, 'big.zip'), Buffer.alloc(9 * 1024 * 1024, 1));
    const tooBig = await code(
      `curl -H "dealer: ${DEALER}" -F "file=@big.zip;filename=${CLIENT}.zip" "${base}/upload?token=${token}"`,
    );
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toMatch(/larger than the limit/);
    const bearer = await code(
      `curl -H "dealer: ${DEALER}" -H "Authorization: Bearer ${token}" -F "file=@small.zip;filename=bearer.zip" "${base}/upload"`,
    );
    expect(bearer.status).toBe(200);
    expect(fs.readdirSync(path.join(s.dataDir, 'spool', 'tmp'))).toEqual([]);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
  });

  it('refuses zip bombs, hostile zips and DTDs with a 400, quarantines a broken file; the next upload works', async () => {
    const bomb = await zipOf([{ name: 'sysinfo.xml', data: Buffer.alloc(100 * 1024 * 1024, 0x20) }]);
    // yazl refuses to write a name with "..", so one of the same length is patched in afterwards.
    const traversal = Buffer.from(
      (await zipOf([{ name: 'XXXXXsysinfo.xml', data: Buffer.from('<sysinfo/>') }]))
        .toString('latin1')
        .replaceAll('XXXXX', '../..'),
      'latin1',
    );
    const many = await zipOf(
      Array.from({ length: 40 }, (_, i) => ({ name: `part${i}.xml`, data: Buffer.from('<sysinfo/>') })),
    );
    const laughs = Buffer.from(
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><sysinfo>&lol2;</sysinfo>',
    );
    const laughsZipped = await zipOf([{ name: 'sysinfo.xml', data: laughs }]);
    const broken = Buffer.from('<?xml version="1.0"?><sysinfo><client><name>x</nam');
    const rssBefore = process.memoryUsage().rss;
    const send = async (name: string, data: Buffer) => {
      fs.writeFileSync(path.join(dir, 'bad.bin'), data);
      const r = await run(
        `curl -s -w "\\n%{http_code}" -H "dealer: ${DEALER}" -F "file=@bad.bin;filename=${name}" "http://${smart()}/upload?token=${token}"`,
        dir,
      );
      const [body, status] = r.stdout.split('\n');
      return { status: Number(status), body: body as string };
    };
    for (const [name, data, reason] of [
      ['romashka.zip', bomb, 'zip_bomb'],
      ['romashka.zip', traversal, 'path_traversal'],
      ['romashka.zip', many, 'zip_entries'],
      ['romashka.xml', laughs, 'dtd_forbidden'],
      ['romashka.zip', laughsZipped, 'dtd_forbidden'],
    ] as const) {
      const r = await send(name, data);
      expect(r.status, `${reason}: ${r.body}`).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ error: reason });
    }
    expect(fs.readdirSync(path.join(s.dataDir, 'spool', 'tmp'))).toEqual([]);
    const accepted = await send('romashka.xml', broken);
    expect(accepted).toEqual({ status: 200, body: '{"ok":true,"path":"/files/romashka.xml"}' });
    await settled(s);
    const q = await s.t.ctx.db
      .selectFrom('reports')
      .select(['error_reason', 'error_message'])
      .where('status', '=', 'quarantined')
      .orderBy('id')
      .execute();
    expect(q.map((x) => x.error_reason)).toEqual(['malformed_xml']);
    expect(q[0]?.error_message).toBeTruthy();
    const ch = await s.t.ctx.db
      .selectFrom('installation_channels')
      .selectAll()
      .where('installation_id', '=', installationId)
      .where('channel', '=', 'sysinfo')
      .executeTakeFirstOrThrow();
    expect(ch.consecutive_failures).toBe(1);
    expect(ch.last_error_reason).toBe('malformed_xml');
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    // The agent's next good upload goes through and clears the failure count.
    await pk.close();
    pk = await startKodeksServer({
      port: 0,
      seed: 43,
      profile: { shortName: CLIENT, utcOffsetMin: 300, users: 5 },
    });
    await run(`curl -s -d "type=zip" -o ${CLIENT}.zip http://${pkAddr()}/sysinfo/si_save_request`, dir);
    const ok = await run(
      `curl -s -H "dealer: ${DEALER}" -Ffile=@${CLIENT}.zip "http://${smart()}/upload?token=${token}"`,
      dir,
    );
    expect(ok.stdout).toBe(`{"ok":true,"path":"/files/${CLIENT}.zip"}`);
    await settled(s);
    const after = await s.t.ctx.db
      .selectFrom('installation_channels')
      .select('consecutive_failures')
      .where('installation_id', '=', installationId)
      .where('channel', '=', 'sysinfo')
      .executeTakeFirstOrThrow();
    expect(after.consecutive_failures).toBe(0);
  });
});
