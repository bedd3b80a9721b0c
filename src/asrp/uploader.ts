/**
 * The ASRP uploader: one `asrp_upload` job per installation of every dealer that has ASRP upload on,
 * every `schedule_s` (a week by default). A run sends the installation's newest stored sysinfo unless
 * ASRP has already answered for that very file (same SHA-256): an unchanged file is never sent again
 * (spec L15, R-OPS-22). Every attempt is recorded in `asrp_uploads` with ASRP's answer. A transient
 * failure (no answer, 5xx, network) is tried again by the same job after a back-off that doubles per
 * failure in a row (15 min, 30 min, … up to the schedule), never in a tight loop.
 */
import fsp from 'node:fs/promises';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { syncJobs } from '../jobs/leases.js';
import type { JobHandler, JobResult } from '../jobs/runner.js';
import { isTransient, sendToAsrp, type AsrpResult } from './client.js';
import { ASRP_JOB } from './contract.js';
import { loadEnabledSettings, type AsrpDealerSettings } from './settings.js';

export { ASRP_JOB };
/** Outcomes that mean ASRP has answered for a file: the same file is not sent again. */
export const ANSWERED = ['accepted', 'repeat', 'warning'] as const;

export interface AsrpUploaderOptions {
  /** How long one upload may take before it counts as a timeout (default 2 min). */
  timeoutMs?: number;
  /** First back-off after a transient failure (default 15 min); doubles per failure in a row. */
  retryBaseMs?: number;
  /** Uploads at once on this node (default 4). */
  concurrency?: number;
  /** Uploads to one ASRP host at once on this node (default 2). */
  perHostConcurrency?: number;
}

export interface LatestSysinfo {
  reportId: number;
  sha256: string;
  fileName: string;
  spoolPath: string;
  sizeBytes: number;
  at: number;
}

export type UploadStep =
  | { kind: 'nothing' }
  | { kind: 'unchanged'; reportId: number }
  | { kind: 'sent'; uploadId: number; result: AsrpResult; errorsInRow: number };

/** The newest processed sysinfo of an installation whose raw file is still kept. */
export async function latestSysinfo(ctx: AppContext, installationId: number): Promise<LatestSysinfo | null> {
  const row = await ctx.db
    .selectFrom('reports')
    .select(['id', 'sha256', 'file_name', 'spool_path', 'size_bytes', 'report_at', 'received_at'])
    .where('installation_id', '=', installationId)
    .where('channel', '=', 'sysinfo')
    .where('status', '=', 'processed')
    .where('spool_path', '!=', '')
    .orderBy(sql`coalesce(report_at, received_at)`, 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    reportId: Number(row.id),
    sha256: row.sha256,
    fileName: row.file_name,
    spoolPath: row.spool_path,
    sizeBytes: Number(row.size_bytes),
    at: Number(row.report_at ?? row.received_at),
  };
}

/** The SHA-256 of the last file ASRP answered for (accepted, «Повтор» or refused), if any. */
export async function lastAnsweredSha(ctx: AppContext, installationId: number): Promise<string | null> {
  const row = await ctx.db
    .selectFrom('asrp_uploads')
    .select('sha256')
    .where('installation_id', '=', installationId)
    .where('outcome', 'in', [...ANSWERED])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.sha256 ?? null;
}

