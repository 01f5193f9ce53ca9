// CL loss (mas.md §6.4, §9 item 13), behavioural loss positions, and the IIA bootstrap CI.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { bootstrapCi } from '../../src/align/iia.ts';
import { clLoss } from '../../src/align/losses.ts';
import { gradcheck } from '../../src/tensor/gradcheck.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { randn } from './helpers.ts';

test('CL loss is 0 when h′ = c', () => {
  const c = randn([5, 8], 1);
  assert.ok(Math.abs(clLoss(c.clone(), c).item()) < 1e-12);
});

test('CL loss on hand-made vectors, all three kinds, failures excluded', () => {
  // a = (1, 0), b = (0, 2): cos = 0, ‖a − b‖² = 5, d = 2 → both = ½(1 + 2.5) = 1.75.
  const a = Tensor.from([[1, 0], [3, 3]], undefined, 'float64');
  const b = Tensor.from([[0, 2], [7, -1]], undefined, 'float64');
  const ok = Uint8Array.from([1, 0]);
  assert.ok(Math.abs(clLoss(a, b, ok, 'both').item() - 1.75) < 1e-9);
  assert.ok(Math.abs(clLoss(a, b, ok, 'cos').item() - 1) < 1e-9);
  assert.ok(Math.abs(clLoss(a, b, ok, 'mse').item() - 2.5) < 1e-9);
  // Opposite vectors: cos = −1 → cos term 2.
  const x = Tensor.from([[1, 1]], undefined, 'float64');
  const y = Tensor.from([[-1, -1]], undefined, 'float64');
  assert.ok(Math.abs(clLoss(x, y, null, 'cos').item() - 2) < 1e-9);
  assert.equal(clLoss(a, b, Uint8Array.from([0, 0])).item(), 0);
});

test('CL cosine term is unchanged by positive scaling of c', () => {
  const h = randn([6, 5], 2);
  const c = randn([6, 5], 3);
  const c3 = c.clone();
  for (let i = 0; i < c3.size; i++) c3.data[i] *= 3.7;
  assert.ok(Math.abs(clLoss(h, c, null, 'cos').item() - clLoss(h, c3, null, 'cos').item()) < 1e-12);
  assert.ok(Math.abs(clLoss(h, c, null, 'mse').item() - clLoss(h, c3, null, 'mse').item()) > 1e-3);
});

test('CL loss: float64 finite-difference gradient', () => {
  const h = randn([4, 6], 4).param();
  const c = randn([4, 6], 5);
  for (const kind of ['both', 'cos', 'mse'] as const) {
    const r = gradcheck(([x]) => clLoss(x, c, Uint8Array.from([1, 1, 0, 1]), kind), [h]);
    assert.ok(r.ok, `${kind}: ${r.worst}`);
  }
});

test('bootstrap CI is deterministic under a seed, contains the point estimate, and narrows with n', () => {
  const rng = new Rng(6);
  const small = Array.from({ length: 100 }, () => rng.uniform() < 0.7);
  const big = Array.from({ length: 2000 }, () => rng.uniform() < 0.7);
  const a = bootstrapCi(small, 42);
  assert.deepEqual(bootstrapCi(small, 42), a);
  assert.notDeepEqual(bootstrapCi(small, 43), a);
  for (const xs of [small, big]) {
    const p = xs.filter(Boolean).length / xs.length;
    const [lo, hi] = bootstrapCi(xs, 7);
    assert.ok(lo <= p && p <= hi, `${lo} ≤ ${p} ≤ ${hi}`);
  }
  const wSmall = a[1] - a[0];
  const b = bootstrapCi(big, 42);
  assert.ok(b[1] - b[0] < wSmall / 2);
  // Width near the normal approximation 2·1.96·sqrt(p(1−p)/n).
  const p = big.filter(Boolean).length / big.length;
  const expect = 2 * 1.96 * Math.sqrt((p * (1 - p)) / big.length);
  assert.ok(Math.abs(b[1] - b[0] - expect) < 0.25 * expect);
  assert.deepEqual(bootstrapCi([true, true, true], 1), [1, 1]);
});
