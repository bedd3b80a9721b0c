/**
 * One sysinfo report through the real ingest path (spool file, ledger, parser, store, processed mark),
 * the way the processor handles one, for the dashboard tests that keep what each report parsed to.
 */
import fs from 'node:fs';
import path from 'node:path';
import { markProcessed, recordReport } from '../../src/ingest/ledger.js';
import { parseReportFile } from '../../src/ingest/parse/report-file.js';
import type { Snapshot } from '../../src/ingest/parse/snapshot.js';
import { storeSnapshot } from '../../src/ingest/store.js';
import type { TestContext } from '../helpers/db.js';

export interface SysinfoReport {
  dealerId: number;
  installationId: number;
  sourceName: string;
  /** The report text, as the ПК sent it. */
  xml: string;
  /** The ПК's UTC offset, which the parser needs to read local times. */
  utcOffsetMin: number;
  /** When the report arrives: the fake clock is set to this before it is recorded. */
  receivedAt: number;
  /** Unique per report (the ledger deduplicates by it). */
  sha256: string;
  /** The spool directory and the file name the report is written under (removed once processed). */
  dir: string;
  fileName: string;
}

export interface IngestedSysinfo {
  reportId: number;
  receivedAt: number;
  snap: Snapshot;
}

export async function ingestSysinfo(t: TestContext, r: SysinfoReport): Promise<IngestedSysinfo> {
  const ctx = t.ctx;
  const file = path.join(r.dir, r.fileName);
  fs.writeFileSync(file, r.xml);
  t.clock.t = r.receivedAt;
  const id = await recordReport(ctx, {
    dealerId: r.dealerId,
    installationId: r.installationId,
    sourceName: r.sourceName,
    fileName: r.fileName,
    channel: 'sysinfo',
    format: 'xml',
    via: 'agent',
    sha256: r.sha256,
    sizeBytes: r.xml.length,
    nodeId: 'test',
    spoolPath: file,
  });
  const row = await ctx.db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const snap = await parseReportFile(file, { kind: 'xml', utcOffsetMin: r.utcOffsetMin });
  await storeSnapshot(
    ctx,
    { reportId: id, dealerId: r.dealerId, installationId: r.installationId, receivedAt: row.received_at },
    snap,
  );
  await markProcessed(ctx, row, snap.producedAt);
  fs.rmSync(file);
  return { reportId: id, receivedAt: Number(row.received_at), snap };
}
