// The package as a user gets it: `npm pack`, install the tarball into a fresh project (offline), then run
// the README's JavaScript example with plain `node` and build the TypeScript example with an emitting
// `tsc` (module nodenext) and run its output. No TypeScript loader is installed in that project.
//
// Needs an up-to-date dist/ (scripts/test.mjs builds it first). The dependencies come from the local npm
// cache (`npm ci --offline` against a lockfile made from this repository's lockfile), which `npm ci` or
// `npm install` in this checkout filled; where the cache lacks them, the test links the checkout's
// installed runtime dependencies instead (and says so).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/util/rng.ts';
import { mat, matmul, qr, type Mat } from '../../src/tensor/linalg.ts';
import { similarity } from '../../src/similarity/index.ts';
import { listMeasures } from '../../src/similarity/registry.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function sh(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  // npm_config_* from an enclosing `npm test` would point the child npm at this checkout; drop them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...env, npm_config_update_notifier: 'false' }, maxBuffer: 1 << 26 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

interface LockEntry {
  dev?: boolean;
  link?: boolean;
  [k: string]: unknown;
}

/** Install the tarball into `dir`: offline from the npm cache, else by linking this checkout's runtime dependencies. */
function install(dir: string, tgz: string, diag: (m: string) => void): void {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const runtime = Object.entries(lock.packages).filter(([k, v]) => k !== '' && !v.dev && !v.link);
  const self = lock.packages[''];
  const spec = `file:${tgz}`;
  const integrity = `sha512-${createHash('sha512').update(fs.readFileSync(tgz)).digest('base64')}`;
  const packages: Record<string, unknown> = { '': { name: 'consumer', dependencies: { [pkg.name]: spec } } };
  packages[`node_modules/${pkg.name}`] = { version: pkg.version, resolved: spec, integrity, hasInstallScript: true, dependencies: self.dependencies, bin: { mas: 'bin/mas.js' } };
  for (const [k, v] of runtime) packages[k] = v;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { [pkg.name]: spec } }));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }));
  const r = sh(npm, ['ci', '--offline', '--no-audit', '--no-fund'], dir);
  if (r.status === 0) {
    diag('installed with npm ci --offline from the npm cache');
    return;
  }
  assert.match(`${r.stdout}${r.stderr}`, /ENOTCACHED|only-if-cached/, `npm ci --offline failed for another reason:\n${r.stderr}`);
  diag('the npm cache lacks the dependencies: installed the tarball with --no-package-lock and linked the runtime dependencies');
  fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
  // Only top-level entries: a linked folder already carries its own nested node_modules, and linking a
  // nested entry too would write through the link into this checkout (EEXIST).
  for (const [k] of runtime.filter(([k]) => k.split('node_modules/').length === 2)) {
    const to = path.join(dir, k);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.symlinkSync(path.join(root, k), to, 'dir');
  }
  ok(sh(npm, ['install', '--offline', '--no-package-lock', '--no-save', '--no-audit', '--no-fund', tgz], dir), 'npm install of the tarball');
}

/** The inputs both examples build (the same recipe, run here against the source). */
function exampleInputs(): { X: Mat; Y: Mat } {
  const rng = new Rng(7);
  const n = 200;
  const p = 16;
  const X = mat(n, p, Float64Array.from({ length: n * p }, () => rng.normal()));
  const { q } = qr(mat(p, p, Float64Array.from({ length: p * p }, () => rng.normal())));
  const XQ = matmul(X, q);
  const Y = mat(n, p, XQ.data.map((v) => v + 0.1 * rng.normal()));
  return { X, Y };
}

/** Linear CKA from its closed form ‖XcᵀYc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F), in plain loops. */
function ckaClosedForm(X: Mat, Y: Mat): number {
  const centre = (A: Mat): Mat => {
    const out = mat(A.rows, A.cols, A.data.slice());
    for (let j = 0; j < A.cols; j++) {
      let m = 0;
      for (let i = 0; i < A.rows; i++) m += A.data[i * A.cols + j];
      m /= A.rows;
      for (let i = 0; i < A.rows; i++) out.data[i * A.cols + j] -= m;
    }
    return out;
  };
  const cross = (A: Mat, B: Mat): number => {
    let s = 0;
    for (let a = 0; a < A.cols; a++) {
      for (let b = 0; b < B.cols; b++) {
        let d = 0;
        for (let i = 0; i < A.rows; i++) d += A.data[i * A.cols + a] * B.data[i * B.cols + b];
        s += d * d;
      }
    }
    return s;
  };
  const Xc = centre(X);
  const Yc = centre(Y);
  return cross(Xc, Yc) / Math.sqrt(cross(Xc, Xc) * cross(Yc, Yc));
}

