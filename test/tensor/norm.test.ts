import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../src/errors.ts';
import { layerNorm } from '../../src/tensor/ops/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertClose, assertGrad, fixture, rand } from './helpers.ts';

interface LN {
  x: number[];
  gamma: number[];
  beta: number[];
  y: number[];
  w: number[];
  dx: number[];
  dgamma: number[];
  dbeta: number[];
}

test('layerNorm matches PyTorch forward and backward (float64)', () => {
  const f = fixture<{ layerNorm: LN }>('ops.json').layerNorm;
  const x = Tensor.from(f.x, [5, 7], 'float64').param();
  const g = Tensor.from(f.gamma, [7], 'float64').param();
  const b = Tensor.from(f.beta, [7], 'float64').param();
  const y = layerNorm(x, g, b);
  assertClose(y.data, f.y, 1e-14, 1e-13, 'y');
  y.backward(Tensor.from(f.w, [5, 7], 'float64'));
  assertClose(x.grad!.data, f.dx, 1e-13, 1e-12, 'dx');
  assertClose(g.grad!.data, f.dgamma, 1e-13, 1e-12, 'dgamma');
  assertClose(b.grad!.data, f.dbeta, 1e-13, 1e-12, 'dbeta');
  const y32 = layerNorm(x.to('float32'), g.to('float32'), b.to('float32'));
  assertClose(y32.data, f.y, 1e-5, 1e-5, 'y f32');
});

test('layerNorm gradcheck on a 3-D input, and output has zero mean / unit variance with γ=1, β=0', () => {
  const rng = new Rng(1);
  assertGrad(([x, g, b]) => layerNorm(x, g, b), [rand([2, 3, 6], rng), rand([6], rng), rand([6], rng)]);
  const x = rand([4, 8], rng, 'float64', false);
  const y = layerNorm(x, Tensor.full([8], 1, 'float64'), Tensor.zeros([8], 'float64'), 0);
  for (let r = 0; r < 4; r++) {
    const row = Array.from(y.data.subarray(r * 8, r * 8 + 8));
    const m = row.reduce((s, v) => s + v, 0) / 8;
    const v = row.reduce((s, q) => s + (q - m) ** 2, 0) / 8;
    assert.ok(Math.abs(m) < 1e-15 && Math.abs(v - 1) < 1e-14);
  }
  assert.throws(() => layerNorm(x, Tensor.zeros([7], 'float64'), Tensor.zeros([8], 'float64')), (e: unknown) => e instanceof ShapeError && /\[4, 8\]/.test(e.message));
});
