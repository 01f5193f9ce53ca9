// Invariants of the swap and the intervention (mas.md §9, items 1, 2, 5–10).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { affineIntervention, applyAffine } from '../../src/align/intervention.ts';
import { createMap } from '../../src/align/maps.ts';
import { blockLayout, lowRankSwap, maskedSwapReference, swapRows } from '../../src/align/swap.ts';
import { getBackend } from '../../src/tensor/backend/index.ts';
import { matmul } from '../../src/tensor/ops/index.ts';
import { gramSchmidt, randomOrthogonal } from '../../src/tensor/orthogonal.ts';
import { Tensor, noGrad } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { maxDiff, randn, randomRealized, realizedFromQ, realizeMap } from './helpers.ts';

const d = 12;
const B = 7;

function cols(Q: Tensor, k: number): Tensor {
  const [n, m] = Q.shape;
  const o = Tensor.zeros([n, k], Q.dtype);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) o.data[i * k + j] = Q.data[i * m + j];
  return o;
}

test('k = 0 is the identity for any maps (fused kernel, swapRows, intervention)', () => {
  const Ht = randn([B, d], 1);
  const Hs = randn([B, d], 2);
  const rt = randomRealized(d, 3);
  const rs = randomRealized(d, 4);
  assert.equal(maxDiff(swapRows(Ht, Hs, rt, rs, { start: 0, end: 0 }), Ht), 0);
  assert.equal(maxDiff(lowRankSwap(Ht, Hs, cols(rt.F, 0), cols(rs.F, 0)), Ht), 0);
  assert.equal(affineIntervention(rt, rs, { start: 0, end: 0 }, Hs), null);
});

test('k = d within one model returns the source (float32 ≤ 1e-5)', () => {
  const Ht = randn([B, d], 5, 'float32');
  const Hs = randn([B, d], 6, 'float32');
  const r = randomRealized(d, 7, 'float32');
  assert.ok(maxDiff(swapRows(Ht, Hs, r, r, { start: 0, end: d }), Hs) <= 1e-5);
  const iv = affineIntervention(r, r, { start: 0, end: d }, Hs);
  assert.ok(maxDiff(applyAffine(Ht, iv), Hs) <= 1e-5);
});

test('unidirectional full-k MAS equals orthogonal stitching, invariant under (Q_s P, Q_t P)', () => {
  const Ht = randn([B, d], 8);
  const Hs = randn([B, d], 9);
  const Qt = randomOrthogonal(d, new Rng(10), 'float64');
  const Qs = randomOrthogonal(d, new Rng(11), 'float64');
  const stitch = matmul(matmul(Hs, Qs), Qt, { transB: true });
  const all = { start: 0, end: d };
  const fixed = swapRows(Ht, Hs, realizedFromQ(Qt), realizedFromQ(Qs), all, { mask: 'fixed' });
  const zero = swapRows(Ht, Hs, realizedFromQ(Qt), realizedFromQ(Qs), all, { mask: 'zero' });
  assert.ok(maxDiff(fixed, stitch) < 1e-12);
  assert.ok(maxDiff(zero, stitch) < 1e-12);
  const P = randomOrthogonal(d, new Rng(12), 'float64');
  const rot = swapRows(Ht, Hs, realizedFromQ(matmul(Qt, P)), realizedFromQ(matmul(Qs, P)), all, { mask: 'fixed' });
  assert.ok(maxDiff(rot, stitch) < 1e-12);
});

test('the Gram–Schmidt form equals the rotation form with any orthonormal completion (float32 1e-6)', () => {
  const k = 4;
  const Ht = randn([B, d], 13, 'float32');
  const Hs = randn([B, d], 14, 'float32');
  const complete = (U: Tensor, seed: number): Tensor => {
    // Q = [U, orthonormal basis of U's complement], by Gram–Schmidt of [U, random].
    const R = randn([d, d - k], seed, 'float64');
    const M = Tensor.zeros([d, d], 'float64');
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < k; j++) M.data[i * d + j] = U.data[i * k + j];
      for (let j = k; j < d; j++) M.data[i * d + j] = R.data[i * (d - k) + j - k];
    }
    return gramSchmidt(M).to('float32');
  };
  const Ut = gramSchmidt(randn([d, k], 15, 'float64'));
  const Us = gramSchmidt(randn([d, k], 16, 'float64'));
  const blk = { start: 0, end: k };
  const gs = swapRows(Ht, Hs, realizedFromQ(Ut.to('float32')), realizedFromQ(Us.to('float32')), blk);
  for (const seed of [17, 18]) {
    const rot = swapRows(Ht, Hs, realizedFromQ(complete(Ut, seed)), realizedFromQ(complete(Us, seed + 10)), blk);
    assert.ok(maxDiff(gs, rot) <= 1e-6, `differs by ${maxDiff(gs, rot)}`);
  }
});

