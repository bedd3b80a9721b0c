#!/usr/bin/env -S node --max-semi-space-size=32
// Entry point of the `smart` command. Runs the compiled CLI from dist/ (built by `npm run build`,
// which `npm ci` runs through the prepare script). The young generation is 32 MB per semi-space, not
// V8's 16: a dashboard answer allocates tens of MB of short-lived rows, and scavenging them took a fifth
// of «Для менеджеров»'s CPU (docs/performance.md); `npm start` passes the same flag.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('smart: dist/ is missing; run `npm run build` first.');
  process.exit(1);
}
const { runCli } = await import(pathToFileURL(main).href);
process.exitCode = await runCli(process.argv.slice(2));
