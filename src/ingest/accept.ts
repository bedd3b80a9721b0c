import type { Readable } from 'node:stream';
import type { AppContext } from '../context.js';
import { AppError } from '../lib/errors.js';
import { agentNameProblem } from '../inventory/names.js';
import { verifyUploadToken } from '../tenancy/dealers.js';
import {
  fileArrived,
  findDuplicate,
  recordReport,
  touchChannel,
  type Channel,
  type ReportFormat,
} from './ledger.js';
import type { Spool } from './spool.js';

export class UploadAuthError extends AppError {
  constructor() {
    // One message for an unknown dealer and a wrong token: nothing tells which one was wrong.
    super('unknown dealer or wrong token', 401, 'unauthorized');
  }
}

export class UploadNameError extends AppError {
  constructor(message: string) {
    super(message, 400, 'bad_file_name');
  }
}

const FORMATS: Record<string, { format: ReportFormat; channel: Channel }> = {
  zip: { format: 'zip', channel: 'sysinfo' },
  xml: { format: 'xml', channel: 'sysinfo' },
  status: { format: 'status', channel: 'status' },
};

export interface ParsedFileName {
  fileName: string;
  sourceName: string;
  format: ReportFormat;
  channel: Channel;
}

/**
 * The agent names its file after the client (`romashka.zip`, `romashka.status`). Anything that could
 * leave the spool directory or does not look like such a name is refused here.
 */
export function parseUploadFileName(raw: string): ParsedFileName {
  if (!raw) throw new UploadNameError('the file has no name; send it as -F file=@CLIENT.zip');
  if (/[/\\]/.test(raw) || raw.includes('..') || raw.includes('\0')) {
    throw new UploadNameError(
      `file name "${raw}" contains a path; send only CLIENT.zip, CLIENT.xml or CLIENT.status`,
    );
  }
  const dot = raw.lastIndexOf('.');
  const ext = dot > 0 ? raw.slice(dot + 1).toLowerCase() : '';
  const kind = FORMATS[ext];
  if (!kind)
    throw new UploadNameError(`file "${raw}" has an unsupported extension; expected .zip, .xml or .status`);
  const sourceName = raw.slice(0, dot);
  const problem = agentNameProblem(sourceName);
  if (problem) throw new UploadNameError(`client name "${sourceName}" in the file name ${problem}`);
  return { fileName: `${sourceName}.${ext}`, sourceName, ...kind };
}

export interface UploadCredentials {
  dealerCode: string;
  token: string;
}

export async function authenticateUpload(
  ctx: AppContext,
  creds: UploadCredentials,
): Promise<{ dealerId: number; installationId: number | null }> {
  if (!creds.dealerCode || !creds.token) throw new UploadAuthError();
  const found = await verifyUploadToken(ctx, creds.dealerCode, creds.token);
  if (!found) throw new UploadAuthError();
  return found;
}

export interface AcceptResult {
  /** What the existing service answers: `/files/NAME.ext`. */
  path: string;
  reportId: number;
  installationId: number | null;
  duplicate: boolean;
}

export interface AcceptOptions {
  spool: Spool;
  nodeId: string;
  maxBytes: number;
  via: 'agent' | 'manual' | 'pull';
  /** Checks made before the file is accepted (the upload route refuses zip bombs and DTDs at once). */
  precheck?: (path: string, format: ReportFormat) => Promise<void>;
}

/**
 * Accepts one report: streams it to the spool (fsynced), then records it in the ledger. Only after
 * both may the caller answer 200. The same content sent again is recorded once.
 */
export async function acceptReport(
  ctx: AppContext,
  auth: { dealerId: number; installationId: number | null },
  name: ParsedFileName,
  body: Readable,
  opts: AcceptOptions,
): Promise<AcceptResult> {
  const installationId =
    auth.installationId ?? (await findAgentInstallation(ctx, auth.dealerId, name.sourceName));
  if (auth.installationId !== null) {
    const bound = await ctx.db
      .selectFrom('installations')
      .select('source_key')
      .where('id', '=', auth.installationId)
      .executeTakeFirst();
    if (bound && bound.source_key !== name.sourceName) {
      body.resume();
      throw new AppError(
        `this token belongs to installation "${bound.source_key}"; the file must be named ${bound.source_key}.zip, .xml or .status`,
        403,
        'token_bound',
      );
    }
  }
  const file = await opts.spool.write(body, name.format, opts.maxBytes);
  try {
    await opts.precheck?.(file.path, name.format);
  } catch (e) {
    await opts.spool.remove(file.path);
    throw e;
  }
  const dup = await findDuplicate(ctx, auth.dealerId, name.channel, file.sha256);
  if (dup) {
    await opts.spool.remove(file.path);
    if (installationId !== null) {
      await touchChannel(ctx, installationId, name.channel, { last_received_at: ctx.clock.now() });
    }
    return { path: `/files/${name.fileName}`, reportId: dup.id, installationId, duplicate: true };
  }
  const reportId = await recordReport(ctx, {
    dealerId: auth.dealerId,
    installationId,
    sourceName: name.sourceName,
    fileName: name.fileName,
    channel: name.channel,
    format: name.format,
    via: opts.via,
    sha256: file.sha256,
    sizeBytes: file.size,
    nodeId: opts.nodeId,
    spoolPath: file.path,
  });
  return { path: `/files/${name.fileName}`, reportId, installationId, duplicate: false };
}

async function findAgentInstallation(
  ctx: AppContext,
  dealerId: number,
  sourceName: string,
): Promise<number | null> {
  const row = await ctx.db
    .selectFrom('installations')
    .select('id')
    .where('dealer_id', '=', dealerId)
    .where('source_key', '=', sourceName)
    .where('kind', '!=', 'polled')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** `HEAD /files/NAME`: has a file of that name arrived from this dealer? */
export async function hasArrived(ctx: AppContext, dealerId: number, rawName: string): Promise<boolean> {
  let name: ParsedFileName;
  try {
    name = parseUploadFileName(rawName);
  } catch {
    return false;
  }
  return fileArrived(ctx, dealerId, name.fileName);
}
