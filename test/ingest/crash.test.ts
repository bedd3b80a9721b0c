import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { openRuntime } from '../../src/runtime.js';
import { generateSysinfoXml, makeProfile, profileForReportSize } from '../../src/sim/kodeks/index.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/db.js';

const ENTRY = path.resolve('test/helpers/cli-entry.ts');

/** Starts `smart serve` as its own process and resolves with its URL once it listens. */
function startServe(env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', ENTRY, 'serve', '--json', '--port', '0', '--host', '127.0.0.1'],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL'); // never leave a stray server behind a failed test
      reject(new Error(`serve did not start: ${err}`));
    }, 30_000);
    proc.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"url":\s*"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1] as string });
      }
    });
    proc.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

describe.each(DB_KINDS)('a report acknowledged with 200 survives SIGKILL (%s)', (kind) => {
  let tdb: TestDatabase;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let token: string;
  let xml: Buffer;

  beforeAll(async () => {
    tdb = await createTestDatabase(kind);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-crash-'));
    env = {
      SMART_DATABASE_URL: tdb.url,
      SMART_DATA_DIR: dataDir,
      SMART_LOG_LEVEL: 'silent',
      SMART_NODE_ID: 'crash-node',
    };
    const rt = await openRuntime(loadConfig(env));
    const op = cliActor('test');
    const d = await createDealer(rt.ctx, op, { code: 'crashdealer', name: 'Crash' });
    token = d.uploadToken;
    const c = await createClient(rt.ctx, op, { dealerId: d.dealer.id, shortName: 'bigclient' });
    await createInstallation(rt.ctx, op, { clientId: c.id, kind: 'agent' });
    await rt.close();
    const at = Date.UTC(2026, 10, 20, 9);
    // A large report, so parsing is still going on when the process is killed.
    const profile = makeProfile(profileForReportSize(7, 12 * 1024 * 1024, at));
    xml = Buffer.concat([...generateSysinfoXml(profile, at)]);
  });
  afterAll(async () => {
    await tdb.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is processed after a restart', async () => {
    const first = await startServe(env);
    const form = new FormData();
    form.append('file', new Blob([xml]), 'bigclient.xml');
    const res = await fetch(`${first.url}/upload?token=${token}`, {
      method: 'POST',
      headers: { dealer: 'crashdealer' },
      body: form,
    });
    first.proc.kill('SIGKILL');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"ok":true,"path":"/files/bigclient.xml"}');
    await new Promise((r) => first.proc.once('close', r));

    const rt = await openRuntime(loadConfig(env));
    try {
      const atKill = await rt.ctx.db.selectFrom('reports').select(['status', 'spool_path']).execute();
      expect(atKill).toHaveLength(1);
      expect(fs.statSync(atKill[0]!.spool_path).size).toBe(xml.length);

      const second = await startServe(env);
      try {
        const until = Date.now() + 60_000;
        let status = '';
        while (Date.now() < until) {
          status = (await rt.ctx.db.selectFrom('reports').select('status').executeTakeFirstOrThrow()).status;
          if (status === 'processed' || status === 'quarantined') break;
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(status).toBe('processed');
        const state = await rt.ctx.db.selectFrom('installation_state').selectAll().executeTakeFirstOrThrow();
        expect(state.seats).toBeGreaterThan(0);
      } finally {
        second.proc.kill('SIGTERM');
        await new Promise((r) => second.proc.once('close', r));
      }
    } finally {
      await rt.close();
    }
  }, 120_000);
});
