/**
 * A worker thread's script next to the module that starts it. From source (tests, `tsx`) the worker is
 * the .ts file and needs the tsx loader in the thread; from dist/ it is the compiled .js.
 */
import { fileURLToPath } from 'node:url';

export function workerFile(
  baseUrl: string,
  relativeWithoutExtension: string,
): { filename: string; execArgv: string[] } {
  const fromSource = baseUrl.endsWith('.ts');
  return {
    filename: fileURLToPath(new URL(`${relativeWithoutExtension}.${fromSource ? 'ts' : 'js'}`, baseUrl)),
    execArgv: fromSource ? ['--import', 'tsx'] : [],
  };
}
