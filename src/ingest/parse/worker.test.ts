import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import type { ParseTask, ParseTaskResult } from './worker.js';

describe('parsing in a piscina worker thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smart-worker-'));
  // The worker is TypeScript here; built code points piscina at dist/.../worker.js instead.
  const pool = new Piscina<ParseTask, ParseTaskResult>({
    filename: new URL('./worker.ts', import.meta.url).href,
    execArgv: ['--import', 'tsx'],
    maxThreads: 2,
  });
  afterAll(async () => {
    await pool.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs parse tasks off the main thread and returns plain results', async () => {
    const good = join(dir, 'a.xml');
    writeFileSync(
      good,
      '<sysinfo created="2026-04-16 13:08:53"><registration><seats>7</seats></registration></sysinfo>',
    );
    const bad = join(dir, 'b.xml');
    writeFileSync(bad, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><sysinfo/>');
    const [ok, ko] = await Promise.all([
      pool.run({ type: 'sysinfo', path: good, utcOffsetMin: 180 }),
      pool.run({ type: 'sysinfo', path: bad, utcOffsetMin: 180 }),
    ]);
    expect(ok).toMatchObject({ ok: true, type: 'sysinfo', snapshot: { licensing: { seats: 7 } } });
    expect(ko).toMatchObject({ ok: false, reason: 'dtd_forbidden' });
  });
});
