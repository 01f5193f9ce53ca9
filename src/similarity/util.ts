/**
 * Shared plumbing of the similarity measures: the typed errors named in the spec (§1.2, each a
 * subclass of the project's error classes), input validation, and small float64 matrix helpers
 * (centring, z-scoring, row normalization, Gram and cross-product matrices, squared distances).
 */
import { InputError, NonFiniteError, ShapeError } from '../errors.ts';
import { centerColumns, gram as gramOf, mat, matmul, type Mat } from '../tensor/linalg.ts';

/** X and Y have different row counts (inputs must be samples × features). */
export class ShapeMismatchError extends ShapeError {}
/** An input holds NaN or ±Inf. */
export class NonFiniteInputError extends NonFiniteError {}
/** Fewer samples than the measure needs. */
export class TooFewSamplesError extends InputError {}
/** A representation is constant (all rows equal), so a self-similarity term is 0. */
export class ConstantRepresentationError extends InputError {}
/** Z-scoring or correlation was requested and some units have zero variance. */
export class ConstantUnitError extends InputError {}
/** A cosine quantity was needed and a row has zero norm. */
export class ZeroNormRowError extends InputError {}
/** The input is degenerate for the measure (e.g. CCA ranks too large for n; zero RBF median). */
export class DegenerateInputError extends InputError {}

/** Throw a NonFiniteInputError naming the first NaN/Inf entry of `m`. */
export function checkFinite(op: string, name: string, m: Mat): void {
  const d = m.data;
  // Fast pass: x·0 is 0 for finite x and NaN otherwise; four sums keep the loop unchained.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end = d.length - (d.length % 4);
  for (let i = 0; i < end; i += 4) {
    s0 += d[i] * 0;
    s1 += d[i + 1] * 0;
    s2 += d[i + 2] * 0;
    s3 += d[i + 3] * 0;
  }
  for (let i = end; i < d.length; i++) s0 += d[i] * 0;
  if (s0 + s1 + s2 + s3 === 0) return;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const r = Math.floor(i / m.cols);
      throw new NonFiniteInputError(`${op}: ${name} has a non-finite value (${d[i]}) at row ${r}, column ${i - r * m.cols}`);
    }
  }
}

/** Validate the shapes of a pair of (samples, features) inputs: equal row counts, non-empty. */
export function checkShapes(op: string, x: Mat, y: Mat): void {
  if (x.rows !== y.rows) {
    throw new ShapeMismatchError(
      `${op}: X is ${x.rows}×${x.cols} and Y is ${y.rows}×${y.cols}; inputs must be (samples × features) with the same number of samples (rows)`,
    );
  }
  if (x.cols < 1 || y.cols < 1) throw new ShapeMismatchError(`${op}: X is ${x.rows}×${x.cols} and Y is ${y.rows}×${y.cols}; both need at least one feature`);
}

/** Validate a pair of (samples, features) inputs: equal row counts, non-empty, finite. */
export function checkPair(op: string, x: Mat, y: Mat): void {
  checkShapes(op, x, y);
  checkFinite(op, 'X', x);
  checkFinite(op, 'Y', y);
}

/**
 * centerCols(m) that also validates finiteness without a separate pass: a column mean is finite
 * iff every entry of the column is (and the sum does not overflow), and a non-finite mean shows
 * in the first centred row. Only then is m scanned, to throw the usual NonFiniteInputError.
 */
export function centerChecked(op: string, name: string, m: Mat): Mat {
  const c = centerColumns(m);
  let acc = 0;
  for (let j = 0; j < Math.min(c.cols, c.data.length); j++) acc += c.data[j] * 0;
  if (acc !== 0) checkFinite(op, name, m);
  return c;
}

/** Throw TooFewSamplesError when n < min. */
export function checkMinSamples(op: string, n: number, min: number): void {
  if (n < min) throw new TooFewSamplesError(`${op}: needs at least ${min} samples (rows), got ${n}`);
}

/** Column means. */
export function colMeans(m: Mat): Float64Array {
  const { rows, cols, data } = m;
  const mu = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) mu[j] += data[o + j];
  }
  for (let j = 0; j < cols; j++) mu[j] /= rows;
  return mu;
}

/** centerCols(m): a copy with every column centred (the backend's fused pass, equal to m − colMeans(m)). */
export { centerColumns as centerCols } from '../tensor/linalg.ts';

