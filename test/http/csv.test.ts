import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/tenancy/scope.js';
import { createUser } from '../../src/tenancy/users.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type Res, type TestServer } from './harness.js';

const FIXTURES = path.resolve('test/fixtures/csv');
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name));

interface Issue {
  line: number;
  column?: number;
  message: string;
  text: string;
}
interface Result {
  file: string;
  dryRun: boolean;
  applied: boolean;
  errors: Issue[];
  warnings: Issue[];
  changes: { action: string; entity: string; key: string }[];
  counts: { create: number; update: number; remove: number; unchanged: number };
}
const result = (r: Res) => body<Result>(r);

function form(bytes: Buffer, fileName: string, field = 'file'): FormData {
  const f = new FormData();
  f.append(field, new Blob([new Uint8Array(bytes)], { type: 'text/csv' }), fileName);
  return f;
}

/** A small managers.csv whose names do not clash with the fixtures. */
function managersCsv(prefix: string): Buffer {
  return Buffer.from(
    [
      `${prefix}.example.ru:443,Orlov Oleg,orlov@example.ru,https,download,upload,process,ping,-1,3600,604800`,
      '',
      `${prefix}agent,Orlov Oleg,orlov@example.ru,smartupload,download,upload,process,donotping,-1,3600,604800`,
    ].join('\r\n'),
  );
}

