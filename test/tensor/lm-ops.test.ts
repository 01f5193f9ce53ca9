// The language-model ops (RMSNorm, GELU-tanh, SiLU, SwiGLU, repeat-kv): values against closed forms
// and gradients against float64 central finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck } from '../../src/tensor/gradcheck.ts';
import { geluTanh, repeatKvHeads, rmsNorm, silu, swiglu } from '../../src/tensor/ops/lm.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

const rnd = (shape: number[], seed: number, scale = 1): Tensor => {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float64Array.from({ length: n }, () => rng.normal() * scale), shape, true);
};

test('values: closed forms', () => {
  const x = new Tensor(Float64Array.from([-30, -1.5, 0, 0.7, 30]), [5]);
  const g = geluTanh(x).data;
  [-30, -1.5, 0, 0.7, 30].forEach((v, i) => assert.ok(Math.abs(g[i] - 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))) < 1e-12));
  const s = silu(x).data;
  [-30, -1.5, 0, 0.7, 30].forEach((v, i) => assert.ok(Math.abs(s[i] - v / (1 + Math.exp(-v))) < 1e-12));
  const r = rmsNorm(new Tensor(Float64Array.from([3, 4]), [1, 2]), new Tensor(Float64Array.from([1, 2]), [2]), 0).data;
  const rms = Math.sqrt(12.5);
  assert.ok(Math.abs(r[0] - 3 / rms) < 1e-12 && Math.abs(r[1] - 8 / rms) < 1e-12);
  const kv = repeatKvHeads(new Tensor(Float64Array.from([1, 2, 3, 4]), [1, 4]), 2, 2).data;
  assert.deepEqual([...kv], [1, 2, 1, 2, 3, 4, 3, 4]);
});

test('gradients: finite differences', () => {
  const x = rnd([3, 5], 1);
  const w = rnd([5], 2);
  for (const [name, f, inputs] of [
    ['rmsNorm', (a: Tensor[]) => rmsNorm(a[0], a[1], 1e-6), [x, w]],
    ['geluTanh', (a: Tensor[]) => geluTanh(a[0]), [rnd([3, 5], 3, 2)]],
    ['silu', (a: Tensor[]) => silu(a[0]), [rnd([3, 5], 4, 2)]],
    ['swiglu', (a: Tensor[]) => swiglu(a[0], a[1]), [rnd([3, 5], 5), rnd([3, 5], 6)]],
    ['repeatKvHeads', (a: Tensor[]) => repeatKvHeads(a[0], 2, 3), [rnd([2, 4], 7)]],
  ] as [string, (a: Tensor[]) => Tensor, Tensor[]][]) {
    const r = gradcheck(f, inputs);
    assert.ok(r.ok, `${name}: ${JSON.stringify(r)}`);
  }
});
