/**
 * The WebAssembly backend: wasm/mas_wasm.wasm (C sources in wasm/, SIMD128, no libc; rebuilt by
 * scripts/build-wasm.mjs) behind the Backend interface. Inputs are copied into the module's linear
 * memory (a scratch arena reset after every call), computed there, and copied back out.
 *
 * This file has no Node-only imports: it is given the module's bytes (wasm-load.ts reads them with
 * fs in Node; a web page passes the fetched ArrayBuffer), so it runs in a browser too.
 */
import { DTypeError, InputError, LinalgError, NonFiniteError, ShapeError } from '../../errors.ts';
import { checkDims, checkLength } from './checks.ts';
import type { Backend, EighResult, FloatArray, QrResult, SvdResult } from './types.ts';

type Ptr = number;

/** The module's bytes: an ArrayBuffer or a view of one (a Uint8Array, a Node Buffer). */
export type WasmBytes = ArrayBuffer | ArrayBufferView;

/** The part of the WebAssembly JS API used here, typed locally (the project's lib has no DOM types). */
interface WasmApi {
  Module: new (bytes: WasmBytes) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  validate(bytes: WasmBytes): boolean;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The engine's WebAssembly object, if it has one. */
function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

/** The functions wasm/*.c export (pointers are byte offsets into `memory`). */
interface WasmExports {
  memory: WasmMemory;
  __heap_base: { value: number };
  mas_gemm_work_s(m: number, n: number, k: number): number;
  mas_gemm_work_d(m: number, n: number, k: number): number;
  mas_sgemm(ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: Ptr, lda: number, b: Ptr, ldb: number, beta: number, c: Ptr, ldc: number, work: Ptr): void;
  mas_dgemm(ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: Ptr, lda: number, b: Ptr, ldb: number, beta: number, c: Ptr, ldc: number, work: Ptr): void;
  mas_ssyrk(trans: number, n: number, k: number, alpha: number, a: Ptr, lda: number, beta: number, c: Ptr, ldc: number, work: Ptr): void;
  mas_dsyrk(trans: number, n: number, k: number, alpha: number, a: Ptr, lda: number, beta: number, c: Ptr, ldc: number, work: Ptr): void;
  mas_center_cols(a: Ptr, m: number, n: number, out: Ptr, mu: Ptr): void;
  mas_svd_work(m: number, n: number): number;
  mas_svd(a: Ptr, m: number, n: number, u: Ptr, s: Ptr, vt: Ptr, work: Ptr): number;
  mas_eigh_work(n: number): number;
  mas_eigh(a: Ptr, n: number, w: Ptr, v: Ptr, work: Ptr): number;
  mas_qr_work(m: number, n: number): number;
  mas_qr(a: Ptr, m: number, n: number, q: Ptr, r: Ptr, work: Ptr): number;
  mas_solve_work(n: number, nrhs: number): number;
  mas_solve(a: Ptr, n: number, b: Ptr, nrhs: number, x: Ptr, work: Ptr, ipiv: Ptr, info: Ptr, rc: Ptr): number;
  mas_cholesky(a: Ptr, n: number, l: Ptr, info: Ptr): number;
}

/** A one-page module using a v128 instruction: validates only where WebAssembly SIMD is supported. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this JavaScript engine has WebAssembly with the SIMD128 proposal. */
export function wasmSimdSupported(): boolean {
  try {
    const api = wasmApi();
    return api !== undefined && api.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const PAGE = 65536;


/** Elements a stored rows×cols operand with leading dimension ld spans (0 when empty); checks it fits. */
function operandSpan(op: string, name: string, x: FloatArray, rows: number, cols: number, ld: number): number {
  if (rows === 0 || cols === 0) return 0;
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) throw new ShapeError(`${op}: leading dimension of ${name} is ${ld}, needs at least ${Math.max(1, cols)}`);
  const need = (rows - 1) * ld + cols;
  if (need > x.length) throw new ShapeError(`${op}: ${name} is ${rows}×${cols} with leading dimension ${ld} and needs ${need} elements, has ${x.length}`);
  return need;
}

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

function lowerFinite(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) if (!Number.isFinite(a[i * n + j])) return false;
  return true;
}

/** Instantiate the module from its bytes (synchronously) and wrap it as a Backend. */
export function createWasmBackend(bytes: WasmBytes): Backend {
  const api = wasmApi();
  if (!api || !wasmSimdSupported()) throw new InputError('this JavaScript engine has no WebAssembly SIMD128 support');
  const mod = new api.Module(bytes);
  const inst = new api.Instance(mod, {});
  const x = inst.exports as unknown as WasmExports;
  const mem = x.memory;
  const heapBase = Number(x.__heap_base.value);
  let top = heapBase;

  /** Reserve `bytes` (16-byte aligned) in the arena, growing memory as needed. */
  function alloc(bytes: number): Ptr {
    const p = (top + 15) & ~15;
    top = p + bytes;
    const have = mem.buffer.byteLength;
    if (top > have) {
      try {
        mem.grow(Math.ceil((top - have) / PAGE));
      } catch {
        throw new InputError(`wasm backend: cannot grow its memory to ${(top / 2 ** 20).toFixed(0)} MiB (the limit is 4 GiB); use smaller inputs or MAS_BACKEND=native`);
      }
    }
    return p;
  }
  function f64In(a: FloatArray, len: number): Ptr {
    const p = alloc(len * 8);
    new Float64Array(mem.buffer, p, len).set(len === a.length ? a : a.subarray(0, len));
    return p;
  }
  function f32In(a: FloatArray, len: number): Ptr {
    const p = alloc(len * 4);
    new Float32Array(mem.buffer, p, len).set(len === a.length ? a : a.subarray(0, len));
    return p;
  }
  function f64Out(p: Ptr, len: number): Float64Array {
    return new Float64Array(mem.buffer, p, len).slice();
  }
  /** Run `fn` with a fresh arena; the arena is reset afterwards even when fn throws. */
  function scoped<T>(fn: () => T): T {
    top = heapBase;
    try {
      return fn();
    } finally {
      top = heapBase;
    }
  }

  function gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: FloatArray,
    b: FloatArray,
    beta: number,
    c: FloatArray,
    lda = transA ? m : k,
    ldb = transB ? k : n,
    ldc = n,
  ): void {
    checkDims('gemm', { m, n, k });
    const f32 = a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array;
    const f64 = a instanceof Float64Array && b instanceof Float64Array && c instanceof Float64Array;
    if (!f32 && !f64) throw new DTypeError(`gemm: A, B and C must share one dtype, got ${a.constructor.name}, ${b.constructor.name}, ${c.constructor.name}`);
    const la = operandSpan('gemm', 'A', a, transA ? k : m, transA ? m : k, lda);
    const lb = operandSpan('gemm', 'B', b, transB ? n : k, transB ? k : n, ldb);
    const lc = operandSpan('gemm', 'C', c, m, n, ldc);
    if (c.buffer === a.buffer || c.buffer === b.buffer) {
      const overlap = (y: FloatArray, len: number) =>
        y.buffer === c.buffer && y.byteOffset < c.byteOffset + c.byteLength && c.byteOffset < y.byteOffset + len * y.BYTES_PER_ELEMENT;
      if (overlap(a, a.length) || overlap(b, b.length)) throw new ShapeError('gemm: the output C overlaps an input (A or B); use a separate output array');
    }
    if (lc === 0) return;
    scoped(() => {
      const put = f32 ? f32In : f64In;
      const readK = alpha !== 0 && k > 0;
      const pa = readK ? put(a, la) : 0;
      const pb = readK ? put(b, lb) : 0;
      const pc = put(c, lc);
      const work = alloc(f32 ? x.mas_gemm_work_s(m, n, k) : x.mas_gemm_work_d(m, n, k));
      const ta = transA ? 1 : 0, tb = transB ? 1 : 0;
      const l1 = Math.max(1, lda), l2 = Math.max(1, ldb);
      if (f32) x.mas_sgemm(ta, tb, m, n, k, alpha, pa, l1, pb, l2, beta, pc, ldc, work);
      else x.mas_dgemm(ta, tb, m, n, k, alpha, pa, l1, pb, l2, beta, pc, ldc, work);
      if (f32) (c as Float32Array).set(new Float32Array(mem.buffer, pc, lc));
      else (c as Float64Array).set(new Float64Array(mem.buffer, pc, lc));
    });
  }

