#!/usr/bin/env node
/**
 * Build the native OpenBLAS/LAPACKE addon (build/Release/mas_native.node); `npm install` runs this.
 *
 *   node scripts/build-native.mjs           build unless the addon is already there
 *   node scripts/build-native.mjs --force   rebuild
 *
 * It looks for cblas.h and lapacke.h in the usual places (Debian/Ubuntu: apt install
 * libopenblas-dev liblapacke-dev; macOS: brew install openblas, found under
 * /opt/homebrew/opt/openblas or /usr/local/opt/openblas). MAS_BLAS_INCLUDE and MAS_BLAS_LIB
 * (colon-separated folders) override the search. It runs the node-gyp that ships with npm against
 * the local Node headers (--nodedir), so nothing is downloaded.
 *
 * It never fails the install: on any problem it prints one line and exits 0, and the library
 * falls back to its portable TypeScript backend.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const addon = path.join(root, 'build', 'Release', 'mas_native.node');
const addonConfig = path.join(root, 'build', 'Release', 'mas_native.json');
const force = process.argv.includes('--force');
const verbose = process.argv.includes('--verbose');

function giveUp(reason) {
  console.log(`mas: native addon not built (${reason}); the portable backend will be used`);
  process.exit(0);
}

function splitDirs(v) {
  return (v ?? '').split(path.delimiter).filter((d) => d !== '');
}

/** The first folder that holds every one of `files`. */
function findDir(dirs, files) {
  return dirs.find((d) => files.every((f) => existsSync(path.join(d, f)))) ?? null;
}

/** Whether a folder holds a library named lib<name>.{so,dylib,a}. */
function hasLib(dir, name) {
  try {
    return readdirSync(dir).some((f) => f === `lib${name}.so` || f === `lib${name}.dylib` || f === `lib${name}.a`);
  } catch {
    return false;
  }
}

/** node-gyp's CLI: npm_config_node_gyp, else the copy bundled with the running npm. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    path.join(path.dirname(process.execPath), 'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    process.env.npm_execpath && path.join(path.dirname(process.env.npm_execpath), '../node_modules/node-gyp/bin/node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  ];
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

/** The Node installation prefix whose headers match this Node (so node-gyp downloads nothing). */
function findNodeDir() {
  const prefixes = [
    process.config?.variables?.node_prefix,
    path.resolve(path.dirname(process.execPath), '..'),
    '/usr',
    '/usr/local',
  ];
  return prefixes.find((p) => p && existsSync(path.join(p, 'include', 'node', 'node_api.h'))) ?? null;
}

function main() {
  if (existsSync(addon) && !force) {
    console.log(`mas: native addon present (${path.relative(root, addon)}); use --force to rebuild`);
    return;
  }
  const userInc = splitDirs(process.env.MAS_BLAS_INCLUDE);
  const userLib = splitDirs(process.env.MAS_BLAS_LIB);
  const incDirs = [
    ...userInc,
    '/usr/include',
    '/usr/include/x86_64-linux-gnu',
    '/usr/include/aarch64-linux-gnu',
    '/usr/include/openblas',
    '/usr/local/include',
    '/opt/homebrew/opt/openblas/include',
    '/usr/local/opt/openblas/include',
  ];
  const cblasDir = findDir(incDirs, ['cblas.h']);
  const lapackeDir = findDir(incDirs, ['lapacke.h']);
  if (!cblasDir || !lapackeDir) {
    const missing = [!cblasDir && 'cblas.h', !lapackeDir && 'lapacke.h'].filter(Boolean).join(' and ');
    giveUp(`${missing} not found; install libopenblas-dev liblapacke-dev, or brew install openblas, or set MAS_BLAS_INCLUDE`);
  }
  const libDirs = [
    ...userLib,
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
    '/opt/homebrew/opt/openblas/lib',
    '/usr/local/opt/openblas/lib',
  ];
  const blasDir = libDirs.find((d) => hasLib(d, 'openblas'));
  if (!blasDir) giveUp('libopenblas not found; install libopenblas-dev, or set MAS_BLAS_LIB');
  // Debian ships LAPACKE as its own library; Homebrew's libopenblas contains it.
  const lapackeLibDir = libDirs.find((d) => hasLib(d, 'lapacke'));
  const system = new Set(['/usr/lib', '/usr/lib64', '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu']);
  const linkDirs = [...new Set([lapackeLibDir, blasDir].filter((d) => d && !system.has(d)))];
  const libs = [...linkDirs.map((d) => `-L${d}`), ...(lapackeLibDir ? ['-llapacke'] : []), '-lopenblas'];
  const ldflags = linkDirs.map((d) => `-Wl,-rpath,${d}`);
  const includes = [...new Set([cblasDir, lapackeDir].filter((d) => d !== '/usr/include'))];

  const nodeGyp = findNodeGyp();
  if (!nodeGyp) giveUp('node-gyp not found (it ships with npm; or set npm_config_node_gyp)');
  const nodeDir = findNodeDir();
  if (!nodeDir) giveUp('Node headers (include/node/node_api.h) not found next to this Node; refusing to download them');

  const args = [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, '--release'];
  if (verbose) args.push('--verbose');
  const env = {
    ...process.env,
    MAS_GYP_INCLUDE_DIRS: includes.join(' '),
    MAS_GYP_LIBRARIES: libs.join(' '),
    MAS_GYP_LDFLAGS: ldflags.join(' '),
  };
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) giveUp(`could not run node-gyp: ${r.error.message}`);
  if (r.status !== 0 || !existsSync(addon)) {
    const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
    if (verbose) process.stderr.write(log);
    const firstError = log.split('\n').find((l) => /error/i.test(l) && !/^gyp info/.test(l)) ?? `exit status ${r.status}`;
    giveUp(`node-gyp failed: ${firstError.trim().slice(0, 200)}; rerun with --verbose for the log`);
  }
  // Load it once: a missing shared library shows up here rather than at first use.
  const check = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { encoding: 'utf8' });
  if (check.status !== 0) {
    const line = (check.stderr ?? '').split('\n').find((l) => /Error/.test(l)) ?? 'load failed';
    giveUp(`built, but it does not load: ${line.trim().slice(0, 200)}`);
  }
  checkCoreType();
  console.log(`mas: native addon built (${path.relative(root, addon)}; headers ${[...new Set([cblasDir, lapackeDir])].join(', ')})`);
}

