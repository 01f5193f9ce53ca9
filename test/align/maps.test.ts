// Alignment maps: orthogonality under training for every parametrization, identity init, and
// float64 finite-difference gradients of the fused swap kernel and of every map chained through it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createMap, matInverse, type MapOptions } from '../../src/align/maps.ts';
import { lowRankSwap, swapRows } from '../../src/align/swap.ts';
import { gradcheck } from '../../src/tensor/gradcheck.ts';
import { Adam } from '../../src/tensor/optim.ts';
import { orthogonalityError } from '../../src/tensor/orthogonal.ts';
import { sum, mul } from '../../src/tensor/ops/index.ts';
import { Tensor, type DType } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { maxDiff, randn } from './helpers.ts';

const ORTHO: { name: string; o: Omit<MapOptions, 'd' | 'k' | 'dtype'> }[] = [
  { name: 'expm', o: { kind: 'orthogonal', param: 'expm', full: true } },
  { name: 'cayley', o: { kind: 'orthogonal', param: 'cayley', full: true } },
  { name: 'householder', o: { kind: 'orthogonal', param: 'householder', full: true } },
  { name: 'householder k-frame', o: { kind: 'orthogonal', param: 'householder', full: false } },
  { name: 'gram-schmidt', o: { kind: 'gram-schmidt', full: false } },
];

for (const dtype of ['float32', 'float64'] as DType[]) {
  const tol = dtype === 'float32' ? 1e-5 : 1e-12;
  for (const { name, o } of ORTHO) {
    test(`${name} (${dtype}): orthonormal at init and after 100 random gradient steps (≤ ${tol})`, () => {
      const d = 16;
      const k = 6;
      const map = createMap({ ...o, d, k, dtype }, new Rng(1), 'm');
      const opt = new Adam(map.parameters(), { lr: 0.05 });
      const rng = new Rng(2);
      assert.ok(orthogonalityError(map.realize().Q!) <= tol);
      for (let step = 0; step < 100; step++) {
        const r = map.realize();
        const W = Tensor.randn(r.Q!.shape, rng, 1, dtype);
        sum(mul(r.Q!, W)).backward();
        opt.step();
        opt.zeroGrad();
      }
      const Q = map.realize().Q!;
      const err = orthogonalityError(Q);
      assert.ok(err <= tol, `orthogonality error ${err}`);
      // The parameters moved: Q is no longer its initial value.
      const Q0 = createMap({ ...o, d, k, dtype }, new Rng(1), 'm').realize().Q!;
      assert.ok(maxDiff(Q, Q0) > 0.01);
    });
  }
}

test('identityInit gives Q = I (first k columns) for every parametrization', () => {
  for (const { name, o } of ORTHO) {
    const Q = createMap({ ...o, d: 8, k: 3, dtype: 'float64', identityInit: true }, new Rng(3), 'm').realize().Q!;
    const K = Q.shape[1];
    for (let i = 0; i < 8; i++) for (let j = 0; j < K; j++) assert.ok(Math.abs(Q.data[i * K + j] - (i === j ? 1 : 0)) < 1e-12, name);
  }
});

test('fused swap kernel: float64 finite-difference gradients (distinct and shared U)', () => {
  const Ht = randn([5, 7], 4).param();
  const Hs = randn([5, 6], 5).param();
  const Ut = randn([7, 3], 6).param();
  const Us = randn([6, 3], 7).param();
  const r = gradcheck(([a, b, c, e]) => lowRankSwap(a, b, c, e), [Ht, Hs, Ut, Us]);
  assert.ok(r.ok, r.worst);
  const H2 = randn([5, 7], 8).param();
  const U = randn([7, 3], 9).param();
  const r2 = gradcheck(([a, b, u]) => lowRankSwap(a, b, u, u), [Ht, H2, U]);
  assert.ok(r2.ok, r2.worst);
});

const CHAINED: { name: string; o: Omit<MapOptions, 'd' | 'k' | 'dtype'> }[] = [
  ...ORTHO,
  { name: 'zscore expm', o: { kind: 'orthogonal', param: 'expm', full: true, zscore: { mean: Float64Array.from([0.1, -0.2, 0.3, 0, 0.5, -1]), std: Float64Array.from([1, 2, 0.5, 1.5, 1, 0.8]) } } },
  { name: 'relaxed-rotation', o: { kind: 'invertible', family: 'relaxed-rotation', full: true } },
  { name: 'scaled-rotation', o: { kind: 'invertible', family: 'scaled-rotation', full: true } },
  { name: 'spd', o: { kind: 'invertible', family: 'spd', full: true } },
  { name: 'signed-spd', o: { kind: 'invertible', family: 'signed-spd', full: true } },
];

for (const { name, o } of CHAINED) {
  test(`${name}: float64 finite-difference gradient of the swap through the parametrization`, () => {
    const d = 6;
    const k = 2;
    const mt = createMap({ ...o, d, k, dtype: 'float64' }, new Rng(10), 't');
    const ms = createMap({ ...o, d, k, dtype: 'float64' }, new Rng(11), 's');
    // Move off the initial point so skew parts, reflectors and scales are all generic.
    const pr = new Rng(12);
    for (const p of [...mt.parameters(), ...ms.parameters()]) for (let i = 0; i < p.size; i++) p.data[i] += 0.3 * pr.normal();
    const Ht = randn([4, d], 13);
    const Hs = randn([4, d], 14);
    const params = [...mt.parameters(), ...ms.parameters()];
    for (const mask of ['fixed', 'zero'] as const) {
      const r = gradcheck(() => swapRows(Ht, Hs, mt.realize(), ms.realize(), { start: 0, end: k }, { mask }), params, { atol: 1e-6, rtol: 1e-5 });
      assert.ok(r.ok, `${mask}: ${r.worst}`);
    }
  });
}

test('matInverse: value and float64 gradient', () => {
  const W = randn([5, 5], 15);
  for (let i = 0; i < 5; i++) W.data[i * 5 + i] += 4;
  W.param();
  const Y = matInverse(W);
  const r = gradcheck(([w]) => matInverse(w), [W]);
  assert.ok(r.ok, r.worst);
  let err = 0;
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      let s = 0;
      for (let q = 0; q < 5; q++) s += W.data[i * 5 + q] * Y.data[q * 5 + j];
      err = Math.max(err, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  assert.ok(err < 1e-12);
});

test('invertible maps report cond(W) = 1 at initialization and k > d is rejected', () => {
  for (const family of ['relaxed-rotation', 'scaled-rotation', 'spd', 'signed-spd'] as const) {
    const m = createMap({ kind: 'invertible', family, d: 8, k: 2, full: true, dtype: 'float64' }, new Rng(16), 'm');
    assert.ok(Math.abs(m.condition() - 1) < 1e-9, `${family}: cond ${m.condition()}`);
  }
  assert.throws(() => createMap({ kind: 'orthogonal', d: 4, k: 5, full: false }, new Rng(0), 'm'), /k = 5/);
});
