/**
 * The upkeep one node runs for `smart serve`: the retention job (partitions ahead, old data out), a
 * single job for the whole instance claimed through the shared `jobs` table, so with N nodes exactly one
 * runs it at a time and another takes it over when that node dies.
 */
import { JobRunner } from './jobs/runner.js';
import { retentionHandler, type RetentionHandlerOptions } from './retention/node.js';
import type { Runtime } from './runtime.js';

export interface MaintenanceNode {
  runner: JobRunner;
  close(): Promise<void>;
}

export function startMaintenanceNode(
  rt: Runtime,
  opts: { retention?: RetentionHandlerOptions; onError?: (e: unknown) => void } = {},
): MaintenanceNode {
  const policy = { rawDays: rt.config.rawRetentionDays, months: rt.config.retentionMonths };
  const runner = new JobRunner(rt.ctx, [retentionHandler(rt.ctx, policy, opts.retention)], {
    nodeId: rt.config.nodeId,
    // The job is hourly: a claim every few seconds is plenty.
    tickMs: 5_000,
    onError: opts.onError,
  });
  runner.start();
  return { runner, close: () => runner.stop() };
}
