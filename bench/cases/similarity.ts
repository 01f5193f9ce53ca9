/**
 * Similarity benchmarks: linear CKA (n = 10,000, d = 512), RSA (n = 2,000), SVCCA (n = 5,000,
 * d = 256), each against numpy/scipy doing the same computation in the same run, and minibatch CKA
 * streamed over 10⁶ samples (d = 64) reporting the peak resident set size.
 */
import { similarity } from '../../src/similarity/index.ts';
import { MinibatchCka } from '../../src/similarity/cka.ts';
import { mat, matmul, type Mat } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';
import { round, runPythonRef, timeMedian, withRef, type BenchCase } from '../harness.ts';

function correlated(seed: number, n: number, px: number, py: number): { x: Mat; y: Mat } {
  const r = new Rng(seed);
  const x = mat(n, px, Float64Array.from({ length: n * px }, () => r.normal()));
  const y = mat(n, py);
  for (let i = 0; i < n; i++) for (let j = 0; j < py; j++) y.data[i * py + j] = x.data[i * px + (j % px)] + r.normal();
  return { x, y };
}

const PY_DATA = (n: number, px: number, py: number): string => `
import json, time
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((${n}, ${px}))
Y = X[:, np.arange(${py}) % ${px}] + rng.standard_normal((${n}, ${py}))
def median_ms(f, reps, warmup=1):
    for _ in range(warmup): f()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); t.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(t))
`;

const ckaLinearCase: BenchCase = {
  name: 'cka-linear',
  description: 'linear CKA (feature form), n = 10,000, d = 512 vs 512; numpy same computation',
  run() {
    const { x, y } = correlated(1, 10_000, 512, 512);
    let v = 0;
    const ms = timeMedian(() => (v = similarity('cka-linear', x, y).value), 3, 1);
    const ref = runPythonRef(
      PY_DATA(10_000, 512, 512) +
        `
def cka():
    xc = X - X.mean(0); yc = Y - Y.mean(0)
    return np.linalg.norm(xc.T @ yc) ** 2 / (np.linalg.norm(xc.T @ xc) * np.linalg.norm(yc.T @ yc))
print(json.dumps({"median_ms": median_ms(cka, 3)}))`,
    );
    return withRef({ median_ms: round(ms), value: round(v, 6) }, 'numpy', ref?.median_ms);
  },
};

const rsaCase: BenchCase = {
  name: 'rsa',
  description: 'rsa-correlation-spearman, n = 2,000, d = 256 vs 128; scipy pdist + spearmanr',
  run() {
    const { x, y } = correlated(2, 2000, 256, 128);
    let v = 0;
    const ms = timeMedian(() => (v = similarity('rsa-correlation-spearman', x, y).value), 3, 1);
    const ref = runPythonRef(
      PY_DATA(2000, 256, 128) +
        `
from scipy.spatial.distance import pdist
from scipy.stats import spearmanr
def rsa():
    return spearmanr(pdist(X, "correlation"), pdist(Y, "correlation"))[0]
print(json.dumps({"median_ms": median_ms(rsa, 3)}))`,
      ['numpy', 'scipy'],
    );
    return withRef({ median_ms: round(ms), value: round(v, 6) }, 'scipy', ref?.median_ms);
  },
};

const svccaCase: BenchCase = {
  name: 'svcca',
  description: 'svcca-0.99, n = 5,000, d = 256 vs 256; numpy SVDs + CCA',
  run() {
    const { x, y } = correlated(3, 5000, 256, 256);
    let v = 0;
    const ms = timeMedian(() => (v = similarity('svcca-0.99', x, y).value), 3, 1);
    const ref = runPythonRef(
      PY_DATA(5000, 256, 256) +
        `
def keep(a, tau=0.99):
    u, s, _ = np.linalg.svd(a - a.mean(0), full_matrices=False)
    share = np.cumsum(s ** 2) / np.sum(s ** 2)
    return u[:, : int(np.argmax(share >= tau)) + 1]
def svcca():
    ux, uy = keep(X), keep(Y)
    return np.mean(np.linalg.svd(ux.T @ uy, compute_uv=False))
print(json.dumps({"median_ms": median_ms(svcca, 3)}))`,
    );
    return withRef({ median_ms: round(ms), value: round(v, 6) }, 'numpy', ref?.median_ms);
  },
};

const minibatchCase: BenchCase = {
  name: 'cka-minibatch-1e6',
  description: 'streaming minibatch CKA over 10⁶ samples generated in batches of 256 (d = 64); peak RSS (target < 1 GiB); median_ms includes data generation, update_ms is the CKA work',
  run() {
    const n = 1_000_000;
    const b = 256;
    const d = 64;
    const r = new Rng(4);
    const w = mat(d, d, Float64Array.from({ length: d * d }, () => r.normal() / Math.sqrt(d)));
    // Noise comes from a pool of 2²⁰ normals read at random offsets: Box–Muller for 1.3·10⁸ draws
    // would dominate the run and says nothing about CKA.
    const pool = Float64Array.from({ length: 1 << 20 }, () => r.normal());
    const draw = (len: number): Float64Array => {
      const o = r.int(pool.length - len);
      return pool.slice(o, o + len);
    };
    const acc = new MinibatchCka();
    let updateMs = 0;
    const t0 = performance.now();
    for (let done = 0; done < n; done += b) {
      const m = Math.min(b, n - done);
      const x = mat(m, d, draw(m * d));
      const y = matmul(x, w);
      const e = draw(m * d);
      for (let i = 0; i < y.data.length; i++) y.data[i] = Math.tanh(y.data[i]) + 0.5 * e[i];
      const t1 = performance.now();
      acc.update(x, y);
      updateMs += performance.now() - t1;
    }
    const ms = performance.now() - t0;
    const peak = process.resourceUsage().maxRSS / 1024; // KiB → MiB
    return { median_ms: round(ms), update_ms: round(updateMs), value: round(acc.value(), 6), samples: acc.samples, batches: acc.batches, peak_rss_mib: round(peak, 1), target_rss_mib: 1024 };
  },
};

/** The similarity benchmark cases (the minibatch case first, so its peak RSS is not inflated by the others). */
export const similarityCases: BenchCase[] = [minibatchCase, ckaLinearCase, rsaCase, svccaCase];
