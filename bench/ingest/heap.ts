/** Runs heap-child.ts in a fresh process for one report. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ReportFile } from './corpus.js';
import type { HeapProbe } from './heap-child.js';

const run = promisify(execFile);

/** Peak heap of one parse of `report`. */
export async function probeHeap(report: ReportFile): Promise<HeapProbe> {
  const fromSource = import.meta.url.endsWith('.ts');
  const child = fileURLToPath(new URL(`./heap-child.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const args = [
    '--expose-gc',
    ...(fromSource ? ['--import', 'tsx'] : []),
    child,
    report.path,
    String(report.utcOffsetMin),
  ];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as HeapProbe;
}
