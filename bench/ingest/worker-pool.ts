import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';

/**
 * A piscina pool over one of this folder's worker files. Run from source (`node --import tsx`) the
 * worker is a .ts file and needs the tsx loader too, as in src/ingest/parse-pool.ts.
 */
export function benchWorkerPool<T, R>(name: string, threads: number): Piscina<T, R> {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  return new Piscina<T, R>({
    filename: fileURLToPath(url),
    minThreads: threads,
    maxThreads: threads,
    execArgv: fromSource ? ['--import', 'tsx'] : [],
  });
}