  function syrk(trans: boolean, n: number, k: number, alpha: number, a: FloatArray, beta: number, c: FloatArray, lda = trans ? n : k, ldc = n): void {
    checkDims('syrk', { n, k });
    const f32 = a instanceof Float32Array && c instanceof Float32Array;
    const f64 = a instanceof Float64Array && c instanceof Float64Array;
    if (!f32 && !f64) throw new DTypeError(`syrk: A and C must share one dtype, got ${a.constructor.name}, ${c.constructor.name}`);
    const la = operandSpan('syrk', 'A', a, trans ? k : n, trans ? n : k, lda);
    const lc = operandSpan('syrk', 'C', c, n, n, ldc);
    if (lc === 0) return;
    scoped(() => {
      const put = f32 ? f32In : f64In;
      const pa = la > 0 ? put(a, la) : 0;
      const pc = put(c, lc);
      const work = alloc(f32 ? x.mas_gemm_work_s(n, Math.min(n, 64), k) : x.mas_gemm_work_d(n, Math.min(n, 64), k));
      const l1 = Math.max(1, lda);
      if (f32) x.mas_ssyrk(trans ? 1 : 0, n, k, alpha, pa, l1, beta, pc, ldc, work);
      else x.mas_dsyrk(trans ? 1 : 0, n, k, alpha, pa, l1, beta, pc, ldc, work);
      if (f32) (c as Float32Array).set(new Float32Array(mem.buffer, pc, lc));
      else (c as Float64Array).set(new Float64Array(mem.buffer, pc, lc));
    });
  }

