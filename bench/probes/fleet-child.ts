/**
 * One shard of the probe benchmark's simulated fleet, in its own process:
 *   node --import tsx fleet-child.ts OFFSET COUNT PORT_BASE SEED
 * Starts COUNT simulated ПК servers, installations OFFSET.. of the fleet, on 127.0.0.1 ports
 * PORT_BASE+OFFSET.., prints `ready {json}`, and runs until its stdin ends (the parent closed it or
 * died) or it gets SIGTERM. Every second it prints `status {"max":M,"limit":L,"requests":R}`: the most
 * file descriptors it had open in that second (sampled every 250 ms) and its limit — at the limit,
 * libuv closes new connections unanswered (the client sees "socket hang up") — and the HTTP requests
 * its servers have answered so far.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { startFleet, type Fleet } from '../../src/sim/kodeks/fleet.js';
import { SIM_HOST, simPassword } from './fleet.js';

/** The soft limit on open files, from /proc/self/limits; null where unknown. */
function fdLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

function reportStatus(fleet: Fleet): void {
  const limit = fdLimit();
  let max = 0;
  setInterval(() => {
    max = Math.max(max, openFds() ?? 0);
  }, 250).unref();
  setInterval(() => {
    const requests = fleet.servers.reduce((a, srv) => a + srv.state.requests, 0);
    process.stdout.write(`status ${JSON.stringify({ max, limit, requests })}\n`);
    max = 0;
  }, 1_000).unref();
}

/**
 * Should a server still fail to accept, it emits 'error' with no listener (the simulator has none
 * after listen): report it on stderr rather than lose the whole shard.
 */
process.on('uncaughtException', (e: NodeJS.ErrnoException) => {
  if (e.syscall !== 'accept') throw e;
  process.stderr.write(`fleet: accept failed: ${e.code ?? e.message}\n`);
});

async function main(): Promise<void> {
  const [offset, count, portBase, seed] = process.argv.slice(2).map(Number);
  if (offset === undefined || !count || !portBase || seed === undefined)
    throw new Error('usage: fleet-child.ts OFFSET COUNT PORT_BASE SEED');
  const t0 = performance.now();
  const fleet = await startFleet({
    installations: count,
    portBase: portBase + offset,
    seed: seed + offset,
    host: SIM_HOST,
    profile: (i) => ({
      shortName: `sim${String(offset + i + 1).padStart(5, '0')}`,
      smartloginPassword: simPassword(offset + i),
    }),
  });
  const ready = {
    servers: fleet.servers.length,
    startMs: performance.now() - t0,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
  process.stdout.write(`ready ${JSON.stringify(ready)}\n`);
  reportStatus(fleet);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    fleet.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  const err = e as NodeJS.ErrnoException & { port?: number };
  if (err.code === 'EADDRINUSE')
    process.stderr.write(
      `fleet: port ${err.port ?? '?'} is taken by another program; choose a --port-base with N free ports after it\n`,
    );
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
