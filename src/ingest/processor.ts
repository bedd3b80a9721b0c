import type { AppContext } from '../context.js';
import type { ReportRow } from '../db/schema.js';
import {
  adoptUnregistered,
  claimNextReport,
  markProcessed,
  markQuarantined,
  pruneRawFiles,
  retryReportAfter,
  type Channel,
  type ReportFormat,
} from './ledger.js';
import type { Snapshot } from './parse/snapshot.js';
import { storeSnapshot, storeStatus, type StatusSamples } from './store.js';

/** 1 s after the first failure, doubling, at most a minute. */
export function retryBackoffMs(attempts: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.max(0, attempts - 1));
}

export type ParsedReport =
  { kind: 'sysinfo'; snapshot: Snapshot } | { kind: 'status'; status: StatusSamples };

export interface ParseJob {
  path: string;
  format: ReportFormat;
  utcOffsetMin: number;
}

/** Parses one spooled file (in a worker thread in production). Rejects with a reason for bad files. */
export type ReportParser = (job: ParseJob) => Promise<ParsedReport>;

/** A file the parser refused: quarantined with this reason instead of retried. */
export function isRejectedReport(e: unknown): e is Error & { reason: string } {
  return e instanceof Error && typeof (e as { reason?: unknown }).reason === 'string';
}

export interface ProcessorOptions {
  nodeId: string;
  parse: ReportParser;
  /** Reports parsed at the same time (each takes a worker thread). */
  concurrency?: number;
  leaseMs?: number;
  /** How often to look for work when nothing has kicked the processor. */
  pollMs?: number;
  /** An unexpected failure (not a bad file) is retried this many times before the report is quarantined. */
  maxAttempts?: number;
  onProcessed?: (report: ReportRow, parsed: ParsedReport) => void | Promise<void>;
  /** Raw files kept per installation and channel once processed; older ones are deleted. */
  keepRawFiles?: number;
  /** Deletes a spooled file (the spool's remove). */
  removeFile?: (path: string) => Promise<void>;
  onError?: (e: unknown, report: ReportRow) => void;
}

/**
 * Takes reports from the ledger and turns them into stored data. It resumes by itself after a crash:
 * anything received but not processed is still in the ledger, and an abandoned lease runs out.
 */
export class ReportProcessor {
  private readonly opts: Required<Omit<ProcessorOptions, 'onProcessed' | 'onError' | 'removeFile'>> &
    Pick<ProcessorOptions, 'onProcessed' | 'onError' | 'removeFile'>;
  private timer: NodeJS.Timeout | undefined;
  private running = 0;
  private stopped = true;
  private wake: Promise<void> | null = null;
  private idle: Array<() => void> = [];

  constructor(
    private readonly ctx: AppContext,
    opts: ProcessorOptions,
  ) {
    this.opts = {
      concurrency: 2,
      leaseMs: 5 * 60_000,
      pollMs: 2_000,
      maxAttempts: 5,
      keepRawFiles: 3,
      ...opts,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.opts.pollMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.whenIdle();
  }

  /** Look for work now (called after an upload is accepted). */
  kick(): void {
    if (this.stopped) return;
    while (this.running < this.opts.concurrency) {
      this.running += 1;
      void this.loop().finally(() => {
        this.running -= 1;
        if (this.running === 0) for (const done of this.idle.splice(0)) done();
      });
    }
  }

  whenIdle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((r) => this.idle.push(r));
  }

  /** Processes everything waiting, then returns how many reports it handled (tests, backfill). */
  async drain(): Promise<number> {
    let n = 0;
    await adoptUnregistered(this.ctx);
    for (;;) {
      const report = await claimNextReport(this.ctx, this.opts.nodeId, this.opts.leaseMs);
      if (!report) return n;
      await this.processOne(report);
      n += 1;
    }
  }

  private async loop(): Promise<void> {
    try {
      this.wake ??= adoptUnregistered(this.ctx).then(() => undefined);
      await this.wake;
      this.wake = null;
      while (!this.stopped) {
        const report = await claimNextReport(this.ctx, this.opts.nodeId, this.opts.leaseMs);
        if (!report) return;
        await this.processOne(report);
      }
    } catch (e) {
      this.wake = null;
      this.opts.onError?.(e, undefined as unknown as ReportRow);
    }
  }

  private async processOne(report: ReportRow): Promise<void> {
    if (report.installation_id === null) return;
    const inst = await this.ctx.db
      .selectFrom('installations')
      .select(['utc_offset_min'])
      .where('id', '=', report.installation_id)
      .executeTakeFirst();
    let parsed: ParsedReport;
    try {
      parsed = await this.opts.parse({
        path: report.spool_path,
        format: report.format as ReportFormat,
        utcOffsetMin: inst?.utc_offset_min ?? 180,
      });
    } catch (e) {
      if (isRejectedReport(e)) {
        await markQuarantined(this.ctx, report, e.reason, e.message);
        return;
      }
      await this.failed(report, e);
      return;
    }
    try {
      const target = {
        reportId: report.id,
        dealerId: report.dealer_id,
        installationId: report.installation_id,
        receivedAt: report.received_at,
      };
      let reportAt: number | null;
      if (parsed.kind === 'sysinfo') {
        await storeSnapshot(this.ctx, target, parsed.snapshot);
        reportAt = parsed.snapshot.producedAt;
      } else {
        await storeStatus(this.ctx, target, parsed.status);
        reportAt = parsed.status.takenAt;
      }
      await markProcessed(this.ctx, report, reportAt);
      if (this.opts.removeFile) {
        await pruneRawFiles(
          this.ctx,
          report.installation_id,
          report.channel as Channel,
          this.opts.keepRawFiles,
          this.opts.removeFile,
        );
      }
      await this.opts.onProcessed?.(report, parsed);
    } catch (e) {
      await this.failed(report, e);
    }
  }

  /**
   * Not the file's fault (the database was away, a deadlock, a bug): retry soon, backing off, up to a
   * limit. The lease is cut short to the back-off, so a transient error costs seconds, not the lease.
   */
  private async failed(report: ReportRow, e: unknown): Promise<void> {
    this.opts.onError?.(e, report);
    if (report.attempts >= this.opts.maxAttempts) {
      await markQuarantined(this.ctx, report, 'internal_error', e instanceof Error ? e.message : String(e));
      return;
    }
    await retryReportAfter(this.ctx, report, retryBackoffMs(report.attempts)).catch(() => {
      // The database is away: the lease runs out and the report is claimed again then.
    });
  }
}
