/**
 * Server pull as periodic jobs (`pull_sysinfo` on each installation's collection interval,
 * `pull_status` every 15 minutes where probes are on and a smartlogin is set), claimed through the
 * shared `jobs` table like every other periodic task, so several nodes split the pulls. The node that
 * pulls spools the report and its processor handles it.
 */
import type { AppContext } from '../context.js';
import type { JobRow } from '../db/schema.js';
import { syncJobs } from '../jobs/leases.js';
import { JobRunner, type JobHandler, type JobResult } from '../jobs/runner.js';
import { pullStatus, pullSysinfo, type PullOptions, type PullTarget } from './pull.js';
import type { Ingest } from './service.js';

export const PULL_SYSINFO_JOB = 'pull_sysinfo';
export const PULL_STATUS_JOB = 'pull_status';

export interface PullSchedulerOptions extends PullOptions {
  tickMs?: number;
  /** Errors of the runner itself (a failed claim or completion); a failed pull is recorded on its channel. */
  onError?: (e: unknown) => void;
  /** Pulls running at once on this node, per channel. */
  concurrency?: number;
  /** How often /sysmon/metrics is read where probes are on (15 minutes, like smartstatus). */
  statusIntervalMs?: number;
  /** After a failed pull, try again this long later (or after the interval, if shorter). */
  retryAfterMs?: number;
}

async function loadTargets(
  ctx: AppContext,
): Promise<(PullTarget & { intervalMs: number; probe: boolean })[]> {
  const rows = await ctx.db
    .selectFrom('installations')
    .select([
      'id',
      'dealer_id',
      'source_key',
      'address',
      'port',
      'protocol',
      'smartlogin_user',
      'probe_enabled',
      'collect_interval_s',
    ])
    .where('kind', '=', 'polled')
    .where('address', 'is not', null)
    .where('port', 'is not', null)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    dealerId: r.dealer_id,
    sourceKey: r.source_key,
    address: r.address!,
    port: r.port!,
    protocol: r.protocol === 'https' ? 'https' : 'http',
    smartloginUser: r.smartlogin_user,
    intervalMs: r.collect_interval_s * 1000,
    probe: r.probe_enabled === 1,
  }));
}

/** The two pull handlers; `sync` of the first keeps both kinds of jobs in step with the inventory. */
export function pullHandlers(ctx: AppContext, ingest: Ingest, opts: PullSchedulerOptions = {}): JobHandler[] {
  const statusIntervalMs = opts.statusIntervalMs ?? 15 * 60_000;
  const retryAfterMs = opts.retryAfterMs ?? 5 * 60_000;
  let targets = new Map<number, PullTarget>();
  const pullOpts: PullOptions = {
    fetchImpl: opts.fetchImpl,
    timeoutMs: opts.timeoutMs,
    resolveBaseUrl: opts.resolveBaseUrl,
  };

  const sync = async () => {
    const list = await loadTargets(ctx);
    targets = new Map(list.map((t) => [t.id, t]));
    // A new installation is pulled at once, not at its first slot.
    const now = ctx.clock.now();
    const spec = (t: (typeof list)[number], kind: string, intervalMs: number) => ({
      kind,
      subjectId: t.id,
      dealerId: t.dealerId,
      host: t.address,
      intervalMs,
      firstRunAt: now,
    });
    await syncJobs(
      ctx,
      PULL_SYSINFO_JOB,
      list.map((t) => spec(t, PULL_SYSINFO_JOB, t.intervalMs)),
    );
    await syncJobs(
      ctx,
      PULL_STATUS_JOB,
      list.filter((t) => t.probe && t.smartloginUser).map((t) => spec(t, PULL_STATUS_JOB, statusIntervalMs)),
    );
  };

  const run =
    (pull: typeof pullSysinfo) =>
    async (job: JobRow): Promise<JobResult> => {
      const t = targets.get(job.subject_id) ?? (await loadTargets(ctx)).find((x) => x.id === job.subject_id);
      if (!t) return { outcome: 'failed', error: 'installation is no longer pulled' };
      const r = await pull(ctx, ingest, t, pullOpts);
      return r.ok
        ? { outcome: 'ok' }
        : {
            outcome: 'failed',
            error: r.error,
            nextRunAt: ctx.clock.now() + Math.min(job.interval_ms, retryAfterMs),
          };
    };

  const concurrency = opts.concurrency ?? 8;
  return [
    {
      kind: PULL_SYSINFO_JOB,
      concurrency,
      perHostConcurrency: 2,
      timeoutMs: (opts.timeoutMs ?? 120_000) + 10_000,
      sync,
      run: run(pullSysinfo),
    },
    {
      kind: PULL_STATUS_JOB,
      concurrency,
      perHostConcurrency: 2,
      timeoutMs: (opts.timeoutMs ?? 60_000) + 10_000,
      run: run(pullStatus),
    },
  ];
}

/** The pulls of this node: a job runner with the two pull handlers. */
export class PullScheduler {
  readonly runner: JobRunner;

  constructor(ctx: AppContext, ingest: Ingest, opts: PullSchedulerOptions = {}) {
    this.runner = new JobRunner(ctx, pullHandlers(ctx, ingest, opts), {
      nodeId: ingest.nodeId,
      tickMs: opts.tickMs ?? 1_000,
      onError: opts.onError,
    });
  }

  start(): void {
    this.runner.start();
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** Runs every pull that is due now; resolves when they are recorded. Returns how many ran. */
  async tick(): Promise<number> {
    const before = this.runner.stats.finished;
    await this.runner.runUntilIdle();
    return this.runner.stats.finished - before;
  }
}
