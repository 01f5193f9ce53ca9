/**
 * Backend selection in fresh processes: MAS_BACKEND=portable|native|other, MAS_THREADS, and the
 * native addon's presence (required when built or when MAS_BACKEND=native asks for it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addonPath } from '../../src/tensor/backend/native.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const nativeBuilt = existsSync(addonPath);

/** Run a snippet that imports the backend index in a child process with the given environment. */
function probe(env: Record<string, string | undefined>): { status: number | null; stdout: string; stderr: string } {
  const code = `import { getBackend } from './src/tensor/backend/index.ts';
import { nativeBlasCore } from './src/tensor/backend/native.ts';
const be = getBackend();
console.log(JSON.stringify({ name: be.name, threads: be.getThreads() }));
console.error('core=' + nativeBlasCore());`;
  const childEnv: Record<string, string | undefined> = { ...process.env, MAS_BACKEND: undefined, MAS_THREADS: undefined, ...env };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    env: childEnv as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function selected(env: Record<string, string | undefined>): { name: string; threads: number } {
  const r = probe(env);
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as { name: string; threads: number };
}

test('MAS_BACKEND=portable selects the portable backend, silently', () => {
  const r = probe({ MAS_BACKEND: 'portable' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { name: 'portable', threads: 1 });
  assert.equal(r.stderr, 'core=unknown\n');
});

test('MAS_BACKEND=native selects native when built, and fails loudly when not', () => {
  const r = probe({ MAS_BACKEND: 'native' });
  if (process.env.MAS_BACKEND === 'native') assert.ok(nativeBuilt, `MAS_BACKEND=native but ${addonPath} is missing`);
  if (nativeBuilt) {
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { name: 'native', threads: 1 });
  } else {
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /native backend is unavailable/);
  }
});

test('default selection: native when built, else wasm, silently', () => {
  const r = probe({});
  assert.equal(r.status, 0, r.stderr);
  if (nativeBuilt) {
    assert.equal(JSON.parse(r.stdout.trim()).name, 'native');
    assert.match(r.stderr, /^core=\w+\n$/);
  } else {
    assert.equal(JSON.parse(r.stdout.trim()).name, 'wasm');
    assert.equal(r.stderr, 'core=unknown\n');
  }
});

test('MAS_BACKEND=wasm selects the WebAssembly backend, silently', () => {
  const r = probe({ MAS_BACKEND: 'wasm' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { name: 'wasm', threads: 1 });
  assert.equal(r.stderr, 'core=unknown\n');
});

test('without WebAssembly SIMD: portable with a one-line notice; MAS_BACKEND=wasm is a clear error', () => {
  // Hide WebAssembly.validate's SIMD support (an engine without SIMD128) before the backend loads.
  const noSimd = `const v = WebAssembly.validate; WebAssembly.validate = (b) => (b.length < 40 ? false : v(b));\n`;
  const run = (env: Record<string, string | undefined>) => {
    const code = `${noSimd}const { getBackend } = await import('./src/tensor/backend/index.ts');
console.log(getBackend().name);`;
    const childEnv: Record<string, string | undefined> = { ...process.env, MAS_BACKEND: undefined, ...env };
    for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
    return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, env: childEnv as NodeJS.ProcessEnv, encoding: 'utf8' });
  };
  const forced = run({ MAS_BACKEND: 'wasm' });
  assert.notEqual(forced.status, 0);
  assert.match(forced.stderr, /the wasm backend is unavailable \(this Node\.js has no WebAssembly SIMD128 support\)/);
  if (!nativeBuilt) {
    const r = run({});
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'portable');
    assert.match(r.stderr, /^mas: .*no WebAssembly SIMD128 support.*portable TypeScript backend \(slower\)\n$/);
  }
});

test('an unknown MAS_BACKEND is an error that names the choices', () => {
  const r = probe({ MAS_BACKEND: 'gpu' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /MAS_BACKEND must be 'native', 'wasm' or 'portable', got 'gpu'/);
});

test('MAS_THREADS sets the native BLAS thread count; a bad value is an error', () => {
  if (!nativeBuilt) {
    assert.equal(selected({ MAS_THREADS: '2', MAS_BACKEND: 'portable' }).threads, 1);
    return;
  }
  assert.deepEqual(selected({ MAS_THREADS: '2' }), { name: 'native', threads: 2 });
  const bad = probe({ MAS_THREADS: 'many', MAS_BACKEND: 'native' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /MAS_THREADS must be a positive integer, got 'many'/);
});

test('OpenBLAS kernels: the build hint applies unless OPENBLAS_CORETYPE is set', (t) => {
  if (!nativeBuilt || process.arch !== 'x64' || process.platform !== 'linux') {
    t.diagnostic('needs the native addon on x86-64 Linux');
    assert.ok(true);
    return;
  }
  const hint = JSON.parse(readFileSync(addonPath.replace(/\.node$/, '.json'), 'utf8')) as { detected: string; coretype?: string };
  const auto = probe({ MAS_BACKEND: 'native', OPENBLAS_CORETYPE: undefined });
  assert.equal(auto.status, 0, auto.stderr);
  assert.equal(auto.stderr.trim(), `core=${hint.coretype ?? hint.detected}`);
  const forced = probe({ MAS_BACKEND: 'native', OPENBLAS_CORETYPE: 'Prescott' }); // SSE3: runs on every x86-64
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(forced.stderr.trim(), 'core=Prescott');
});

test('mas selfcheck names the wasm backend and prints a GEMM figure', () => {
  const env: Record<string, string | undefined> = { ...process.env, MAS_BACKEND: 'wasm' };
  const r = spawnSync(process.execPath, ['bin/mas.js', 'selfcheck'], { cwd: root, env: env as NodeJS.ProcessEnv, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^backend: wasm \(threads: 1\)\nsgemm 512: \d+\.\d+ ms \(\d+\.\d GFLOP\/s\)\n$/);
});
