/**
 * Bundles the Node agent (src/agent/main.ts) into one file runnable with plain `node`:
 *   node scripts/build-agent.mjs [--outfile dist/agent/smart-agent.mjs]
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--outfile');
const outfile = i > 0 ? path.resolve(process.argv[i + 1]) : path.join(root, 'dist/agent/smart-agent.mjs');

const result = await build({
  entryPoints: [path.join(root, 'src/agent/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // Bundled CommonJS (undici) calls require() for node: built-ins; ESM output needs one provided.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __smartCreateRequire } from 'node:module';\nconst require = __smartCreateRequire(import.meta.url);",
  },
});
const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
console.log(`built ${path.relative(process.cwd(), outfile)} (${Math.round(bytes / 1024)} KB)`);