/** Squared Frobenius norm (sum of squares of all entries). */
export function frob2(m: Mat | Float64Array): number {
  const d = m instanceof Float64Array ? m : m.data;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  return s;
}

/** Frobenius inner product Σ a_ij b_ij. */
export function frobDot(a: Mat, b: Mat): number {
  const x = a.data;
  const y = b.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** Squared L2 norm of every row. */
export function rowSqNorms(m: Mat): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    const o = i * m.cols;
    for (let j = 0; j < m.cols; j++) s += m.data[o + j] * m.data[o + j];
    out[i] = s;
  }
  return out;
}

/** Indices of columns with zero variance (all values equal). */
export function constantColumns(m: Mat): number[] {
  const out: number[] = [];
  for (let j = 0; j < m.cols; j++) {
    const v0 = m.data[j];
    let constant = true;
    for (let i = 1; i < m.rows && constant; i++) if (m.data[i * m.cols + j] !== v0) constant = false;
    if (constant) out.push(j);
  }
  return out;
}

/** The listed columns of m, in order. */
export function selectCols(m: Mat, idx: readonly number[]): Mat {
  const out = mat(m.rows, idx.length);
  for (let i = 0; i < m.rows; i++) for (let k = 0; k < idx.length; k++) out.data[i * idx.length + k] = m.data[i * m.cols + idx[k]];
  return out;
}

/** The listed rows of m, in order (repeats allowed). */
export function selectRows(m: Mat, idx: ArrayLike<number>): Mat {
  const out = mat(idx.length, m.cols);
  for (let k = 0; k < idx.length; k++) out.data.set(m.data.subarray(idx[k] * m.cols, (idx[k] + 1) * m.cols), k * m.cols);
  return out;
}

/** The first k columns of m. */
export function leadingCols(m: Mat, k: number): Mat {
  if (k === m.cols) return m;
  const out = mat(m.rows, k);
  for (let i = 0; i < m.rows; i++) out.data.set(m.data.subarray(i * m.cols, i * m.cols + k), i * k);
  return out;
}

/** Options of the z-scoring step. */
export interface ZscoreOptions {
  /** Drop zero-variance units (with a warning on stderr) instead of throwing ConstantUnitError. */
  dropConstantUnits?: boolean;
}

/** Drop or reject constant columns, per the option; returns m itself when none are constant. */
export function handleConstantUnits(op: string, name: string, m: Mat, opts: ZscoreOptions = {}): Mat {
  const bad = constantColumns(m);
  if (bad.length === 0) return m;
  const list = bad.length > 10 ? `${bad.slice(0, 10).join(', ')}, … (${bad.length} in all)` : bad.join(', ');
  if (!opts.dropConstantUnits || bad.length === m.cols) {
    throw new ConstantUnitError(
      `${op}: ${name} has zero-variance unit(s) ${list} (of ${m.cols}); ${bad.length === m.cols ? 'every unit is constant' : 'pass dropConstantUnits to drop them'}`,
    );
  }
  process.stderr.write(`mas: warning: ${op}: dropping ${bad.length} constant unit(s) of ${name}: ${list}\n`);
  const keep: number[] = [];
  for (let j = 0, b = 0; j < m.cols; j++) {
    if (b < bad.length && bad[b] === j) b++;
    else keep.push(j);
  }
  return selectCols(m, keep);
}

/** Per-unit z-score: subtract the mean, divide by the unbiased (n − 1) standard deviation. */
export function zscoreCols(op: string, name: string, m0: Mat, opts: ZscoreOptions = {}): Mat {
  const m = handleConstantUnits(op, name, m0, opts);
  const out = centerColumns(m);
  const n = m.rows;
  const sd = new Float64Array(m.cols);
  for (let i = 0; i < n; i++) for (let j = 0; j < m.cols; j++) sd[j] += out.data[i * m.cols + j] ** 2;
  for (let j = 0; j < m.cols; j++) sd[j] = Math.sqrt(sd[j] / (n - 1));
  for (let i = 0; i < n; i++) for (let j = 0; j < m.cols; j++) out.data[i * m.cols + j] /= sd[j];
  return out;
}

