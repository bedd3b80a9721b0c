import type { Dispatcher } from 'undici';
import { collect, type ReportKind } from './collector.js';
import type { AgentConfig } from './config.js';
import { DiskQueue, type QueuedReport } from './queue.js';
import type { Timers } from './timers.js';
import { uploadFile, type ServerTarget } from './uploader.js';

export interface AgentLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RunnerDeps {
  pk: Dispatcher;
  server: Dispatcher;
  timers: Timers;
  log: AgentLog;
  /** 0..1; jitter of the retry delays. */
  random?: () => number;
  /** Retry backoff: first delay and ceiling. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export interface FlushResult {
  sent: number;
  /** Reports the server refused for good (bad name, too large); they are removed from the queue. */
  rejected: number;
  /** Left in the queue for a later attempt. */
  waiting: number;
  lastError?: string;
}

/**
 * Collects on schedule, queues on disk and uploads in order. In closed-contour mode the "queue" is
 * the output folder and nothing is sent.
 */
export class AgentRunner {
  readonly queue: DiskQueue;
  private readonly timers = new Map<string, unknown>();
  private failures = 0;
  private flushing: Promise<FlushResult> | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private stopped = false;
  private readonly random: () => number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  constructor(
    private readonly cfg: AgentConfig,
    private readonly deps: RunnerDeps,
  ) {
    const closed = cfg.closedContourDir !== undefined;
    this.queue = new DiskQueue(
      closed ? (cfg.closedContourDir as string) : cfg.queueDir,
      { maxBytes: cfg.queueMaxBytes, maxFiles: cfg.queueMaxFiles },
      (m) => deps.log.warn(m),
    );
    this.random = deps.random ?? Math.random;
    this.retryBaseMs = deps.retryBaseMs ?? 15_000;
    this.retryMaxMs = deps.retryMaxMs ?? 10 * 60_000;
  }

  get closedContour(): boolean {
    return this.cfg.closedContourDir !== undefined;
  }

  /** The kinds this config can collect: status needs the smartlogin password. */
  kinds(): ReportKind[] {
    return this.cfg.smartloginPassword === undefined ? ['sysinfo'] : ['sysinfo', 'status'];
  }

  /** Starts both schedules; the first collection runs at once so an install is verified on the spot. */
  start(): void {
    for (const kind of this.kinds()) this.schedule(kind, 0);
    // Reports left from a previous run go out first.
    if (!this.closedContour) this.track(this.flush());
  }

  private schedule(kind: ReportKind, delay: number): void {
    if (this.stopped) return;
    const every = kind === 'sysinfo' ? this.cfg.sysinfoIntervalMs : this.cfg.statusIntervalMs;
    this.timers.set(
      kind,
      this.deps.timers.setTimeout(() => {
        this.schedule(kind, every);
        return this.track(this.collectOnce(kind));
      }, delay),
    );
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => {});
    return p;
  }

  /** One collection: from the ПК into the queue (or the closed-contour folder), then an upload attempt. */
  async collectOnce(kind: ReportKind, send = true): Promise<QueuedReport | null> {
    let item: QueuedReport;
    try {
      const report = await collect(this.cfg, this.deps.pk, kind);
      item = await this.queue.add(report, this.deps.timers.now());
    } catch (e) {
      this.deps.log.error(`${kind}: ${(e as Error).message}`);
      return null;
    }
    this.deps.log.info(
      this.closedContour
        ? `${kind}: wrote ${item.fileName} (${item.bytes} bytes) to ${item.dir} for manual transfer`
        : `${kind}: collected ${item.fileName} (${item.bytes} bytes)`,
    );
    // While a retry is pending the new report waits its turn, so backoff is kept.
    if (send && !this.closedContour && !this.timers.has('retry')) await this.flush();
    return item;
  }

  /** Sends the queue oldest first; stops at the first failure that may pass, to keep the order. */
  flush(): Promise<FlushResult> {
    this.flushing ??= this.flushQueue().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushQueue(): Promise<FlushResult> {
    const server = this.cfg.server as ServerTarget | undefined;
    const result: FlushResult = { sent: 0, rejected: 0, waiting: 0 };
    if (!server) return result;
    // Reports collected while a round runs are picked up by listing again.
    for (let items = await this.queue.list(); items.length > 0; items = await this.queue.list()) {
      for (let i = 0; i < items.length; i++) {
        const item = items[i] as QueuedReport;
        let data: Buffer;
        try {
          data = await this.queue.read(item);
        } catch (e) {
          this.deps.log.warn(`queue: ${item.dir} cannot be read (${(e as Error).message}); it is dropped`);
          await this.queue.remove(item);
          continue;
        }
        const out = await uploadFile(server, this.deps.server, item.fileName, data);
        if (out.ok) {
          await this.queue.remove(item);
          result.sent += 1;
          this.failures = 0;
          this.deps.log.info(
            `uploaded ${item.fileName} collected ${new Date(item.collectedAt).toISOString()}`,
          );
          continue;
        }
        result.lastError = out.reason;
        // A refused token or proxy login will not fix itself, but the reports are kept for when it is fixed.
        const keep = out.transient || out.status === 401 || out.status === 403 || out.status === undefined;
        if (!keep) {
          await this.queue.remove(item);
          result.rejected += 1;
          this.deps.log.error(`${item.fileName}: dropped, ${out.reason}`);
          continue;
        }
        result.waiting = items.length - i;
        this.failures += 1;
        const delay = this.retryDelay();
        this.deps.log.warn(
          `${out.reason}; ${result.waiting} report(s) queued, next attempt in ${Math.round(delay / 1000)} s`,
        );
        this.scheduleRetry(delay);
        return result;
      }
    }
    return result;
  }

  /** Exponential backoff with jitter, so agents that lost the server together do not return together. */
  private retryDelay(): number {
    const exp = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(this.failures - 1, 20));
    return Math.round(exp * (0.5 + 0.5 * this.random()));
  }

  private scheduleRetry(delay: number): void {
    if (this.stopped || this.timers.has('retry')) return;
    this.timers.set(
      'retry',
      this.deps.timers.setTimeout(() => {
        this.timers.delete('retry');
        return this.track(this.flush());
      }, delay),
    );
  }

  /** Resolves when nothing is in flight (tests wait on it). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const h of this.timers.values()) this.deps.timers.clearTimeout(h);
    this.timers.clear();
    await this.idle();
  }
}
