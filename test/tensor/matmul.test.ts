import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DTypeError, ShapeError } from '../../src/errors.ts';
import { linear, matmul } from '../../src/tensor/ops/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertClose, assertGrad, rand } from './helpers.ts';

/** Naive reference: op(a)·op(b) for 2-D row-major arrays. */
function naive(a: Tensor, b: Tensor, tA: boolean, tB: boolean): number[] {
  const [ar, ac] = a.shape;
  const [br, bc] = b.shape;
  const m = tA ? ac : ar;
  const k = tA ? ar : ac;
  const n = tB ? br : bc;
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a.data[p * ac + i] : a.data[i * ac + p]) * (tB ? b.data[j * bc + p] : b.data[p * bc + j]);
      out.push(s);
    }
  return out;
}

test('2-D matmul with every transpose combination: values and gradients', () => {
  const rng = new Rng(1);
  for (const tA of [false, true])
    for (const tB of [false, true]) {
      const a = rand(tA ? [4, 3] : [3, 4], rng);
      const b = rand(tB ? [5, 4] : [4, 5], rng);
      const c = matmul(a, b, { transA: tA, transB: tB });
      assert.deepEqual(c.shape, [3, 5]);
      assertClose(c.data, naive(a, b, tA, tB), 1e-13);
      assertGrad(([x, y]) => matmul(x, y, { transA: tA, transB: tB }), [a, b]);
    }
});

test('batched matmul with a shared weight equals per-batch products', () => {
  const rng = new Rng(2);
  for (const tB of [false, true]) {
    const a = rand([2, 3, 4], rng);
    const b = rand(tB ? [5, 4] : [4, 5], rng);
    const c = matmul(a, b, { transB: tB });
    assert.deepEqual(c.shape, [2, 3, 5]);
    for (let i = 0; i < 2; i++) {
      const ai = new Tensor(a.data.slice(i * 12, (i + 1) * 12), [3, 4]);
      assertClose(c.data.subarray(i * 15, (i + 1) * 15), naive(ai, b, false, tB), 1e-13);
    }
    assertGrad(([x, y]) => matmul(x, y, { transB: tB }), [a, b]);
  }
  // transA with a shared weight goes through the per-batch path.
  assertGrad(([x, y]) => matmul(x, y, { transA: true }), [rand([2, 4, 3], rng), rand([4, 5], rng)]);
});

test('batched matmul with per-batch right operands, all transposes', () => {
  const rng = new Rng(3);
  for (const tA of [false, true])
    for (const tB of [false, true]) {
      const a = rand(tA ? [2, 4, 3] : [2, 3, 4], rng);
      const b = rand(tB ? [2, 5, 4] : [2, 4, 5], rng);
      const c = matmul(a, b, { transA: tA, transB: tB });
      for (let i = 0; i < 2; i++) {
        const ai = new Tensor(a.data.slice(i * 12, (i + 1) * 12), a.shape.slice(1));
        const bi = new Tensor(b.data.slice(i * 20, (i + 1) * 20), b.shape.slice(1));
        assertClose(c.data.subarray(i * 15, (i + 1) * 15), naive(ai, bi, tA, tB), 1e-13);
      }
      assertGrad(([x, y]) => matmul(x, y, { transA: tA, transB: tB }), [a, b]);
    }
});

test('linear = x Wᵀ + b in PyTorch layout, with gradients', () => {
  const rng = new Rng(4);
  const x = rand([2, 3, 4], rng);
  const W = rand([5, 4], rng);
  const b = rand([5], rng);
  const y = linear(x, W, b);
  assert.deepEqual(y.shape, [2, 3, 5]);
  const flat = new Tensor(x.data, [6, 4]);
  const ref = naive(flat, W, false, true);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 5; j++) ref[i * 5 + j] += b.data[j];
  assertClose(y.data, ref, 1e-13);
  assertGrad(([p, q, r]) => linear(p, q, r), [x, W, b]);
  assertGrad(([p, q]) => linear(p, q), [x, W]);
  const y32 = linear(x.to('float32'), W.to('float32'), b.to('float32'));
  assert.equal(y32.dtype, 'float32');
  assertClose(y32.data, ref, 1e-5);
});

test('matmul and linear reject bad shapes and dtypes with both shapes in the message', () => {
  const a = Tensor.zeros([3, 4], 'float64');
  assert.throws(() => matmul(a, Tensor.zeros([5, 2], 'float64')), (e: unknown) => e instanceof ShapeError && /\[3, 4\]/.test(e.message) && /\[5, 2\]/.test(e.message));
  assert.throws(() => matmul(a, Tensor.zeros([4, 2], 'float32')), DTypeError);
  assert.throws(() => matmul(Tensor.zeros([2, 3, 4], 'float64'), Tensor.zeros([3, 4, 2], 'float64')), /batch/);
  assert.throws(() => linear(a, Tensor.zeros([2, 3], 'float64')), (e: unknown) => e instanceof ShapeError && /linear/.test(e.message));
  assert.throws(() => linear(a, Tensor.zeros([2, 4], 'float64'), Tensor.zeros([3], 'float64')), /bias/);
});
