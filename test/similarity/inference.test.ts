/** Permutation test p-values and bootstrap CI: ranges, seeding, calibration and coverage sanity. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapCi, permutationTest } from '../../src/similarity/index.ts';
import { mat } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';
import { pair, randn } from './helpers.ts';

test('permutation p-values lie in [1/(N+1), 1], are seeded, and are small for strong dependence', () => {
  const r = new Rng(1);
  const { x, y } = pair(r, 40, 4, 3, 0.3);
  const a = permutationTest('cka-linear', x, y, { permutations: 49, seed: 3 });
  assert.equal(a.p, 1 / 50);
  const b = permutationTest('cka-linear', x, y, { permutations: 49, seed: 3 });
  assert.deepEqual(a.nullValues, b.nullValues);
  const c = permutationTest('procrustes-angular', x, y, { permutations: 49, seed: 3 }); // distance: counts ≤
  assert.equal(c.p, 1 / 50);
});

test('under independence the permutation p-values are roughly uniform', () => {
  const r = new Rng(2);
  let small = 0;
  let sum = 0;
  const reps = 40;
  for (let t = 0; t < reps; t++) {
    const p = permutationTest('cka-linear', randn(r, 20, 3), randn(r, 20, 2), { permutations: 39, seed: t }).p;
    assert.ok(p >= 1 / 40 && p <= 1);
    if (p <= 0.05) small++;
    sum += p;
  }
  assert.ok(small <= 8, `${small} of ${reps} below 0.05`);
  assert.ok(sum / reps > 0.3 && sum / reps < 0.7, `mean p ${sum / reps}`);
});

test('bootstrap CI: seeded, ordered, and covers the population value about 95% of the time', () => {
  // For 1-D X and Y, linear CKA is the squared Pearson correlation; population ρ² = 0.36.
  const r = new Rng(3);
  const rho = 0.6;
  let covered = 0;
  const reps = 40;
  for (let t = 0; t < reps; t++) {
    const n = 150;
    const x = mat(n, 1);
    const y = mat(n, 1);
    for (let i = 0; i < n; i++) {
      const u = r.normal();
      x.data[i] = u;
      y.data[i] = rho * u + Math.sqrt(1 - rho * rho) * r.normal();
    }
    const ci = bootstrapCi('cka-linear', x, y, { resamples: 200, seed: t }).ci;
    assert.ok(ci[0] <= ci[1]);
    if (ci[0] <= rho * rho && rho * rho <= ci[1]) covered++;
  }
  assert.ok(covered >= 32, `coverage ${covered}/${reps}`);
  const { x, y } = pair(r, 30, 3, 3);
  const a = bootstrapCi('rsa', x, y, { resamples: 50, seed: 9 });
  assert.deepEqual(a, bootstrapCi('rsa', x, y, { resamples: 50, seed: 9 }));
  assert.notDeepEqual(a.ci, bootstrapCi('rsa', x, y, { resamples: 50, seed: 10 }).ci);
});

test('subsampling protocol: mean over seeded runs of distinct rows, with std and per-run values', async () => {
  const { similarity } = await import('../../src/similarity/index.ts');
  const { selectRows } = await import('../../src/similarity/util.ts');
  const r = new Rng(4);
  const { x, y } = pair(r, 60, 4, 3);
  const full = similarity('cka-linear', x, y).value;
  assert.equal(similarity('cka-linear', x, y, { subsample: { size: 60, runs: 1, seed: 1 } }).value, full);
  const a = similarity('cka-linear', x, y, { subsample: { size: 20, runs: 5, seed: 2 } });
  assert.deepEqual(a, similarity('cka-linear', x, y, { subsample: { size: 20, runs: 5, seed: 2 } }));
  const vals = a.details.values as number[];
  assert.equal(vals.length, 5);
  assert.ok(Math.abs(a.value - vals.reduce((p, q) => p + q, 0) / 5) < 1e-15);
  assert.ok((a.details.std as number) > 0);
  // each run is the measure on 20 distinct rows: reproduce run 0
  const idx = new Rng(2).permutation(60).slice(0, 20).sort((p, q) => p - q);
  assert.equal(vals[0], similarity('cka-linear', selectRows(x, idx), selectRows(y, idx)).value);
});