test('only the aligned block matters: other columns and joint rotations inside the subspace change nothing', () => {
  const k = 5;
  const Ht = randn([B, d], 19);
  const Hs = randn([B, d], 20);
  const Qt = randomOrthogonal(d, new Rng(21), 'float64');
  const Qs = randomOrthogonal(d, new Rng(22), 'float64');
  const blk = { start: 0, end: k };
  const ref = swapRows(Ht, Hs, realizedFromQ(Qt), realizedFromQ(Qs), blk);
  // Q·blockdiag(I_k, R): rotate the complement columns only.
  const R = randomOrthogonal(d - k, new Rng(23), 'float64');
  const M = Tensor.zeros([d, d], 'float64');
  for (let i = 0; i < k; i++) M.data[i * d + i] = 1;
  for (let i = 0; i < d - k; i++) for (let j = 0; j < d - k; j++) M.data[(k + i) * d + k + j] = R.data[i * (d - k) + j];
  const other = swapRows(Ht, Hs, realizedFromQ(matmul(Qt, M)), realizedFromQ(matmul(Qs, M)), blk);
  assert.ok(maxDiff(ref, other) < 1e-12);
  // (U_s P, U_t P), P orthogonal k×k.
  const P = randomOrthogonal(k, new Rng(24), 'float64');
  const UtP = matmul(cols(Qt, k), P);
  const UsP = matmul(cols(Qs, k), P);
  assert.ok(maxDiff(ref, lowRankSwap(Ht, Hs, UtP, UsP)) < 1e-12);
});

test('swap identities: h′U_t = h_sU_s, the complement is untouched, h_s = h_t gives h_t', () => {
  const k = 4;
  const Ht = randn([B, d], 25);
  const Hs = randn([B, d], 26);
  const Ut = cols(randomOrthogonal(d, new Rng(27), 'float64'), k);
  const Us = cols(randomOrthogonal(d, new Rng(28), 'float64'), k);
  const hp = lowRankSwap(Ht, Hs, Ut, Us);
  assert.ok(maxDiff(matmul(hp, Ut), matmul(Hs, Us)) < 1e-12);
  const proj = (H: Tensor): Tensor => {
    const P = matmul(matmul(H, Ut), Ut, { transB: true });
    const o = H.clone();
    for (let i = 0; i < o.size; i++) o.data[i] -= P.data[i];
    return o;
  };
  assert.ok(maxDiff(proj(hp), proj(Ht)) < 1e-12);
  assert.ok(maxDiff(lowRankSwap(Ht, Ht, Ut, Ut), Ht) < 1e-12);
});

test('the affine form h_t A_t + c matches the masked-swap module for every map type and both masks', () => {
  const Ht = randn([B, d], 29);
  const Hs = randn([B, d], 30);
  const k = 5;
  const blk = { start: 0, end: k };
  const zs = { mean: Float64Array.from({ length: d }, (_, i) => 0.3 * i - 1), std: Float64Array.from({ length: d }, (_, i) => 0.5 + 0.1 * i) };
  const variants = [
    { kind: 'orthogonal' as const },
    { kind: 'orthogonal' as const, zscore: zs },
    { kind: 'invertible' as const, family: 'relaxed-rotation' as const },
    { kind: 'invertible' as const, family: 'scaled-rotation' as const },
    { kind: 'invertible' as const, family: 'spd' as const },
    { kind: 'invertible' as const, family: 'signed-spd' as const },
  ];
  for (const v of variants) {
    for (const mask of ['fixed', 'zero'] as const) {
      const o = { ...v, d, k, full: true, dtype: 'float64' as const, identityInit: false };
      // Perturb the parameters so that no family sits at its identity-like start.
      const mt = createMap(o, new Rng(31), 't');
      const ms = createMap(o, new Rng(32), 's');
      const pr = new Rng(33);
      for (const p of [...mt.parameters(), ...ms.parameters()]) for (let i = 0; i < p.size; i++) p.data[i] += 0.2 * pr.normal();
      const [rt, rs] = noGrad(() => [mt.realize(), ms.realize()]);
      const fill = mask === 'zero' ? randn([d - k], 34) : null;
      const ref = maskedSwapReference(Ht, Hs, rt, rs, blk, mask, fill);
      const iv = affineIntervention(rt, rs, blk, Hs, { mask, fill });
      const got = applyAffine(Ht, iv);
      assert.ok(maxDiff(ref, got) < 1e-9, `${v.kind}/${'family' in v ? v.family : v.zscore ? 'zscore' : ''}/${mask}: ${maxDiff(ref, got)}`);
      assert.ok(maxDiff(ref, swapRows(Ht, Hs, rt, rs, blk, { mask, fill })) < 1e-9);
    }
  }
});

test('stitching has rank k: the map h_s ↦ h′ under ZeroMask has exactly k unit singular values', () => {
  for (const k of [2, 5]) {
    const rt = realizeMap({ kind: 'orthogonal', d, k, full: false, dtype: 'float64' }, 40);
    const rs = realizeMap({ kind: 'orthogonal', d, k, full: false, dtype: 'float64' }, 41);
    const I = Tensor.zeros([d, d], 'float64');
    for (let i = 0; i < d; i++) I.data[i * d + i] = 1;
    const iv = affineIntervention(rt, rs, { start: 0, end: k }, I, { mask: 'zero' })!;
    assert.ok(iv.A!.data.every((x) => x === 0));
    const sv = getBackend().svd(Float64Array.from(iv.c!.data), d, d).s;
    for (let i = 0; i < d; i++) assert.ok(Math.abs(sv[i] - (i < k ? 1 : 0)) < 1e-10, `σ_${i} = ${sv[i]}`);
  }
});

test('blockLayout: consecutive variable blocks and the null block; overflow is an error', () => {
  const { blocks, nullBlock } = blockLayout([16, 16], 128);
  assert.deepEqual(blocks, [{ start: 0, end: 16 }, { start: 16, end: 32 }]);
  assert.deepEqual(nullBlock, { start: 32, end: 128 });
  assert.throws(() => blockLayout([100, 30], 128), /need 130/);
});
