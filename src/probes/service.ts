/**
 * Probes as periodic jobs: one `probe` job per installation that allows probes (managers.csv `ping`,
 * an address), run on its interval by the job runner, its results written through a CheckRecorder.
 */
import type { AppContext } from '../context.js';
import type { JobHandler, JobResult } from '../jobs/runner.js';
import { syncJobs } from '../jobs/leases.js';
import {
  CheckRecorder,
  dropStaleStatus,
  STATE_PREFIX,
  type CheckObservation,
  type CheckRecorderOptions,
} from '../metrics/checks.js';
import type { HttpAgents } from './http.js';
import type { ping } from './icmp.js';
import { probeInstallation } from './probe.js';
import { SessionCache } from './session.js';
import { ABNORMAL_STATES, type ProbeResult, type ProbeTarget } from './types.js';

export const PROBE_JOB = 'probe';

/** Series written by probes (docs/probes.md). */
export const PROBE_SERIES = {
  check: 'probe_check',
  state: 'probe_state',
  latency: 'probe_latency_ms',
} as const;

/** "Interface" and "port" availability of the spec's availability dashboard, plus ICMP. */
export const PROBE_AVAILABILITY_CHECKS = ['http200', 'tcp', 'icmp'] as const;

export interface InstallationProbeTarget extends ProbeTarget {
  installationId: number;
  dealerId: number;
  intervalMs: number;
}

export interface ProbeServiceOptions {
  /** Where the ПК really is (the demo's and tests' simulators); default: the stored address and port. */
  resolveEndpoint?: (
    installationId: number,
  ) => { address: string; port: number; protocol?: 'http' | 'https' } | undefined;
  timeoutMs?: number;
  concurrency?: number;
  perHostConcurrency?: number;
  pinger?: typeof ping;
  agents?: HttpAgents;
  recorder?: CheckRecorder;
}

export function probeRecorder(ctx: AppContext, onWritten?: CheckRecorderOptions['onWritten']): CheckRecorder {
  return new CheckRecorder(ctx, {
    onWritten,
    series: {
      installation: PROBE_SERIES,
      online: { check: 'online_check', state: 'online_state', latency: 'online_latency_ms' },
    },
    availability: { installation: PROBE_AVAILABILITY_CHECKS, online: ['login'] },
  });
}

/** Decrypted smartlogin passwords by ciphertext: a sync every 30 s need not decrypt 15,000 again. */
const decrypted = new Map<string, string>();

function smartloginOf(ctx: AppContext, enc: string): string {
  let plain = decrypted.get(enc);
  if (plain === undefined) {
    plain = ctx.secrets.decrypt(enc);
    if (decrypted.size >= 200_000) decrypted.clear();
    decrypted.set(enc, plain);
  }
  return plain;
}

/** Every installation that is probed, with what a probe needs (the smartlogin password decrypted). */
export async function loadProbeTargets(
  ctx: AppContext,
  opts: Pick<ProbeServiceOptions, 'resolveEndpoint'> = {},
  ids?: number[],
): Promise<InstallationProbeTarget[]> {
  let q = ctx.db
    .selectFrom('installations')
    .selectAll()
    .where('probe_enabled', '=', 1)
    .where('kind', '=', 'polled')
    .where('address', 'is not', null);
  if (ids) q = q.where('id', 'in', ids.length ? ids : [-1]);
  const rows = await q.execute();
  return rows.map((r) => {
    const at: { address: string; port: number; protocol?: 'http' | 'https' } = opts.resolveEndpoint?.(
      r.id,
    ) ?? {
      address: r.address!,
      port: r.port ?? (r.protocol === 'https' ? 443 : 80),
    };
    return {
      installationId: r.id,
      dealerId: r.dealer_id,
      intervalMs: r.probe_interval_s * 1000,
      address: at.address,
      port: at.port,
      protocol: at.protocol ?? (r.protocol === 'https' ? 'https' : 'http'),
      smartlogin:
        r.smartlogin_user && r.smartlogin_password_enc
          ? { user: r.smartlogin_user, password: smartloginOf(ctx, r.smartlogin_password_enc) }
          : null,
      icmp: true,
      behindProxy: r.behind_proxy === 1,
      licman: r.licman_address ? { address: r.licman_address, port: r.licman_port } : null,
    };
  });
}

