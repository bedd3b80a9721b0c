import type { AppContext } from '../context.js';
import { pullStatus, pullSysinfo, type PullOptions, type PullTarget } from './pull.js';
import type { Ingest } from './service.js';

export interface PullSchedulerOptions extends PullOptions {
  tickMs?: number;
  /** Pulls running at once. */
  concurrency?: number;
  /** How often /sysmon/metrics is read where probes are on (15 minutes, like smartstatus). */
  statusIntervalMs?: number;
  /** After a failed pull, wait this long before trying again (or the interval, if shorter). */
  retryAfterMs?: number;
}

interface Due {
  target: PullTarget;
  channel: 'sysinfo' | 'status';
}

/** Spreads installations with the same interval over time instead of pulling them all at once. */
export function jitterMs(installationId: number, intervalMs: number): number {
  const h = Math.imul(installationId ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return h % Math.max(1, Math.floor(intervalMs * 0.1));
}

/**
 * Pulls sysinfo from every installation reachable by URL on its own interval (with jitter), and the
 * sysmon metrics every 15 minutes where probes are enabled and a smartlogin is set.
 */
export class PullScheduler {
  private readonly o: Required<Omit<PullSchedulerOptions, keyof PullOptions>> & PullOptions;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<string>();
  private ticking: Promise<number> | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly ingest: Ingest,
    opts: PullSchedulerOptions = {},
  ) {
    this.o = {
      tickMs: 10_000,
      concurrency: 8,
      statusIntervalMs: 15 * 60_000,
      retryAfterMs: 5 * 60_000,
      ...opts,
    };
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch(() => undefined), this.o.tickMs);
    this.timer.unref();
    void this.tick().catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /** Finds what is due and pulls it; resolves when those pulls are done. Returns how many ran. */
  tick(): Promise<number> {
    this.ticking ??= this.runDue().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async findDue(): Promise<Due[]> {
    const now = this.ctx.clock.now();
    const rows = await this.ctx.db
      .selectFrom('installations')
      .leftJoin('installation_channels as s', (j) =>
        j.onRef('s.installation_id', '=', 'installations.id').on('s.channel', '=', 'sysinfo'),
      )
      .leftJoin('installation_channels as m', (j) =>
        j.onRef('m.installation_id', '=', 'installations.id').on('m.channel', '=', 'status'),
      )
      .select([
        'installations.id as id',
        'installations.dealer_id as dealerId',
        'installations.source_key as sourceKey',
        'installations.address as address',
        'installations.port as port',
        'installations.protocol as protocol',
        'installations.smartlogin_user as smartloginUser',
        'installations.probe_enabled as probe',
        'installations.collect_interval_s as intervalS',
        's.last_received_at as sysinfoAt',
        's.last_error_at as sysinfoErrAt',
        'm.last_received_at as statusAt',
        'm.last_error_at as statusErrAt',
      ])
      .where('installations.kind', '=', 'polled')
      .execute();
    const due: Due[] = [];
    const isDue = (last: number | null, errAt: number | null, intervalMs: number, id: number) => {
      if (
        errAt !== null &&
        (last === null || errAt > last) &&
        now - errAt < Math.min(intervalMs, this.o.retryAfterMs)
      ) {
        return false;
      }
      return last === null || now >= last + intervalMs - jitterMs(id, intervalMs);
    };
    for (const r of rows) {
      if (!r.address || !r.port) continue;
      const target: PullTarget = {
        id: r.id,
        dealerId: r.dealerId,
        sourceKey: r.sourceKey,
        address: r.address,
        port: r.port,
        protocol: r.protocol === 'https' ? 'https' : 'http',
        smartloginUser: r.smartloginUser,
      };
      if (isDue(r.sysinfoAt, r.sysinfoErrAt, r.intervalS * 1000, r.id))
        due.push({ target, channel: 'sysinfo' });
      if (
        r.probe === 1 &&
        r.smartloginUser &&
        isDue(r.statusAt, r.statusErrAt, this.o.statusIntervalMs, r.id)
      ) {
        due.push({ target, channel: 'status' });
      }
    }
    return due.filter((d) => !this.inFlight.has(`${d.channel}:${d.target.id}`));
  }

  private async runDue(): Promise<number> {
    const queue = await this.findDue();
    let ran = 0;
    const worker = async () => {
      for (let d = queue.shift(); d; d = queue.shift()) {
        const key = `${d.channel}:${d.target.id}`;
        this.inFlight.add(key);
        try {
          const opts = {
            fetchImpl: this.o.fetchImpl,
            timeoutMs: this.o.timeoutMs,
            resolveBaseUrl: this.o.resolveBaseUrl,
          };
          await (d.channel === 'sysinfo'
            ? pullSysinfo(this.ctx, this.ingest, d.target, opts)
            : pullStatus(this.ctx, this.ingest, d.target, opts));
          ran += 1;
        } finally {
          this.inFlight.delete(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, queue.length) }, worker));
    return ran;
  }
}
