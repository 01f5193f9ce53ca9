/**
 * The native backend: the N-API addon build/Release/mas_native.node over OpenBLAS and LAPACKE
 * (native/mas_native.c; built by `npm install` through scripts/build-native.mjs).
 *
 * Threading policy: BLAS runs single-threaded unless MAS_THREADS=n asks for more, or setThreads
 * changes it. One thread is the predictable choice on small shared machines (see the benchmarks).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DTypeError, InputError, LinalgError, NonFiniteError, ShapeError } from '../../errors.ts';
import { checkDims, checkLength } from './checks.ts';
import type { Backend, EighResult, QrResult, SvdResult } from './types.ts';

/** cblas_?gemm's row-major arguments: C ← alpha·op(A)·op(B) + beta·C. */
type Gemm<T> = (ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number, a: T, lda: number, b: T, ldb: number, beta: number, c: T, ldc: number) => void;

/** cblas_?syrk's row-major arguments (upper triangle, mirrored): C ← alpha·op(A)·op(A)ᵀ + beta·C. */
type Syrk<T> = (trans: boolean, n: number, k: number, alpha: number, a: T, lda: number, beta: number, c: T, ldc: number) => void;

/** The addon's functions, as native/mas_native.c exports them (row-major, CBLAS argument order). */
interface NativeAddon {
  sgemm: Gemm<Float32Array>;
  dgemm: Gemm<Float64Array>;
  ssyrk: Syrk<Float32Array>;
  dsyrk: Syrk<Float64Array>;
  centerCols(a: Float64Array, m: number, n: number): Float64Array;
  svd(a: Float64Array, m: number, n: number): SvdResult;
  eigh(a: Float64Array, n: number): EighResult;
  qr(a: Float64Array, m: number, n: number): QrResult;
  solve(a: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array;
  cholesky(a: Float64Array, n: number): Float64Array;
  setThreads(n: number): void;
  getThreads(): number;
  coreName(): string;
}

/** Path of the compiled addon (repository root / build / Release). */
export const addonPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../build/Release/mas_native.node');

/** Thread count from MAS_THREADS (default 1); a bad value is an InputError. */
export function threadsFromEnv(): number {
  const v = process.env.MAS_THREADS;
  if (v === undefined || v === '') return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`MAS_THREADS must be a positive integer, got '${v}'`);
  return n;
}


/** Turn an addon error (its `code` set by mas_native.c) into the library's typed error. */
function translate(op: string, shape: string, e: unknown): never {
  const code = (e as { code?: string }).code;
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'MAS_SINGULAR') throw new LinalgError(`${op}: matrix (${shape}) is ${msg}`);
  if (code === 'MAS_NOT_PD') throw new LinalgError(`${op}: matrix (${shape}) is not positive definite: ${msg}`);
  if (code === 'MAS_NO_CONVERGENCE') throw new LinalgError(`${op}: no convergence for the ${shape} matrix (${msg})`);
  if (code === 'MAS_NONFINITE') throw new NonFiniteError(`${op}: the ${shape} input contains NaN or Inf`);
  if (e instanceof RangeError) throw new ShapeError(msg);
  if (e instanceof TypeError) throw new DTypeError(msg);
  throw e;
}

