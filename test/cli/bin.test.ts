import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS } from '../../bench/lib/node-flags.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(ROOT, 'dist/cli/main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

describe('the smart command (bin/smart.js, built dist/)', () => {
  beforeAll(() => {
    // `npm ci` builds dist/ through the prepare script; rebuild only when the sources are newer.
    const stale = !fs.existsSync(MAIN) || fs.statSync(MAIN).mtimeMs < newestSource(path.join(ROOT, 'src'));
    if (stale) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  }, 120_000);

  it('runs as a program through its shebang, with the young generation it asks for', () => {
    // `npx smart` and the bin link execute the file itself: `env -S` must split the Node flag off.
    const r = spawnSync(path.join(ROOT, 'bin/smart.js'), ['--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('smart serve');
    expect(fs.readFileSync(path.join(ROOT, 'bin/smart.js'), 'utf8').split('\n')[0]).toBe(
      `#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}`,
    );
  });

  it('--help lists every command', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/smart.js'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const cmd of [
      'smart serve',
      'smart migrate',
      'smart demo',
      'smart dealer add --code <code> --name <name>',
      'smart dealer list',
      'smart token add',
      'smart token list',
      'smart token revoke <id>',
      'smart unit add',
      'smart unit list',
      'smart manager add',
      'smart manager list',
      'smart user add',
      'smart user list',
      'smart user passwd',
      'smart import <managers|online> <file> --dealer <code>',
      'smart export <managers|online> --dealer <code>',
    ]) {
      expect(r.stdout).toContain(cmd);
    }
  });

  it('exits with 2 and a message on a usage error', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/smart.js'), 'dealer', 'add'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("required option '--code <code>' not specified");
  });
});