/** Errors recorded since ASRP last answered for this installation. */
export async function errorsInRow(ctx: AppContext, installationId: number): Promise<number> {
  const lastAnswer = await ctx.db
    .selectFrom('asrp_uploads')
    .select('id')
    .where('installation_id', '=', installationId)
    .where('outcome', 'in', [...ANSWERED])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const row = await ctx.db
    .selectFrom('asrp_uploads')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('installation_id', '=', installationId)
    .where('outcome', '=', 'error')
    .where('id', '>', lastAnswer ? Number(lastAnswer.id) : 0)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function record(
  ctx: AppContext,
  dealerId: number,
  installationId: number,
  file: LatestSysinfo | null,
  r: AsrpResult,
  at: number,
): Promise<number> {
  const row = await ctx.db
    .insertInto('asrp_uploads')
    .values({
      dealer_id: dealerId,
      installation_id: installationId,
      report_id: file?.reportId ?? null,
      sha256: file?.sha256 ?? null,
      size_bytes: file?.sizeBytes ?? null,
      sent_at: at,
      outcome: r.outcome,
      response: r.response,
      state: r.state,
      upload_number: r.uploadNumber,
      identifier: r.identifier,
      error_kind: r.errorKind,
      http_status: r.httpStatus,
      message: r.message,
      duration_ms: r.durationMs,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/**
 * One installation's turn: sends its newest sysinfo unless ASRP already answered for it, and records
 * the answer. `nothing` when no sysinfo is stored, `unchanged` when there is nothing new to send.
 */
export async function uploadInstallation(
  ctx: AppContext,
  settings: AsrpDealerSettings,
  installationId: number,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<UploadStep> {
  const inst = await ctx.db
    .selectFrom('installations as i')
    .innerJoin('clients as c', 'c.id', 'i.client_id')
    .select(['i.id', 'i.dealer_id', 'c.short_name'])
    .where('i.id', '=', installationId)
    .where('i.dealer_id', '=', settings.dealerId)
    .executeTakeFirst();
  if (!inst) return { kind: 'nothing' };
  const file = await latestSysinfo(ctx, installationId);
  if (!file) return { kind: 'nothing' };
  if ((await lastAnsweredSha(ctx, installationId)) === file.sha256)
    return { kind: 'unchanged', reportId: file.reportId };
  const at = ctx.clock.now();
  let data: Buffer;
  try {
    data = await fsp.readFile(file.spoolPath);
  } catch (e) {
    // The spool is per node: a file spooled on another node without shared storage is not here.
    const result: AsrpResult = {
      outcome: 'error',
      response: null,
      state: null,
      uploadNumber: null,
      identifier: null,
      errorKind: 'file',
      httpStatus: null,
      message: `the stored sysinfo file cannot be read on this node: ${(e as Error).message}`,
      durationMs: 0,
    };
    const uploadId = await record(ctx, settings.dealerId, installationId, file, result, at);
    return { kind: 'sent', uploadId, result, errorsInRow: await errorsInRow(ctx, installationId) };
  }
  const result = await sendToAsrp(
    settings,
    { dealer: settings.dealerCode, client: inst.short_name, fileName: file.fileName, data },
    opts,
  );
  const uploadId = await record(ctx, settings.dealerId, installationId, file, result, at);
  return { kind: 'sent', uploadId, result, errorsInRow: await errorsInRow(ctx, installationId) };
}

/** When a failed upload is tried again: base × 2^(n−1), at most the schedule period. */
export function retryDelayMs(errorsInRow: number, baseMs: number, periodMs: number): number {
  const n = Math.max(1, errorsInRow);
  return Math.min(periodMs, baseMs * 2 ** Math.min(n - 1, 20));
}

export interface AsrpUploader {
  handler: JobHandler;
}

export function createAsrpUploader(ctx: AppContext, opts: AsrpUploaderOptions = {}): AsrpUploader {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const retryBaseMs = opts.retryBaseMs ?? 15 * 60_000;
  const sync = async (): Promise<void> => {
    const list = await loadEnabledSettings(ctx);
    const byDealer = new Map(list.map((s) => [s.dealerId, s]));
    const installations = list.length
      ? await ctx.db
          .selectFrom('installations')
          .select(['id', 'dealer_id'])
          .where(
            'dealer_id',
            'in',
            list.map((s) => s.dealerId),
          )
          .execute()
      : [];
    await syncJobs(
      ctx,
      ASRP_JOB,
      installations.map((i) => {
        const s = byDealer.get(Number(i.dealer_id))!;
        return {
          kind: ASRP_JOB,
          subjectId: Number(i.id),
          dealerId: s.dealerId,
          host: hostOf(s.endpoint),
          intervalMs: s.scheduleS * 1000,
        };
      }),
    );
  };

  const handler: JobHandler = {
    kind: ASRP_JOB,
    concurrency: opts.concurrency ?? 4,
    perHostConcurrency: opts.perHostConcurrency ?? 2,
    timeoutMs: timeoutMs + 30_000,
    sync,
    async run(job, signal): Promise<JobResult> {
      // Settings are read fresh: a changed password applies to the very next run.
      const settings = (await loadEnabledSettings(ctx, [Number(job.dealer_id)]))[0];
      if (!settings) return { outcome: 'ok' };
      const step = await uploadInstallation(ctx, settings, job.subject_id, { timeoutMs, signal });
      if (step.kind !== 'sent') return { outcome: 'ok' };
      const r = step.result;
      if (r.outcome !== 'error') return { outcome: 'ok' };
      return {
        outcome: 'failed',
        error: r.message ?? r.errorKind ?? 'error',
        ...(isTransient(r)
          ? { nextRunAt: ctx.clock.now() + retryDelayMs(step.errorsInRow, retryBaseMs, job.interval_ms) }
          : {}),
      };
    },
  };
  return { handler };
}

function hostOf(endpoint: string): string | null {
  try {
    return new URL(endpoint).host;
  } catch {
    return null;
  }
}

/**
 * «Send now»: makes the uploads of these installations due at once (creating their jobs if the
 * periodic sync has not yet), for any node's runner to take. An unchanged file is still not sent.
 */
export async function queueNow(
  ctx: AppContext,
  settings: Pick<AsrpDealerSettings, 'dealerId' | 'endpoint' | 'scheduleS'>,
  installationIds: number[],
): Promise<number> {
  const now = ctx.clock.now();
  const host = hostOf(settings.endpoint);
  for (let i = 0; i < installationIds.length; i += 400) {
    await ctx.db
      .insertInto('jobs')
      .values(
        installationIds.slice(i, i + 400).map((id) => ({
          kind: ASRP_JOB,
          subject_id: id,
          dealer_id: settings.dealerId,
          host,
          interval_ms: settings.scheduleS * 1000,
          next_run_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['kind', 'subject_id']).doUpdateSet({ next_run_at: now }))
      .execute();
  }
  return installationIds.length;
}
