import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DTypeError, InputError } from '../../src/errors.ts';
import { gradcheck } from '../../src/tensor/gradcheck.ts';
import { mul, square } from '../../src/tensor/ops/index.ts';
import { Tensor, alloc, fromOp } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { rand } from './helpers.ts';

/** x³ with a deliberately wrong backward (2x² instead of 3x²). */
function badCube(x: Tensor): Tensor {
  const out = alloc('float64', x.size);
  for (let i = 0; i < x.size; i++) out[i] = x.data[i] ** 3;
  return fromOp('badCube', out, x.shape, [x], (g) => {
    const r = alloc('float64', x.size);
    for (let i = 0; i < x.size; i++) r[i] = 2 * x.data[i] ** 2 * g.data[i];
    return [new Tensor(r, x.shape)];
  });
}

test('gradcheck passes correct gradients and catches a wrong backward', () => {
  const x = rand([3, 2], new Rng(1));
  const good = gradcheck(([t]) => mul(square(t), t), [x]);
  assert.ok(good.ok, good.worst);
  assert.equal(good.checked, 6);
  assert.ok(good.maxAbsError < 1e-7);
  const bad = gradcheck(([t]) => badCube(t), [x]);
  assert.equal(bad.ok, false);
  assert.match(bad.worst, /autograd/);
});

test('gradcheck skips constant inputs and rejects float32 or no parameters', () => {
  const rng = new Rng(2);
  const a = rand([4], rng);
  const c = rand([4], rng, 'float64', false);
  const r = gradcheck(([p, q]) => mul(p, q), [a, c]);
  assert.ok(r.ok);
  assert.equal(r.checked, 4);
  assert.throws(() => gradcheck(([p]) => square(p), [rand([2], rng, 'float32')]), DTypeError);
  assert.throws(() => gradcheck(([p]) => square(p), [c]), InputError);
  // The inputs are restored after perturbation.
  const before = Array.from(a.data);
  gradcheck(([p]) => square(p), [a]);
  assert.deepEqual(Array.from(a.data), before);
});
