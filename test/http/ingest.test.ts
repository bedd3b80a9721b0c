import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptReport, parseUploadFileName } from '../../src/ingest/accept.js';
import { markQuarantined } from '../../src/ingest/ledger.js';
import { Spool } from '../../src/ingest/spool.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type TestServer } from './harness.js';

interface ReportOut {
  id: number;
  installationId: number | null;
  sourceName: string;
  status: string;
  errorReason: string | null;
}

describe.each(DB_KINDS)('ingestion health API (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  const as: Record<string, Client> = {};

  beforeAll(async () => {
    s = await startTestServer(kind);
    a = await buildDealerWorld(s.t.ctx, 'deala');
    b = await buildDealerWorld(s.t.ctx, 'dealb');
    const spool = new Spool(`${s.runtime.config.dataDir}/spool`);
    const accept = async (w: DealerWorld, name: string, data: string) =>
      acceptReport(
        s.t.ctx,
        { dealerId: w.dealer.id, installationId: null },
        parseUploadFileName(name),
        Readable.from([data]),
        {
          spool,
          nodeId: 'n',
          maxBytes: 1024,
          via: 'agent',
        },
      );
    // A quarantined report of a's installation i1 (branch 1), one of b's, and unregistered sources.
    const bad = await accept(a, 'alphadeala.xml', '<broken');
    const row = await s.t.ctx.db
      .selectFrom('reports')
      .selectAll()
      .where('id', '=', bad.reportId)
      .executeTakeFirstOrThrow();
    await markQuarantined(s.t.ctx, row, 'malformed_xml', 'line 1: unexpected end of the document');
    await accept(b, 'alphadealb.xml', '<sysinfo/>');
    await accept(a, 'strangername.zip', 'PK1');
    await accept(a, 'strangername.zip', 'PK2');
    await accept(b, 'othersname.zip', 'PK3');
    for (const [k, login] of [
      ['admin', 'admin.deala'],
      ['head1', 'head1.deala'],
      ['manager1', 'manager1.deala'],
      ['viewer2', 'viewer2.deala'],
      ['adminB', 'admin.dealb'],
    ]) {
      as[k as string] = await loginAs(s.url, login as string, TEST_PASSWORD);
    }
  });
  afterAll(() => s.close());

  it('shows quarantined reports with their reason to those who see the installation', async () => {
    const r = await as.admin!.get('/api/ingest/reports?status=quarantined');
    expect(r.status).toBe(200);
    expect(body<ReportOut[]>(r).map((x) => [x.sourceName, x.errorReason])).toEqual([
      ['alphadeala', 'malformed_xml'],
    ]);
    const head = body<ReportOut[]>(await as.head1!.get('/api/ingest/reports'));
    expect(head.map((x) => x.sourceName)).toEqual(['alphadeala']); // unregistered ones are dealer-wide
    expect(body<ReportOut[]>(await as.viewer2!.get('/api/ingest/reports'))).toEqual([]);
    const all = body<ReportOut[]>(await as.admin!.get('/api/ingest/reports'));
    expect(all.map((x) => x.sourceName).sort()).toEqual(['alphadeala', 'strangername', 'strangername']);
    expect(JSON.stringify(all)).not.toContain('dealb');
  });

  it('lists unregistered sources of the own dealer and attaches one to a client', async () => {
    const list = await as.admin!.get('/api/ingest/unregistered');
    expect(body<{ sourceName: string; reports: number }[]>(list)).toMatchObject([
      { sourceName: 'strangername', reports: 2 },
    ]);
    expect((await as.head1!.get('/api/ingest/unregistered')).status).toBe(403);
    const attach = await as.admin!.post('/api/ingest/unregistered/attach', {
      sourceName: 'strangername',
      clientId: a.c3.id,
    });
    expect(attach.status).toBe(200);
    const { installationId, reports } = body<{ installationId: number; reports: number }>(attach);
    expect(reports).toBe(2);
    const after = body<ReportOut[]>(
      await as.admin!.get(`/api/ingest/reports?installationId=${installationId}`),
    );
    expect(after.map((x) => x.status)).toEqual(['received', 'received']);
    expect(body<unknown[]>(await as.admin!.get('/api/ingest/unregistered'))).toEqual([]);
  });

  it('gives 404 for objects of another tenant through every ingestion endpoint', async () => {
    expect(
      (
        await as.admin!.post('/api/ingest/unregistered/attach', {
          sourceName: 'othersname',
          clientId: b.c1.id,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await as.adminB!.post('/api/ingest/unregistered/attach', {
          sourceName: 'othersname',
          clientId: a.c1.id,
        })
      ).status,
    ).toBe(404);
    expect(
      (await as.manager1!.post('/api/ingest/unregistered/attach', { sourceName: 'x', clientId: b.c1.id }))
        .status,
    ).toBe(404);
    for (const c of [as.admin!, as.head1!, as.manager1!]) {
      expect((await c.get(`/api/installations/${b.i1.id}/channels`)).status).toBe(404);
      expect((await c.post(`/api/installations/${b.i1.id}/agent-tokens`, {})).status).toBe(404);
      expect(body<ReportOut[]>(await c.get(`/api/ingest/reports?installationId=${b.i2.id}`))).toEqual([]);
    }
    expect((await as.head1!.get(`/api/installations/${a.i2.id}/channels`)).status).toBe(404); // other branch
    expect((await as.manager1!.post(`/api/installations/${a.i1.id}/agent-tokens`, {})).status).toBe(403); // visible, read-only
  });

  it('shows channel health and issues agent tokens shown once', async () => {
    const ch = await as.head1!.get(`/api/installations/${a.i1.id}/channels`);
    expect(body<{ channel: string; lastErrorReason: string | null }[]>(ch)).toMatchObject([
      { channel: 'sysinfo', lastErrorReason: 'malformed_xml' },
    ]);
    const t = await as.head1!.post(`/api/installations/${a.i1.id}/agent-tokens`, {
      label: 'romashka server',
    });
    expect(t.status).toBe(201);
    const created = body<{ token: string; info: { installationId: number; label: string } }>(t);
    expect(created.info).toMatchObject({ installationId: a.i1.id, label: 'romashka server' });
    expect(created.token).toMatch(/^smu_/);
  });
});
