/** RSA: ranks, Spearman, Kendall τ_a/τ_b (Knight) against naive counts with ties, RDMs against direct loops, exact ties. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averageRanks, kendallTau, pearson, rdm, spearman } from '../../src/similarity/index.ts';
import { argsort, upperTriangle } from '../../src/similarity/rsa.ts';
import { mat } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';
import { randn } from './helpers.ts';

function tiedVec(r: Rng, n: number, levels: number): Float64Array {
  return Float64Array.from({ length: n }, () => r.int(levels) - levels / 2);
}

test('argsort is a stable ascending sort, including negatives, −0 and huge values', () => {
  const v = Float64Array.from([3, -1, 0, -0, 2.5, -1e300, 1e300, -1, 5e-324, 3]);
  const o = Array.from(argsort(v));
  const want = Array.from(v.keys()).sort((a, b) => v[a] - v[b] || a - b);
  assert.deepEqual(o, want);
});

test('average ranks match a naive definition; Spearman = Pearson of average ranks', () => {
  const r = new Rng(1);
  const a = tiedVec(r, 200, 9);
  const b = tiedVec(r, 200, 5);
  const ranks = averageRanks(a);
  for (let i = 0; i < a.length; i++) {
    let less = 0;
    let eq = 0;
    for (let j = 0; j < a.length; j++) {
      if (a[j] < a[i]) less++;
      else if (a[j] === a[i]) eq++;
    }
    assert.equal(ranks[i], less + (eq + 1) / 2);
  }
  assert.equal(spearman(a, b), pearson(averageRanks(a), averageRanks(b)));
});

test('Kendall τ_a and τ_b match naive O(N²) counts on inputs with ties', () => {
  const r = new Rng(2);
  for (let t = 0; t < 5; t++) {
    const n = 150 + t;
    const a = tiedVec(r, n, 4 + t);
    const b = Float64Array.from(a, (x) => x + (r.int(3) === 0 ? r.int(3) : 0));
    let nc = 0;
    let nd = 0;
    let ta = 0;
    let tb = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
      const s = Math.sign(a[i] - a[j]) * Math.sign(b[i] - b[j]);
      if (s > 0) nc++;
      else if (s < 0) nd++;
      if (a[i] === a[j]) ta++;
      if (b[i] === b[j]) tb++;
    }
    const n0 = (n * (n - 1)) / 2;
    assert.ok(Math.abs(kendallTau(a, b, 'a') - (nc - nd) / n0) < 1e-14);
    assert.ok(Math.abs(kendallTau(a, b, 'b') - (nc - nd) / Math.sqrt((n0 - ta) * (n0 - tb))) < 1e-14);
  }
});

// No wall-clock assertion (it fails on a loaded machine): an O(N²) τ over 500,000 entries needs ~10¹¹ pair
// comparisons (hours), so the generous timeout below separates the algorithms without timing a healthy run.
test('Kendall τ_a on 500,000 RDM entries (O(N log N)): the population value 2/π·asin(ρ)', { timeout: 120_000 }, () => {
  const r = new Rng(3);
  const N = 500_000;
  const a = Float64Array.from({ length: N }, () => r.normal());
  const b = Float64Array.from(a, (x) => x + r.normal());
  const tau = kendallTau(a, b, 'a');
  assert.ok(Math.abs(tau - (2 / Math.PI) * Math.asin(1 / Math.SQRT2)) < 0.01, `τ = ${tau}`);
});

test('RDMs match direct per-pair loops', () => {
  const r = new Rng(4);
  const x = randn(r, 12, 5);
  const n = 12;
  const p = 5;
  const row = (i: number): number[] => Array.from(x.data.subarray(i * p, (i + 1) * p));
  const dot = (u: number[], v: number[]): number => u.reduce((s, ui, k) => s + ui * v[k], 0);
  const direct: Record<string, (u: number[], v: number[]) => number> = {
    euclidean: (u, v) => Math.sqrt(u.reduce((s, ui, k) => s + (ui - v[k]) ** 2, 0)),
    sqeuclidean: (u, v) => u.reduce((s, ui, k) => s + (ui - v[k]) ** 2, 0),
    cosine: (u, v) => 1 - dot(u, v) / Math.sqrt(dot(u, u) * dot(v, v)),
    correlation: (u, v) => {
      const mu = u.reduce((s, q) => s + q, 0) / p;
      const mv = v.reduce((s, q) => s + q, 0) / p;
      const uc = u.map((q) => q - mu);
      const vc = v.map((q) => q - mv);
      return 1 - dot(uc, vc) / Math.sqrt(dot(uc, uc) * dot(vc, vc));
    },
  };
  for (const [kind, f] of Object.entries(direct)) {
    const d = rdm(x, kind as 'euclidean');
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const want = i === j ? 0 : f(row(i), row(j));
      assert.ok(Math.abs(d.data[i * n + j] - want) < 1e-12, `${kind} [${i},${j}]`);
    }
  }
});

test('duplicated rows give exact ties in every RDM (embedding-layer data)', () => {
  const r = new Rng(5);
  const base = randn(r, 7, 6);
  const idx = Array.from({ length: 35 }, (_, i) => (i * 3) % 7);
  const x = mat(35, 6, Float64Array.from(idx.flatMap((k) => Array.from(base.data.subarray(k * 6, k * 6 + 6)))));
  for (const kind of ['euclidean', 'sqeuclidean', 'cosine', 'correlation'] as const) {
    const d = rdm(x, kind);
    const v = upperTriangle(d);
    const distinct = new Set(v);
    assert.equal(distinct.size, 1 + 21, `${kind}: ${distinct.size} distinct values`); // 0 and the 21 pairs of 7 rows
    for (let i = 0; i < 35; i++) for (let j = 0; j < 35; j++) assert.equal(d.data[i * 35 + j], d.data[j * 35 + i]);
  }
});
