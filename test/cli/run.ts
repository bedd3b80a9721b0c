import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { CliStdin } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { openDatabase, type DbHandle } from '../../src/db/database.js';
import type { DbKind } from '../../src/db/dialect.js';
import { createTestDatabase } from '../helpers/db.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh database and data directory, addressed the way a user would: through the environment. */
export interface CliEnv {
  env: Record<string, string>;
  dataDir: string;
  databaseUrl: string;
  /** A direct handle on the same database, for checking what the commands wrote. */
  db(): DbHandle;
  close(): Promise<void>;
}

export async function createCliEnv(kind: DbKind, extra: Record<string, string> = {}): Promise<CliEnv> {
  const tdb = await createTestDatabase(kind);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-cli-'));
  let handle: DbHandle | undefined;
  return {
    env: {
      SMART_DATABASE_URL: tdb.url,
      SMART_DATA_DIR: dataDir,
      SMART_LOG_LEVEL: 'silent',
      USER: 'tester',
      ...extra,
    },
    dataDir,
    databaseUrl: tdb.url,
    db: () => (handle ??= openDatabase(tdb.url)),
    close: async () => {
      await handle?.close();
      await tdb.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `smart ...args` in-process and captures what it printed. */
export async function smart(
  env: Record<string, string>,
  args: string[],
  opts: { stdin?: string | CliStdin; signal?: AbortSignal; onStdout?: (all: string) => void } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: {
      write: (s: string) => {
        stdout += s;
        opts.onStdout?.(stdout);
        return true;
      },
    },
    stderr: { write: (s: string) => (stderr += s) },
    stdin:
      typeof opts.stdin === 'object'
        ? opts.stdin
        : Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    env,
    signal: opts.signal,
  });
  return { code, stdout, stderr };
}

/** Runs a command that must succeed with --json and returns its parsed output. */
export async function smartJson<T = unknown>(
  env: Record<string, string>,
  args: string[],
  stdin?: string,
): Promise<T> {
  const r = await smart(env, [...args, '--json'], { stdin });
  if (r.code !== 0) throw new Error(`smart ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export async function countRows(h: DbHandle, table: string): Promise<number> {
  const row = await h.db
    .selectFrom(table as 'dealers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Waits until the running command has printed something matching re. */
export async function waitFor(get: () => string, re: RegExp, ms = 20_000): Promise<RegExpExecArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = re.exec(get());
    if (m) return m;
    if (Date.now() > end) throw new Error(`timed out waiting for ${re} in:\n${get()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
