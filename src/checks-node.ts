/**
 * The active checks one node runs: probes of installations and reads of online accesses, both as jobs
 * claimed through the shared `jobs` table (several nodes on one PostgreSQL split them).
 */
import { JobRunner } from './jobs/runner.js';
import { createOnlinePoller, type OnlinePollerOptions } from './online/poller.js';
import { createProbeService, probeRecorder, type ProbeServiceOptions } from './probes/service.js';
import type { Runtime } from './runtime.js';

export interface ChecksNodeOptions {
  probes?: Omit<ProbeServiceOptions, 'recorder'>;
  online?: OnlinePollerOptions;
  tickMs?: number;
  syncEveryMs?: number;
  onError?: (e: unknown) => void;
  /** Results of these subjects were just stored (the alerts node evaluates them). */
  onResults?: (subjects: { kind: 'installation' | 'online'; id: number }[]) => void;
}

export interface ChecksNode {
  runner: JobRunner;
  close(): Promise<void>;
}

export function startChecksNode(rt: Runtime, opts: ChecksNodeOptions = {}): ChecksNode {
  const recorder = probeRecorder(rt.ctx, opts.onResults);
  const probes = createProbeService(rt.ctx, { ...opts.probes, recorder });
  const online = createOnlinePoller(rt.ctx, recorder, opts.online);
  const runner = new JobRunner(rt.ctx, [probes.handler, online.profileHandler, online.searchLogHandler], {
    nodeId: rt.config.nodeId,
    tickMs: opts.tickMs,
    syncEveryMs: opts.syncEveryMs,
    onError: opts.onError,
  });
  runner.start();
  return { runner, close: () => runner.stop() };
}
