import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memGiB: number;
  node: string;
  platform: string;
}

/** The CPU model as the kernel names it (os.cpus() can be empty or vague inside containers). */
function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) return m[1].trim();
  } catch {
    // not Linux: fall back below
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function describeMachine(): Machine {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Node ${m.node}, ${m.platform}`;
}

/** CPU time the whole machine has spent busy so far (all processes, all cores), in ms; null without /proc/stat. */
function machineBusyMs(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal ... (in USER_HZ = 1/100 s)
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return busy * 10;
  } catch {
    return null;
  }
}

/**
 * Starts measuring how much of the machine's CPU capacity other processes take (0..1; null where
 * unknown): the machine's busy time minus this process's own CPU. Child processes count as others.
 */
export function otherLoadMeter(): () => number | null {
  const busy0 = machineBusyMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const busy1 = machineBusyMs();
    if (busy0 === null || busy1 === null) return null;
    const cpu = process.cpuUsage(cpu0);
    const ownMs = (cpu.user + cpu.system) / 1000;
    return Math.max(0, busy1 - busy0 - ownMs) / ((performance.now() - t0) * os.availableParallelism());
  };
}
