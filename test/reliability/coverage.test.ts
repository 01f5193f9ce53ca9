// Coverage of the half-sampling confidence intervals (src/similarity/inference.ts) on Gaussian pairs whose
// population linear CKA is closed-form: x ~ N(0, I₂), y = x·diag(1, ½) + σ·e, e ~ N(0, I₂), so
// Σxx = I, Σxy = diag(1, ½), Σyy = diag(1 + σ², ¼ + σ²) and CKA = ‖Σxy‖²_F / (‖Σxx‖_F ‖Σyy‖_F).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapCi } from '../../src/similarity/index.ts';
import { mat, type Mat } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';

function populationCka(sigma: number): number {
  return 1.25 / (Math.SQRT2 * Math.hypot(1 + sigma * sigma, 0.25 + sigma * sigma));
}

function draw(r: Rng, n: number, sigma: number): { x: Mat; y: Mat } {
  const x = mat(n, 2);
  const y = mat(n, 2);
  for (let i = 0; i < n; i++) {
    const a = r.normal();
    const b = r.normal();
    x.data[2 * i] = a;
    x.data[2 * i + 1] = b;
    y.data[2 * i] = a + sigma * r.normal();
    y.data[2 * i + 1] = 0.5 * b + sigma * r.normal();
  }
  return { x, y };
}

for (const [n, sigma] of [[80, 1], [80, 3]] as const) {
  test(`95% half-sampling interval of cka-linear covers the population value (n = ${n}, σ = ${sigma}, 200 replicates)`, () => {
    const pop = populationCka(sigma);
    const r = new Rng(1000 + sigma);
    const reps = 200;
    let covered = 0;
    for (let t = 0; t < reps; t++) {
      const { x, y } = draw(r, n, sigma);
      const res = bootstrapCi('cka-linear', x, y, { resamples: 100, seed: t });
      assert.ok(res.ci[0] <= res.ci[1]);
      assert.equal(res.scheme, 'bias-corrected');
      assert.equal(res.subsampleSize, n / 2);
      if (res.ci[0] <= pop && pop <= res.ci[1]) covered++;
    }
    // Binomial SE at 200 replicates is 1.5 points; the band allows the small-n undercoverage of percentile
    // intervals (about 2 points here) plus 3 SE.
    const c = covered / reps;
    assert.ok(c >= 0.88 && c <= 0.995, `coverage ${c}`);
  });
}

test('interval: seeded, no duplicated rows (a kNN interval contains its estimate), bias reported', () => {
  const r = new Rng(5);
  const { x, y } = draw(r, 60, 1);
  const a = bootstrapCi('cknna-5', x, y, { resamples: 50, seed: 2 });
  assert.deepEqual(a, bootstrapCi('cknna-5', x, y, { resamples: 50, seed: 2 }));
  assert.equal(a.scheme, 'centred');
  assert.ok(a.ci[0] <= a.value && a.value <= a.ci[1], `${a.value} in ${a.ci}`);
  const b = bootstrapCi('cka-linear', x, y, { resamples: 50, seed: 2, subsampleSize: 40 });
  assert.equal(b.subsampleSize, 40);
  assert.ok(Number.isFinite(b.bias));
  assert.throws(() => bootstrapCi('cka-linear', x, y, { subsampleSize: 60 }), /subsample size/);
});