  function centerCols(a: Float64Array, m: number, n: number): Float64Array {
    checkDims('centerCols', { m, n });
    checkLength('centerCols', 'A', a, m, n);
    if (m * n === 0) return new Float64Array(m * n);
    return scoped(() => {
      const pa = f64In(a, m * n);
      const po = alloc(m * n * 8);
      const mu = alloc(n * 8);
      x.mas_center_cols(pa, m, n, po, mu);
      return f64Out(po, m * n);
    });
  }

  function svd(a: Float64Array, m: number, n: number): SvdResult {
    checkDims('svd', { m, n });
    checkLength('svd', 'A', a, m, n);
    const r = Math.min(m, n);
    if (r === 0) return { u: new Float64Array(m * r), s: new Float64Array(0), vt: new Float64Array(r * n) };
    if (!allFinite(a)) throw new NonFiniteError(`svd: the ${m}×${n} input contains NaN or Inf`);
    return scoped(() => {
      const pa = f64In(a, m * n);
      const pu = alloc(m * r * 8), ps = alloc(r * 8), pv = alloc(r * n * 8);
      const work = alloc(x.mas_svd_work(m, n) * 8);
      if (x.mas_svd(pa, m, n, pu, ps, pv, work) !== 0) throw new LinalgError(`svd: no convergence for the ${m}×${n} matrix`);
      return { u: f64Out(pu, m * r), s: f64Out(ps, r), vt: f64Out(pv, r * n) };
    });
  }

