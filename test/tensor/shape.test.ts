import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError, ShapeError } from '../../src/errors.ts';
import { concat, embedding, gatherRows, maskedAffineRows, reshape, slice, transpose2d } from '../../src/tensor/ops/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertClose, assertGrad, rand } from './helpers.ts';

test('reshape (with −1) keeps values; gradients flow', () => {
  const rng = new Rng(1);
  const x = rand([2, 3, 4], rng);
  const y = reshape(x, [6, -1]);
  assert.deepEqual(y.shape, [6, 4]);
  assert.deepEqual(Array.from(y.data), Array.from(x.data));
  assertGrad(([t]) => reshape(t, [4, 6]), [x]);
  assert.throws(() => reshape(x, [5, -1]), ShapeError);
  assert.throws(() => reshape(x, [-1, -1]), ShapeError);
});

test('transpose2d values and gradient', () => {
  const x = rand([3, 5], new Rng(2));
  const y = transpose2d(x);
  assert.deepEqual(y.shape, [5, 3]);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) assert.equal(y.data[j * 3 + i], x.data[i * 5 + j]);
  assertGrad(([t]) => transpose2d(t), [x]);
});

test('slice and concat along each axis invert each other; gradients', () => {
  const rng = new Rng(3);
  const x = rand([3, 4, 5], rng);
  for (let ax = 0; ax < 3; ax++) {
    const n = x.shape[ax];
    const parts = [slice(x, ax, 0, 1), slice(x, ax, 1, n - 1), slice(x, ax, n - 1, n)];
    const back = concat(parts, ax);
    assert.deepEqual(back.shape, x.shape);
    assert.deepEqual(Array.from(back.data), Array.from(x.data));
    assertGrad(([t]) => slice(t, ax, 1, n - 1), [x]);
  }
  assertGrad(([a, b]) => concat([a, b, a], 1), [rand([2, 3, 2], rng), rand([2, 1, 2], rng)]);
  assertGrad(([a, b]) => concat([a, b], -1), [rand([2, 3], rng), rand([2, 4], rng)]);
  assert.deepEqual(slice(x, -1, 2, 2).shape, [3, 4, 0]);
  assert.throws(() => slice(x, 0, 2, 4), InputError);
  assert.throws(() => slice(x, 3, 0, 1), ShapeError);
  assert.throws(() => concat([rand([2, 3], rng), rand([3, 3], rng)], 1), (e: unknown) => e instanceof ShapeError && /\[2, 3\].*\[3, 3\]/.test(e.message));
});

test('embedding and gatherRows: values, scatter-add backward with repeats, range errors', () => {
  const rng = new Rng(4);
  const W = rand([6, 3], rng);
  const ids = Int32Array.from([2, 0, 2, 5]);
  const e = embedding(W, ids);
  assert.deepEqual(e.shape, [4, 3]);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) assert.equal(e.data[i * 3 + j], W.data[ids[i] * 3 + j]);
  e.backward(Tensor.full([4, 3], 1, 'float64'));
  assert.deepEqual(Array.from(W.grad!.data.subarray(6, 9)), [2, 2, 2]);
  assert.deepEqual(Array.from(W.grad!.data.subarray(3, 6)), [0, 0, 0]);
  assertGrad(([t]) => embedding(t, ids), [W]);
  assertGrad(([t]) => gatherRows(t, Int32Array.from([1, 1, 4])), [W]);
  assert.throws(() => embedding(W, Int32Array.from([6])), (e2: unknown) => e2 instanceof InputError && /6/.test(e2.message));
  assert.throws(() => embedding(W, Int32Array.from([-1])), InputError);
});

test('maskedAffineRows: x_i A + c_j on masked rows only, gradients in x, A and c', () => {
  const rng = new Rng(5);
  const x = rand([5, 3], rng);
  const A = rand([3, 3], rng);
  const mask = Uint8Array.from([0, 1, 0, 1, 1]);
  const c = rand([3, 3], rng);
  const y = maskedAffineRows(x, mask, A, c);
  let j = 0;
  for (let i = 0; i < 5; i++) {
    for (let q = 0; q < 3; q++) {
      let ref = x.data[i * 3 + q];
      if (mask[i]) {
        ref = c.data[j * 3 + q];
        for (let p = 0; p < 3; p++) ref += x.data[i * 3 + p] * A.data[p * 3 + q];
      }
      assert.ok(Math.abs(y.data[i * 3 + q] - ref) < 1e-14);
    }
    if (mask[i]) j++;
  }
  assertGrad(([p, q, r]) => maskedAffineRows(p, mask, q, r), [x, A, c]);
  assertGrad(([p, r]) => maskedAffineRows(p, mask, null, r), [x, c]);
  // A = null is the identity: x_i + c_j.
  const yi = maskedAffineRows(x, mask, null, c);
  assertClose(yi.data.subarray(3, 6), [0, 1, 2].map((q) => x.data[3 + q] + c.data[q]), 1e-15);
  // No masked rows: identity, and c is [0, d].
  const y0 = maskedAffineRows(x, new Uint8Array(5), A, Tensor.zeros([0, 3], 'float64'));
  assert.deepEqual(Array.from(y0.data), Array.from(x.data));
  assert.throws(() => maskedAffineRows(x, mask, A, rand([2, 3], rng)), (e: unknown) => e instanceof ShapeError && /\[3, 3\]/.test(e.message));
  assert.throws(() => maskedAffineRows(x, mask, rand([3, 4], rng), c), ShapeError);
});
