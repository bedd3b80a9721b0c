import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { AppContext } from '../context.js';
import { smartloginPassword } from '../inventory/installations.js';
import { cliActor } from '../tenancy/scope.js';
import { findDuplicate, recordReport, touchChannel, type Channel } from './ledger.js';
import type { Ingest } from './service.js';

export interface PullTarget {
  id: number;
  dealerId: number;
  sourceKey: string;
  address: string;
  port: number;
  protocol: 'http' | 'https';
  smartloginUser: string | null;
}

export interface PullOptions {
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  /** Where to reach an installation instead of its own address (the demo points them at simulators). */
  resolveBaseUrl?: (t: PullTarget) => string | undefined;
}

export type PullOutcome = { ok: true; reportId: number; duplicate: boolean } | { ok: false; error: string };

function ownUrl(t: PullTarget): string {
  return `${t.protocol}://${t.address}:${t.port}`;
}

async function basicAuth(ctx: AppContext, t: PullTarget): Promise<Record<string, string>> {
  if (!t.smartloginUser) return {};
  const password = (await smartloginPassword(ctx, cliActor('pull'), t.id)) ?? '';
  return { authorization: `Basic ${Buffer.from(`${t.smartloginUser}:${password}`).toString('base64')}` };
}

async function failed(ctx: AppContext, t: PullTarget, channel: Channel, error: string): Promise<PullOutcome> {
  const now = ctx.clock.now();
  const row = await ctx.db
    .selectFrom('installation_channels')
    .select('consecutive_failures')
    .where('installation_id', '=', t.id)
    .where('channel', '=', channel)
    .executeTakeFirst();
  await touchChannel(ctx, t.id, channel, {
    last_error_at: now,
    last_error_reason: 'pull_failed',
    last_error_message: error,
    consecutive_failures: (row?.consecutive_failures ?? 0) + 1,
  });
  return { ok: false, error };
}

async function spoolAndRecord(
  ctx: AppContext,
  ingest: Ingest,
  t: PullTarget,
  body: Readable,
  channel: Channel,
  format: 'zip' | 'xml' | 'status',
): Promise<PullOutcome> {
  const file = await ingest.spool.write(body, format, ingest.maxUploadBytes);
  const dup = await findDuplicate(ctx, t.dealerId, channel, file.sha256);
  if (dup) {
    await ingest.spool.remove(file.path);
    // The pull itself worked: whatever failed before is over, even if the content is unchanged.
    await touchChannel(ctx, t.id, channel, {
      last_received_at: ctx.clock.now(),
      last_error_at: null,
      last_error_reason: null,
      last_error_message: null,
      consecutive_failures: 0,
    });
    return { ok: true, reportId: dup.id, duplicate: true };
  }
  const reportId = await recordReport(ctx, {
    dealerId: t.dealerId,
    installationId: t.id,
    sourceName: t.sourceKey,
    fileName: `${t.sourceKey}.${format}`,
    channel,
    format,
    via: 'pull',
    sha256: file.sha256,
    sizeBytes: file.size,
    nodeId: ingest.nodeId,
    spoolPath: file.path,
  });
  ingest.processor.kick();
  return { ok: true, reportId, duplicate: false };
}

/**
 * Downloads sysinfo from an installation reachable by URL, the way smartupload does
 * (`POST /sysinfo/si_save_request` with `type=zip`), and feeds it to the same pipeline as an upload.
 */
export async function pullSysinfo(
  ctx: AppContext,
  ingest: Ingest,
  t: PullTarget,
  opts: PullOptions = {},
): Promise<PullOutcome> {
  const doFetch = opts.fetchImpl ?? fetch;
  const baseUrl = () => opts.resolveBaseUrl?.(t) ?? ownUrl(t);
  try {
    const res = await doFetch(`${baseUrl()}/sysinfo/si_save_request`, {
      method: 'POST',
      headers: {
        'user-agent': 'smartdownload',
        'content-type': 'application/x-www-form-urlencoded',
        ...(await basicAuth(ctx, t)),
      },
      body: 'type=zip',
      redirect: 'follow',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000),
    });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return failed(ctx, t, 'sysinfo', `HTTP ${res.status} from ${baseUrl()}/sysinfo/si_save_request`);
    }
    const type = res.headers.get('content-type') ?? '';
    const format = /xml/i.test(type) ? 'xml' : 'zip';
    return await spoolAndRecord(
      ctx,
      ingest,
      t,
      Readable.fromWeb(res.body as WebReadableStream),
      'sysinfo',
      format,
    );
  } catch (e) {
    return failed(ctx, t, 'sysinfo', describe(e));
  }
}

/**
 * Reads `/sysmon/metrics` as smartlogin and stores it like a `.status` upload: the `date:` line
 * the ПК answered with, then the metrics.
 */
export async function pullStatus(
  ctx: AppContext,
  ingest: Ingest,
  t: PullTarget,
  opts: PullOptions = {},
): Promise<PullOutcome> {
  const doFetch = opts.fetchImpl ?? fetch;
  const baseUrl = () => opts.resolveBaseUrl?.(t) ?? ownUrl(t);
  try {
    const res = await doFetch(`${baseUrl()}/sysmon/metrics`, {
      headers: { 'user-agent': 'smartdownload', ...(await basicAuth(ctx, t)) },
      signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
    });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return failed(ctx, t, 'status', `HTTP ${res.status} from ${baseUrl()}/sysmon/metrics`);
    }
    const date = res.headers.get('date') ?? new Date(ctx.clock.now()).toUTCString();
    const head = Readable.from([Buffer.from(`date: ${date}\n`)]);
    const body = Readable.fromWeb(res.body as WebReadableStream);
    const joined = Readable.from(
      (async function* () {
        yield* head;
        yield* body;
      })(),
    );
    return await spoolAndRecord(ctx, ingest, t, joined, 'status', 'status');
  } catch (e) {
    return failed(ctx, t, 'status', describe(e));
  }
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (e.name === 'TimeoutError') return 'timed out';
  return cause?.code ? `${cause.code}: ${cause.message ?? e.message}` : e.message;
}
