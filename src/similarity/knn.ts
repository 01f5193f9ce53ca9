/**
 * Neighbourhood measures (similarity.md §6.2–6.3): k-nearest-neighbour sets by cosine similarity
 * (or Euclidean distance with `-l2`), mutual-kNN (Huh et al. 2024), Jaccard-kNN (ReSi) and CKNNA
 * (platonic-rep), the last with the matrix-product unbiased HSIC on masked kernels.
 */
import { InputError } from '../errors.ts';
import { mat, type Mat } from '../tensor/linalg.ts';
import { hsicUnbiasedProduct } from './cka.ts';
import { DegenerateInputError, TooFewSamplesError, checkNotConstant, checkPair, gram, pairwiseExact, rowNormalize, sqDistances, type MeasureValue } from './util.ts';

/** Neighbour metric: cosine similarity (default) or Euclidean distance. */
export type NeighbourMetric = 'cosine' | 'l2';

/**
 * The k best columns j ≠ i of every row of a score matrix (higher is better), ties to the lower
 * j; returned as an n×k row-major index array.
 */
export function topK(scores: Mat, k: number): Int32Array {
  const n = scores.rows;
  const out = new Int32Array(n * k);
  const bestV = new Float64Array(k);
  const bestJ = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    let cnt = 0;
    const o = i * n;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const v = scores.data[o + j];
      if (cnt === k && !(v > bestV[k - 1])) continue; // strict: an equal later j loses the tie
      let p = cnt < k ? cnt++ : k - 1;
      while (p > 0 && v > bestV[p - 1]) {
        bestV[p] = bestV[p - 1];
        bestJ[p] = bestJ[p - 1];
        p--;
      }
      bestV[p] = v;
      bestJ[p] = j;
    }
    out.set(bestJ, i * k);
  }
  return out;
}

/** Neighbour sets N(i) of every row (n×k indices). */
export function neighbours(x: Mat, k: number, metric: NeighbourMetric, op = 'knn', name = 'X'): Int32Array {
  const scores = pairwiseExact(metric === 'cosine' ? rowNormalize(op, name, x) : x, (u) => {
    if (metric === 'cosine') return gram(u);
    const d = sqDistances(u);
    for (let i = 0; i < d.data.length; i++) d.data[i] = -d.data[i];
    return d;
  });
  return topK(scores, k);
}

/**
 * Shapes, finiteness, and ConstantRepresentationError for a constant X or Y (all rows equal), as
 * the other families raise: every neighbour set would be decided by the tie-break alone.
 */
function checkKnnPair(op: string, x: Mat, y: Mat): void {
  checkPair(op, x, y);
  const why = 'so its neighbour sets are undefined (every pair ties)';
  checkNotConstant(op, 'X', x, why);
  checkNotConstant(op, 'Y', y, why);
}

function checkK(op: string, n: number, k: number, minK = 1): void {
  if (!Number.isInteger(k) || k < minK) throw new InputError(`${op}: k must be an integer ≥ ${minK}, got ${k}`);
  if (k > n - 2) throw new TooFewSamplesError(`${op}: k = ${k} needs at least k + 2 = ${k + 2} samples, got ${n}`);
}

function overlaps(nx: Int32Array, ny: Int32Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  const mark = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) mark[nx[i * k + a]] = i;
    let c = 0;
    for (let b = 0; b < k; b++) if (mark[ny[i * k + b]] === i) c++;
    out[i] = c;
  }
  return out;
}

/** `mutual-knn-<k>` = (1/n) Σ_i |N_X(i) ∩ N_Y(i)| / k. */
export function mutualKnn(x: Mat, y: Mat, k = 10, metric: NeighbourMetric = 'cosine'): MeasureValue {
  const op = `mutual-knn-${k}${metric === 'l2' ? '-l2' : ''}`;
  checkKnnPair(op, x, y);
  const n = x.rows;
  checkK(op, n, k);
  const c = overlaps(neighbours(x, k, metric, op, 'X'), neighbours(y, k, metric, op, 'Y'), n, k);
  let s = 0;
  for (let i = 0; i < n; i++) s += c[i] / k;
  return { value: s / n, details: { k, metric, chance: k / (n - 1) } };
}

/** `jaccard-knn-<k>` = (1/n) Σ_i |N_X(i) ∩ N_Y(i)| / |N_X(i) ∪ N_Y(i)|. */
export function jaccardKnn(x: Mat, y: Mat, k = 10, metric: NeighbourMetric = 'cosine'): MeasureValue {
  const op = `jaccard-knn-${k}${metric === 'l2' ? '-l2' : ''}`;
  checkKnnPair(op, x, y);
  const n = x.rows;
  checkK(op, n, k);
  const c = overlaps(neighbours(x, k, metric, op, 'X'), neighbours(y, k, metric, op, 'Y'), n, k);
  let s = 0;
  for (let i = 0; i < n; i++) s += c[i] / (2 * k - c[i]);
  return { value: s / n, details: { k, metric } };
}

function maskedPair(a: Mat, b: Mat, na: Int32Array, nb: Int32Array, k: number): [Mat, Mat] {
  const n = a.rows;
  const ma = mat(n, n);
  const mb = mat(n, n);
  const mark = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) mark[na[i * k + t]] = i;
    for (let t = 0; t < k; t++) {
      const j = nb[i * k + t];
      if (mark[j] === i) {
        ma.data[i * n + j] = a.data[i * n + j];
        mb.data[i * n + j] = b.data[i * n + j];
      }
    }
  }
  return [ma, mb];
}

/** `cknna-<k>` (Huh et al. 2024): CKA restricted to mutual k-nearest-neighbour pairs, unbiased HSIC. */
export function cknna(x: Mat, y: Mat, k = 10): MeasureValue {
  const op = `cknna-${k}`;
  checkKnnPair(op, x, y);
  const n = x.rows;
  checkK(op, n, k, 2);
  if (n < 4) throw new TooFewSamplesError(`${op}: needs at least 4 samples, got ${n}`);
  const kx = pairwiseExact(rowNormalize(op, 'X', x), gram);
  const ly = pairwiseExact(rowNormalize(op, 'Y', y), gram);
  const nx = topK(kx, k);
  const ny = topK(ly, k);
  const s = (a: Mat, b: Mat, na: Int32Array, nb: Int32Array): number => {
    const [ma, mb] = maskedPair(a, b, na, nb, k);
    return hsicUnbiasedProduct(ma, mb);
  };
  const sxy = s(kx, ly, nx, ny);
  const sxx = s(kx, kx, nx, nx);
  const syy = s(ly, ly, ny, ny);
  if (!(sxx > 0) || !(syy > 0)) {
    throw new DegenerateInputError(`${op}: the masked self-HSIC of ${sxx > 0 ? 'Y' : 'X'} is ${sxx > 0 ? syy : sxx} ≤ 0, so CKNNA is undefined (try a larger k)`);
  }
  return { value: sxy / Math.sqrt(sxx * syy), details: { k, hsicXY: sxy, hsicXX: sxx, hsicYY: syy } };
}