describe.each(DB_KINDS)('HTTP CSV import and export (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let admin: Client;
  let head1: Client;
  let manager1: Client;
  let root: Client;
  const installations = async (c: Client) =>
    body<{ sourceKey: string; clientId: number }[]>(await c.get('/api/installations'))
      .map((i) => i.sourceKey)
      .sort();

  beforeAll(async () => {
    s = await startTestServer(kind, { SMART_MAX_IMPORT_BYTES: String(64 * 1024) });
    a = await buildDealerWorld(s.t.ctx, 'deala');
    await buildDealerWorld(s.t.ctx, 'dealb');
    await createUser(s.t.ctx, cliActor('test'), {
      dealerId: null,
      login: 'root',
      password: TEST_PASSWORD,
      role: 'operator',
    });
    admin = await loginAs(s.url, 'admin.deala', TEST_PASSWORD);
    head1 = await loginAs(s.url, 'head1.deala', TEST_PASSWORD);
    manager1 = await loginAs(s.url, 'manager1.deala', TEST_PASSWORD);
    root = await loginAs(s.url, 'root', TEST_PASSWORD);
  });
  afterAll(() => s.close());

  it('a dry run shows the changes and writes nothing', async () => {
    const before = await installations(admin);
    const r = await admin.req('POST', '/api/import/managers?dryRun=1', {
      raw: read('managers.csv'),
      type: 'text/csv',
    });
    expect(r.status, r.text).toBe(200);
    const res = result(r);
    expect(res).toMatchObject({ file: 'managers.csv', dryRun: true, applied: false, errors: [] });
    expect(res.counts.create).toBeGreaterThan(0);
    expect(res.changes).toContainEqual(
      expect.objectContaining({ action: 'create', entity: 'installation', key: 'romashka' }),
    );
    expect(await installations(admin)).toEqual(before);
  });

  it('imports a raw body, then a re-import changes nothing', async () => {
    const r = await admin.req('POST', '/api/import/managers', {
      raw: read('managers.csv'),
      type: 'text/csv',
    });
    expect(r.status, r.text).toBe(200);
    expect(result(r)).toMatchObject({ applied: true, dryRun: false, errors: [] });
    expect(await installations(admin)).toEqual(
      expect.arrayContaining(['romashka', 'vasilek', '12345.te-cloud.ru:443', 'dc.example-dealer.ru:8080']),
    );
    const again = await admin.req('POST', '/api/import/managers', {
      raw: read('managers.csv'),
      type: 'application/octet-stream',
    });
    expect(again.status).toBe(200);
    expect(result(again).changes).toEqual([]);
    expect(result(again).counts.create).toBe(0);
  });

  it('imports a multipart upload, naming lines after the uploaded file', async () => {
    const r = await admin.req('POST', `/api/import/online?dealer=deala`, {
      raw: form(read('online.csv'), 'my-online.csv'),
    });
    expect(r.status, r.text).toBe(200);
    expect(result(r)).toMatchObject({ file: 'my-online.csv', applied: true });
    const logins = body<{ login: string }[]>(await admin.get('/api/online-accesses')).map((o) => o.login);
    expect(logins).toEqual(expect.arrayContaining(['romashka01', 'romashka02', 'vasilek']));
    // text/plain is accepted as well, and the dealer may be named by id.
    const plain = await admin.req('POST', `/api/import/online?dealer=${a.dealer.id}&dryRun`, {
      raw: read('online.csv'),
      type: 'text/plain; charset=utf-8',
    });
    expect(plain.status).toBe(200);
    expect(result(plain).changes).toEqual([]);
  });

  it('a broken file answers 422 with file:line errors and writes nothing, raw or multipart', async () => {
    const before = await installations(admin);
    const raw = await admin.req('POST', '/api/import/managers', {
      raw: read('broken/managers-04-unknown-constant-download.csv'),
      type: 'text/csv',
    });
    expect(raw.status).toBe(422);
    const res = result(raw);
    expect(res.applied).toBe(false);
    expect(res.errors[0]).toMatchObject({ line: 3, column: 5 });
    expect(res.errors[0]!.text).toMatch(
      /^managers\.csv:3: column 5 \(download\): .*expected the constant "download"/,
    );
    const multi = await admin.req('POST', '/api/import/managers', {
      raw: form(read('broken/managers-07-port-out-of-range.csv'), 'mgr.csv'),
    });
    expect(multi.status).toBe(422);
    expect(result(multi).errors[0]!.text).toMatch(/^mgr\.csv:\d+: column 1/);
    expect(await installations(admin)).toEqual(before);
  });

  it('a head importing puts the new clients in their unit, or in a unit of their subtree', async () => {
    const r = await head1.req('POST', '/api/import/managers', {
      raw: managersCsv('headone'),
      type: 'text/csv',
    });
    expect(r.status, r.text).toBe(200);
    const clients = body<{ shortName: string; unitId: number }[]>(await head1.get('/api/clients'));
    const mine = clients.filter((c) => c.shortName.startsWith('headone'));
    expect(mine.length).toBe(2);
    for (const c of mine) expect(c.unitId).toBe(a.branch1.id);

    const dept = await head1.req('POST', `/api/import/managers?unit=${encodeURIComponent('Branch 1/Dept')}`, {
      raw: managersCsv('headdept'),
      type: 'text/csv',
    });
    expect(dept.status, dept.text).toBe(200);
    const inDept = body<{ shortName: string; unitId: number }[]>(
      await head1.get(`/api/clients?unitId=${a.branch1dept.id}`),
    );
    expect(inDept.filter((c) => c.shortName.startsWith('headdept')).length).toBe(2);
  });

  it('a head or manager cannot import outside their scope; a manager cannot import at all', async () => {
    const before = await installations(admin);
    for (const url of [
      `/api/import/managers?unit=${a.branch2.id}`,
      `/api/import/managers?unit=${encodeURIComponent('Branch 2')}`,
      '/api/import/managers?dealer=dealb',
    ]) {
      const r = await head1.req('POST', url, { raw: managersCsv('sneak'), type: 'text/csv' });
      expect(r.status, url).toBe(404);
      expect(r.text).not.toContain('sneak');
    }
    const viaForm = await head1.req('POST', '/api/import/managers?dealer=dealb', {
      raw: form(managersCsv('sneak'), 'x.csv'),
    });
    expect(viaForm.status).toBe(404);
    expect(
      (
        await manager1.req('POST', '/api/import/managers?dealer=dealb', {
          raw: managersCsv('m'),
          type: 'text/csv',
        })
      ).status,
    ).toBe(404);
    expect(
      (await manager1.req('POST', '/api/import/managers', { raw: managersCsv('m'), type: 'text/csv' }))
        .status,
    ).toBe(403);
    expect(await installations(admin)).toEqual(before);
  });

  it('explains a missing body, a missing file field, a missing dealer, and a body over the limit', async () => {
    const empty = await admin.req('POST', '/api/import/managers', { raw: '', type: 'text/csv' });
    expect(empty.status).toBe(400);
    expect(body<{ message: string }>(empty).message).toContain('send the CSV');
    const wrongField = await admin.req('POST', '/api/import/managers', {
      raw: form(managersCsv('x'), 'x.csv', 'upload'),
    });
    expect(wrongField.status).toBe(400);
    expect(body<{ message: string }>(wrongField).message).toContain('body.file');
    const noDealer = await root.req('POST', '/api/import/managers', {
      raw: managersCsv('x'),
      type: 'text/csv',
    });
    expect(noDealer.status).toBe(400);
    expect(body<{ message: string }>(noDealer).message).toContain('querystring.dealer');
    const big = Buffer.alloc(65 * 1024, 'a');
    for (const opts of [{ raw: big, type: 'text/csv' }, { raw: form(big, 'big.csv') }]) {
      const r = await admin.req('POST', '/api/import/managers', opts);
      expect(r.status).toBe(413);
      expect(body<{ message: string }>(r).message).toContain('64 KiB');
    }
    const json = await admin.req('POST', '/api/import/managers', { body: { csv: 'x' } });
    expect(json.status).toBe(415);
  });

  it('exports CSV; passwords only with withSecrets, which only dealer-wide roles may ask for', async () => {
    const m = await admin.get('/api/export/managers');
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(m.headers.get('content-disposition')).toContain('managers-deala.csv');
    expect(m.text).toContain('12345.te-cloud.ru:443');
    expect(m.text).not.toMatch(/^"/); // not a JSON string

    const o = await admin.get('/api/export/online');
    expect(o.status).toBe(200);
    expect(o.text).toContain('romashka01');
    expect(o.text).not.toContain('Secr3t!');
    expect(o.text).not.toContain('online-secret-1');
    const secret = await admin.get('/api/export/online?withSecrets=true');
    expect(secret.status).toBe(200);
    expect(secret.text).toContain('Secr3t!');
    expect((await root.get('/api/export/online?dealer=deala&withSecrets=1')).text).toContain(
      'online-secret-1',
    );

    expect((await head1.get('/api/export/online?withSecrets=1')).status).toBe(403);
    expect((await manager1.get('/api/export/online?withSecrets=1')).status).toBe(403);
    // Without secrets a head gets their subtree only.
    const headOnline = await head1.get('/api/export/online');
    expect(headOnline.status).toBe(200);
    expect(headOnline.text).toContain('user1deala');
    expect(headOnline.text).not.toContain('user2deala');
  });
});
