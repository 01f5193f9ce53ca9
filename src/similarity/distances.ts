/**
 * Pairwise squared Euclidean distances between rows that keep exact ties exact (issue 10, item 9):
 * equal distances must come out bit-equal, or Spearman/Kendall ranks and `-l2` neighbour sets
 * change. Centring the columns first (the old route) turns integer data into non-integers, so
 * 6 came out as 5.999999999999999 next to 6.
 *
 * Two routes, both built on the Gram product (BLAS syrk):
 * - **Exact grid.** Data on a grid x = k/s (s a power of 2 or of 10: integers, counts, one-hot
 *   codes, fixed-point and decimal CSV values) small enough that 4·p·(max|k|)² < 2^53 are
 *   computed on the integers k, shifted by their rounded column means: the Gram route
 *   ‖k_i‖² + ‖k_j‖² − 2 k_i·k_j is then exact in any summation order, and one division by s².
 * - **Otherwise** the columns are shifted by one of their own values (the one nearest the mean,
 *   so offsets cancel much as centring does), and the Gram values carry a rounding error below a
 *   bound B. One sort of the n(n−1)/2 values finds the entries that lie within 4B of another
 *   (possible ties); these are recomputed by the direct formula
 *   Σ_k (x_ik − x_jk)² on the raw rows, a pure function of the two rows (as scipy's `pdist`
 *   computes every entry); the rest keep their Gram values, whose order against every other
 *   entry is then certain.
 * rsatoolbox's `calc_rdm_euclidean` takes the uncentred Gram route alone (and divides by the number
 * of channels, similarity.md §8.7): exact on small integers, but with no repair off the grid and
 * with cancellation for data far from the origin, which the shift here avoids.
 */
import { gram, mat, type Mat } from '../tensor/linalg.ts';

const U = 2 ** -53;

/** Per-column shift by the column's value nearest its mean (an element, so offsets cancel as with centring). */
function shiftToData(m: Mat): Mat {
  const { rows, cols, data } = m;
  const mu = colMeansOf(m);
  const c = new Float64Array(cols);
  const best = new Float64Array(cols).fill(Infinity);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const d = Math.abs(data[i * cols + j] - mu[j]);
      if (d < best[j]) {
        best[j] = d;
        c[j] = data[i * cols + j];
      }
    }
  }
  const out = new Float64Array(data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = data[i * cols + j] - c[j];
  return mat(rows, cols, out);
}

function colMeansOf(m: Mat): Float64Array {
  const { rows, cols, data } = m;
  const mu = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mu[j] += data[i * cols + j];
  for (let j = 0; j < cols; j++) mu[j] /= rows;
  return mu;
}

/**
 * Is every x·s an integer? Exactly for a power of 2 (x·s is then exact); for a power of 10, to
 * within the rounding of x = k/s itself and of the product (decimal values are not representable).
 */
function onGrid(d: Float64Array, s: number, decimal: boolean): boolean {
  const tol = decimal ? 8 * U : 0;
  for (let i = 0; i < d.length; i++) {
    const r = d[i] * s;
    if (Math.abs(r - Math.round(r)) > tol * Math.abs(r)) return false;
  }
  return true;
}

/**
 * Integer coordinates k = round(x·s) − round(mean) for data on a grid x = k/s (s a power of 2, or
 * of 10 for decimal data such as CSV values), when 4·p·(max|k|)² < 2^53: then every product and
 * partial sum of the Gram route is an exactly represented integer, in any summation order. Null
 * for data off every such grid.
 */
export function integerGrid(m: Mat): { k: Mat; scale: number } | null {
  const d = m.data;
  let mx = 0;
  for (let i = 0; i < d.length; i++) mx = Math.max(mx, Math.abs(d[i]));
  const limit = Math.sqrt(2 ** 53 / (4 * Math.max(1, m.cols))) / 2; // /2: room for the shift
  if (!(mx < limit)) return null;
  let scale = 0;
  for (let s = 1; mx * s < limit && scale === 0; s *= 2) if (onGrid(d, s, false)) scale = s;
  for (let s = 10; s <= 1e8 && mx * s < limit && scale === 0; s *= 10) if (onGrid(d, s, true)) scale = s;
  if (scale === 0) return null;
  const mu = colMeansOf(m);
  const shift = mu.map((v) => Math.round(v * scale));
  const k = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) k[i] = Math.round(d[i] * scale) - shift[i % m.cols];
  return { k: mat(m.rows, m.cols, k), scale };
}

