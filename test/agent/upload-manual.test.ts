import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStatusFile, generateSysinfoZipBuffer, makeProfile } from '../../src/sim/kodeks/index.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, Client, loginAs } from '../http/harness.js';
import { settled, startIngestServer, type IngestServer } from '../ingest/harness.js';
import { sha256 } from './agent-harness.js';

interface UploadOut {
  reportId: number;
  fileName: string;
  duplicate: boolean;
}

const form = (name: string, data: Buffer | string): FormData => {
  const f = new FormData();
  f.append('file', new Blob([typeof data === 'string' ? data : new Uint8Array(data)]), name);
  return f;
};

describe.each(DB_KINDS)('«Загрузить файл отчёта»: POST /api/installations/:id/reports (%s)', (kind) => {
  let s: IngestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  const as: Record<string, Client> = {};
  const at = Date.UTC(2026, 9, 30, 10, 0, 0);
  const profile = makeProfile({ seed: 5 });
  let zip: Buffer;

  beforeAll(async () => {
    s = await startIngestServer(kind);
    a = await buildDealerWorld(s.t.ctx, 'deala');
    b = await buildDealerWorld(s.t.ctx, 'dealb');
    zip = await generateSysinfoZipBuffer(profile, at);
    for (const [k, login] of [
      ['admin', 'admin.deala'],
      ['head1', 'head1.deala'],
      ['manager1', 'manager1.deala'],
      ['adminB', 'admin.dealb'],
    ] as const) {
      as[k] = await loginAs(s.url, login, TEST_PASSWORD);
    }
  });
  afterAll(() => s.close());

  const post = (c: Client, id: number, f: FormData) =>
    c.req('POST', `/api/installations/${id}/reports`, { raw: f });

  it('stores a closed-contour file on the chosen installation, once', async () => {
    // The agent's file name carries the collection time; only the extension matters.
    const r = await post(as.admin!, a.i3.id, form('gammadeala.20261030T100000Z.zip', zip));
    expect(r.status).toBe(201);
    expect(body<UploadOut>(r)).toMatchObject({ fileName: `${a.i3.sourceKey}.zip`, duplicate: false });
    const again = await post(as.admin!, a.i3.id, form('copy.zip', zip));
    expect(again.status).toBe(200);
    expect(body<UploadOut>(again)).toMatchObject({ reportId: body<UploadOut>(r).reportId, duplicate: true });

    await settled(s);
    const rows = await s.t.ctx.db
      .selectFrom('reports')
      .select(['installation_id', 'via', 'sha256', 'status', 'report_at'])
      .where('dealer_id', '=', a.dealer.id)
      .where('installation_id', '=', a.i3.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ via: 'manual', sha256: sha256(zip), status: 'processed' });
  });

  it('accepts a status file too', async () => {
    const status = generateStatusFile(profile, at);
    const r = await post(as.head1!, a.i1.id, form('alphadeala.status', status)); // a head of its branch
    expect(r.status).toBe(201);
    expect(body<UploadOut>(r).fileName).toBe(`${a.i1.sourceKey}.status`);
  });

  it('names the field when the input is wrong', async () => {
    const notReport = await post(as.admin!, a.i3.id, form('notes.txt', 'hello'));
    expect(notReport.status).toBe(400);
    expect(notReport.text).toMatch(/file/);
    expect(notReport.text).toMatch(/not a report file/);
    const json = await as.admin!.post(`/api/installations/${a.i3.id}/reports`, { file: 'x' });
    expect(json.status).toBe(400);
    expect(json.text).toMatch(/multipart/);
  });

  it("gives 404 for another tenant's installation and 403 to read-only roles", async () => {
    const before = await s.t.ctx.db.selectFrom('reports').select('id').execute();
    const f = () => form('x.status', 'date: Fri, 30 Oct 2026 10:00:00 GMT\nkserver_up 1\n');
    expect((await post(as.adminB!, a.i1.id, f())).status).toBe(404); // another dealer
    expect((await post(as.admin!, b.i3.id, f())).status).toBe(404);
    expect((await post(as.head1!, a.i2.id, f())).status).toBe(404); // another branch
    expect((await post(as.manager1!, a.i1.id, f())).status).toBe(403); // visible, read-only
    expect(
      (await new Client(s.url).req('POST', `/api/installations/${a.i1.id}/reports`, { raw: f() })).status,
    ).toBe(401);
    const after = await s.t.ctx.db.selectFrom('reports').select('id').execute();
    expect(after).toHaveLength(before.length);
  });
});
