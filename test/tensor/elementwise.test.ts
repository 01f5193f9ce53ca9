import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DTypeError, NonFiniteError, ShapeError } from '../../src/errors.ts';
import { abs, add, addScalar, div, exp, log, mul, neg, pow, scale, sqrt, square, sub } from '../../src/tensor/ops/index.ts';
import { broadcastShape } from '../../src/tensor/ops/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertClose, assertGrad, rand } from './helpers.ts';

test('broadcastShape follows numpy rules', () => {
  assert.deepEqual(broadcastShape('t', [2, 3], [3]), [2, 3]);
  assert.deepEqual(broadcastShape('t', [4, 1, 3], [5, 1]), [4, 5, 3]);
  assert.deepEqual(broadcastShape('t', [], [2, 2]), [2, 2]);
  assert.throws(() => broadcastShape('add', [2, 3], [2]), (e: unknown) => e instanceof ShapeError && /add.*\[2, 3\].*\[2\]/.test(e.message));
});

test('broadcast add/mul values match an explicit loop', () => {
  const rng = new Rng(1);
  const a = rand([4, 1, 3], rng, 'float32', false);
  const b = rand([5, 1], rng, 'float32', false);
  const s = add(a, b);
  const p = mul(a, b);
  assert.deepEqual(s.shape, [4, 5, 3]);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 5; j++)
      for (let k = 0; k < 3; k++) {
        const o = (i * 5 + j) * 3 + k;
        assert.equal(s.data[o], Math.fround(a.data[i * 3 + k] + b.data[j]));
        assert.equal(p.data[o], Math.fround(a.data[i * 3 + k] * b.data[j]));
      }
  assert.equal(s.dtype, 'float32');
});

test('binary ops: gradients with and without broadcasting', () => {
  const rng = new Rng(2);
  const cases: [number[], number[]][] = [
    [[3, 4], [3, 4]],
    [[3, 4], [4]],
    [[2, 3, 4], [3, 1]],
    [[1, 4], [3, 1]],
    [[3, 4], []],
    [[2, 1, 3], [2, 4, 1]],
  ];
  for (const [sa, sb] of cases) {
    for (const f of [add, sub, mul]) assertGrad(([x, y]) => f(x, y), [rand(sa, rng), rand(sb, rng)]);
    const den = rand(sb, rng);
    for (let i = 0; i < den.size; i++) den.data[i] = 1 + Math.abs(den.data[i]);
    assertGrad(([x, y]) => div(x, y), [rand(sa, rng), den]);
    // Reversed operand order.
    assertGrad(([x, y]) => sub(y, x), [rand(sa, rng), rand(sb, rng)]);
  }
});

test('the same tensor used twice accumulates both gradients', () => {
  const x = rand([3], new Rng(3));
  const y = mul(x, x);
  y.backward(Tensor.full([3], 1, 'float64'));
  assertClose(x.grad!.data, Array.from(x.data, (v) => 2 * v), 1e-15);
});

test('unary ops: values and gradients', () => {
  const rng = new Rng(4);
  const x = rand([2, 5], rng);
  assertGrad(([t]) => neg(t), [x]);
  assertGrad(([t]) => scale(t, -2.5), [x]);
  assertGrad(([t]) => addScalar(t, 3), [x]);
  assertGrad(([t]) => exp(t), [x]);
  assertGrad(([t]) => square(t), [x]);
  assertGrad(([t]) => abs(t), [x]);
  assertGrad(([t]) => pow(t, 3), [x]);
  const pos = rand([2, 5], rng);
  for (let i = 0; i < pos.size; i++) pos.data[i] = 0.5 + Math.abs(pos.data[i]);
  assertGrad(([t]) => log(t), [pos]);
  assertGrad(([t]) => sqrt(t), [pos]);
  assertGrad(([t]) => pow(t, -1.5), [pos]);
  assertGrad(([t]) => pow(t, 0.5), [pos]);
  assertClose(pow(pos, 0.5).data, sqrt(pos).data, 1e-15);
  assertClose(log(exp(x)).data, x.data, 1e-14);
  assert.equal(addScalar(x, 2).data[3], x.data[3] + 2);
});

test('bad inputs raise typed errors naming the op and shapes', () => {
  const a = Tensor.zeros([2, 3], 'float32');
  const b = Tensor.zeros([2, 3], 'float64');
  assert.throws(() => add(a, b), (e: unknown) => e instanceof DTypeError && /add/.test(e.message) && /\[2, 3\]/.test(e.message));
  assert.throws(() => mul(a, Tensor.zeros([4], 'float32')), (e: unknown) => e instanceof ShapeError && /mul/.test(e.message) && /\[4\]/.test(e.message));
  assert.throws(() => log(Tensor.from([1, -1], [2], 'float64')), NonFiniteError);
  assert.throws(() => sqrt(Tensor.from([-1], [1], 'float64')), NonFiniteError);
  assert.throws(() => pow(Tensor.from([-2], [1], 'float64'), 0.5), NonFiniteError);
  assert.equal(pow(Tensor.from([-2], [1], 'float64'), 3).data[0], -8);
});
