import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AGENT_VERSION } from '../../src/agent/version.js';
import { tmpDir, writeConfig } from './agent-harness.js';

const run = promisify(execFile);

describe('single-file agent', () => {
  it('builds with the build script and runs with plain node', async () => {
    const out = path.join(tmpDir('smart-bundle-'), 'smart-agent.mjs');
    await run(process.execPath, ['scripts/build-agent.mjs', '--outfile', out], { timeout: 60_000 });
    // The bundle must not carry server code (the database drivers, the web server).
    const text = fs.readFileSync(out, 'utf8');
    expect(text).not.toMatch(/better-sqlite3|from "kysely"|fastify/);

    const help = await run(process.execPath, [out, '--help']);
    expect(help.stdout).toContain('--self-test');
    expect((await run(process.execPath, [out, '--version'])).stdout.trim()).toBe(AGENT_VERSION);

    // A broken config is named, with a non-zero exit, in the bundled form too.
    const cfg = writeConfig(tmpDir('smart-bundle-'), { client: 'romashka', pkUrl: 'nope' });
    const bad = await run(process.execPath, [out, '--config', cfg, '--self-test']).catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stdout: string }).stdout).toMatch(/FAIL\s+config\s+.*field "pkUrl"/);
  });
});
