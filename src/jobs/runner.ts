/**
 * Runs the periodic work of one node: every tick it claims the due jobs it has room for (global and
 * per-host limits), runs them with a timeout, and records them finished in one batch. The same code
 * runs on one node with SQLite and on many nodes sharing PostgreSQL (see leases.ts).
 */
import type { AppContext } from '../context.js';
import type { JobRow } from '../db/schema.js';
import { claimDue, completeJobs, releaseLeases, type JobCompletion } from './leases.js';

export interface JobResult {
  outcome: 'ok' | 'failed';
  error?: string;
  /** Overrides the next slot (daily jobs at a local hour). */
  nextRunAt?: number;
}

export interface JobHandler {
  kind: string;
  /** Jobs of this kind running at once on this node. */
  concurrency: number;
  /** Jobs of this kind talking to the same host at once on this node. */
  perHostConcurrency?: number;
  /** A run is abandoned (and its signal aborted) after this long. */
  timeoutMs: number;
  run(job: JobRow, signal: AbortSignal): Promise<JobResult>;
  /** Makes the jobs table match the inventory (called every `syncEveryMs`). */
  sync?(): Promise<unknown>;
  /** Writes what runs have buffered (called every tick). */
  flush?(): Promise<void>;
}

export interface JobRunnerOptions {
  nodeId: string;
  tickMs?: number;
  syncEveryMs?: number;
  /** Reports errors of the runner itself (a failed claim, a failed flush); runs never throw here. */
  onError?: (e: unknown) => void;
}

export interface RunnerStats {
  started: number;
  finished: number;
  failed: number;
  timedOut: number;
  /** Runs that started one interval or more after they were due. */
  missed: number;
  /** Largest delay between due and start, ms. */
  maxLateMs: number;
  running: number;
}

interface KindState {
  handler: JobHandler;
  running: number;
  perHost: Map<string, number>;
}

