#!/usr/bin/env node
// Entry point of the `smart` command. Runs the compiled CLI from dist/ (built by `npm run build`,
// which `npm ci` runs through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('smart: dist/ is missing; run `npm run build` first.');
  process.exit(1);
}
const { runCli } = await import(pathToFileURL(main).href);
process.exitCode = await runCli(process.argv.slice(2));
