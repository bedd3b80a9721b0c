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
 * One pull: fetch `path` from the installation and hand the answer to `keep` (which spools and records
 * it); any failure, a non-200 answer included, is recorded on the installation's channel.
 */
async function pull(
  ctx: AppContext,
  t: PullTarget,
  opts: PullOptions,
  channel: Channel,
  path: string,
  init: RequestInit & { timeoutMs: number },
  keep: (res: Response & { body: WebReadableStream }) => Promise<PullOutcome>,
): Promise<PullOutcome> {
  const url = `${opts.resolveBaseUrl?.(t) ?? ownUrl(t)}${path}`;
  const { timeoutMs, headers, ...rest } = init;
  try {
    const res = await (opts.fetchImpl ?? fetch)(url, {
      ...rest,
      headers: {
        'user-agent': 'smartdownload',
        ...(headers as Record<string, string>),
        ...(await basicAuth(ctx, t)),
      },
      signal: AbortSignal.timeout(opts.timeoutMs ?? timeoutMs),
    });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return failed(ctx, t, channel, `HTTP ${res.status} from ${url}`);
    }
    return await keep(res as Response & { body: WebReadableStream });
  } catch (e) {
    return failed(ctx, t, channel, describe(e));
  }
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
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'type=zip',
    redirect: 'follow' as const,
    timeoutMs: 120_000,
  };
  return pull(ctx, t, opts, 'sysinfo', '/sysinfo/si_save_request', init, (res) => {
    const format = /xml/i.test(res.headers.get('content-type') ?? '') ? 'xml' : 'zip';
    return spoolAndRecord(ctx, ingest, t, Readable.fromWeb(res.body), 'sysinfo', format);
  });
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
  return pull(ctx, t, opts, 'status', '/sysmon/metrics', { timeoutMs: 60_000 }, (res) => {
    const date = res.headers.get('date') ?? new Date(ctx.clock.now()).toUTCString();
    const body = Readable.fromWeb(res.body);
    const joined = Readable.from(
      (async function* () {
        yield Buffer.from(`date: ${date}\n`);
        yield* body;
      })(),
    );
    return spoolAndRecord(ctx, ingest, t, joined, 'status', 'status');
  });
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (e.name === 'TimeoutError') return 'timed out';
  return cause?.code ? `${cause.code}: ${cause.message ?? e.message}` : e.message;
}
