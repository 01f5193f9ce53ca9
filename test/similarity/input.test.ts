/**
 * Plain inputs at the public border (issue 10, item 3): number[][] (rows = samples), typed
 * { rows, cols, data } and shaped { shape, data } matrices give the same values as a Mat, and
 * bad shapes or types raise the typed errors the CLI raises.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DTypeError, NonFiniteError, ShapeError } from '../../src/errors.ts';
import {
  MinibatchCka,
  ShapeMismatchError,
  TooFewSamplesError,
  ckaLinear,
  hsicBiased,
  mutualKnn,
  permutationTest,
  procrustesAngular,
  rdm,
  similarity,
  toMat,
  type MatrixInput,
} from '../../src/similarity/index.ts';
import { decodeNpy, encodeNpy } from '../../src/io/npy.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { pair } from './helpers.ts';

const rng = new Rng(31);
const { x, y } = pair(rng, 20, 4, 3);
// float32-exact values, so that Float32Array inputs carry the same numbers
for (const m of [x, y]) for (let i = 0; i < m.data.length; i++) m.data[i] = Math.fround(m.data[i]);
const rowsOf = (m: { rows: number; cols: number; data: Float64Array }): number[][] => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));

test('number[][], {rows, cols, data} (plain, Float32Array, Int32Array) and {shape, data} give the Mat values', () => {
  const forms = (m: typeof x): MatrixInput[] => [
    rowsOf(m),
    rowsOf(m).map((r) => Float32Array.from(r)),
    { rows: m.rows, cols: m.cols, data: Array.from(m.data) },
    { rows: m.rows, cols: m.cols, data: Float32Array.from(m.data) },
    { shape: [m.rows, m.cols], data: Array.from(m.data) },
    new Tensor(Float32Array.from(m.data), [m.rows, m.cols]),
  ];
  const fx = forms(x);
  const fy = forms(y);
  for (const id of ['cka-linear', 'rsa-euclidean-spearman', 'procrustes-angular', 'mutual-knn-3', 'cca-mean']) {
    const want = similarity(id, x, y).value;
    for (let f = 0; f < fx.length; f++) assert.equal(similarity(id, fx[f], fy[f]).value, want, `${id} form ${f}`);
  }
  assert.equal(ckaLinear(fx[0], fy[2]).value, ckaLinear(x, y).value);
  assert.equal(procrustesAngular(fx[1], fy[3]).value, procrustesAngular(x, y).value);
  assert.equal(mutualKnn(fx[0], fy[0], 2, 'l2').value, mutualKnn(x, y, 2, 'l2').value);
  assert.deepEqual(rdm(fx[0], 'euclidean').data, rdm(x, 'euclidean').data);
  assert.equal(permutationTest('cka-linear', fx[0], fy[0], { permutations: 20, seed: 1 }).p, permutationTest('cka-linear', x, y, { permutations: 20, seed: 1 }).p);
  const a = new MinibatchCka();
  a.update(fx[0], fy[0]);
  const b = new MinibatchCka();
  b.update(x, y);
  assert.equal(a.value(), b.value());
  // integer data arrive as float64 numbers
  const ints = { rows: 6, cols: 2, data: Int32Array.from([1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233]) };
  assert.deepEqual(Array.from(toMat('t', 'X', ints).data), [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233]);
  const k = { rows: 20, cols: 20, data: rdm(x, 'sqeuclidean').data };
  assert.equal(hsicBiased(rowsOf(k), k), hsicBiased(k, k));
});

test('arrays read from .npy files are inputs as they are; a 1-D .npy array is refused with a hint to reshape', () => {
  const npy = decodeNpy(encodeNpy(Float32Array.from(x.data), [x.rows, x.cols]));
  assert.equal(similarity('cka-linear', npy, y).value, similarity('cka-linear', x, y).value);
  const flat = decodeNpy(encodeNpy(Float32Array.from(x.data), [x.data.length]));
  assert.throws(() => similarity('cka-linear', flat, y), (e: unknown) => e instanceof ShapeError && /X is 1-D \[80\].*reshape it to \[80, 1\]/.test((e as Error).message));
});

test('a float64 Mat passes through uncopied', () => {
  assert.equal(toMat('t', 'X', x), x);
});

test('bad shapes: ragged rows, 1-D arrays, 3-D tensors, wrong lengths, empty input → ShapeError with a hint', () => {
  const err = (f: () => unknown, re: RegExp, cls: new (...a: never[]) => Error = ShapeError): void => {
    assert.throws(f, (e: unknown) => e instanceof cls && re.test((e as Error).message), re.source);
  };
  err(() => similarity('cka-linear', [[1, 2], [3, 4], [5], [7, 8]], rowsOf(y).slice(0, 4)), /ragged rows: row 2 has 1 values, row 0 has 2/);
  // the types refuse these too; plain JavaScript callers get the runtime errors
  err(() => similarity('cka-linear', [1, 2, 3, 4, 5] as unknown as MatrixInput, rowsOf(y).slice(0, 5)), /1-D array of 5 numbers.*map\(\(v\) => \[v\]\)/);
  err(() => similarity('cka-linear', new Tensor(new Float32Array(5), [5]), y), /1-D \[5\].*reshape it to \[5, 1\]/);
  err(() => similarity('cka-linear', new Tensor(new Float32Array(24), [2, 3, 4]), y), /3-D \[2, 3, 4\].*reshape it to \[2·3, 4\]/);
  err(() => similarity('cka-linear', Float64Array.from(x.data) as unknown as MatrixInput, y), /flat Float64Array .*rows, cols, data/);
  err(() => similarity('cka-linear', { rows: 20, cols: 4, data: new Float64Array(79) }, y), /79 values for 20×4/);
  err(() => similarity('cka-linear', { rows: 2.5, cols: 4, data: [] }, y), /non-negative integers/);
  err(() => similarity('cka-linear', [], y), /no rows/);
  err(() => similarity('cka-linear', { rows: 0, cols: 3, data: [] }, y), /empty/);
  // different sample counts: the same ShapeMismatchError as for Mats, naming the samples × features rule
  err(() => similarity('cka-linear', rowsOf(x), rowsOf(y).slice(0, 19)), /20×4 and Y is 19×3.*samples/, ShapeMismatchError);
});

test('bad types → DTypeError; NaN → NonFiniteError with row and column; too few samples → TooFewSamplesError', () => {
  const dt = (v: unknown, re: RegExp): void => {
    assert.throws(() => similarity('cka-linear', v as MatrixInput, y), (e: unknown) => e instanceof DTypeError && /X/.test((e as Error).message) && re.test((e as Error).message), re.source);
  };
  const bad = rowsOf(x) as unknown[][];
  bad[3][2] = '0.5';
  dt(bad, /X\[3\]\[2\] is a string \("0.5"\)/);
  dt([[1, 2], 'ab'], /row 1 of X is a string/);
  dt({ rows: 2, cols: 2, data: [1, 2, null, 4] }, /data\[2\] \(row 1, column 0\) is null/);
  dt({ rows: 2, cols: 2, data: BigInt64Array.from([1n, 2n, 3n, 4n]) }, /64-bit integers/);
  dt(null, /X is null/);
  dt('x.npy', /X is a string/);
  const nan = rowsOf(x);
  nan[7][1] = NaN;
  assert.throws(() => similarity('cka-linear', nan, y), (e: unknown) => e instanceof NonFiniteError && /row 7, column 1/.test((e as Error).message));
  assert.throws(() => similarity('cka-linear', [[1, 2], [3, 4], [5, 7]], [[1], [2], [4]]), TooFewSamplesError);
});
