#!/usr/bin/env node
/**
 * Rebuild wasm/mas_wasm.wasm from the C sources in wasm/ with clang (wasm32, SIMD128, no libc) and
 * lld. The built module is committed, so installing needs no compiler; CI runs this and then the
 * backend tests on the rebuilt module. `--check` fails if the rebuilt bytes differ from the
 * committed ones (a stale module). CLANG=… picks the compiler (default: clang, then clang-14…19).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'wasm');
const out = path.join(dir, 'mas_wasm.wasm');
const sources = ['blas.c', 'linalg.c'];

function findClang() {
  const cands = process.env.CLANG ? [process.env.CLANG] : ['clang', 'clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang-15', 'clang-14'];
  for (const c of cands) if (spawnSync(c, ['--version']).status === 0) return c;
  return null;
}

const clang = findClang();
if (!clang) {
  console.error('build-wasm: clang not found (install clang and lld; set CLANG=… to choose one)');
  process.exit(1);
}
const tmp = `${out}.tmp`;
const args = [
  '--target=wasm32', '-O3', '-msimd128', '-mbulk-memory', '-nostdlib', '-ffreestanding', '-fno-builtin-malloc',
  '-Wall', '-Wextra', '-Wno-unused-parameter',
  '-Wl,--no-entry', '-Wl,--export-dynamic', '-Wl,--export=__heap_base', '-Wl,-z,stack-size=1048576',
  '-Wl,--initial-memory=4194304', '-Wl,--max-memory=4294967296', '-Wl,--strip-all',
  '-o', tmp, ...sources.map((f) => path.join(dir, f)),
];
const r = spawnSync(clang, args, { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`build-wasm: ${clang} failed (needs clang and lld with the wasm32 target)`);
  process.exit(1);
}
const fresh = readFileSync(tmp);
if (process.argv.includes('--check')) {
  const old = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
  if (!old.equals(fresh)) {
    rmSync(tmp);
    console.error('build-wasm: wasm/mas_wasm.wasm differs from a fresh build of wasm/*.c; run `node scripts/build-wasm.mjs` and commit it');
    process.exit(1);
  }
}
renameSync(tmp, out);
console.log(`build-wasm: ${path.relative(root, out)} (${fresh.length} bytes) from ${sources.join(', ')}`);
