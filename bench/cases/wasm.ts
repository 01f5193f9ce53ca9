/**
 * `wasm-vs-native`: the WebAssembly backend against the native one (OpenBLAS/LAPACK, 1 thread) on
 * sgemm/dgemm 1024³, thin SVD 512² and eigh 512, with the two calls alternating so that both see
 * the same machine load (steadier than two separate runs on a shared machine). Reports best and
 * median milliseconds of each and their ratios (wasm / native). Needs the native addon.
 */
import { getBackendByName, loadNative } from '../../src/tensor/backend/index.ts';
import type { Backend } from '../../src/tensor/backend/types.ts';
import { Rng } from '../../src/util/rng.ts';
import { round, type BenchCase, type BenchResult } from '../harness.ts';

function normals(ctor: Float32ArrayConstructor | Float64ArrayConstructor, len: number, seed: number): Float32Array | Float64Array {
  const rng = new Rng(seed);
  const x = new ctor(len);
  for (let i = 0; i < len; i++) x[i] = rng.normal();
  return x;
}

/** Best and median ms of `reps` alternating calls of fn(wasm) and fn(native), after one warm-up each. */
function alternate(fn: (be: Backend) => void, reps: number, wasm: Backend, native: Backend): Record<string, number> {
  fn(wasm);
  fn(native);
  const tw: number[] = [];
  const tn: number[] = [];
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    fn(wasm);
    tw.push(performance.now() - t0);
    t0 = performance.now();
    fn(native);
    tn.push(performance.now() - t0);
  }
  tw.sort((a, b) => a - b);
  tn.sort((a, b) => a - b);
  const mw = tw[Math.floor(reps / 2)], mn = tn[Math.floor(reps / 2)];
  return { wasm_best_ms: round(tw[0], 1), native_best_ms: round(tn[0], 1), best_ratio: round(tw[0] / tn[0], 2), wasm_median_ms: round(mw, 1), native_median_ms: round(mn, 1), median_ratio: round(mw / mn, 2) };
}

export const wasmVsNative: BenchCase = {
  name: 'wasm-vs-native',
  description: 'wasm backend / native backend, alternating calls: sgemm-1024, dgemm-1024, svd-512, eigh-512',
  run(): BenchResult {
    const native = loadNative();
    if (!native) throw new Error('wasm-vs-native needs the native addon');
    const wasm = getBackendByName('wasm');
    const n = 1024;
    const res: BenchResult = { median_ms: 0 };
    for (const f32 of [true, false]) {
      const ctor = f32 ? Float32Array : Float64Array;
      const a = normals(ctor, n * n, 1), b = normals(ctor, n * n, 2), c = new ctor(n * n);
      const r = alternate((be) => be.gemm(false, false, n, n, n, 1, a, b, 0, c), 7, wasm, native);
      for (const [k, v] of Object.entries(r)) res[`${f32 ? 's' : 'd'}gemm1024_${k}`] = v;
    }
    const m = 512;
    const x = normals(Float64Array, m * m, 3) as Float64Array;
    for (const [k, v] of Object.entries(alternate((be) => be.svd(x, m, m), 5, wasm, native))) res[`svd512_${k}`] = v;
    const sym = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) sym[i * m + j] = (x[i * m + j] + x[j * m + i]) / 2;
    for (const [k, v] of Object.entries(alternate((be) => be.eigh(sym, m), 5, wasm, native))) res[`eigh512_${k}`] = v;
    res.median_ms = res.svd512_wasm_median_ms as number;
    return res;
  },
};
