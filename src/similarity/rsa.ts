/**
 * RSA (similarity.md §3): representational dissimilarity matrices (euclidean, sqeuclidean,
 * cosine, correlation), their vectorization, and the comparators (Pearson, Spearman with average
 * ranks, Kendall τ_a/τ_b by Knight's O(N log N) algorithm, cosine). Sorting uses a stable LSD
 * radix argsort on the IEEE-754 bit patterns.
 */
import { InputError } from '../errors.ts';
import { mat, type Mat } from '../tensor/linalg.ts';
import {
  ConstantRepresentationError,
  ZeroNormRowError,
  checkPair,
  gram,
  pairwiseExact,
  rowSqNorms,
  sqDistances,
  type MeasureValue,
} from './util.ts';

/** RDM types of §3.1. */
export type RdmKind = 'euclidean' | 'sqeuclidean' | 'cosine' | 'correlation';
/** RDM comparators of §3.1. */
export type RdmComparator = 'pearson' | 'spearman' | 'kendall-a' | 'kendall-b' | 'cosine';

/**
 * The full n×n RDM of the rows of x: exactly symmetric, zero diagonal, and bitwise-equal entries
 * for duplicated rows (so ties stay ties; tasks.md's embedding data has only 7 distinct rows).
 */
export function rdm(x: Mat, kind: RdmKind, op = 'rsa', name = 'X'): Mat {
  if (kind === 'cosine' || kind === 'correlation') checkRows(x, kind, op, name); // row numbers of the full input
  return pairwiseExact(x, (u) => rdmDirect(u, kind, op, name), 0);
}

function checkRows(x: Mat, kind: 'cosine' | 'correlation', op: string, name: string): void {
  if (kind === 'correlation' && x.cols < 2) throw new InputError(`${op}: the correlation RDM needs at least 2 features, ${name} has ${x.cols}`);
  for (let i = 0; i < x.rows; i++) {
    const row = x.data.subarray(i * x.cols, (i + 1) * x.cols);
    if (kind === 'cosine' ? row.every((v) => v === 0) : row.every((v) => v === row[0])) {
      throw new ZeroNormRowError(`${op}: row ${i} of ${name} ${kind === 'cosine' ? 'has zero norm, so the cosine RDM is undefined' : 'is constant, so its correlation with other rows is undefined'}`);
    }
  }
}

function rdmDirect(x: Mat, kind: RdmKind, op: string, name: string): Mat {
  const n = x.rows;
  if (kind === 'euclidean' || kind === 'sqeuclidean') {
    const d = sqDistances(x);
    if (kind === 'euclidean') for (let i = 0; i < d.data.length; i++) d.data[i] = Math.sqrt(d.data[i]);
    return d;
  }
  let src = x;
  if (kind === 'correlation') {
    if (x.cols < 2) throw new InputError(`${op}: the correlation RDM needs at least 2 features, ${name} has ${x.cols}`);
    src = mat(n, x.cols, new Float64Array(x.data));
    for (let i = 0; i < n; i++) {
      const row = src.data.subarray(i * x.cols, (i + 1) * x.cols);
      let mu = 0;
      for (let j = 0; j < row.length; j++) mu += row[j];
      mu /= row.length;
      let constant = true;
      for (let j = 0; j < row.length; j++) {
        if (row[j] !== row[0]) constant = false;
        row[j] -= mu;
      }
      if (constant) throw new ZeroNormRowError(`${op}: row ${i} of ${name} is constant, so its correlation with other rows is undefined`);
    }
  }
  const nr = rowSqNorms(src);
  for (let i = 0; i < n; i++) {
    if (!(nr[i] > 0)) throw new ZeroNormRowError(`${op}: row ${i} of ${name} has zero norm, so the cosine RDM is undefined`);
  }
  const g = gram(src);
  const inv = nr.map((v) => 1 / Math.sqrt(v));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) g.data[i * n + j] = 1 - g.data[i * n + j] * inv[i] * inv[j];
    g.data[i * n + i] = 0;
  }
  return g;
}

