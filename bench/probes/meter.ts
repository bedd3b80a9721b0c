/** What one measured window cost: this process's CPU, the simulators' CPU, event-loop delay, memory. */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import os from 'node:os';
import { otherLoadMeter } from '../lib/machine.js';
import type { SimFleet } from './fleet.js';

export interface WindowUsage {
  wallMs: number;
  /** This process (the prober), every thread. */
  cpuMs: number;
  /** The simulated fleet's process; null without /proc. */
  simCpuMs: number | null;
  /** Share of the machine's CPU other processes (neither this one nor the fleet) used (0..1). */
  othersShare: number | null;
  /** Event-loop delay beyond the expected wake-up, ms. */
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Share of the window the event loop was busy (0..1). */
  loopUtilization: number;
  /**
   * The simulators ran out of file descriptors (their peak reached the limit): connections beyond it
   * were closed unanswered, so failures then are the test rig's, not the prober's.
   */
  simOutOfFds: boolean;
  /** HTTP requests the simulators answered in the window (counted each second). */
  simRequests: number;
  /** Highest resident set size sampled (every second), MiB. */
  maxRssMiB: number;
}

export function cpuShare(u: WindowUsage): number {
  return u.cpuMs / u.wallMs;
}

/** Starts measuring; the returned function ends the window. */
export function startWindow(fleet: SimFleet): () => WindowUsage {
  const t0 = performance.now();
  const since = Date.now();
  const requests0 = fleet.requests();
  const cpu0 = process.cpuUsage();
  const sim0 = fleet.cpuMs();
  const others = otherLoadMeter();
  const elu0 = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let maxRss = process.memoryUsage.rss();
  const rssTimer = setInterval(() => {
    maxRss = Math.max(maxRss, process.memoryUsage.rss());
  }, 1_000);
  return () => {
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const sim1 = fleet.cpuMs();
    const simCpuMs = sim0 === null || sim1 === null ? null : sim1 - sim0;
    const share = others();
    delay.disable();
    clearInterval(rssTimer);
    maxRss = Math.max(maxRss, process.memoryUsage.rss());
    const ns = 1e6;
    return {
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      simCpuMs,
      // otherLoadMeter counts child processes as others: take the fleet out.
      othersShare:
        share === null ? null : Math.max(0, share - (simCpuMs ?? 0) / (wallMs * os.availableParallelism())),
      simOutOfFds: fleet.ranOutOfFds(since),
      simRequests: fleet.requests() - requests0,
      loopDelayP50Ms: delay.percentile(50) / ns,
      loopDelayP99Ms: delay.percentile(99) / ns,
      loopDelayMaxMs: delay.max / ns,
      loopUtilization: performance.eventLoopUtilization(elu0).utilization,
      maxRssMiB: maxRss / 2 ** 20,
    };
  };
}
