import { fetch, type Dispatcher } from 'undici';
import type { AgentConfig } from './config.js';
import { describeNetError } from './net.js';

export type ReportKind = 'sysinfo' | 'status';

/** One collected report, named as the server expects it: CLIENT.zip or CLIENT.status. */
export interface Collected {
  kind: ReportKind;
  fileName: string;
  data: Buffer;
}

export class CollectError extends Error {
  constructor(
    readonly kind: ReportKind,
    message: string,
    /** The ПК refused the smartlogin credentials. */
    readonly authFailed = false,
  ) {
    super(message);
    this.name = 'CollectError';
  }
}

// What the existing scripts send (curl -A "smartdownload"); the ПК may treat other agents differently.
const PK_UA = { 'user-agent': 'smartdownload' };
const MAX_SYSINFO_BYTES = 512 * 1024 * 1024;
const MAX_STATUS_BYTES = 16 * 1024 * 1024;

async function readBounded(
  res: Awaited<ReturnType<typeof fetch>>,
  limit: number,
  what: string,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      size += (chunk as Uint8Array).length;
      if (size > limit) throw new Error(`${what} is larger than ${limit} bytes`);
      parts.push(Buffer.from(chunk as Uint8Array));
    }
  }
  return Buffer.concat(parts);
}

async function pkRequest(
  cfg: AgentConfig,
  pk: Dispatcher,
  kind: ReportKind,
  path: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  timeoutMs: number,
) {
  try {
    return await fetch(`${cfg.pkUrl}${path}`, {
      ...init,
      dispatcher: pk,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new CollectError(kind, `the ПК at ${cfg.pkUrl} is not reachable: ${describeNetError(e).reason}`);
  }
}

/** smartupload: `POST /sysinfo/si_save_request` with `type=zip`; the answer is the sysinfo zip. */
export async function collectSysinfo(
  cfg: AgentConfig,
  pk: Dispatcher,
  timeoutMs = 300_000,
): Promise<Collected> {
  const res = await pkRequest(
    cfg,
    pk,
    'sysinfo',
    '/sysinfo/si_save_request',
    {
      method: 'POST',
      headers: { ...PK_UA, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'type=zip',
    },
    timeoutMs,
  );
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new CollectError('sysinfo', `the ПК answered ${res.status} to the sysinfo request (expected 200)`);
  }
  const data = await readBounded(res, MAX_SYSINFO_BYTES, 'the sysinfo report');
  // A zip starts with "PK"; an HTML error page with 200 is what a broken sysinfo module gives.
  if (data.length < 4 || data[0] !== 0x50 || data[1] !== 0x4b) {
    throw new CollectError(
      'sysinfo',
      'the ПК answered the sysinfo request with something that is not a zip file',
    );
  }
  return { kind: 'sysinfo', fileName: `${cfg.client}.zip`, data };
}

/** smartstatus: `GET /sysmon/metrics` as smartlogin; the file is a `date:` line, then the metrics. */
export async function collectStatus(
  cfg: AgentConfig,
  pk: Dispatcher,
  timeoutMs = 60_000,
): Promise<Collected> {
  if (cfg.smartloginPassword === undefined) {
    throw new CollectError(
      'status',
      'smartloginPassword is not set in the config, so sysmon metrics cannot be read',
    );
  }
  const auth = Buffer.from(`${cfg.smartloginUser}:${cfg.smartloginPassword}`).toString('base64');
  const res = await pkRequest(
    cfg,
    pk,
    'status',
    '/sysmon/metrics',
    { method: 'GET', headers: { ...PK_UA, authorization: `Basic ${auth}` } },
    timeoutMs,
  );
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    throw new CollectError(
      'status',
      `wrong smartlogin password: the ПК refused user "${cfg.smartloginUser}" (${res.status})`,
      true,
    );
  }
  if (res.status === 404) {
    await res.body?.cancel();
    throw new CollectError(
      'status',
      'the ПК has no /sysmon/metrics (sysmon needs ПК 6.4.5.127 or newer, /sysmon deployed)',
    );
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new CollectError('status', `the ПК answered ${res.status} to /sysmon/metrics (expected 200)`);
  }
  const body = await readBounded(res, MAX_STATUS_BYTES, 'the sysmon metrics');
  // The server reads the date line as the snapshot time (UTC), as the scripts write it.
  const date = res.headers.get('date') ?? new Date().toUTCString();
  return {
    kind: 'status',
    fileName: `${cfg.client}.status`,
    data: Buffer.concat([Buffer.from(`date: ${date}\n`), body]),
  };
}

export function collect(cfg: AgentConfig, pk: Dispatcher, kind: ReportKind): Promise<Collected> {
  return kind === 'sysinfo' ? collectSysinfo(cfg, pk) : collectStatus(cfg, pk);
}