/** Σ_k (a_k − b_k)² of rows i and j of m (the direct formula; symmetric in i, j bit for bit). */
export function directSqDistance(m: Mat, i: number, j: number): number {
  const { cols: p, data } = m;
  const oi = i * p;
  const oj = j * p;
  let s0 = 0;
  let s1 = 0;
  let k = 0;
  for (; k + 1 < p; k += 2) {
    const a = data[oi + k] - data[oj + k];
    const b = data[oi + k + 1] - data[oj + k + 1];
    s0 += a * a;
    s1 += b * b;
  }
  if (k < p) {
    const a = data[oi + k] - data[oj + k];
    s0 += a * a;
  }
  return s0 + s1;
}

/**
 * Squared Euclidean distances between the rows of m (n×n, exactly symmetric, zero diagonal), ties
 * kept exact; `exactTies: false` skips the near-tie repair off the grid (for uses that read values
 * only, such as the RBF kernel).
 */
export function sqDistances(m: Mat, opts: { exactTies?: boolean } = {}): Mat {
  const grid = integerGrid(m);
  const g = gramDistances(grid ? grid.k : shiftToData(m));
  const d = g.data;
  const n = m.rows;
  if (grid) {
    // exact integers; one correctly rounded division keeps equal distances equal
    const s2 = grid.scale * grid.scale;
    if (s2 !== 1) for (let i = 0; i < d.length; i++) d[i] /= s2;
  } else if (opts.exactTies ?? true) repairNearTies(m, g, 8 * (m.cols + 2) * U * g.maxNorm);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) d[i * n + j] = d[j * n + i];
  return g;
}

/** ‖v_i‖² + ‖v_j‖² − 2 v_i·v_j on the upper triangle (clamped at 0; zero diagonal), with max ‖v_i‖². */
function gramDistances(v: Mat): Mat & { maxNorm: number } {
  const n = v.rows;
  const g = gram(v);
  const d = g.data;
  const nr = new Float64Array(n);
  let maxNorm = 0;
  for (let i = 0; i < n; i++) {
    nr[i] = d[i * n + i];
    if (nr[i] > maxNorm) maxNorm = nr[i];
  }
  for (let i = 0; i < n; i++) {
    d[i * n + i] = 0;
    for (let j = i + 1; j < n; j++) {
      const x = nr[i] + nr[j] - 2 * d[i * n + j];
      d[i * n + j] = x > 0 ? x : 0;
    }
  }
  return { ...g, maxNorm };
}

/**
 * Recompute by the direct formula every upper-triangle entry of d whose value lies within 4B of
 * another entry's. B bounds |Gram value − true value| and |direct value − true value| (both
 * below (2p + 6)·u·(‖v_i‖² + ‖v_j‖²) ≤ B), so: equal true distances always fall in one zone and
 * get the direct value, and an entry left alone is more than 2B from every other true value, so
 * its order against them is right.
 */
function repairNearTies(m: Mat, g: Mat, bound: number): void {
  const n = m.rows;
  const d = g.data;
  const N = (n * (n - 1)) / 2;
  if (N < 2) return;
  const vals = new Float64Array(N);
  for (let i = 0, k = 0; i < n; i++) for (let j = i + 1; j < n; j++) vals[k++] = d[i * n + j];
  vals.sort(); // native; N log N on top of the Gram product, paid only off the exact grid
  const gap = 4 * bound;
  // Zones: maximal runs of sorted values whose consecutive gaps are ≤ 4B, as [lo, hi] intervals.
  const lo: number[] = [];
  const hi: number[] = [];
  for (let a = 0; a < N - 1; ) {
    let b = a;
    while (b + 1 < N && vals[b + 1] - vals[b] <= gap) b++;
    if (b > a) {
      lo.push(vals[a]);
      hi.push(vals[b]);
    }
    a = b + 1;
  }
  if (lo.length === 0) return;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = d[i * n + j];
      // the last zone starting at or below x
      let l = 0;
      let h = lo.length - 1;
      if (x < lo[0]) continue;
      while (l < h) {
        const mid = (l + h + 1) >> 1;
        if (lo[mid] <= x) l = mid;
        else h = mid - 1;
      }
      if (x <= hi[l]) d[i * n + j] = directSqDistance(m, i, j);
    }
  }
}