/** Strict upper triangle (i < j) in row-major order: n(n−1)/2 values. */
export function upperTriangle(d: Mat): Float64Array {
  const n = d.rows;
  const out = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[k++] = d.data[i * n + j];
  return out;
}

/** Lower triangle including the diagonal (i ≥ j) in row-major order: n(n+1)/2 values (reference). */
export function lowerTriangleWithDiag(d: Mat): Float64Array {
  const n = d.rows;
  const out = new Float64Array((n * (n + 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) out[k++] = d.data[i * n + j];
  return out;
}

/**
 * Stable argsort of float64 values (ascending; −0 ties with +0) by LSD radix sort over 16-bit
 * digits. `order` gives the initial order of the indices (default 0..N−1), for lexicographic sorts.
 */
export function argsort(values: Float64Array, order?: Uint32Array): Uint32Array {
  const N = values.length;
  let idx = order ? Uint32Array.from(order) : Uint32Array.from({ length: N }, (_, i) => i);
  const f = new Float64Array(N);
  for (let i = 0; i < N; i++) f[i] = values[idx[i]] + 0; // canonicalize −0
  const bits = new Uint32Array(f.buffer);
  let lo = new Uint32Array(N);
  let hi = new Uint32Array(N);
  for (let i = 0; i < N; i++) {
    const h = bits[2 * i + 1];
    const l = bits[2 * i];
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let lo2 = new Uint32Array(N);
  let hi2 = new Uint32Array(N);
  let idx2 = new Uint32Array(N);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < N; i++) count[(src[i] >>> shift) & 0xffff]++;
    let skip = false;
    for (let b = 0; b < 65536; b++) {
      if (count[b] === N) skip = true;
      if (count[b] !== 0) break;
    }
    if (skip) continue;
    let acc = 0;
    for (let b = 0; b < 65536; b++) {
      const c = count[b];
      count[b] = acc;
      acc += c;
    }
    for (let i = 0; i < N; i++) {
      const p = count[(src[i] >>> shift) & 0xffff]++;
      lo2[p] = lo[i];
      hi2[p] = hi[i];
      idx2[p] = idx[i];
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
    [idx, idx2] = [idx2, idx];
  }
  return idx;
}

/** Average ranks (1-based; ties share the mean of the ranks they span), as scipy.stats.rankdata. */
export function averageRanks(a: Float64Array): Float64Array {
  const N = a.length;
  const order = argsort(a);
  const r = new Float64Array(N);
  let i = 0;
  while (i < N) {
    let j = i + 1;
    const v = a[order[i]];
    while (j < N && a[order[j]] === v) j++;
    const rank = (i + j + 1) / 2; // mean of i+1 … j
    for (let k = i; k < j; k++) r[order[k]] = rank;
    i = j;
  }
  return r;
}

/** Pearson correlation of two equal-length vectors; a constant vector is an error. */
export function pearson(a: Float64Array, b: Float64Array, op = 'pearson'): number {
  const N = a.length;
  if (b.length !== N) throw new InputError(`${op}: vectors differ in length (${N} vs ${b.length})`);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < N; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= N;
  mb /= N;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < N; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (!(saa > 0) || !(sbb > 0)) throw new ConstantRepresentationError(`${op}: ${!(saa > 0) ? 'the first' : 'the second'} vector (RDM) is constant, so the correlation is undefined`);
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/** Spearman correlation: Pearson of average ranks (equals scipy.stats.spearmanr). */
export function spearman(a: Float64Array, b: Float64Array, op = 'spearman'): number {
  return pearson(averageRanks(a), averageRanks(b), op);
}

/** Cosine of two vectors without centring; a zero vector is an error. */
export function cosineVec(a: Float64Array, b: Float64Array, op = 'cosine'): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  if (!(aa > 0) || !(bb > 0)) throw new ConstantRepresentationError(`${op}: an RDM vector is all zeros, so the cosine is undefined`);
  return Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb)));
}

