/**
 * The simulated ПК fleet in child processes (fleet-child.ts), so that the simulators' CPU is not
 * counted as the prober's: N servers on consecutive loopback ports, split into shards of at most
 * SHARD_SIZE servers per process. Every listener holds a file descriptor: one process with all of
 * them would have little room left under the descriptor limit for a burst of connections, and would
 * close connections unanswered where real, separate ПК servers would not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const SIM_HOST = '127.0.0.1';

/** Servers per child process. */
export const SHARD_SIZE = 4_000;

/** The smartlogin password of simulated installation i (the child sets it in each profile). */
export function simPassword(index: number): string {
  return `bench-sl-${index}`;
}

export interface FleetReady {
  servers: number;
  /** Child processes. */
  shards: number;
  startMs: number;
  rssMiB: number;
}

export interface SimFleet {
  ready: FleetReady;
  /** CPU time the children have used so far (user + system), ms; null where /proc is not there. */
  cpuMs(): number | null;
  /**
   * Whether some child had (nearly) all its file descriptors open since `since` (Date.now()): it
   * then closes new connections unanswered, which says more about the test rig than the prober.
   */
  ranOutOfFds(since: number): boolean;
  /** HTTP requests the simulators have answered so far (reported once a second). */
  requests(): number;
  close(): Promise<void>;
}

interface ShardReady {
  servers: number;
  startMs: number;
  rssMiB: number;
}

/** What a child reports every second. */
interface ShardStatus {
  /** Most descriptors open during that second (sampled every 250 ms). */
  max: number;
  limit: number | null;
  requests: number;
}

interface ShardState {
  peaks: { at: number; max: number }[];
  limit: number | null;
  requests: number;
}

interface Shard {
  child: ChildProcess;
  ready: ShardReady;
  /** Updated by the child's status lines. */
  state: ShardState;
}

/** utime + stime of a process from /proc/PID/stat, in ms (USER_HZ = 100 on Linux). */
function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function close(child: ChildProcess): Promise<void> {
  // The child closes its servers and exits when its stdin ends.
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited(child);
  clearTimeout(timer);
}

/** One child with servers offset..offset+count-1 on ports portBase+offset... */
async function startShard(offset: number, count: number, portBase: number, seed: number): Promise<Shard> {
  const fromSource = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(`./fleet-child.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const args = [String(offset), String(count), String(portBase), String(seed)];
  const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), file, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const state: ShardState = { peaks: [], limit: null, requests: 0 };
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    if (!line.startsWith('status ')) return;
    const s = JSON.parse(line.slice(7)) as ShardStatus;
    state.peaks.push({ at: Date.now(), max: s.max });
    state.limit = s.limit;
    state.requests = s.requests;
  });
  try {
    const ready = await new Promise<ShardReady>((resolve, reject) => {
      lines.on('line', (line) => {
        if (line.startsWith('ready ')) resolve(JSON.parse(line.slice(6)) as ShardReady);
      });
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        reject(new Error(`fleet child exited before it was ready (${signal ?? `code ${code}`})`)),
      );
    });
    return { child, ready, state };
  } catch (e) {
    await close(child);
    throw e;
  }
}

/** Starts `n` simulated servers on SIM_HOST:portBase.. in shards of SHARD_SIZE. */
export async function startSimFleet(n: number, portBase: number, seed: number): Promise<SimFleet> {
  const t0 = performance.now();
  const offsets: number[] = [];
  for (let i = 0; i < n; i += SHARD_SIZE) offsets.push(i);
  const started = await Promise.allSettled(
    offsets.map((o) => startShard(o, Math.min(SHARD_SIZE, n - o), portBase, seed)),
  );
  const shards = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(shards.map((s) => close(s.child)));
    throw failed.reason;
  }
  return {
    ready: {
      servers: shards.reduce((a, s) => a + s.ready.servers, 0),
      shards: shards.length,
      startMs: performance.now() - t0,
      rssMiB: shards.reduce((a, s) => a + s.ready.rssMiB, 0),
    },
    cpuMs() {
      let total = 0;
      for (const s of shards) {
        const ms = procCpuMs(s.child.pid!);
        if (ms === null) return null;
        total += ms;
      }
      return total;
    },
    ranOutOfFds(since) {
      // Sampled every 250 ms: a peak within a few dozen descriptors of the limit means it was hit.
      return shards.some(({ state: s }) => {
        const limit = s.limit;
        return limit !== null && s.peaks.some((p) => p.at >= since && p.max >= limit - 64);
      });
    },
    requests: () => shards.reduce((a, s) => a + s.state.requests, 0),
    close: async () => {
      await Promise.all(shards.map((s) => close(s.child)));
    },
  };
}
