/**
 * The standard normal CDF Φ and density φ for float32 activations, by cubic Hermite interpolation on
 * a grid of step 1/64 over [−8, 8] (the nodes hold Φ and φ in float64, computed with Cody's erf).
 *
 * Why: the exact-erf GELU of every RNN decoder position and transformer MLP was the largest single
 * cost of MAS training and of recording states (about a quarter of the CPU time). Cody's rational
 * approximation plus one exp per element is accurate to 1e-16, far below what a float32 activation
 * can hold; the table costs two loads and a few multiply-adds and is about 3× faster. Hermite
 * interpolation uses the exact derivatives (Φ′ = φ, φ′ = −xφ), so its error is at most
 * h⁴/384·max|f⁗| ≈ 1e-10 absolute for Φ and 2e-10 for φ (tests check 3e-10 on a dense grid): below
 * half an ulp of float32 near 1, and below the cancellation error PyTorch's own float32
 * `½·x·(1 + erf(x/√2))` has for negative x (≈ 3e-8). Outside the grid Φ is 0 or 1 and φ is 0 (to
 * within 6e-16). Float64 computations keep Cody's form (src/tensor/erf.ts).
 */
import { normalCdf } from './erf.ts';

const STEPS_PER_UNIT = 64;
const H = 1 / STEPS_PER_UNIT;
/** The grid covers [−LIMIT, LIMIT]. */
export const NORMAL_TABLE_LIMIT = 8;
const N = 2 * NORMAL_TABLE_LIMIT * STEPS_PER_UNIT + 1;
const INV_SQRT_2PI = 0.3989422804014327;

// Interleaved nodes j = 0 … N−1 at x_j = −LIMIT + j·H: [Φ(x_j), H·φ(x_j), H·φ(x_j), −H·x_j·φ(x_j)],
// i.e. each function with its derivative pre-scaled to the unit interval. One extra node is padding
// so that x = LIMIT − ε reads j + 1 ≤ N − 1.
const T = new Float64Array(4 * (N + 1));
for (let j = 0; j <= N; j++) {
  const x = -NORMAL_TABLE_LIMIT + j * H;
  const pdf = INV_SQRT_2PI * Math.exp(-0.5 * x * x);
  T[4 * j] = normalCdf(x);
  T[4 * j + 1] = H * pdf;
  T[4 * j + 2] = pdf;
  T[4 * j + 3] = -H * x * pdf;
}

/** Φ(x) for float32 use, accurate to 3e-10 absolute (see the file comment). */
export function normalCdfF32(x: number): number {
  if (!(x > -NORMAL_TABLE_LIMIT)) return x !== x ? NaN : 0;
  if (x >= NORMAL_TABLE_LIMIT) return 1;
  const u = (x + NORMAL_TABLE_LIMIT) * STEPS_PER_UNIT;
  const j = u | 0;
  const t = u - j;
  const o = 4 * j;
  const t2 = t * t;
  const h01 = t2 * (3 - 2 * t); // cubic Hermite basis on [0, 1]
  return (1 - h01) * T[o] + t * (1 - t) * (1 - t) * T[o + 1] + h01 * T[o + 4] + t2 * (t - 1) * T[o + 5];
}

/** φ(x) for float32 use, accurate to 3e-10 absolute (see the file comment). */
export function normalPdfF32(x: number): number {
  if (!(x > -NORMAL_TABLE_LIMIT && x < NORMAL_TABLE_LIMIT)) return x !== x ? NaN : 0;
  const u = (x + NORMAL_TABLE_LIMIT) * STEPS_PER_UNIT;
  const j = u | 0;
  const t = u - j;
  const o = 4 * j;
  const t2 = t * t;
  const h01 = t2 * (3 - 2 * t);
  return (1 - h01) * T[o + 2] + t * (1 - t) * (1 - t) * T[o + 3] + h01 * T[o + 6] + t2 * (t - 1) * T[o + 7];
}
