/**
 * CPU time of processes from /proc (Linux only): each process's utime + stime, so the bench can say
 * where the machine's cores went during a run (SMART nodes, PostgreSQL, the load generator, others).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc reports CPU times in 1/100 s on every Linux the bench runs on. */
const TICK_MS = 10;

/** utime + stime of one process (all its threads) in ms; null when it has gone. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: fields are counted after its closing ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** CPU time every process named `comm` has used so far, by pid. */
export function cpuByName(comm: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
    } catch {
      continue;
    }
    const ms = processCpuMs(Number(entry));
    if (ms !== null) out.set(Number(entry), ms);
  }
  return out;
}

/** Busy CPU time of the whole machine so far (all processes, all cores), in ms. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal …
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) * TICK_MS;
}

/** CPU used between two readings of the same set of processes; a process new in `after` counts whole. */
export function cpuDelta(
  before: Map<number, number>,
  after: Map<number, number>,
  pids?: Set<number>,
): number {
  let total = 0;
  for (const [pid, ms] of after) {
    if (pids && !pids.has(pid)) continue;
    total += ms - (before.get(pid) ?? 0);
  }
  return total;
}
