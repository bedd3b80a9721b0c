import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acceptReport,
  authenticateUpload,
  hasArrived,
  parseUploadFileName,
} from '../../src/ingest/accept.js';
import { createAgentToken } from '../../src/ingest/agent-tokens.js';
import {
  adoptUnregistered,
  claimNextReport,
  markProcessed,
  markQuarantined,
  pruneRawFiles,
} from '../../src/ingest/ledger.js';
import { ReportProcessor, retryBackoffMs } from '../../src/ingest/processor.js';
import { PayloadTooLargeError, Spool } from '../../src/ingest/spool.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { buildDealerWorld, type DealerWorld } from '../helpers/tenants.js';

describe.each(DB_KINDS)('report ledger and spool (%s)', (kind) => {
  let t: TestContext;
  let a: DealerWorld;
  let spoolDir: string;
  let spool: Spool;
  const opts = () => ({ spool, nodeId: 'node-a', maxBytes: 1024 * 1024, via: 'agent' as const });

  beforeEach(async () => {
    t = await openTestContext(kind);
    a = await buildDealerWorld(t.ctx, 'deala');
    await buildDealerWorld(t.ctx, 'dealb');
    spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-spool-'));
    spool = new Spool(spoolDir);
  });
  afterEach(async () => {
    await t.close();
    fs.rmSync(spoolDir, { recursive: true, force: true });
  });

  it('parses agent file names and refuses paths and odd extensions', () => {
    expect(parseUploadFileName('alphadeala.zip')).toMatchObject({
      sourceName: 'alphadeala',
      channel: 'sysinfo',
    });
    expect(parseUploadFileName('alphadeala.STATUS')).toMatchObject({
      fileName: 'alphadeala.status',
      channel: 'status',
    });
    expect(() => parseUploadFileName('../etc/passwd.xml')).toThrow(/contains a path/);
    expect(() => parseUploadFileName('..\\x.zip')).toThrow(/contains a path/);
    expect(() => parseUploadFileName('client.exe')).toThrow(/unsupported extension/);
    expect(() => parseUploadFileName('my client.zip')).toThrow(/forbidden character space/);
    expect(() => parseUploadFileName('')).toThrow(/no name/);
  });

  it('authenticates by dealer code and token, one message for both failures', async () => {
    await expect(authenticateUpload(t.ctx, { dealerCode: 'deala', token: a.uploadToken })).resolves.toEqual({
      dealerId: a.dealer.id,
      installationId: null,
    });
    await expect(authenticateUpload(t.ctx, { dealerCode: 'dealb', token: a.uploadToken })).rejects.toThrow(
      'unknown dealer or wrong token',
    );
    await expect(authenticateUpload(t.ctx, { dealerCode: 'nosuch', token: a.uploadToken })).rejects.toThrow(
      'unknown dealer or wrong token',
    );
  });

  it('spools (fsynced file with the right hash), records, deduplicates and answers HEAD', async () => {
    const auth = { dealerId: a.dealer.id, installationId: null };
    const body = Buffer.from('<sysinfo/>');
    const r = await acceptReport(
      t.ctx,
      auth,
      parseUploadFileName('alphadeala.xml'),
      Readable.from([body]),
      opts(),
    );
    expect(r).toMatchObject({ path: '/files/alphadeala.xml', installationId: a.i1.id, duplicate: false });
    const row = await t.ctx.db
      .selectFrom('reports')
      .selectAll()
      .where('id', '=', r.reportId)
      .executeTakeFirstOrThrow();
    expect(fs.readFileSync(row.spool_path)).toEqual(body);
    expect(row.status).toBe('received');
    const again = await acceptReport(
      t.ctx,
      auth,
      parseUploadFileName('alphadeala.xml'),
      Readable.from([body]),
      opts(),
    );
    expect(again.duplicate).toBe(true);
    expect(await t.ctx.db.selectFrom('reports').selectAll().execute()).toHaveLength(1);
    expect(await hasArrived(t.ctx, a.dealer.id, 'alphadeala.xml')).toBe(true);
    expect(await hasArrived(t.ctx, a.dealer.id, 'alphadeala.zip')).toBe(false);
    expect(await hasArrived(t.ctx, a.dealer.id + 1, 'alphadeala.xml')).toBe(false);
    const ch = await t.ctx.db.selectFrom('installation_channels').selectAll().execute();
    expect(ch).toMatchObject([
      { installation_id: a.i1.id, channel: 'sysinfo', last_received_at: t.clock.now() },
    ]);
  });

  it('refuses a body over the limit and leaves nothing behind', async () => {
    const auth = { dealerId: a.dealer.id, installationId: null };
    const big = Readable.from([Buffer.alloc(600_000), Buffer.alloc(600_000)]);
    await expect(
      acceptReport(t.ctx, auth, parseUploadFileName('alphadeala.zip'), big, opts()),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await t.ctx.db.selectFrom('reports').selectAll().execute()).toHaveLength(0);
    expect(fs.readdirSync(path.join(spoolDir, 'tmp'))).toEqual([]);
  });

  it('keeps unknown sources as unregistered and adopts them when the installation appears', async () => {
    const auth = { dealerId: a.dealer.id, installationId: null };
    const r = await acceptReport(
      t.ctx,
      auth,
      parseUploadFileName('newclient.zip'),
      Readable.from(['x']),
      opts(),
    );
    expect(r.installationId).toBeNull();
    expect(await claimNextReport(t.ctx, 'node-a', 60_000)).toBeNull(); // not processed while unregistered
    const op = cliActor('t');
    const c = await createClient(t.ctx, op, { dealerId: a.dealer.id, shortName: 'newclient' });
    const inst = await createInstallation(t.ctx, op, { clientId: c.id, kind: 'agent' });
    expect(await adoptUnregistered(t.ctx)).toBe(1);
    const claimed = await claimNextReport(t.ctx, 'node-a', 60_000);
    expect(claimed?.installation_id).toBe(inst.id);
  });

  it('claims once, re-offers a report whose lease ran out, and records outcomes', async () => {
    const auth = { dealerId: a.dealer.id, installationId: null };
    await acceptReport(t.ctx, auth, parseUploadFileName('alphadeala.zip'), Readable.from(['one']), opts());
    await acceptReport(t.ctx, auth, parseUploadFileName('alphadeala.status'), Readable.from(['two']), opts());
    expect(await claimNextReport(t.ctx, 'node-b', 60_000)).toBeNull(); // another node's spool
    const first = await claimNextReport(t.ctx, 'node-a', 60_000);
    const second = await claimNextReport(t.ctx, 'node-a', 60_000);
    expect(first?.id).not.toBe(second?.id);
    expect(await claimNextReport(t.ctx, 'node-a', 60_000)).toBeNull();
    t.clock.advance(60_001); // the node died holding both
    const retaken = await claimNextReport(t.ctx, 'node-a', 60_000);
    expect(retaken?.id).toBe(first?.id);
    expect(retaken?.attempts).toBe(2);
    await markQuarantined(t.ctx, retaken!, 'malformed_xml', 'line 3: unexpected end');
    const bad = await t.ctx.db
      .selectFrom('installation_channels')
      .selectAll()
      .where('channel', '=', 'sysinfo')
      .executeTakeFirstOrThrow();
    expect(bad).toMatchObject({ last_error_reason: 'malformed_xml', consecutive_failures: 1 });
    const other = await claimNextReport(t.ctx, 'node-a', 60_000);
    await markProcessed(t.ctx, other!, t.clock.now() - 5000);
    const ok = await t.ctx.db
      .selectFrom('installation_channels')
      .selectAll()
      .where('channel', '=', 'status')
      .executeTakeFirstOrThrow();
    expect(ok).toMatchObject({ last_data_at: t.clock.now() - 5000, consecutive_failures: 0 });
  });

  it('a passing failure is retried after a back-off of seconds, not the lease, up to the last attempt', async () => {
    const auth = { dealerId: a.dealer.id, installationId: null };
    await acceptReport(t.ctx, auth, parseUploadFileName('alphadeala.zip'), Readable.from(['one']), opts());
    const errors: string[] = [];
    const processor = new ReportProcessor(t.ctx, {
      nodeId: 'node-a',
      leaseMs: 5 * 60_000,
      maxAttempts: 3,
      parse: async () => {
        throw new Error('deadlock detected');
      },
      onError: (e) => errors.push((e as Error).message),
    });
    expect(await processor.drain()).toBe(1);
    const row = () => t.ctx.db.selectFrom('reports').selectAll().executeTakeFirstOrThrow();
    expect(await row()).toMatchObject({
      status: 'processing',
      attempts: 1,
      lease_until: t.clock.now() + 1_000,
    });
    expect(await processor.drain()).toBe(0); // not before the back-off
    t.clock.advance(1_001);
    expect(await processor.drain()).toBe(1);
    expect(await row()).toMatchObject({
      status: 'processing',
      attempts: 2,
      lease_until: t.clock.now() + 2_000,
    });
    t.clock.advance(2_001);
    expect(await processor.drain()).toBe(1);
    expect(await row()).toMatchObject({ status: 'quarantined', attempts: 3, error_reason: 'internal_error' });
    expect(errors).toEqual(['deadlock detected', 'deadlock detected', 'deadlock detected']);
    expect([1, 2, 3, 7, 20].map(retryBackoffMs)).toEqual([1_000, 2_000, 4_000, 60_000, 60_000]);
  });

  it('keeps the raw files of the newest processed reports only', async () => {
    const auth = { dealerId: a.dealer.id, installationId: null };
    const paths: string[] = [];
    for (let i = 0; i < 5; i++) {
      await acceptReport(
        t.ctx,
        auth,
        parseUploadFileName('alphadeala.zip'),
        Readable.from([`r${i}`]),
        opts(),
      );
      const r = (await claimNextReport(t.ctx, 'node-a', 60_000))!;
      paths.push(r.spool_path);
      await markProcessed(t.ctx, r, null);
      await pruneRawFiles(t.ctx, a.i1.id, 'sysinfo', 2, (p) => spool.remove(p));
    }
    expect(paths.map((p) => fs.existsSync(p))).toEqual([false, false, false, true, true]);
    const rows = await t.ctx.db.selectFrom('reports').select('spool_path').orderBy('id').execute();
    expect(rows.map((r) => r.spool_path === '')).toEqual([true, true, true, false, false]);
  });

  it('a per-installation agent token uploads only as its installation', async () => {
    const { token } = await createAgentToken(t.ctx, a.actors.admin, a.i1.id, '');
    const auth = await authenticateUpload(t.ctx, { dealerCode: 'deala', token });
    expect(auth).toEqual({ dealerId: a.dealer.id, installationId: a.i1.id });
    const ok = await acceptReport(
      t.ctx,
      auth,
      parseUploadFileName('alphadeala.zip'),
      Readable.from(['z']),
      opts(),
    );
    expect(ok.installationId).toBe(a.i1.id);
    await expect(
      acceptReport(t.ctx, auth, parseUploadFileName('betadeala.zip'), Readable.from(['z']), opts()),
    ).rejects.toThrow(/belongs to installation "alphadeala"/);
    await expect(createAgentToken(t.ctx, a.actors.head1, a.i2.id, '')).rejects.toThrow(/not found/);
  });
});
