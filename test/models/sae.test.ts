import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError, NonFiniteError, ShapeError } from '../../src/errors.ts';
import { initSae, normalizeRows, saeEncode, saeLoss, trainSae } from '../../src/models/sae.ts';
import { gradcheck } from '../../src/tensor/gradcheck.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

test('SAE loss gradients match central differences for every parameter', () => {
  const rng = new Rng(3);
  const x = Tensor.randn([7, 4], rng, 1, 'float64');
  const p = initSae(4, 6, 1);
  // Move off the tied init so the ReLU has both active and inactive units, away from the kink.
  for (const t of [p.wEnc, p.bEnc, p.wDec, p.bDec]) for (let i = 0; i < t.size; i++) t.data[i] += 0.3 * rng.normal();
  const r = gradcheck(([we, be, wd, bd]) => saeLoss({ wEnc: we, bEnc: be, wDec: wd, bDec: bd }, x, 0.7), [p.wEnc, p.bEnc, p.wDec, p.bDec], { atol: 1e-6, rtol: 1e-5 });
  assert.ok(r.ok, r.worst);
  assert.equal(r.checked, 4 * 6 + 6 + 6 * 4 + 4);
});

test('SAE loss equals its closed form on a hand-sized example', () => {
  const p = initSae(2, 3, 0);
  p.wEnc.data.set([1, 0, -1, 0, 1, 1]);
  p.bEnc.data.set([0, -0.5, 0]);
  p.wDec.data.set([1, 0, 0, 1, 0.6, 0.8]);
  p.bDec.data.set([0.1, -0.1]);
  const x = Tensor.from([[1, 2], [-1, 0.5]], undefined, 'float64');
  const lam = 0.25;
  let total = 0;
  for (const [a, b] of [[1, 2], [-1, 0.5]]) {
    const u = [a - 0.1, b + 0.1];
    const z = [Math.max(0, u[0]), Math.max(0, u[1] - 0.5), Math.max(0, -u[0] + u[1])];
    const xh = [z[0] + 0.6 * z[2] + 0.1, z[1] + 0.8 * z[2] - 0.1];
    total += (a - xh[0]) ** 2 + (b - xh[1]) ** 2 + lam * (z[0] + z[1] + z[2]);
  }
  assert.ok(Math.abs(saeLoss(p, x, lam).item() - total / 2) < 1e-12);
});

test('SAE recovers a known 16-atom dictionary in 8 dimensions from sparse codes', () => {
  const d = 8;
  const k = 16;
  const rng = new Rng(11);
  const A = Tensor.randn([k, d], rng, 1, 'float64');
  normalizeRows(A);
  const n = 4000;
  const x = Tensor.zeros([n, d], 'float64');
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < k; f++) {
      if (rng.uniform() < 0.08) {
        const s = 0.5 + rng.uniform();
        for (let j = 0; j < d; j++) x.data[r * d + j] += s * A.data[f * d + j];
      }
    }
  }
  const res = trainSae(x, { latents: 32, l1: 0.3, steps: 2000, batch: 256, lr: 5e-3, seed: 2 });
  const W = res.params.wDec;
  const M = W.shape[0];
  let meanBest = 0;
  for (let f = 0; f < k; f++) {
    let best = -1;
    for (let i = 0; i < M; i++) {
      let c = 0;
      for (let j = 0; j < d; j++) c += A.data[f * d + j] * W.data[i * d + j];
      best = Math.max(best, c);
    }
    meanBest += best / k;
  }
  assert.ok(meanBest >= 0.9, `mean max cosine ${meanBest}`);
  for (let i = 0; i < M; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += W.data[i * d + j] ** 2;
    assert.ok(Math.abs(s - 1) < 1e-12, `decoder row ${i} norm² ${s}`);
  }
  assert.ok(res.fvu < 0.2, `fraction of variance unexplained ${res.fvu}`);
  const z = saeEncode(res.params, x);
  assert.ok(z.data.every((v) => v >= 0));
});

test('SAE training is reproducible from its seed and refuses bad input', () => {
  const rng = new Rng(5);
  const x = Tensor.randn([40, 3], rng, 1, 'float64');
  const a = trainSae(x, { latents: 6, l1: 0.1, steps: 20, seed: 4 });
  const b = trainSae(x, { latents: 6, l1: 0.1, steps: 20, seed: 4 });
  assert.deepEqual(Array.from(a.params.wDec.data), Array.from(b.params.wDec.data));
  assert.throws(() => trainSae(x, { latents: 41, l1: 0.1 }), InputError);
  assert.throws(() => trainSae(x, { latents: 6, l1: 0 }), InputError);
  assert.throws(() => trainSae(x, { latents: 6, l1: -1 }), InputError);
  const bad = x.clone();
  bad.data[5] = NaN;
  assert.throws(() => trainSae(bad, { latents: 6, l1: 0.1 }), NonFiniteError);
  assert.throws(() => trainSae(Tensor.zeros([40], 'float64'), { latents: 6, l1: 0.1 }), ShapeError);
});