  function eigh(a: Float64Array, n: number): EighResult {
    checkDims('eigh', { n });
    checkLength('eigh', 'A', a, n, n);
    if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
    if (!lowerFinite(a, n)) throw new NonFiniteError(`eigh: the ${n}×${n} input contains NaN or Inf`);
    return scoped(() => {
      const pa = f64In(a, n * n);
      const pw = alloc(n * 8), pv = alloc(n * n * 8);
      const work = alloc(x.mas_eigh_work(n) * 8);
      if (x.mas_eigh(pa, n, pw, pv, work) !== 0) throw new LinalgError(`eigh: no convergence for the ${n}×${n} matrix`);
      return { values: f64Out(pw, n), vectors: f64Out(pv, n * n) };
    });
  }

  function qr(a: Float64Array, m: number, n: number): QrResult {
    checkDims('qr', { m, n });
    checkLength('qr', 'A', a, m, n);
    if (m < n) throw new ShapeError(`qr: needs rows >= columns, got ${m}×${n}`);
    if (n === 0) return { q: new Float64Array(0), r: new Float64Array(0) };
    if (!allFinite(a)) throw new NonFiniteError(`qr: the ${m}×${n} input contains NaN or Inf`);
    return scoped(() => {
      const pa = f64In(a, m * n);
      const pq = alloc(m * n * 8), pr = alloc(n * n * 8);
      const work = alloc(x.mas_qr_work(m, n) * 8);
      x.mas_qr(pa, m, n, pq, pr, work);
      return { q: f64Out(pq, m * n), r: f64Out(pr, n * n) };
    });
  }

  function solve(a: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array {
    checkDims('solve', { n, nrhs });
    checkLength('solve', 'A', a, n, n);
    checkLength('solve', 'B', b, n, nrhs);
    if (!allFinite(a) || !allFinite(b)) throw new NonFiniteError(`solve: the ${n}×${n} input contains NaN or Inf`);
    if (n === 0 || nrhs === 0) return new Float64Array(n * nrhs);
    return scoped(() => {
      const pa = f64In(a, n * n), pb = f64In(b, n * nrhs);
      const px = alloc(n * nrhs * 8);
      const work = alloc(x.mas_solve_work(n, nrhs) * 8);
      const ipiv = alloc(n * 4), info = alloc(8), rc = alloc(8);
      const st = x.mas_solve(pa, n, pb, nrhs, px, work, ipiv, info, rc);
      if (st !== 0) {
        const piv = new Int32Array(mem.buffer, info, 1)[0];
        const rcond = new Float64Array(mem.buffer, rc, 1)[0];
        if (piv >= 0) throw new LinalgError(`solve: matrix (${n}×${n}) is exactly singular (U[${piv},${piv}] = 0)`);
        throw new LinalgError(`solve: matrix (${n}×${n}) is singular to working precision (reciprocal condition number ${rcond.toPrecision(3)})`);
      }
      return f64Out(px, n * nrhs);
    });
  }

  function cholesky(a: Float64Array, n: number): Float64Array {
    checkDims('cholesky', { n });
    checkLength('cholesky', 'A', a, n, n);
    if (n === 0) return new Float64Array(0);
    if (!lowerFinite(a, n)) throw new NonFiniteError(`cholesky: the ${n}×${n} input contains NaN or Inf`);
    return scoped(() => {
      const pa = f64In(a, n * n), pl = alloc(n * n * 8), info = alloc(8);
      if (x.mas_cholesky(pa, n, pl, info) !== 0) {
        const ord = new Int32Array(mem.buffer, info, 1)[0];
        throw new LinalgError(`cholesky: matrix (${n}×${n}) is not positive definite: the leading minor of order ${ord} is not positive`);
      }
      return f64Out(pl, n * n);
    });
  }

  return {
    name: 'wasm',
    gemm,
    syrk,
    centerCols,
    svd,
    eigh,
    qr,
    solve,
    cholesky,
    setThreads(t: number): void {
      if (!Number.isInteger(t) || t < 1) throw new InputError(`setThreads: needs a positive integer, got ${t}`);
    },
    getThreads(): number {
      return 1;
    },
  };
}
