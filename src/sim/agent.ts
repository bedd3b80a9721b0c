/**
 * A simulated client-site agent: what the smartupload and smartstatus scripts do, over real HTTP.
 * It downloads from a (simulated) ПК and uploads to SMART through the public endpoint, so the demo
 * exercises the same path as a real installation.
 */
export interface AgentTarget {
  /** The ПК, e.g. `http://127.0.0.1:18001`. */
  pkUrl: string;
  /** SMART, e.g. `http://127.0.0.1:8080`. */
  smartUrl: string;
  dealer: string;
  token: string;
  /** The client name the files are sent under. */
  clientName: string;
  /** smartlogin's password on the ПК (smartstatus reads /sysmon/metrics with it). */
  smartloginPassword?: string;
}

export interface AgentRun {
  ok: boolean;
  status: number;
  body: string;
}

const UA = { 'user-agent': 'smartdownload' };

async function upload(t: AgentTarget, data: Uint8Array, fileName: string): Promise<AgentRun> {
  const form = new FormData();
  form.append('file', new Blob([data]), fileName);
  const res = await fetch(`${t.smartUrl}/upload?token=${encodeURIComponent(t.token)}`, {
    method: 'POST',
    headers: { upload: 'yes', dealer: t.dealer },
    body: form,
    signal: AbortSignal.timeout(120_000),
  });
  return { ok: res.status === 200, status: res.status, body: await res.text() };
}

/** smartupload: `POST /sysinfo/si_save_request` (type=zip), then upload `CLIENT.zip`. */
export async function runSmartupload(t: AgentTarget): Promise<AgentRun> {
  const res = await fetch(`${t.pkUrl}/sysinfo/si_save_request`, {
    method: 'POST',
    headers: { ...UA, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'type=zip',
    signal: AbortSignal.timeout(120_000),
  });
  if (res.status !== 200) return { ok: false, status: res.status, body: await res.text() };
  return upload(t, new Uint8Array(await res.arrayBuffer()), `${t.clientName}.zip`);
}

/** smartstatus: the `date:` header line, then the body of `/sysmon/metrics`, uploaded as `CLIENT.status`. */
export async function runSmartstatus(t: AgentTarget): Promise<AgentRun> {
  const auth = `Basic ${Buffer.from(`smartlogin:${t.smartloginPassword ?? ''}`).toString('base64')}`;
  const res = await fetch(`${t.pkUrl}/sysmon/metrics`, {
    headers: { ...UA, authorization: auth },
    signal: AbortSignal.timeout(60_000),
  });
  if (res.status !== 200) return { ok: false, status: res.status, body: await res.text() };
  const text = `date: ${res.headers.get('date') ?? new Date().toUTCString()}\n${await res.text()}`;
  return upload(t, new TextEncoder().encode(text), `${t.clientName}.status`);
}

export interface AgentLoop {
  close(): void;
}

/**
 * Runs both scripts on their schedules (smartupload hourly, smartstatus every 15 minutes), starting
 * at once. Failures are reported to `onRun` and retried at the next turn, as the task scheduler would.
 */
export function startAgentLoop(
  t: AgentTarget,
  opts: {
    uploadEveryMs?: number;
    statusEveryMs?: number;
    onRun?: (kind: 'sysinfo' | 'status', r: AgentRun | Error) => void;
  } = {},
): AgentLoop {
  const once = (kind: 'sysinfo' | 'status') => {
    const run = kind === 'sysinfo' ? runSmartupload(t) : runSmartstatus(t);
    run.then(
      (r) => opts.onRun?.(kind, r),
      (e: unknown) => opts.onRun?.(kind, e instanceof Error ? e : new Error(String(e))),
    );
  };
  once('sysinfo');
  once('status');
  const a = setInterval(() => once('sysinfo'), opts.uploadEveryMs ?? 3600_000);
  const b = setInterval(() => once('status'), opts.statusEveryMs ?? 15 * 60_000);
  a.unref();
  b.unref();
  return {
    close: () => {
      clearInterval(a);
      clearInterval(b);
    },
  };
}
