/** The worker script a pool starts: the .ts file with the tsx loader from source, the .js file from dist/. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { workerFile } from '../../src/lib/worker-file.js';

describe('workerFile', () => {
  it('from source: the .ts file next to the caller, loaded through tsx', () => {
    const w = workerFile(
      new URL('../../src/db/sqlite-read-pool.ts', import.meta.url).href,
      './sqlite-read-worker',
    );
    expect(w.filename.endsWith('/src/db/sqlite-read-worker.ts')).toBe(true);
    expect(existsSync(w.filename)).toBe(true);
    expect(w.execArgv).toEqual(['--import', 'tsx']);
  });

  it('from dist/: the .js file next to the caller, no loader', () => {
    const w = workerFile('file:///opt/smart/dist/ingest/parse-pool.js', './parse/worker');
    expect(w.filename).toBe('/opt/smart/dist/ingest/parse/worker.js');
    expect(w.execArgv).toEqual([]);
  });
});