/** A copy with every row scaled to unit L2 norm; a zero row is a ZeroNormRowError. */
export function rowNormalize(op: string, name: string, m: Mat): Mat {
  const out = mat(m.rows, m.cols, new Float64Array(m.data));
  const nr = rowSqNorms(m);
  for (let i = 0; i < m.rows; i++) {
    if (!(nr[i] > 0)) throw new ZeroNormRowError(`${op}: row ${i} of ${name} has zero norm, so its cosine similarity is undefined`);
    const inv = 1 / Math.sqrt(nr[i]);
    for (let j = 0; j < m.cols; j++) out.data[i * m.cols + j] *= inv;
  }
  return out;
}

/** gram(m): the Gram matrix M Mᵀ (n×n), by syrk (exactly symmetric). */
export { gram } from '../tensor/linalg.ts';

/** The cross-product Aᵀ B (by syrk, at half the cost, when B is A). */
export function crossprod(a: Mat, b: Mat): Mat {
  return a === b ? gramOf(a, { transpose: true }) : matmul(a, b, true, false);
}

/** sqDistances(m): squared Euclidean distances between rows with exact ties kept exact (distances.ts). */
export { sqDistances } from './distances.ts';

/** Double centring H K H of a square matrix (copy). */
export function doubleCenter(k: Mat): Mat {
  const n = k.rows;
  const r = new Float64Array(n);
  const c = new Float64Array(n);
  let tot = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = k.data[i * n + j];
      r[i] += v;
      c[j] += v;
      tot += v;
    }
  }
  const out = mat(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out.data[i * n + j] = k.data[i * n + j] - r[i] / n - c[j] / n + tot / (n * n);
  return out;
}

/** Sum of a Float64Array. */
export function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** Clip to [lo, hi]. */
export function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** What a measure function returns: the value and measure-specific extras. */
export interface MeasureValue {
  value: number;
  details: Record<string, unknown>;
}

/** Throw ConstantRepresentationError when every row of m equals the first (`why` ends the message). */
export function checkNotConstant(op: string, name: string, m: Mat, why = 'so its self-similarity term is 0'): void {
  const { rows, cols, data } = m;
  for (let i = 1; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) if (data[o + j] !== data[j]) return;
  }
  throw new ConstantRepresentationError(`${op}: ${name} is constant (all ${rows} rows are equal), ${why}`);
}

/** Map every row to the first row bitwise equal to it: `index[i]` is the unique-row number of row i. */
export function uniqueRows(m: Mat): { index: Int32Array; first: number[] } {
  const { rows, cols } = m;
  const words = new Uint32Array(m.data.buffer, m.data.byteOffset, m.data.length * 2);
  const buckets = new Map<number, number[]>();
  const index = new Int32Array(rows);
  const first: number[] = [];
  for (let i = 0; i < rows; i++) {
    let h = 0x811c9dc5;
    for (let w = 2 * i * cols; w < 2 * (i + 1) * cols; w++) h = Math.imul(h ^ words[w], 0x01000193);
    const list = buckets.get(h);
    let found = -1;
    if (list) {
      for (const u of list) {
        const r = first[u];
        let eq = true;
        for (let j = 0; j < cols && eq; j++) if (!Object.is(m.data[r * cols + j], m.data[i * cols + j])) eq = false;
        if (eq) {
          found = u;
          break;
        }
      }
    }
    if (found < 0) {
      found = first.length;
      first.push(i);
      if (list) list.push(found);
      else buckets.set(h, [found]);
    }
    index[i] = found;
  }
  return { index, first };
}

/**
 * An n×n pairwise matrix computed on the distinct rows only, made exactly symmetric (upper
 * triangle copied down) and expanded back, so that duplicated rows give bitwise-equal entries
 * (exact ties for ranks and neighbour sets) whatever the rounding of the Gram products.
 */
export function pairwiseExact(m: Mat, f: (u: Mat) => Mat, diag?: number): Mat {
  const { index, first } = uniqueRows(m);
  const nu = first.length;
  const pu = f(nu === m.rows ? m : selectRows(m, first));
  for (let i = 0; i < nu; i++) {
    for (let j = 0; j < i; j++) pu.data[i * nu + j] = pu.data[j * nu + i];
    if (diag !== undefined) pu.data[i * nu + i] = diag;
  }
  if (nu === m.rows) return pu;
  const n = m.rows;
  const out = mat(n, n);
  for (let i = 0; i < n; i++) {
    const o = index[i] * nu;
    for (let j = 0; j < n; j++) out.data[i * n + j] = pu.data[o + index[j]];
  }
  return out;
}
