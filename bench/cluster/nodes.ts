/** Starting and stopping real `smart serve` processes for the cluster bench. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_FLAGS } from '../lib/node-flags.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 90_000;

export interface SmartNode {
  id: string;
  pid: number;
  url: string;
  alive(): boolean;
  /** The end of its stdout and stderr. */
  log(): string;
  stop(): Promise<void>;
}

export interface NodeSettings {
  id: string;
  port: number;
  databaseUrl: string;
  secretKeyHex: string;
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`smart serve exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`smart serve at ${url} not ready within ${READY_TIMEOUT_MS / 1000} s:\n${log()}`);
}

/**
 * One `smart serve` as production runs it (the CLI from source through tsx), with its own data dir
 * and spool. Settings are production defaults except the ones given; active checks are off since
 * the bench fleet has nothing to probe.
 */
export async function startNode(s: NodeSettings): Promise<SmartNode> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `smart-bench-${s.id}-`));
  const child = spawn(
    process.execPath,
    [...SERVER_NODE_FLAGS, '--import', 'tsx', 'bench/cluster/serve-entry.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        SMART_DATABASE_URL: s.databaseUrl,
        SMART_DATA_DIR: dataDir,
        SMART_HOST: '127.0.0.1',
        SMART_PORT: String(s.port),
        SMART_NODE_ID: s.id,
        SMART_SECRET_KEY: s.secretKeyHex,
        SMART_LOG_LEVEL: 'warn',
        SMART_ACTIVE_CHECKS: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (b: Buffer): void => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${s.port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    id: s.id,
    pid: child.pid!,
    url,
    alive: () => child.exitCode === null,
    log: () => output,
    stop,
  };
}
