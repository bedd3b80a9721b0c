/**
 * Starts the ASRP uploader of one node for `smart serve`: its own job runner over the shared `jobs`
 * table, so several nodes split the uploads and a dead node's lease simply expires.
 */
import { JobRunner } from '../jobs/runner.js';
import type { Runtime } from '../runtime.js';
import { createAsrpUploader, type AsrpUploaderOptions } from './uploader.js';

export interface AsrpNodeOptions extends AsrpUploaderOptions {
  tickMs?: number;
  syncEveryMs?: number;
  onError?: (e: unknown) => void;
}

export interface AsrpNode {
  runner: JobRunner;
  close(): Promise<void>;
}

export function startAsrpNode(rt: Runtime, opts: AsrpNodeOptions = {}): AsrpNode {
  const uploader = createAsrpUploader(rt.ctx, opts);
  const runner = new JobRunner(rt.ctx, [uploader.handler], {
    nodeId: rt.config.nodeId,
    // Uploads are weekly: a tick every few seconds is plenty.
    tickMs: opts.tickMs ?? 5_000,
    syncEveryMs: opts.syncEveryMs,
    onError: opts.onError,
  });
  runner.start();
  return { runner, close: () => runner.stop() };
}
