import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { withTx } from '../db/tx.js';
import type { ReportRow } from '../db/schema.js';

export type Channel = 'sysinfo' | 'status';
export type ReportFormat = 'zip' | 'xml' | 'status';
export type ReportStatus = 'received' | 'processing' | 'processed' | 'quarantined' | 'unregistered';

export interface NewReport {
  dealerId: number;
  installationId: number | null;
  sourceName: string;
  fileName: string;
  channel: Channel;
  format: ReportFormat;
  via: 'agent' | 'pull' | 'manual';
  sha256: string;
  sizeBytes: number;
  nodeId: string;
  spoolPath: string;
}

/** Records an accepted file. Called only after the file is fsynced in the spool. */
export async function recordReport(ctx: AppContext, r: NewReport): Promise<number> {
  const now = ctx.clock.now();
  const row = await ctx.db
    .insertInto('reports')
    .values({
      dealer_id: r.dealerId,
      installation_id: r.installationId,
      source_name: r.sourceName,
      file_name: r.fileName,
      channel: r.channel,
      format: r.format,
      via: r.via,
      sha256: r.sha256,
      size_bytes: r.sizeBytes,
      node_id: r.nodeId,
      spool_path: r.spoolPath,
      received_at: now,
      status: r.installationId === null ? 'unregistered' : 'received',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (r.installationId !== null)
    await touchChannel(ctx, r.installationId, r.channel, { last_received_at: now });
  return row.id;
}

/** The same content from the same dealer on the same channel, already in the ledger. */
export async function findDuplicate(
  ctx: AppContext,
  dealerId: number,
  channel: Channel,
  sha256: string,
): Promise<ReportRow | undefined> {
  return ctx.db
    .selectFrom('reports')
    .selectAll()
    .where('dealer_id', '=', dealerId)
    .where('channel', '=', channel)
    .where('sha256', '=', sha256)
    .executeTakeFirst();
}

export async function fileArrived(ctx: AppContext, dealerId: number, fileName: string): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('reports')
    .select('id')
    .where('dealer_id', '=', dealerId)
    .where('file_name', '=', fileName)
    .executeTakeFirst();
  return row !== undefined;
}

type ChannelPatch = Partial<{
  last_received_at: number;
  last_processed_at: number;
  last_data_at: number;
  last_error_at: number | null;
  last_error_reason: string | null;
  last_error_message: string | null;
  consecutive_failures: number;
}>;

export async function touchChannel(
  ctx: AppContext,
  installationId: number,
  channel: Channel,
  patch: ChannelPatch,
): Promise<void> {
  await ctx.db
    .insertInto('installation_channels')
    .values({ installation_id: installationId, channel, consecutive_failures: 0, ...patch })
    .onConflict((oc) => oc.columns(['installation_id', 'channel']).doUpdateSet(patch))
    .execute();
}

/**
 * Takes the oldest waiting report of this node and leases it. A lease that runs out (the node died
 * mid-way) makes the report claimable again, so processing resumes after a crash.
 */
export async function claimNextReport(
  ctx: AppContext,
  nodeId: string,
  leaseMs: number,
): Promise<ReportRow | null> {
  const now = ctx.clock.now();
  for (;;) {
    const candidate = await ctx.db
      .selectFrom('reports')
      .select(['id', 'status', 'lease_until'])
      .where('node_id', '=', nodeId)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'received'),
          eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', now)]),
        ]),
      )
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (!candidate) return null;
    // Compare-and-set on the state we read, so two workers never take the same report.
    const res = await ctx.db
      .updateTable('reports')
      .set({ status: 'processing', lease_until: now + leaseMs, attempts: sql`attempts + 1` })
      .where('id', '=', candidate.id)
      .where('status', '=', candidate.status)
      .where((eb) =>
        candidate.lease_until === null
          ? eb('lease_until', 'is', null)
          : eb('lease_until', '=', candidate.lease_until),
      )
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) {
      return (
        (await ctx.db.selectFrom('reports').selectAll().where('id', '=', candidate.id).executeTakeFirst()) ??
        null
      );
    }
  }
}

