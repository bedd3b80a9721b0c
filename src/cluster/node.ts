/**
 * This node's membership of the cluster for `smart serve`: it registers, writes a heartbeat with its
 * figures every few seconds, takes over nodes presumed dead, and marks itself stopped on a clean stop.
 * On one node with SQLite the same code runs; it simply never finds another node.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AppContext } from '../context.js';
import {
  heartbeat,
  markStopped,
  registerNode,
  takeOverDeadNodes,
  type NodeInfo,
  type Takeover,
} from './registry.js';

export interface ClusterNodeOptions {
  info: NodeInfo;
  /** A node silent for this long is presumed dead (SMART_NODE_DEAD_AFTER_SECONDS). */
  deadAfterMs: number;
  /** Default: a fifth of deadAfterMs, at most 5 s. */
  heartbeatMs?: number;
  /** What the node's parts report (runner stats, queue lengths), stored with each heartbeat. */
  stats?: () => Record<string, unknown>;
  onTakeover?: (t: Takeover) => void;
  onError?: (e: unknown) => void;
}

export interface ClusterNode {
  /** One heartbeat and takeover round now (tests). */
  beat(): Promise<void>;
  close(): Promise<void>;
}

export async function startClusterNode(ctx: AppContext, opts: ClusterNodeOptions): Promise<ClusterNode> {
  await registerNode(ctx, opts.info);
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const startedCpu = process.cpuUsage();
  const startedAt = performance.now();

  const figures = (): Record<string, unknown> => {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage(startedCpu);
    const elapsedMs = performance.now() - startedAt;
    const out = {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      eventLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e4) / 100,
      eventLoopDelayMaxMs: Math.round(loopDelay.max / 1e4) / 100,
      /** Share of one core used since start. */
      cpuShare: elapsedMs > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 1000) / 1000 : 0,
      ...opts.stats?.(),
    };
    loopDelay.reset();
    return out;
  };

  let round: Promise<void> | null = null;
  const beat = (): Promise<void> =>
    (round ??= (async () => {
      try {
        await heartbeat(ctx, opts.info.nodeId, figures());
        const taken = await takeOverDeadNodes(ctx, opts.info.nodeId, opts.deadAfterMs);
        for (const t of taken) opts.onTakeover?.(t);
      } catch (e) {
        opts.onError?.(e);
      }
    })().finally(() => {
      round = null;
    }));

  const every = opts.heartbeatMs ?? Math.min(5_000, Math.floor(opts.deadAfterMs / 5));
  const timer = setInterval(() => void beat(), every);
  timer.unref();
  return {
    beat,
    close: async () => {
      clearInterval(timer);
      await round;
      loopDelay.disable();
      await markStopped(ctx, opts.info.nodeId).catch((e: unknown) => opts.onError?.(e));
    },
  };
}
