import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../src/errors.ts';
import { add, addScalar, cosineSimilarity, max, mean, mul, norm, scale, square, sub, sum } from '../../src/tensor/ops/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertClose, assertGrad, rand } from './helpers.ts';

test('sum / mean over all and along each axis, with keepdims', () => {
  const rng = new Rng(1);
  const x = rand([2, 3, 4], rng);
  const tot = Array.from(x.data).reduce((s, v) => s + v, 0);
  assertClose([sum(x).item()], [tot], 1e-13);
  assertClose([mean(x).item()], [tot / 24], 1e-14);
  assert.deepEqual(sum(x, 1).shape, [2, 4]);
  assert.deepEqual(sum(x, 1, true).shape, [2, 1, 4]);
  assert.deepEqual(mean(x, -1).shape, [2, 3]);
  assert.deepEqual(sum(x, undefined, true).shape, [1, 1, 1]);
  const s1 = sum(x, 1);
  for (let i = 0; i < 2; i++)
    for (let k = 0; k < 4; k++) {
      let r = 0;
      for (let j = 0; j < 3; j++) r += x.data[(i * 3 + j) * 4 + k];
      assert.ok(Math.abs(s1.data[i * 4 + k] - r) < 1e-14);
    }
  for (let ax = 0; ax < 3; ax++) {
    assertGrad(([t]) => sum(t, ax), [x]);
    assertGrad(([t]) => mean(t, ax, true), [x]);
    assertGrad(([t]) => norm(t, ax), [x]);
  }
  assertGrad(([t]) => mean(t), [x]);
  assertGrad(([t]) => norm(t), [x]);
  assert.throws(() => sum(x, 3), ShapeError);
});

test('max has the right values and no graph', () => {
  const x = Tensor.from([[1, 5, 2], [7, -1, 3]], undefined, 'float64').param();
  assert.deepEqual(Array.from(max(x, 1).data), [5, 7]);
  assert.deepEqual(Array.from(max(x, 0).data), [7, 5, 3]);
  assert.equal(max(x).item(), 7);
  assert.equal(max(x).requiresGrad, false);
});

test('norm: value and zero-vector gradient', () => {
  const x = Tensor.from([3, 4], [2], 'float64').param();
  assert.equal(norm(x).item(), 5);
  const z = Tensor.zeros([3], 'float64').param();
  norm(z).backward();
  assert.ok(z.grad!.data.every((v) => v === 0));
});

test('cosineSimilarity follows the CL-loss formula; gradients; CL loss invariants (mas.md §9.13)', () => {
  const rng = new Rng(2);
  const a = rand([4, 5], rng);
  const b = rand([4, 5], rng);
  const c = cosineSimilarity(a, b);
  assert.deepEqual(c.shape, [4]);
  for (let r = 0; r < 4; r++) {
    let ab = 0, aa = 0, bb = 0;
    for (let j = 0; j < 5; j++) {
      ab += a.data[r * 5 + j] * b.data[r * 5 + j];
      aa += a.data[r * 5 + j] ** 2;
      bb += b.data[r * 5 + j] ** 2;
    }
    assert.ok(Math.abs(c.data[r] - ab / Math.sqrt((aa + 1e-12) * (bb + 1e-12))) < 1e-14);
  }
  assertGrad(([p, q]) => cosineSimilarity(p, q), [a, b]);
  // Zero vectors give 0, not NaN.
  assert.equal(cosineSimilarity(Tensor.zeros([1, 3], 'float64'), Tensor.zeros([1, 3], 'float64')).item(), 0);
  // CL loss ℓ = ½[(1 − cos) + ‖h − c‖²/d], composed from ops.
  const d = 5;
  const cl = (h: Tensor, t: Tensor): Tensor =>
    scale(add(addScalar(scale(cosineSimilarity(h, t), -1), 1), scale(sum(square(sub(h, t)), -1), 1 / d)), 0.5);
  const same = cl(a, a);
  for (const v of same.data) assert.ok(Math.abs(v) < 1e-12);
  const cs1 = cosineSimilarity(a, b).data;
  const cs2 = cosineSimilarity(a, mul(b, Tensor.scalar(3.7, 'float64'))).data;
  assertClose(cs2, cs1, 1e-12); // exact up to the 1e-12 regularizer
  // Hand-made vectors: h = [1, 0], c = [0, 1]: cos 0, ‖h−c‖² = 2 ⇒ ℓ = ½(1 + 2/2) = 1.
  const h = Tensor.from([[1, 0]], undefined, 'float64');
  const t = Tensor.from([[0, 1]], undefined, 'float64');
  const hc = (x: Tensor, y: Tensor): Tensor => scale(add(addScalar(scale(cosineSimilarity(x, y), -1), 1), scale(sum(square(sub(x, y)), -1), 1 / 2)), 0.5);
  assert.equal(hc(h, t).item(), 1);
  assert.equal(cl(a, a).size, 4);
  assertGrad(([p, q]) => cl(p, q), [a, b]);
  assert.throws(() => cosineSimilarity(a, rand([4, 4], rng)), (e: unknown) => e instanceof ShapeError && /\[4, 5\].*\[4, 4\]/.test(e.message));
});
