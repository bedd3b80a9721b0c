import type { Runtime } from '../runtime.js';
import { releaseNodeLeases } from './ledger.js';
import { createParsePool } from './parse-pool.js';
import { PullScheduler, type PullSchedulerOptions } from './pull-scheduler.js';
import { createIngest, type Ingest } from './service.js';

export interface IngestNode {
  ingest: Ingest;
  scheduler: PullScheduler;
  close(): Promise<void>;
}

/**
 * Everything one node runs for ingestion: the parser pool, the processor (which first resumes what a
 * previous run left in the ledger) and the pull scheduler for installations reachable by URL.
 */
export async function startIngestNode(
  rt: Runtime,
  opts: {
    pull?: PullSchedulerOptions;
    onProcessed?: (installationId: number) => void;
    /** A report that failed for a reason other than its content (it is retried). */
    onError?: (e: unknown, reportId: number | undefined) => void;
  } = {},
): Promise<IngestNode> {
  // A server keeps one warm worker: a fresh thread parses 2–4× slower until V8 has optimised the parser.
  const pool = createParsePool({ minThreads: 1, idleTimeoutMs: 10 * 60_000 });
  const ingest = createIngest(rt.ctx, rt.config, {
    parse: pool.parse,
    closeParser: pool.close,
    processor: {
      onProcessed: (report) => {
        if (report.installation_id !== null) opts.onProcessed?.(report.installation_id);
      },
      onError: (e, report) => opts.onError?.(e, report?.id),
    },
  });
  await ingest.spool.clearPartial();
  await releaseNodeLeases(rt.ctx, rt.config.nodeId);
  ingest.processor.start();
  const scheduler = new PullScheduler(rt.ctx, ingest, opts.pull);
  scheduler.start();
  return {
    ingest,
    scheduler,
    close: async () => {
      await scheduler.stop();
      await ingest.close();
    },
  };
}
