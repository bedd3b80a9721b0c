/**
 * The health jobs of one node: a `client_health` job per dealer, claimed through the shared jobs
 * table (several nodes split dealers), run at the top of every hour. Each run does what is due at
 * the dealer's local time: the day's scores from `dailyHour` (once a day), the morning digest in the
 * four hours from `morningHour`, the weekly digest on `weeklyDay` from `weeklyHour`. The digests'
 * own keys make a repeated run harmless.
 */
import type { AppContext } from '../context.js';
import { zonedParts } from '../alerts/suppression.js';
import { syncJobs } from '../jobs/leases.js';
import { JobRunner, type JobHandler } from '../jobs/runner.js';
import { computeDealerHealth, localDate } from './compute.js';
import { sendMorningDigests, sendWeeklyDigests } from './digest.js';
import { loadHealthSettings } from './settings.js';

export const HEALTH_JOB = 'client_health';
const HOUR = 3_600_000;
const MORNING_WINDOW_H = 4;

export interface HealthRunResult {
  computed: boolean;
  morning: number;
  weekly: number;
}

/** Everything due for one dealer at `now`. */
export async function runHealthDue(
  ctx: AppContext,
  dealerId: number,
  now: number,
  opts: { digests?: boolean } = {},
): Promise<HealthRunResult> {
  const s = await loadHealthSettings(ctx, dealerId);
  const p = zonedParts(now, s.timeZone);
  const { day } = localDate(now, s.timeZone);
  const out: HealthRunResult = { computed: false, morning: 0, weekly: 0 };
  if (p.h >= s.dailyHour) {
    const done = await ctx.db
      .selectFrom('client_health_daily')
      .select('client_id')
      .where('dealer_id', '=', dealerId)
      .where('day', '=', day)
      .limit(1)
      .executeTakeFirst();
    if (!done) {
      await computeDealerHealth(ctx, dealerId, now, s);
      out.computed = true;
    }
  }
  // Digests need the alerting dispatcher to go out: a node without alerting only computes.
  if (!s.digestsEnabled || opts.digests === false) return out;
  if (p.h >= s.morningHour && p.h < s.morningHour + MORNING_WINDOW_H)
    out.morning = await sendMorningDigests(ctx, dealerId, s, now);
  const isoDow = ((new Date(Date.UTC(p.y, p.mo - 1, p.d)).getUTCDay() + 6) % 7) + 1;
  if (isoDow === s.weeklyDay && p.h >= s.weeklyHour)
    out.weekly = await sendWeeklyDigests(ctx, dealerId, s, now);
  return out;
}

export function healthJobHandler(
  ctx: AppContext,
  opts: { digests?: boolean; onRun?: (dealerId: number, r: HealthRunResult) => void } = {},
): JobHandler {
  return {
    kind: HEALTH_JOB,
    concurrency: 1,
    timeoutMs: 15 * 60_000,
    sync: async () => {
      const dealers = await ctx.db.selectFrom('dealers').select('id').execute();
      await syncJobs(
        ctx,
        HEALTH_JOB,
        dealers.map((d) => ({
          kind: HEALTH_JOB,
          subjectId: d.id,
          dealerId: d.id,
          host: null,
          intervalMs: HOUR,
        })),
      );
    },
    run: async (job) => {
      const now = ctx.clock.now();
      const r = await runHealthDue(ctx, job.subject_id, now, { digests: opts.digests });
      opts.onRun?.(job.subject_id, r);
      // The next top of the hour (a minute past, after the hourly online reads have landed).
      return { outcome: 'ok', nextRunAt: Math.floor(now / HOUR) * HOUR + HOUR + 60_000 };
    },
  };
}

export interface HealthNode {
  runner: JobRunner;
  close(): Promise<void>;
}

/** Started by `smart serve`. */
export function startHealthNode(
  ctx: AppContext,
  opts: { nodeId: string; digests: boolean; onError?: (e: unknown) => void },
): HealthNode {
  const runner = new JobRunner(ctx, [healthJobHandler(ctx, { digests: opts.digests })], {
    nodeId: opts.nodeId,
    onError: opts.onError,
  });
  runner.start();
  return { runner, close: () => runner.stop() };
}
