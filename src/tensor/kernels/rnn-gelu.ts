/**
 * Exact-erf GELU for the RNN decoder (models.md §4): GELU(x) = x·Φ(x) = ½·x·(1 + erf(x/√2)).
 *
 * erf/erfc use W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev approximations
 * for the error function", Math. Comp. 23, 1969; Netlib specfun CALERF), relative error below
 * 1e-15 in float64. For |x|/√2 ≥ 0.46875 the erfc branch already computes exp(−x²/2), which is also
 * the Gaussian density φ(x) up to a constant, so value and derivative cost one exp together.
 * The rational parts come from `src/tensor/erf.ts`; this file only fuses them with the one exp.
 * Float32 activations take Φ and φ from the interpolation table of `src/tensor/normal-table.ts`
 * (3e-10 absolute, about 3× faster; the decoder GELU was the largest cost of MAS steps).
 */
import { erfSmall, erfcxTail } from '../erf.ts';
import { normalCdfF32, normalPdfF32 } from '../normal-table.ts';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)

/** Standard normal CDF Φ(x) = ½·erfc(−x/√2). */
function normalCdf(x: number): number {
  const y = Math.abs(x) * SQRT1_2;
  if (y < 0.46875) return 0.5 + 0.5 * erfSmall(x * SQRT1_2);
  if (Number.isNaN(x)) return NaN;
  const half = y > 27 ? 0 : 0.5 * Math.exp(-y * y) * erfcxTail(y);
  return x > 0 ? 1 - half : half;
}

/** Exact GELU x·Φ(x). */
export function gelu(x: number): number {
  return x * normalCdf(x);
}

/** d/dx GELU(x) = Φ(x) + x·φ(x). */
export function geluGrad(x: number): number {
  return normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/**
 * The decoder's hidden layer for slot rows s0 … s1−1 of width `width`, fused in one pass:
 * out = dropout(GELU(pre + bias)), where dropout keeps entry k of slot s when keep[keepRow[s] + k]
 * is 1 (scaled by `scale`) and zeroes it otherwise (keep null = eval mode). When `deriv` is given it
 * receives GELU′(pre + bias) (it may alias `pre`). Float64: Cody's erf, one exp per entry outside
 * |x| < 0.66; float32 (`out` a Float32Array): the Φ/φ table.
 */
export function geluDropoutRows(
  pre: Float32Array | Float64Array,
  out: Float32Array | Float64Array,
  deriv: Float32Array | Float64Array | null,
  s0: number,
  s1: number,
  width: number,
  bias: Float32Array | Float64Array,
  keep: Uint8Array | null,
  keepRow: Int32Array | null,
  scale: number,
): void {
  const table = out instanceof Float32Array; // float32: Φ and φ from the interpolation table
  for (let s = s0; s < s1; s++) {
    const base = s * width;
    const mo = keep !== null && keepRow !== null ? keepRow[s] : -1;
    for (let k = 0; k < width; k++) {
      const i = base + k;
      const x = pre[i] + bias[k];
      let cdf: number;
      let pdf = -1;
      if (table) cdf = normalCdfF32(x);
      else {
        const y = Math.abs(x) * SQRT1_2;
        if (y < 0.46875) cdf = 0.5 + 0.5 * erfSmall(x * SQRT1_2);
        else if (y > 27) {
          cdf = x > 0 ? 1 : 0;
          pdf = 0;
        } else {
          const ex = Math.exp(-y * y);
          const half = 0.5 * ex * erfcxTail(y);
          cdf = x > 0 ? 1 - half : half;
          pdf = ex * INV_SQRT_2PI;
        }
      }
      out[i] = mo < 0 ? x * cdf : x * cdf * (keep![mo + k] * scale); // branch-free on the random mask
      if (deriv !== null) {
        if (pdf < 0) pdf = table ? normalPdfF32(x) : INV_SQRT_2PI * Math.exp(-0.5 * x * x);
        deriv[i] = cdf + x * pdf;
      }
    }
  }
}
