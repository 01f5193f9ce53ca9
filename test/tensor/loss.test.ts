import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError, ShapeError } from '../../src/errors.ts';
import { crossEntropy } from '../../src/tensor/ops/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertClose, assertGrad, fixture, rand } from './helpers.ts';

interface CE {
  logits: number[];
  targets: number[];
  mean: number;
  dlogits: number[];
  none: number[];
}

test('crossEntropy with ignoreIndex matches PyTorch (mean, none) and its gradient', () => {
  const f = fixture<{ crossEntropy: CE }>('ops.json').crossEntropy;
  const logits = Tensor.from(f.logits, [6, 5], 'float64').param();
  const t = Int32Array.from(f.targets);
  const loss = crossEntropy(logits, t, { ignoreIndex: -100 });
  assertClose([loss.item()], [f.mean], 1e-14, 1e-14, 'mean');
  loss.backward();
  assertClose(logits.grad!.data, f.dlogits, 1e-15, 1e-13, 'dlogits');
  assertClose(crossEntropy(logits, t, { ignoreIndex: -100, reduction: 'none' }).data, f.none, 1e-14, 1e-14, 'none');
  const sum = crossEntropy(logits, t, { ignoreIndex: -100, reduction: 'sum' }).item();
  assertClose([sum], [f.mean * 4], 1e-13, 1e-14, 'sum');
});

test('crossEntropy: mask equals ignoring rows; gradients with ignored rows', () => {
  const rng = new Rng(1);
  const x = rand([5, 4], rng);
  const t = Int32Array.from([0, 3, 2, 1, 3]);
  const mask = Uint8Array.from([1, 0, 1, 1, 0]);
  const t2 = Int32Array.from([0, -1, 2, 1, -1]);
  const a = crossEntropy(x, t, { mask }).item();
  const b = crossEntropy(x, t2, { ignoreIndex: -1 }).item();
  assert.equal(a, b);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    assertGrad(([p]) => crossEntropy(p, t, { mask, reduction }), [x]);
    assertGrad(([p]) => crossEntropy(p, t2, { ignoreIndex: -1, reduction }), [x]);
  }
});

test('crossEntropy: all rows ignored gives 0 with zero gradient, not NaN', () => {
  const x = rand([3, 4], new Rng(2));
  const loss = crossEntropy(x, Int32Array.from([-1, -1, -1]), { ignoreIndex: -1 });
  assert.equal(loss.item(), 0);
  loss.backward();
  assert.ok(x.grad!.data.every((v) => v === 0));
  const x2 = rand([2, 4], new Rng(3));
  const l2 = crossEntropy(x2, Int32Array.from([1, 2]), { mask: new Uint8Array(2) });
  assert.equal(l2.item(), 0);
});

test('crossEntropy: float32 is close to float64; errors are typed', () => {
  const x = rand([4, 6], new Rng(4), 'float64', false);
  const t = Int32Array.from([5, 0, 1, 2]);
  const l64 = crossEntropy(x, t).item();
  const l32 = crossEntropy(x.to('float32'), t).item();
  assert.ok(Math.abs(l64 - l32) < 1e-6);
  assert.throws(() => crossEntropy(x, Int32Array.from([6, 0, 1, 2])), (e: unknown) => e instanceof InputError && /target 6/.test(e.message));
  assert.throws(() => crossEntropy(x, Int32Array.from([0, 1])), ShapeError);
  assert.throws(() => crossEntropy(Tensor.zeros([4], 'float64'), t), ShapeError);
});