function tiePairs(sorted: ArrayLike<number>, order: Uint32Array | null): number {
  let t = 0;
  let i = 0;
  const N = sorted.length;
  const at = (k: number): number => (order ? sorted[order[k]] : sorted[k]);
  while (i < N) {
    let j = i + 1;
    while (j < N && at(j) === at(i)) j++;
    const c = j - i;
    t += (c * (c - 1)) / 2;
    i = j;
  }
  return t;
}

/** Merge sort of v in place, returning the number of strict inversions (pairs i < j with v_i > v_j). */
function countInversions(v: Float64Array): number {
  const N = v.length;
  let src: Float64Array = v;
  let dst: Float64Array = new Float64Array(N);
  let swaps = 0;
  for (let width = 1; width < N; width *= 2) {
    for (let lo = 0; lo < N; lo += 2 * width) {
      const mid = Math.min(lo + width, N);
      const hi = Math.min(lo + 2 * width, N);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (src[j] < src[i]) {
          dst[k++] = src[j++];
          swaps += mid - i;
        } else dst[k++] = src[i++];
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    [src, dst] = [dst, src];
  }
  if (src !== v) v.set(src);
  return swaps;
}

/** Kendall τ_a (ties count as neither concordant nor discordant) or τ_b, in O(N log N) (Knight 1966). */
export function kendallTau(a: Float64Array, b: Float64Array, variant: 'a' | 'b' = 'a', op = 'kendall'): number {
  const N = a.length;
  if (b.length !== N) throw new InputError(`${op}: vectors differ in length (${N} vs ${b.length})`);
  const byB = argsort(b);
  const order = argsort(a, byB); // lexicographic by (a, b)
  const n0 = (N * (N - 1)) / 2;
  const n1 = tiePairs(a, order);
  // joint ties: runs equal in both a and b, within the lexicographic order
  let n3 = 0;
  let i = 0;
  while (i < N) {
    let j = i + 1;
    while (j < N && a[order[j]] === a[order[i]] && b[order[j]] === b[order[i]]) j++;
    n3 += ((j - i) * (j - i - 1)) / 2;
    i = j;
  }
  const bs = new Float64Array(N);
  for (let k = 0; k < N; k++) bs[k] = b[order[k]] + 0;
  const swaps = countInversions(bs); // bs is now sorted
  const n2 = tiePairs(bs, null);
  if (n1 === n0 || n2 === n0) throw new ConstantRepresentationError(`${op}: ${n1 === n0 ? 'the first' : 'the second'} vector (RDM) is constant, so Kendall's τ is undefined`);
  const s = n0 - n1 - n2 + n3 - 2 * swaps; // n_c − n_d
  return variant === 'a' ? s / n0 : s / Math.sqrt((n0 - n1) * (n0 - n2));
}

/** Compare two RDM vectors with a comparator. */
export function compareRdms(a: Float64Array, b: Float64Array, cmp: RdmComparator, op = 'rsa'): number {
  switch (cmp) {
    case 'pearson':
      return pearson(a, b, op);
    case 'spearman':
      return spearman(a, b, op);
    case 'kendall-a':
      return kendallTau(a, b, 'a', op);
    case 'kendall-b':
      return kendallTau(a, b, 'b', op);
    case 'cosine':
      return cosineVec(a, b, op);
  }
}

/** Standard RSA: strict-upper-triangle RDM vectors of X and Y compared with `cmp`. */
export function rsa(x: Mat, y: Mat, kind: RdmKind, cmp: RdmComparator): MeasureValue {
  const op = `rsa-${kind}-${cmp}`;
  checkPair(op, x, y);
  const a = upperTriangle(rdm(x, kind, op, 'X'));
  const b = upperTriangle(rdm(y, kind, op, 'Y'));
  return { value: compareRdms(a, b, cmp, op), details: { pairs: a.length } };
}

