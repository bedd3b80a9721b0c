/**
 * The retention job: one global `retention` job (subject 0, no dealer) in the shared jobs table, so
 * that exactly one node of a cluster runs it at a time. Each run creates the PostgreSQL partitions from
 * the cutoffs to three months ahead, then deletes what is too old (run.ts). The raw window moves every
 * run; the monthly windows move once a month, so their tables (a pass over each on SQLite) are pruned
 * when the cutoff month changed and otherwise at most every `monthsEveryMs` (rows of old days a late
 * report brings are removed then). Each run also prunes expired sessions and departed nodes
 * (housekeeping.ts).
 */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { syncJobs } from '../jobs/leases.js';
import type { JobHandler } from '../jobs/runner.js';
import { pruneHousekeeping, type HousekeepingReport } from './housekeeping.js';
import { ensurePartitions, MONTHS_AHEAD } from './partitions.js';
import { addMonths, cutoffsAt, monthOf, monthStart, monthText, type RetentionPolicy } from './policy.js';
import { runRetention, type RetentionReport } from './run.js';

export const RETENTION_JOB = 'retention';
const HOUR = 3_600_000;

const optionsSchema = z.object({
  intervalMs: z.number().int().min(1_000).default(HOUR),
  monthsEveryMs: z
    .number()
    .int()
    .min(0)
    .default(24 * HOUR),
  batchRows: z.number().int().min(1).max(100_000).default(5_000),
  timeoutMs: z
    .number()
    .int()
    .min(1_000)
    .default(60 * 60_000),
});

export type RetentionHandlerOptions = Partial<z.input<typeof optionsSchema>> & {
  onRun?: (r: RetentionReport & { partitionsCreated: string[]; housekeeping: HousekeepingReport }) => void;
};

export function retentionHandler(
  ctx: AppContext,
  policy: RetentionPolicy,
  options: RetentionHandlerOptions = {},
): JobHandler {
  const o = optionsSchema.parse({
    intervalMs: options.intervalMs,
    monthsEveryMs: options.monthsEveryMs,
    batchRows: options.batchRows,
    timeoutMs: options.timeoutMs,
  });
  let monthsRunAt = -Infinity;
  let monthsCutoff = '';
  return {
    kind: RETENTION_JOB,
    concurrency: 1,
    timeoutMs: o.timeoutMs,
    sync: () =>
      syncJobs(ctx, RETENTION_JOB, [
        { kind: RETENTION_JOB, subjectId: 0, dealerId: null, host: null, intervalMs: o.intervalMs },
      ]),
    run: async (_job, signal) => {
      const now = ctx.clock.now();
      const c = cutoffsAt(now, policy);
      const ahead = monthStart(addMonths(monthOf(now), MONTHS_AHEAD));
      // A partition that could not be made (a lock timeout) must not hold back the deletes: its rows
      // wait in the DEFAULT partition, and the job reports the failure and tries again next run.
      const created: string[] = [];
      let partitionError: string | null = null;
      try {
        for (const window of ['raw', 'months'] as const) {
          const from = window === 'raw' ? c.rawMs : c.monthMs;
          created.push(...(await ensurePartitions(ctx, from, ahead, (t) => t.window === window)).created);
        }
      } catch (e) {
        partitionError = `partitions: ${e instanceof Error ? e.message : String(e)}`;
      }
      const cutoffMonth = monthText(c.month);
      const months = cutoffMonth !== monthsCutoff || now - monthsRunAt >= o.monthsEveryMs;
      const report = await runRetention(ctx, policy, {
        batchRows: o.batchRows,
        signal,
        windows: months ? ['raw', 'months'] : ['raw'],
      });
      if (months) {
        monthsRunAt = now;
        monthsCutoff = cutoffMonth;
      }
      const housekeeping = await pruneHousekeeping(ctx, now);
      options.onRun?.({ ...report, partitionsCreated: created, housekeeping });
      return partitionError ? { outcome: 'failed', error: partitionError } : { outcome: 'ok' };
    },
  };
}
