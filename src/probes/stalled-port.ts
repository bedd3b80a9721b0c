/**
 * Test support: a loopback port where TCP connects hang, as behind a firewall that drops packets.
 * The sandbox's network answers every outside address, so the only reliable black hole is local: a
 * listener in a stopped child process whose accept queue is full, so the kernel drops further SYNs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface StalledPort {
  port: number;
  close(): void;
}

const CHILD = `
const s = require('node:net').createServer();
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(s.address().port + '\\n');
  process.kill(process.pid, 'SIGSTOP');
});`;

function stopped(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (comm) T ..."; T = stopped.
    return / T /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, ''));
  } catch {
    return false;
  }
}

export async function openStalledPort(): Promise<StalledPort> {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('error', reject);
    child.once('exit', () => reject(new Error('stalled-port child exited')));
  });
  const pid = child.pid!;
  // A stopped child outlives a crashed test run unless killed on the way out.
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  for (let i = 0; i < 200 && !stopped(pid); i++) await sleep(10);
  // Fill the accept queue (backlog 1 holds two); later connects get no SYN-ACK.
  const fillers: Socket[] = [];
  for (let i = 0; i < 4; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    fillers.push(s);
  }
  await sleep(150);
  return {
    port,
    close(): void {
      for (const s of fillers) s.destroy();
      process.off('exit', kill);
      kill();
    },
  };
}
