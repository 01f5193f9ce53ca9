/**
 * Benchmark harness: each case times its own code and, where available, a reference (PyTorch or
 * numpy through Debian's python3) measured in the same run, and prints one JSON line:
 * {"case", "median_ms", "ref", "ref_median_ms", "ratio", ...extra}.
 */
import { spawnSync } from 'node:child_process';

/** One benchmark case. */
export interface BenchCase {
  name: string;
  /** What it measures, for `npm run bench -- --list`. */
  description: string;
  /** Run and return the result line (without the case name). */
  run(): Promise<BenchResult> | BenchResult;
}

/** The measured figures of one case. */
export interface BenchResult {
  median_ms: number;
  ref?: string;
  ref_median_ms?: number;
  ratio?: number;
  [extra: string]: unknown;
}

/** Sorted times (ms) of `reps` calls of fn after `warmup` untimed calls. */
export function timeRuns(fn: () => void, reps = 7, warmup = 2): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b);
}

/** Median of `reps` timed calls of fn after `warmup` untimed calls, in milliseconds. */
export function timeMedian(fn: () => void, reps = 7, warmup = 2): number {
  const t = timeRuns(fn, reps, warmup);
  return t[Math.floor(t.length / 2)];
}

let pythonCache: string | null | undefined;

/** A python3 executable that can import the given modules (Debian's /usr/bin/python3 first), or null. */
export function findPython(modules: string[] = ['numpy']): string | null {
  const key = modules.join(',');
  if (pythonCache !== undefined && key === 'numpy') return pythonCache;
  for (const exe of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(exe, ['-c', `import ${key}`], { encoding: 'utf8' });
    if (r.status === 0) {
      if (key === 'numpy') pythonCache = exe;
      return exe;
    }
  }
  if (key === 'numpy') pythonCache = null;
  return null;
}

/**
 * Run a python reference script that prints one JSON object with `median_ms`; single-threaded BLAS.
 * Returns null when python or the modules are missing or the script fails.
 */
export function runPythonRef(script: string, modules: string[] = ['numpy']): Record<string, number> | null {
  const py = findPython(modules);
  if (!py) return null;
  const r = spawnSync(py, ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) {
    process.stderr.write(`bench: python reference failed: ${r.stderr.split('\n').slice(-3).join(' ')}\n`);
    return null;
  }
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, number>;
}

/** Attach a reference timing and ratio (ours / reference) to a result. */
export function withRef(res: BenchResult, ref: string, refMs: number | undefined): BenchResult {
  if (refMs === undefined) return res;
  return { ...res, ref, ref_median_ms: round(refMs), ratio: round(res.median_ms / refMs, 3) };
}

/** Round to a few decimals for printing. */
export function round(x: number, d = 2): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
