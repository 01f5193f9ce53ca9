import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.ts';
import { dropout, gelu, logSoftmax, relu, sigmoid, softmax, tanh } from '../../src/tensor/ops/index.ts';
import { erfc } from '../../src/tensor/erf.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertClose, assertGrad, fixture, rand } from './helpers.ts';

test('sigmoid, tanh, relu: values and gradients', () => {
  const rng = new Rng(1);
  const x = rand([3, 4], rng);
  assertClose(sigmoid(x).data, Array.from(x.data, (v) => 1 / (1 + Math.exp(-v))), 1e-15);
  assertClose(tanh(x).data, Array.from(x.data, Math.tanh), 0);
  assertClose(relu(x).data, Array.from(x.data, (v) => Math.max(v, 0)), 0);
  const big = Tensor.from([-800, 800], [2], 'float64');
  assert.deepEqual(Array.from(sigmoid(big).data), [0, 1]);
  assertGrad(([t]) => sigmoid(t), [x]);
  assertGrad(([t]) => tanh(t), [x]);
  assertGrad(([t]) => relu(t), [x]);
});

test('gelu matches PyTorch exact GELU values and gradients (float64)', () => {
  const f = fixture<{ gelu: { x: number[]; y: number[]; dy: number[] } }>('ops.json').gelu;
  const x = Tensor.from(f.x, [f.x.length], 'float64').param();
  const y = gelu(x);
  assertClose(y.data, f.y, 1e-15, 1e-14, 'gelu');
  y.backward(Tensor.full(y.shape, 1, 'float64'));
  assertClose(x.grad!.data, f.dy, 1e-15, 1e-13, 'gelu grad');
  assertGrad(([t]) => gelu(t), [rand([10], new Rng(2))]);
  // float32 stays within 1e-6 of the float64 result.
  assertClose(gelu(x.to('float32')).data, f.y, 1e-6, 1e-6, 'gelu f32');
  // Far tails (|x|/√2 ≥ 6) take a separate branch: x·½·erfc(−x/√2).
  const far = Tensor.from([-40, -12, -9, -8.5, 8.5, 9, 12, 40], [8], 'float64');
  assertClose(gelu(far).data, Array.from(far.data, (v) => v * 0.5 * erfc(-v * Math.SQRT1_2)), 0, 1e-13, 'gelu tails');
});

test('dropout: inverted scaling, mask from the Rng, identity in eval, gradient uses the mask', () => {
  const x = Tensor.full([1000], 1, 'float64').param();
  const y = dropout(x, 0.3, new Rng(7), true);
  let kept = 0;
  for (const v of y.data) {
    if (v !== 0) {
      kept++;
      assert.ok(Math.abs(v - 1 / 0.7) < 1e-15);
    }
  }
  assert.ok(kept > 640 && kept < 760, `kept ${kept}`);
  const y2 = dropout(x, 0.3, new Rng(7), true);
  assert.deepEqual(Array.from(y2.data), Array.from(y.data));
  assert.equal(dropout(x, 0.3, new Rng(7), false), x);
  assert.equal(dropout(x, 0, new Rng(7), true), x);
  assert.ok(dropout(x, 1, new Rng(7), true).data.every((v) => v === 0));
  y.backward(Tensor.full([1000], 1, 'float64'));
  for (let i = 0; i < 1000; i++) assert.equal(x.grad!.data[i], y.data[i]);
  assert.throws(() => dropout(x, 1.5, new Rng(1), true), InputError);
  // gradcheck with a fixed seed: the mask is redrawn identically on every call.
  assertGrad(([t]) => dropout(t, 0.5, new Rng(3), true), [rand([4, 5], new Rng(4))]);
});

test('softmax and logSoftmax: stable, match PyTorch, and differentiate', () => {
  const f = fixture<{ crossEntropy: { logits: number[]; logSoftmax: number[] } }>('ops.json').crossEntropy;
  const l = Tensor.from(f.logits, [6, 5], 'float64');
  assertClose(logSoftmax(l).data, f.logSoftmax, 1e-14, 1e-14, 'logSoftmax');
  assertClose(softmax(l).data, f.logSoftmax.map(Math.exp), 1e-15, 1e-14, 'softmax');
  const huge = Tensor.from([1000, 1001, 999], [1, 3], 'float64');
  const s = softmax(huge);
  assert.ok(s.data.every(Number.isFinite));
  assertClose([s.data[0] + s.data[1] + s.data[2]], [1], 1e-15);
  assert.ok(logSoftmax(huge).data.every(Number.isFinite));
  const rng = new Rng(5);
  assertGrad(([t]) => softmax(t), [rand([2, 3, 4], rng)]);
  assertGrad(([t]) => logSoftmax(t), [rand([2, 3, 4], rng)]);
});
