import { z } from 'zod';
import type { AppContext } from '../context.js';
import { createInstallation, getInstallation } from '../inventory/installations.js';
import { getClient } from '../inventory/clients.js';
import { clientVisible, dealerVisible, requireDealerAdmin, type Actor } from '../tenancy/scope.js';
import { adoptUnregistered } from './ledger.js';

export interface ReportInfo {
  id: number;
  dealerId: number;
  installationId: number | null;
  sourceName: string;
  fileName: string;
  channel: string;
  format: string;
  via: string;
  sizeBytes: number;
  receivedAt: number;
  status: string;
  processedAt: number | null;
  reportAt: number | null;
  errorReason: string | null;
  errorMessage: string | null;
}

export const ReportQuery = z.object({
  installationId: z.coerce.number().int().positive().optional(),
  status: z.enum(['received', 'processing', 'processed', 'quarantined', 'unregistered']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type ReportQuery = z.input<typeof ReportQuery>;

/**
 * The ledger as the caller may see it: reports of visible installations; reports of unregistered
 * sources only for dealer-wide roles (they belong to no client yet).
 */
export async function listReports(ctx: AppContext, actor: Actor, query: ReportQuery): Promise<ReportInfo[]> {
  const q = ReportQuery.parse(query);
  const dealerWide = actor.role === 'operator' || actor.role === 'dealer-admin';
  let sel = ctx.db
    .selectFrom('reports')
    .leftJoin('installations', 'installations.id', 'reports.installation_id')
    .selectAll('reports')
    .where((eb) =>
      dealerWide
        ? eb.or([
            clientVisible(actor.scope, 'installations.client_id'),
            eb.and([
              eb('reports.installation_id', 'is', null),
              dealerVisible(actor.scope, 'reports.dealer_id'),
            ]),
          ])
        : clientVisible(actor.scope, 'installations.client_id'),
    );
  if (q.installationId !== undefined) sel = sel.where('reports.installation_id', '=', q.installationId);
  if (q.status !== undefined) sel = sel.where('reports.status', '=', q.status);
  const rows = await sel.orderBy('reports.id', 'desc').limit(q.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    dealerId: r.dealer_id,
    installationId: r.installation_id,
    sourceName: r.source_name,
    fileName: r.file_name,
    channel: r.channel,
    format: r.format,
    via: r.via,
    sizeBytes: r.size_bytes,
    receivedAt: r.received_at,
    status: r.status,
    processedAt: r.processed_at,
    reportAt: r.report_at,
    errorReason: r.error_reason,
    errorMessage: r.error_message,
  }));
}

export interface UnregisteredSource {
  dealerId: number;
  sourceName: string;
  reports: number;
  firstReceivedAt: number;
  lastReceivedAt: number;
}

/** Client names agents upload under that match no installation: to attach to a client. */
export async function listUnregisteredSources(ctx: AppContext, actor: Actor): Promise<UnregisteredSource[]> {
  requireDealerAdmin(actor);
  const rows = await ctx.db
    .selectFrom('reports')
    .select((eb) => [
      'dealer_id',
      'source_name',
      eb.fn.countAll<number>().as('n'),
      eb.fn.min('received_at').as('first'),
      eb.fn.max('received_at').as('last'),
    ])
    .where('status', '=', 'unregistered')
    .where(dealerVisible(actor.scope, 'reports.dealer_id'))
    .groupBy(['dealer_id', 'source_name'])
    .orderBy('source_name')
    .execute();
  return rows.map((r) => ({
    dealerId: r.dealer_id,
    sourceName: r.source_name,
    reports: Number(r.n),
    firstReceivedAt: Number(r.first),
    lastReceivedAt: Number(r.last),
  }));
}

export const AttachInput = z.object({
  sourceName: z.string().trim().min(1).max(100),
  clientId: z.number().int().positive(),
});
export type AttachInput = z.infer<typeof AttachInput>;

/**
 * Attaches an unregistered source to a client: an agent installation with that source name is
 * created, so the reports already received and every later upload are processed for it.
 */
export async function attachUnregisteredSource(
  ctx: AppContext,
  actor: Actor,
  input: AttachInput,
): Promise<{ installationId: number; reports: number }> {
  const data = AttachInput.parse(input);
  const client = await getClient(ctx, actor, data.clientId);
  requireDealerAdmin(actor);
  const pending = await ctx.db
    .selectFrom('reports')
    .select('id')
    .where('dealer_id', '=', client.dealerId)
    .where('source_name', '=', data.sourceName)
    .where('status', '=', 'unregistered')
    .execute();
  const inst = await createInstallation(ctx, actor, {
    clientId: client.id,
    kind: 'agent',
    sourceName: data.sourceName,
  });
  await adoptUnregistered(ctx);
  return { installationId: inst.id, reports: pending.length };
}

export interface ChannelHealth {
  channel: string;
  lastReceivedAt: number | null;
  lastProcessedAt: number | null;
  lastDataAt: number | null;
  lastErrorAt: number | null;
  lastErrorReason: string | null;
  lastErrorMessage: string | null;
  consecutiveFailures: number;
}

/** Per channel (sysinfo, status): when data last came, and the last failure if it is newer. */
export async function installationChannels(
  ctx: AppContext,
  actor: Actor,
  installationId: number,
): Promise<ChannelHealth[]> {
  await getInstallation(ctx, actor, installationId);
  const rows = await ctx.db
    .selectFrom('installation_channels')
    .selectAll()
    .where('installation_id', '=', installationId)
    .orderBy('channel')
    .execute();
  return rows.map((r) => ({
    channel: r.channel,
    lastReceivedAt: r.last_received_at,
    lastProcessedAt: r.last_processed_at,
    lastDataAt: r.last_data_at,
    lastErrorAt: r.last_error_at,
    lastErrorReason: r.last_error_reason,
    lastErrorMessage: r.last_error_message,
    consecutiveFailures: r.consecutive_failures,
  }));
}
