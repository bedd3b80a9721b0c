import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** SMART's version from package.json (the same under tsx and from dist/). */
export function packageVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    cached = pkg.version ?? '0.0.0';
  }
  return cached;
}
