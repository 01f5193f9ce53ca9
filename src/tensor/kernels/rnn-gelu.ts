/**
 * Exact-erf GELU for the RNN decoder (models.md §4): GELU(x) = x·Φ(x) = ½·x·(1 + erf(x/√2)).
 *
 * erf/erfc use W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev approximations
 * for the error function", Math. Comp. 23, 1969; Netlib specfun CALERF), relative error below
 * 1e-15 in float64. For |x|/√2 ≥ 0.46875 the erfc branch already computes exp(−x²/2), which is also
 * the Gaussian density φ(x) up to a constant, so value and derivative cost one exp together.
 * (`src/tensor/erf.ts` holds the general-purpose erf; this file keeps its own core for that fusion.)
 */

const A0 = 3.1611237438705656;
const A1 = 113.864154151050156;
const A2 = 377.485237685302021;
const A3 = 3209.37758913846947;
const A4 = 0.185777706184603153;
const B0 = 23.6012909523441209;
const B1 = 244.024637934444173;
const B2 = 1282.61652607737228;
const B3 = 2844.23683343917062;
const C0 = 0.564188496988670089;
const C1 = 8.88314979438837594;
const C2 = 66.1191906371416295;
const C3 = 298.635138197400131;
const C4 = 881.95222124176909;
const C5 = 1712.04761263407058;
const C6 = 2051.07837782607147;
const C7 = 1230.33935479799725;
const C8 = 2.15311535474403846e-8;
const D0 = 15.7449261107098347;
const D1 = 117.693950891312499;
const D2 = 537.181101862009858;
const D3 = 1621.38957456669019;
const D4 = 3290.79923573345963;
const D5 = 4362.61909014324716;
const D6 = 3439.36767414372164;
const D7 = 1230.33935480374942;
const P = [
  0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
  6.58749161529837803e-4, 0.0163153871373020978,
] as const;
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185] as const;
const SQRPI = 0.56418958354775628695; // 1/√π
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)

/** erf(y) for |y| < 0.46875 (Cody's first interval). */
function erfSmall(y: number): number {
  const z = y * y;
  const num = (((A4 * z + A0) * z + A1) * z + A2) * z + A3;
  const den = (((z + B0) * z + B1) * z + B2) * z + B3;
  return (y * num) / den;
}

/** erfc(y)·exp(y²) for y ≥ 0.46875 (Cody's second and third intervals). */
function erfcxLarge(y: number): number {
  if (y <= 4) {
    // Horner, unrolled: ((((((((C8 y + C0) y + C1) y + …) y + C6) y + C7) / (((y + D0) y + …) y + D7)
    const num = (((((((C8 * y + C0) * y + C1) * y + C2) * y + C3) * y + C4) * y + C5) * y + C6) * y + C7;
    const den = (((((((y + D0) * y + D1) * y + D2) * y + D3) * y + D4) * y + D5) * y + D6) * y + D7;
    return num / den;
  }
  const z = 1 / (y * y);
  let num = P[5] * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]) * z;
    den = (den + Q[i]) * z;
  }
  return (SQRPI - (z * (num + P[4])) / (den + Q[4])) / y;
}

/** Standard normal CDF Φ(x) = ½·erfc(−x/√2). */
function normalCdf(x: number): number {
  const y = Math.abs(x) * SQRT1_2;
  if (y < 0.46875) return 0.5 + 0.5 * erfSmall(x * SQRT1_2);
  if (Number.isNaN(x)) return NaN;
  const half = y > 27 ? 0 : 0.5 * Math.exp(-y * y) * erfcxLarge(y);
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
 * receives GELU′(pre + bias) (it may alias `pre`). One exp per entry outside |x| < 0.66.
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
  for (let s = s0; s < s1; s++) {
    const base = s * width;
    const mo = keep !== null && keepRow !== null ? keepRow[s] : -1;
    for (let k = 0; k < width; k++) {
      const i = base + k;
      const x = pre[i] + bias[k];
      const y = Math.abs(x) * SQRT1_2;
      let cdf: number;
      let pdf = -1;
      if (y < 0.46875) cdf = 0.5 + 0.5 * erfSmall(x * SQRT1_2);
      else if (y > 27) {
        cdf = x > 0 ? 1 : 0;
        pdf = 0;
      } else {
        const ex = Math.exp(-y * y);
        const half = 0.5 * ex * erfcxLarge(y);
        cdf = x > 0 ? 1 - half : half;
        pdf = ex * INV_SQRT_2PI;
      }
      out[i] = mo < 0 ? x * cdf : x * cdf * (keep![mo + k] * scale); // branch-free on the random mask
      if (deriv !== null) {
        if (pdf < 0) pdf = INV_SQRT_2PI * Math.exp(-0.5 * x * x);
        deriv[i] = cdf + x * pdf;
      }
    }
  }
}