function wrap(lib: NativeAddon): Backend {
  return {
    name: 'native',
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c, lda = transA ? m : k, ldb = transB ? k : n, ldc = n): void {
      checkDims('gemm', { m, n, k, lda, ldb, ldc });
      try {
        if (a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array) {
          lib.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } else if (a instanceof Float64Array && b instanceof Float64Array && c instanceof Float64Array) {
          lib.dgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } else {
          throw new DTypeError(`gemm: A, B and C must share one dtype, got ${a.constructor.name}, ${b.constructor.name}, ${c.constructor.name}`);
        }
      } catch (e) {
        if (e instanceof DTypeError) throw e;
        translate('gemm', `${m}×${n}×${k}`, e);
      }
    },
    syrk(trans, n, k, alpha, a, beta, c, lda = trans ? n : k, ldc = n): void {
      checkDims('syrk', { n, k, lda, ldc });
      try {
        if (a instanceof Float32Array && c instanceof Float32Array) lib.ssyrk(trans, n, k, alpha, a, lda, beta, c, ldc);
        else if (a instanceof Float64Array && c instanceof Float64Array) lib.dsyrk(trans, n, k, alpha, a, lda, beta, c, ldc);
        else throw new DTypeError(`syrk: A and C must share one dtype, got ${a.constructor.name}, ${c.constructor.name}`);
      } catch (e) {
        if (e instanceof DTypeError) throw e;
        translate('syrk', `${n}×${n}×${k}`, e);
      }
    },
    centerCols(a, m, n): Float64Array {
      checkDims('centerCols', { m, n });
      checkLength('centerCols', 'A', a, m, n);
      try {
        return lib.centerCols(a, m, n);
      } catch (e) {
        translate('centerCols', `${m}×${n}`, e);
      }
    },
    svd(a, m, n): SvdResult {
      checkDims('svd', { m, n });
      checkLength('svd', 'A', a, m, n);
      try {
        return lib.svd(a, m, n);
      } catch (e) {
        translate('svd', `${m}×${n}`, e);
      }
    },
    eigh(a, n): EighResult {
      checkDims('eigh', { n });
      checkLength('eigh', 'A', a, n, n);
      try {
        return lib.eigh(a, n);
      } catch (e) {
        translate('eigh', `${n}×${n}`, e);
      }
    },
    qr(a, m, n): QrResult {
      checkDims('qr', { m, n });
      checkLength('qr', 'A', a, m, n);
      if (m < n) throw new ShapeError(`qr: needs rows >= columns, got ${m}×${n}`);
      try {
        return lib.qr(a, m, n);
      } catch (e) {
        translate('qr', `${m}×${n}`, e);
      }
    },
    solve(a, n, b, nrhs): Float64Array {
      checkDims('solve', { n, nrhs });
      checkLength('solve', 'A', a, n, n);
      checkLength('solve', 'B', b, n, nrhs);
      try {
        return lib.solve(a, n, b, nrhs);
      } catch (e) {
        translate('solve', `${n}×${n}`, e);
      }
    },
    cholesky(a, n): Float64Array {
      checkDims('cholesky', { n });
      checkLength('cholesky', 'A', a, n, n);
      try {
        return lib.cholesky(a, n);
      } catch (e) {
        translate('cholesky', `${n}×${n}`, e);
      }
    },
    setThreads(t: number): void {
      if (!Number.isInteger(t) || t < 1) throw new InputError(`setThreads: needs a positive integer, got ${t}`);
      lib.setThreads(t);
    },
    getThreads(): number {
      return lib.getThreads();
    },
  };
}

/**
 * OpenBLAS 0.3.21 does not recognize some newer CPUs and falls back to its SSE3 (Prescott)
 * kernels. scripts/build-native.mjs records a better kernel set in mas_native.json when it sees
 * that; apply it (through OPENBLAS_CORETYPE, read when the library loads) if the CPU still has the
 * instructions it needs and the user has not chosen one.
 */
function applyCoreTypeHint(): void {
  if (process.env.OPENBLAS_CORETYPE) return;
  try {
    const cfg = JSON.parse(readFileSync(addonPath.replace(/\.node$/, '.json'), 'utf8')) as { coretype?: string; requires?: string[] };
    if (!cfg.coretype || !cfg.requires) return;
    const flagsLine = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? '';
    const flags = new Set(flagsLine.split(':')[1]?.trim().split(/\s+/) ?? []);
    if (cfg.requires.every((f) => flags.has(f))) process.env.OPENBLAS_CORETYPE = cfg.coretype;
  } catch {
    // No hint, or no /proc/cpuinfo: let OpenBLAS detect the CPU itself.
  }
}

let blasCore = 'unknown';

/** The OpenBLAS kernel set the native backend runs (e.g. "SkylakeX"); "unknown" before it loads. */
export function nativeBlasCore(): string {
  return blasCore;
}

let cached: Backend | null | undefined;
let loadError: string | null = null;

/**
 * Load the addon and wrap it as a Backend with MAS_THREADS (default 1) BLAS threads; null when
 * the addon is not built or does not load (the reason is in nativeLoadError()).
 */
export function loadNativeBackend(): Backend | null {
  if (cached !== undefined) return cached;
  if (!existsSync(addonPath)) {
    loadError = `${path.relative(process.cwd(), addonPath) || addonPath} does not exist`;
    cached = null;
    return null;
  }
  const threads = threadsFromEnv();
  try {
    applyCoreTypeHint();
    const lib = createRequire(import.meta.url)(addonPath) as NativeAddon;
    lib.setThreads(threads);
    blasCore = lib.coreName();
    cached = wrap(lib);
  } catch (e) {
    loadError = e instanceof Error ? e.message.split('\n')[0] : String(e);
    cached = null;
  }
  return cached;
}

/** Why the addon did not load (null if it loaded or was not tried). */
export function nativeLoadError(): string | null {
  return loadError;
}

