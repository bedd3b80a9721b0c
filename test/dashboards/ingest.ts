/**
 * Reports of a simulated ПК through the real ingest path (ledger, parser, store), the way the
 * processor handles one, for the dashboard tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppContext } from '../../src/context.js';
import { markProcessed, recordReport } from '../../src/ingest/ledger.js';
import { parseReportFile } from '../../src/ingest/parse/report-file.js';
import { parseStatusText } from '../../src/ingest/parse/status-parser.js';
import { storeSnapshot, storeStatus } from '../../src/ingest/store.js';
import type { FaultState } from '../../src/sim/kodeks/faults.js';
import {
  generateStatusFile,
  generateSysinfoXmlString,
  type ClientProfile,
} from '../../src/sim/kodeks/index.js';

let seq = 0;

export async function ingestReport(
  ctx: AppContext,
  target: { dealerId: number; installationId: number; sourceName: string },
  profile: ClientProfile,
  channel: 'sysinfo' | 'status',
  faults: FaultState = {},
): Promise<void> {
  seq += 1;
  const now = ctx.clock.now();
  const text =
    channel === 'sysinfo'
      ? generateSysinfoXmlString(profile, now, { faults })
      : generateStatusFile(profile, now, { faults });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-dash-'));
  try {
    const file = path.join(dir, `r${seq}.${channel === 'sysinfo' ? 'xml' : 'status'}`);
    fs.writeFileSync(file, text);
    const id = await recordReport(ctx, {
      dealerId: target.dealerId,
      installationId: target.installationId,
      sourceName: target.sourceName,
      fileName: path.basename(file),
      channel,
      format: channel === 'sysinfo' ? 'xml' : 'status',
      via: 'agent',
      sha256: `sha-${process.pid}-${seq}-${now}`,
      sizeBytes: text.length,
      nodeId: 'test',
      spoolPath: file,
    });
    const row = await ctx.db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const t = {
      reportId: id,
      dealerId: target.dealerId,
      installationId: target.installationId,
      receivedAt: row.received_at,
    };
    if (channel === 'sysinfo') {
      const snap = await parseReportFile(file, { kind: 'xml', utcOffsetMin: profile.utcOffsetMin });
      await storeSnapshot(ctx, t, snap);
      await markProcessed(ctx, row, snap.producedAt);
    } else {
      const st = parseStatusText(text);
      await storeStatus(ctx, t, st);
      await markProcessed(ctx, row, st.takenAt);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