// OpenBLAS kernel sets that predate AVX2: seeing one of these on an AVX2/AVX-512 CPU means OpenBLAS
// did not recognize the CPU (e.g. 0.3.21 on newer Xeons falls back to Prescott, ~8× slower).
const PRE_AVX2 = new Set(['prescott', 'core2', 'penryn', 'dunnington', 'nehalem', 'atom', 'sandybridge', 'katmai', 'coppermine', 'northwood', 'banias', 'opteron', 'opteron_sse3', 'barcelona', 'bobcat', 'bulldozer', 'piledriver', 'steamroller', 'excavator']);

/** The x86 feature flags from /proc/cpuinfo (empty elsewhere). */
function cpuFlags() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    return new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}

/** OpenBLAS's kernel set when loaded with the given OPENBLAS_CORETYPE (undefined: autodetect), or null. */
function probeCore(coretype) {
  const env = { ...process.env };
  if (coretype) env.OPENBLAS_CORETYPE = coretype;
  else delete env.OPENBLAS_CORETYPE;
  const code = `const a = require(${JSON.stringify(addon)}); const n = 64, x = new Float64Array(n * n).fill(1), c = new Float64Array(n * n);
a.dgemm(false, false, n, n, n, 1, x, n, x, n, 0, c, n); if (c[0] !== n) process.exit(3); console.log(a.coreName());`;
  const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * When OpenBLAS picks pre-AVX2 kernels on a CPU with AVX2+FMA (or AVX-512), record the kernel set
 * to use instead in build/Release/mas_native.json; the loader sets OPENBLAS_CORETYPE from it
 * (a user's own OPENBLAS_CORETYPE wins). Writes {} when autodetection is fine.
 */
function checkCoreType() {
  const detected = probeCore(undefined);
  const flags = cpuFlags();
  let config = { detected };
  const avx512 = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f));
  const avx2 = flags.has('avx2') && flags.has('fma');
  if (detected && PRE_AVX2.has(detected.toLowerCase()) && (avx2 || avx512)) {
    for (const coretype of avx512 ? ['SkylakeX', 'Haswell'] : ['Haswell']) {
      const got = probeCore(coretype);
      if (got && got.toLowerCase() === coretype.toLowerCase()) {
        config = { detected, coretype, requires: avx512 && coretype === 'SkylakeX' ? ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'] : ['avx2', 'fma'] };
        console.log(`mas: OpenBLAS detected this CPU as ${detected}; the addon will use its ${coretype} kernels (set OPENBLAS_CORETYPE to override)`);
        break;
      }
    }
  }
  const tmp = `${addonConfig}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config)}\n`);
  renameSync(tmp, addonConfig);
}

try {
  main();
} catch (e) {
  giveUp(e instanceof Error ? e.message : String(e));
}