/** A probe's result as check observations (checks, then the seven abnormal states). */
export function probeObservations(
  target: Pick<InstallationProbeTarget, 'installationId' | 'dealerId'>,
  result: ProbeResult,
  at: number,
): CheckObservation[] {
  const subject = { kind: 'installation' as const, id: target.installationId, dealerId: target.dealerId };
  const out: CheckObservation[] = result.checks.map((c) => ({
    subject,
    check: c.check,
    outcome: c.outcome,
    code: c.code ?? null,
    detail: c.detail ?? null,
    latencyMs: c.latencyMs ?? null,
    at,
  }));
  if (result.states) {
    for (const s of ABNORMAL_STATES) {
      const v = result.states[s];
      out.push({
        subject,
        check: `${STATE_PREFIX}${s}`,
        outcome: v === 0 ? 'ok' : 'failed',
        code: v === 0 ? null : v,
        value: v,
        at,
      });
    }
  }
  return out;
}

export interface ProbeService {
  handler: JobHandler;
  recorder: CheckRecorder;
  /** Installation id → the target used by the last sync. */
  targets(): ReadonlyMap<number, InstallationProbeTarget>;
}

export function createProbeService(ctx: AppContext, opts: ProbeServiceOptions = {}): ProbeService {
  const recorder = opts.recorder ?? probeRecorder(ctx);
  // Room for every installation a node probes: an evicted session means a fresh login every minute.
  const sessions = new SessionCache(200_000);
  let targets = new Map<number, InstallationProbeTarget>();
  const timeoutMs = opts.timeoutMs ?? 10_000;

  const sync = async (): Promise<void> => {
    const list = await loadProbeTargets(ctx, opts);
    targets = new Map(list.map((t) => [t.installationId, t]));
    const res = await syncJobs(
      ctx,
      PROBE_JOB,
      list.map((t) => ({
        kind: PROBE_JOB,
        subjectId: t.installationId,
        dealerId: t.dealerId,
        host: t.address,
        intervalMs: t.intervalMs,
      })),
    );
    if (res.removed > 0) await dropStaleStatus(ctx, 'installation', PROBE_JOB);
  };

  const handler: JobHandler = {
    kind: PROBE_JOB,
    concurrency: opts.concurrency ?? 200,
    perHostConcurrency: opts.perHostConcurrency ?? 8,
    // Up to five steps (connect and four requests), each bounded by timeoutMs; the runner's limit is a backstop.
    timeoutMs: timeoutMs * 6,
    sync,
    flush: () => recorder.flush(),
    async run(job, signal): Promise<JobResult> {
      let target = targets.get(job.subject_id);
      if (!target) {
        // Created since the last sync on another node.
        target = (await loadProbeTargets(ctx, opts, [job.subject_id]))[0];
        if (!target) return { outcome: 'failed', error: 'installation is no longer probed' };
      }
      const result = await probeInstallation(target, {
        timeoutMs,
        clock: () => ctx.clock.now(),
        sessions,
        signal,
        agents: opts.agents,
        ...(opts.pinger ? { pinger: opts.pinger } : {}),
      });
      recorder.add(probeObservations(target, result, ctx.clock.now()), {
        kind: 'installation',
        id: target.installationId,
        dealerId: target.dealerId,
      });
      const page = result.checks.find((c) => c.check === 'http200');
      return page?.outcome === 'ok' || page?.outcome === 'suppressed'
        ? { outcome: 'ok' }
        : { outcome: 'failed', error: page?.detail ?? `http200 ${page?.outcome ?? 'not run'}` };
    },
  };
  return { handler, recorder, targets: () => targets };
}