test('npm pack → install offline elsewhere → the JS example runs on plain node, the TS example builds with tsc (nodenext) and runs', (t) => {
  assert.ok(fs.existsSync(path.join(root, 'dist', 'index.js')), 'dist/ is built (npm test builds it first)');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-pack-'));
  // --ignore-scripts: dist/ is already current, and a rebuild must not rewrite it under tests that run meanwhile.
  const packed = JSON.parse(ok(sh(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root), 'npm pack')) as { filename: string; size: number; files: { path: string }[] }[];
  const tgz = path.join(tmp, packed[0].filename);
  const files = packed[0].files.map((f) => f.path);
  assert.ok(packed[0].size < 3 * 1024 * 1024, `tarball ${packed[0].size} bytes`);
  for (const f of ['LICENSE', 'README.md', 'bin/mas.js', 'dist/index.js', 'dist/index.d.ts', 'dist/similarity/index.d.ts', 'binding.gyp', 'scripts/build-native.mjs', 'native/mas_native.c']) assert.ok(files.includes(f), `tarball holds ${f}`);
  for (const f of files) assert.doesNotMatch(f, /^(test|bench|examples)\/|fixtures|\.tsbuildinfo$/, `tarball must not hold ${f}`);

  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  install(app, tgz, (m) => t.diagnostic(m));
  const installed = path.join(app, 'node_modules', pkg.name);
  assert.ok(fs.existsSync(path.join(installed, 'dist', 'index.js')));
  assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'tsx')), 'no TypeScript loader in the consumer');

  const { X, Y } = exampleInputs();
  const expected = {
    'cka-linear': similarity('cka-linear', X, Y).value,
    rsa: similarity('rsa', X, Y).value,
    'procrustes-angular': similarity('procrustes-angular', X, Y).value,
  };
  // The in-process value is the closed form (to float64 rounding of a 200×16 computation).
  assert.ok(Math.abs(expected['cka-linear'] - ckaClosedForm(X, Y)) <= 1e-12, `${expected['cka-linear']} vs ${ckaClosedForm(X, Y)}`);

  // JavaScript: plain node, the example copied as a user would.
  fs.copyFileSync(path.join(root, 'examples', 'library.mjs'), path.join(app, 'library.mjs'));
  const js = JSON.parse(ok(sh(process.execPath, ['library.mjs'], app), 'node library.mjs')) as { measures: number; values: Record<string, number> };
  assert.equal(js.measures, listMeasures().length);
  assert.deepEqual(js.values, expected);
  assert.ok(js.values['cka-linear'] > 0.9 && js.values['cka-linear'] < 1, 'a rotation plus small noise is nearly identical under CKA');

  // The installed bin: `mas --version` prints package.json's version.
  assert.equal(ok(sh(process.execPath, [path.join(installed, 'bin', 'mas.js'), '--version'], app), 'mas --version').trim(), pkg.version);

  // The install script built the native addon in the consumer too, where this checkout has one (same headers).
  if (fs.existsSync(path.join(root, 'build', 'Release', 'mas_native.node'))) {
    const env = { ...process.env };
    delete env.MAS_BACKEND;
    const sc = spawnSync(process.execPath, [path.join(installed, 'bin', 'mas.js'), 'selfcheck'], { cwd: app, encoding: 'utf8', env });
    assert.equal(sc.status, 0, sc.stderr);
    assert.match(sc.stdout, /^backend: native/m);
  }

  // TypeScript: an emitting tsc build (module nodenext) against the installed .d.ts, then plain node.
  for (const dep of ['typescript', '@types/node']) {
    fs.mkdirSync(path.dirname(path.join(app, 'node_modules', dep)), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(app, 'node_modules', dep), 'dir');
  }
  fs.copyFileSync(path.join(root, 'examples', 'library.ts'), path.join(app, 'library.ts'));
  const tsconfig = { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: ['node'], strict: true, outDir: 'out' }, files: ['library.ts'] };
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
  ok(sh(process.execPath, [path.join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app), 'tsc');
  const ts = JSON.parse(ok(sh(process.execPath, [path.join('out', 'library.js')], app), 'node out/library.js')) as Record<string, unknown>;
  assert.deepEqual(ts, {
    cka: expected['cka-linear'],
    n: 200,
    orthogonalInvariant: listMeasures().filter((m) => m.invariances.orthogonal).length,
    errorCode: 'E_SHAPE',
  });
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("the README's library examples are examples/library.mjs and examples/library.ts (after their header comments)", () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it as a library'), readme.indexOf('## Development'));
  const blocks = [...section.matchAll(/```(js|ts)\n([\s\S]*?)```/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(blocks.map((b) => b[0]), ['js', 'ts']);
  const body = (f: string): string => {
    const lines = fs.readFileSync(path.join(root, 'examples', f), 'utf8').split('\n');
    let i = 0;
    while (lines[i].startsWith('//')) i++;
    return lines.slice(i).join('\n');
  };
  assert.equal(blocks[0][1], body('library.mjs'));
  assert.equal(blocks[1][1], body('library.ts'));
});
