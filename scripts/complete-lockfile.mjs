#!/usr/bin/env node
// The npm registry reachable here serves rollup's native binary only for the platforms it runs on, so
// `npm install` leaves the other platforms' optional packages out of package-lock.json, and `npm ci`
// then refuses the lock file as "not in sync". This adds those entries back (version, os, cpu and libc
// only: npm skips them on a non-matching machine without fetching anything). Run after `npm install`.
import fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;

// Platform of a native-binary package, from its name (rollup-<os>-<cpu>[-<abi>]).
function platformOf(name) {
  const m = /^@rollup\/rollup-([a-z0-9]+)-([a-z0-9]+)(?:-([a-z0-9]+))?$/.exec(name);
  if (!m) return null;
  const [, os, cpu, abi] = m;
  const entry = { os: [os], cpu: [cpu === 'arm' ? 'arm' : cpu] };
  if (os === 'linux') entry.libc = [abi && abi.startsWith('musl') ? 'musl' : 'glibc'];
  return entry;
}

let added = 0;
for (const [where, pkg] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `${where ? `${where}/` : ''}node_modules/${name}`.replace(/^\//, '');
    const hoisted = `node_modules/${name}`;
    if (packages[key] || packages[hoisted]) continue;
    const platform = platformOf(name);
    if (!platform) continue;
    packages[hoisted] = {
      version,
      ...(pkg.dev ? { dev: true } : {}),
      license: 'MIT',
      optional: true,
      ...platform,
    };
    added += 1;
  }
}
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
lock.packages = sorted;
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entries`);
