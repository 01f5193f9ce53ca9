import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError, ShapeError } from '../../src/errors.ts';
import { Adam, clipGradNorm } from '../../src/tensor/optim.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import type { DType } from '../../src/tensor/tensor.ts';
import { assertClose, fixture } from './helpers.ts';

interface AdamRun {
  dtype: DType;
  weightDecay: number;
  shapes: number[][];
  init: number[][];
  steps: { lr: number; grads: (number[] | null)[]; params: number[][] }[];
}
interface ClipCase {
  dtype: DType;
  maxNorm: number;
  grads: number[][];
  total: number;
  clipped: number[][];
}
const fx = fixture<{ adam: AdamRun[]; clip: ClipCase[] }>('adam.json');

function setup(run: AdamRun): Tensor[] {
  return run.init.map((v, i) => Tensor.from(v, run.shapes[i], run.dtype).param(`p${i}`));
}

function feed(params: Tensor[], grads: (number[] | null)[], dtype: DType): void {
  params.forEach((p, i) => {
    const g = grads[i];
    p.grad = g === null ? null : Tensor.from(g, p.shape, dtype);
  });
}

test('Adam matches torch.optim.Adam step by step (changing lr, skipped grads, weight decay)', () => {
  for (const run of fx.adam) {
    const tol = run.dtype === 'float32' ? 1e-6 : 1e-12;
    const params = setup(run);
    const opt = new Adam(params, { lr: 1e-3, weightDecay: run.weightDecay });
    for (const [t, st] of run.steps.entries()) {
      feed(params, st.grads, run.dtype);
      opt.step(st.lr);
      params.forEach((p, i) => assertClose(p.data, st.params[i], tol, tol, `${run.dtype} wd=${run.weightDecay} step ${t} param ${i}`));
    }
  }
});

test('Adam state()/loadState() resumes exactly', () => {
  const run = fx.adam[0];
  const params = setup(run);
  const opt = new Adam(params);
  for (const st of run.steps.slice(0, 2)) {
    feed(params, st.grads, run.dtype);
    opt.step(st.lr);
  }
  const saved = opt.state();
  const snap = params.map((p) => p.data.slice());
  // Continue the original.
  for (const st of run.steps.slice(2)) {
    feed(params, st.grads, run.dtype);
    opt.step(st.lr);
  }
  // Fresh params and optimizer from the checkpoint.
  const p2 = snap.map((d, i) => new Tensor(d, run.shapes[i]).param());
  const opt2 = new Adam(p2);
  opt2.loadState(saved);
  assert.equal(opt2.lr, saved.lr);
  for (const st of run.steps.slice(2)) {
    feed(p2, st.grads, run.dtype);
    opt2.step(st.lr);
  }
  p2.forEach((p, i) => assert.deepEqual(Array.from(p.data), Array.from(params[i].data)));
  // The saved state is a deep copy, unaffected by later steps.
  assert.notDeepEqual(Array.from(saved.m[0]), Array.from(opt.state().m[0]));
  assert.throws(() => new Adam(p2.slice(0, 1)).loadState(saved), ShapeError);
  assert.throws(() => new Adam(p2, { eps: 1e-6 }).loadState(saved), InputError);
});

test('Adam: zeroGrad clears, lr property works, bad hyper-parameters throw', () => {
  const p = Tensor.from([1, 2], [2], 'float64').param();
  const opt = new Adam([p], { lr: 0.1 });
  p.grad = Tensor.from([1, -1], [2], 'float64');
  opt.step();
  // First step moves each coordinate by lr·sign(g) up to eps.
  assertClose(p.data, [0.9, 2.1], 1e-8);
  opt.zeroGrad();
  assert.equal(p.grad, null);
  opt.step();
  assertClose(p.data, [0.9, 2.1], 1e-8);
  assert.throws(() => new Adam([p], { lr: -1 }), InputError);
  assert.throws(() => new Adam([p], { betas: [1, 0.9] }), InputError);
});

test('clipGradNorm matches torch.nn.utils.clip_grad_norm_', () => {
  for (const c of fx.clip) {
    const tol = c.dtype === 'float32' ? 1e-6 : 1e-12;
    const params = c.grads.map((g) => {
      const p = Tensor.zeros([g.length], c.dtype).param();
      p.grad = Tensor.from(g, [g.length], c.dtype);
      return p;
    });
    const total = clipGradNorm(params, c.maxNorm);
    assertClose([total], [c.total], tol, tol, 'total');
    params.forEach((p, i) => assertClose(p.grad!.data, c.clipped[i], tol, tol, `clipped ${i}`));
  }
  assert.throws(() => clipGradNorm([], 0), InputError);
});