export class JobRunner {
  private readonly kinds = new Map<string, KindState>();
  private readonly done: JobCompletion[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private lastSync = -Infinity;
  private stopped = false;
  private readonly tickMs: number;
  private readonly syncEveryMs: number;
  readonly stats: RunnerStats = {
    started: 0,
    finished: 0,
    failed: 0,
    timedOut: 0,
    missed: 0,
    maxLateMs: 0,
    running: 0,
  };

  constructor(
    private readonly ctx: AppContext,
    handlers: JobHandler[],
    private readonly opts: JobRunnerOptions,
  ) {
    for (const h of handlers) this.kinds.set(h.kind, { handler: h, running: 0, perHost: new Map() });
    this.tickMs = opts.tickMs ?? 500;
    this.syncEveryMs = opts.syncEveryMs ?? 30_000;
  }

  start(): void {
    if (this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** Stops claiming, waits for running jobs, records them, and gives back any lease left. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await Promise.allSettled([...this.inFlight]);
    await this.flush();
    await releaseLeases(this.ctx, this.opts.nodeId, [...this.kinds.keys()]).catch((e: unknown) =>
      this.opts.onError?.(e),
    );
  }

  /** One round: sync if due, claim and start what fits, record what finished. */
  tick(): Promise<void> {
    this.ticking ??= this.round()
      .catch((e: unknown) => this.opts.onError?.(e))
      .finally(() => {
        this.ticking = null;
        if (this.rerun) {
          this.rerun = false;
          this.kick();
        }
      });
    return this.ticking;
  }

  private kicked = false;
  private rerun = false;

  /**
   * An extra round soon (once), while the runner is started. Asked for during a round, it runs right
   * after that round: the round may have claimed before these slots were freed.
   */
  private kick(): void {
    if (!this.timer || this.stopped) return;
    if (this.ticking) {
      this.rerun = true;
      return;
    }
    if (this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      void this.tick();
    });
  }

  /** Ticks until nothing is due or running here (tests and one-shot runs). */
  async runUntilIdle(maxRounds = 1_000): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      await this.tick();
      if (this.inFlight.size === 0 && this.done.length === 0 && (await this.dueCount()) === 0) return;
      await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 5))]);
    }
  }

  /** Due jobs of this runner's kinds that nobody holds. */
  private async dueCount(): Promise<number> {
    const now = this.ctx.clock.now();
    const row = await this.ctx.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', 'in', [...this.kinds.keys()])
      .where('next_run_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async round(): Promise<void> {
    const now = this.ctx.clock.now();
    if (now - this.lastSync >= this.syncEveryMs) {
      this.lastSync = now;
      for (const k of this.kinds.values()) await k.handler.sync?.();
    }
    if (!this.stopped) for (const k of this.kinds.values()) await this.claimAndStart(k);
    await this.flush();
  }

  private async claimAndStart(k: KindState): Promise<void> {
    const h = k.handler;
    const free = h.concurrency - k.running;
    if (free <= 0) return;
    const leaseMs = Math.max(h.timeoutMs * 3, 60_000);
    const jobs = await claimDue(this.ctx, h.kind, this.opts.nodeId, free, leaseMs);
    const overflow: JobRow[] = [];
    for (const job of jobs) {
      const host = job.host ?? '';
      const busy = k.perHost.get(host) ?? 0;
      if (h.perHostConcurrency !== undefined && host && busy >= h.perHostConcurrency) {
        overflow.push(job);
        continue;
      }
      this.launch(k, job);
    }
    // A host at its limit: give those back at once, so they wait unleased and any node can take them.
    if (overflow.length > 0) {
      await this.ctx.db
        .updateTable('jobs')
        .set({ lease_owner: null, lease_until: null })
        .where(
          'id',
          'in',
          overflow.map((j) => j.id),
        )
        .where('lease_owner', '=', this.opts.nodeId)
        .execute();
    }
  }

  private launch(k: KindState, job: JobRow): void {
    const h = k.handler;
    const host = job.host ?? '';
    const startedAt = this.ctx.clock.now();
    const lateMs = startedAt - job.next_run_at;
    if (lateMs >= job.interval_ms) this.stats.missed++;
    if (lateMs > this.stats.maxLateMs) this.stats.maxLateMs = lateMs;
    k.running++;
    k.perHost.set(host, (k.perHost.get(host) ?? 0) + 1);
    this.stats.started++;
    this.stats.running++;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<JobResult>((resolve) => {
      timer = setTimeout(() => {
        abort.abort(new Error(`timed out after ${h.timeoutMs} ms`));
        this.stats.timedOut++;
        resolve({ outcome: 'failed', error: `timed out after ${h.timeoutMs} ms` });
      }, h.timeoutMs + 1_000);
    });
    const run = Promise.race([
      h.run(job, abort.signal).catch((e: unknown): JobResult => ({
        outcome: 'failed',
        error: e instanceof Error ? e.message : String(e),
      })),
      timeout,
    ]).then((r) => {
      clearTimeout(timer);
      k.running--;
      const left = (k.perHost.get(host) ?? 1) - 1;
      if (left > 0) k.perHost.set(host, left);
      else k.perHost.delete(host);
      this.stats.running--;
      this.stats.finished++;
      // Half the slots free: claim again now rather than at the next tick, so a backlog drains at
      // the speed of the runs, not of the ticks.
      if (k.running <= h.concurrency / 2) this.kick();
      if (r.outcome !== 'ok') this.stats.failed++;
      this.done.push({
        job,
        startedAt,
        finishedAt: this.ctx.clock.now(),
        outcome: r.outcome,
        error: r.error ?? null,
        nextRunAt: r.nextRunAt,
      });
    });
    const tracked = run.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async flush(): Promise<void> {
    // Take the finished runs first: their results are already buffered by the handlers, so a run is
    // recorded as done only after what it found is written.
    const batch = this.done.splice(0, this.done.length);
    for (const k of this.kinds.values()) {
      await k.handler.flush?.().catch((e: unknown) => this.opts.onError?.(e));
    }
    if (batch.length === 0) return;
    await completeJobs(this.ctx, this.opts.nodeId, batch).catch((e: unknown) => {
      // Not recorded: the leases expire and the jobs run again; nothing is lost.
      this.opts.onError?.(e);
    });
  }
}
