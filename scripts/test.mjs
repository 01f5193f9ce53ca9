#!/usr/bin/env node
// `npm test`: finds every test/**/*.test.ts and runs them on Node's built-in test runner (through
// tsx), so CI can count the tests. Node 20's runner does not expand globs itself.
// Extra arguments select files by substring: `npm test -- similarity` runs only matching files.
// It first brings dist/ up to date (an incremental `tsc -p tsconfig.build.json`, a few seconds when
// nothing changed): the CLI tests spawn bin/mas.js, which runs the compiled dist/ exactly as an
// installed package does, so they must never see a stale build.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'fixtures') walk(p);
    } else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
};
walk(join(root, 'test'));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
if (selected.length === 0) {
  console.error('test: no test files matched');
  process.exit(1);
}
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit', cwd: root });
if (build.status !== 0) {
  console.error('test: building dist/ failed (tsc -p tsconfig.build.json)');
  process.exit(1);
}
const reporter = 'spec';
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-reporter=${reporter}`, '--test-concurrency=2', ...selected],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);
