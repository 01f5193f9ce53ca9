/**
 * Linear-algebra benchmarks: sgemm/dgemm 1024³, thin SVD 512² and symmetric eig 512 on the active
 * backend, each against numpy at one BLAS thread (same shapes, same LAPACK drivers: gesdd, syevd),
 * plus the same case on the portable backend (`portable_ms`, `portable_ratio` = portable / numpy).
 * numpy inherits this process's environment, so it runs the same OpenBLAS kernels (OPENBLAS_CORETYPE).
 */
import { getBackend, getBackendByName } from '../../src/tensor/backend/index.ts';
import { nativeBlasCore } from '../../src/tensor/backend/native.ts';
import type { Backend } from '../../src/tensor/backend/types.ts';
import { Rng } from '../../src/util/rng.ts';
import { round, runPythonRef, timeMedian, timeRuns, withRef, type BenchCase, type BenchResult } from '../harness.ts';

/** A numpy script that times `stmt` after `setup` and prints {"median_ms": …}. */
function numpyTimer(setup: string, stmt: string, reps: number): string {
  return `
import json, time
import numpy as np
rng = np.random.default_rng(0)
${setup}
for _ in range(2): ${stmt}
t = []
for _ in range(${reps}):
    t0 = time.perf_counter(); ${stmt}; t.append(time.perf_counter() - t0)
t.sort()
print(json.dumps({"median_ms": t[len(t) // 2] * 1e3, "best_ms": t[0] * 1e3}))
`;
}

function randomArray(ctor: Float32ArrayConstructor | Float64ArrayConstructor, len: number, seed: number): Float32Array | Float64Array {
  const rng = new Rng(seed);
  const x = new ctor(len);
  for (let i = 0; i < len; i++) x[i] = rng.normal();
  return x;
}

/** Time `fn(backend)` on the active backend and on the portable one (fewer repeats), against numpy. */
function compare(
  fn: (be: Backend) => void,
  ref: { setup: string; stmt: string; name: string },
  reps: { main: number; portable: number; portableWarmup: number },
  flops?: number,
): BenchResult {
  const be = getBackend();
  const t = timeRuns(() => fn(be), reps.main, 2);
  const ms = t[Math.floor(t.length / 2)];
  let res: BenchResult = { median_ms: round(ms, 3), best_ms: round(t[0], 3), threads: be.getThreads() };
  if (be.name === 'native') res.blas_core = nativeBlasCore();
  if (flops) res.gflops = round(flops / (ms * 1e6), 1);
  const py = runPythonRef(numpyTimer(ref.setup, ref.stmt, reps.main));
  res = withRef(res, ref.name, py?.median_ms);
  if (py) {
    // Best-of ratios are steadier than medians on a shared, loaded machine.
    res.ref_best_ms = round(py.best_ms, 3);
    res.best_ratio = round(t[0] / py.best_ms, 3);
  }
  if (flops && py) res.ref_gflops = round(flops / (py.median_ms * 1e6), 1);
  if (flops) res.best_gflops = round(flops / (t[0] * 1e6), 1);
  if (flops && py) res.ref_best_gflops = round(flops / (py.best_ms * 1e6), 1);
  if (be.name === 'native') {
    const por = getBackendByName('portable');
    const pms = timeMedian(() => fn(por), reps.portable, reps.portableWarmup);
    res.portable_ms = round(pms, 1);
    if (flops) res.portable_gflops = round(flops / (pms * 1e6), 2);
    if (py) res.portable_ratio = round(pms / py.median_ms, 1);
  }
  return res;
}

function gemmCase(name: 'sgemm-1024' | 'dgemm-1024'): BenchCase {
  const f32 = name === 'sgemm-1024';
  const n = 1024;
  return {
    name,
    description: `${f32 ? 'float32' : 'float64'} C = A·B, 1024×1024 (GFLOP/s), vs numpy a @ b at 1 thread; portable too`,
    run() {
      const ctor = f32 ? Float32Array : Float64Array;
      const a = randomArray(ctor, n * n, 1);
      const b = randomArray(ctor, n * n, 2);
      const c = new ctor(n * n);
      const dt = f32 ? 'np.float32' : 'np.float64';
      return compare(
        (be) => be.gemm(false, false, n, n, n, 1, a, b, 0, c),
        {
          name: `numpy ${f32 ? 'float32' : 'float64'} a @ b`,
          setup: `a = rng.standard_normal((${n}, ${n})).astype(${dt}); b = rng.standard_normal((${n}, ${n})).astype(${dt})`,
          stmt: 'a @ b',
        },
        { main: 10, portable: 3, portableWarmup: 1 },
        2 * n ** 3,
      );
    },
  };
}

const svd512: BenchCase = {
  name: 'svd-512',
  description: 'thin SVD (U, s, Vt) of a 512×512 float64 matrix (dgesdd) vs numpy.linalg.svd(full_matrices=False)',
  run() {
    const n = 512;
    const a = randomArray(Float64Array, n * n, 3) as Float64Array;
    return compare(
      (be) => be.svd(a, n, n),
      { name: 'numpy.linalg.svd(full_matrices=False)', setup: `a = rng.standard_normal((${n}, ${n}))`, stmt: 'np.linalg.svd(a, full_matrices=False)' },
      { main: 7, portable: 3, portableWarmup: 0 },
    );
  },
};

const eigh512: BenchCase = {
  name: 'eigh-512',
  description: 'symmetric eigendecomposition with vectors, 512×512 float64 (dsyevd) vs numpy.linalg.eigh',
  run() {
    const n = 512;
    const b = randomArray(Float64Array, n * n, 4);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (b[i * n + j] + b[j * n + i]) / 2;
    return compare(
      (be) => be.eigh(a, n),
      { name: 'numpy.linalg.eigh', setup: `b = rng.standard_normal((${n}, ${n})); a = (b + b.T) / 2`, stmt: 'np.linalg.eigh(a)' },
      { main: 7, portable: 3, portableWarmup: 0 },
    );
  },
};

/** The linear-algebra benchmark cases. */
export const linalgCases: BenchCase[] = [gemmCase('sgemm-1024'), gemmCase('dgemm-1024'), svd512, eigh512];