export async function markProcessed(
  ctx: AppContext,
  report: ReportRow,
  reportAt: number | null,
): Promise<void> {
  const now = ctx.clock.now();
  // One transaction: whoever sees the report processed also sees its channel cleared.
  await withTx(ctx, async (db) => {
    await db
      .updateTable('reports')
      .set({ status: 'processed', processed_at: now, report_at: reportAt, lease_until: null })
      .where('id', '=', report.id)
      .execute();
    if (report.installation_id !== null) {
      await touchChannel({ ...ctx, db }, report.installation_id, report.channel as Channel, {
        last_processed_at: now,
        ...(reportAt !== null ? { last_data_at: reportAt } : {}),
        last_error_at: null,
        last_error_reason: null,
        last_error_message: null,
        consecutive_failures: 0,
      });
    }
  });
}

/** A report that cannot be parsed is kept with its reason; the installation's channel shows the failure. */
export async function markQuarantined(
  ctx: AppContext,
  report: ReportRow,
  reason: string,
  message: string,
): Promise<void> {
  const now = ctx.clock.now();
  await withTx(ctx, async (db) => {
    await db
      .updateTable('reports')
      .set({
        status: 'quarantined',
        processed_at: now,
        lease_until: null,
        error_reason: reason,
        error_message: message,
      })
      .where('id', '=', report.id)
      .execute();
    if (report.installation_id !== null) {
      await db
        .insertInto('installation_channels')
        .values({
          installation_id: report.installation_id,
          channel: report.channel,
          last_error_at: now,
          last_error_reason: reason,
          last_error_message: message,
          consecutive_failures: 1,
        })
        .onConflict((oc) =>
          oc.columns(['installation_id', 'channel']).doUpdateSet({
            last_error_at: now,
            last_error_reason: reason,
            last_error_message: message,
            consecutive_failures: sql`installation_channels.consecutive_failures + 1`,
          }),
        )
        .execute();
    }
  });
}

/**
 * Unregistered sources whose name now matches an installation (created by hand or by an import) are
 * attached and queued for processing.
 */
export async function adoptUnregistered(ctx: AppContext): Promise<number> {
  const rows = await ctx.db
    .selectFrom('reports')
    .innerJoin('installations', (j) =>
      j
        .onRef('installations.dealer_id', '=', 'reports.dealer_id')
        .onRef('installations.source_key', '=', 'reports.source_name'),
    )
    .select(['reports.id as id', 'installations.id as installation_id'])
    .where('reports.status', '=', 'unregistered')
    .where('installations.kind', '!=', 'polled')
    .execute();
  for (const r of rows) {
    await ctx.db
      .updateTable('reports')
      .set({ installation_id: r.installation_id, status: 'received' })
      .where('id', '=', r.id)
      .where('status', '=', 'unregistered')
      .execute();
  }
  return rows.length;
}

/** A report whose processing failed for a passing reason is claimable again after `delayMs`. */
export async function retryReportAfter(ctx: AppContext, report: ReportRow, delayMs: number): Promise<void> {
  await ctx.db
    .updateTable('reports')
    .set({ lease_until: ctx.clock.now() + delayMs })
    .where('id', '=', report.id)
    .where('status', '=', 'processing')
    .execute();
}

/**
 * On start, nothing of this node is in flight yet: reports it was processing when it stopped (or
 * was killed) are offered again at once instead of after their lease runs out.
 */
export async function releaseNodeLeases(ctx: AppContext, nodeId: string): Promise<number> {
  const res = await ctx.db
    .updateTable('reports')
    .set({ status: 'received', lease_until: null })
    .where('node_id', '=', nodeId)
    .where('status', '=', 'processing')
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * Raw files are kept for the newest `keep` processed reports of an installation's channel (ASRP and
 * re-processing use them); older ones are deleted from the spool. Their ledger rows stay, with an
 * empty spool path. Quarantined files are kept for inspection.
 */
export async function pruneRawFiles(
  ctx: AppContext,
  installationId: number,
  channel: Channel,
  keep: number,
  remove: (path: string) => Promise<void>,
): Promise<number> {
  const old = await ctx.db
    .selectFrom('reports')
    .select(['id', 'spool_path'])
    .where('installation_id', '=', installationId)
    .where('channel', '=', channel)
    .where('status', '=', 'processed')
    .where('spool_path', '!=', '')
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(1000)
    .execute();
  for (const r of old) {
    await remove(r.spool_path);
    await ctx.db.updateTable('reports').set({ spool_path: '' }).where('id', '=', r.id).execute();
  }
  return old.length;
}
