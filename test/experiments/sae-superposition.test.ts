import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../src/errors.ts';
import { QUICK_SEED_CAP, SAE_MEASURES, runSaeSuperposition } from '../../src/experiments/sae-superposition.ts';
import { getReproduction } from '../../src/experiments/reproduce.ts';
import { resolveMeasure } from '../../src/similarity/registry.ts';
import { sparseFeatures, toyHidden, trainToyModel } from '../../src/models/toy-superposition.ts';
import { Rng } from '../../src/util/rng.ts';

const TINY = { features: 8, hidden: 3, density: 0.15, toySteps: 150, saeLatents: 12, saeL1: 0.05, saeSteps: 150, saeRows: 600, probeRows: 300 };

test('sae-superposition (tiny): JSON shape, finite values inside each measure range, result.json written', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-sae-sup-'));
  const r = runSaeSuperposition({ out, seeds: 3, settings: TINY });
  assert.deepEqual(Object.keys(r.measures), [...SAE_MEASURES]);
  for (const id of SAE_MEASURES) {
    const [lo, hi] = resolveMeasure(id).meta.range;
    for (const k of ['neurons', 'sae'] as const) {
      const v = r.measures[id][k];
      assert.ok(Number.isFinite(v) && v >= lo - 1e-12 && v <= hi + 1e-12, `${id} ${k} = ${v} outside [${lo}, ${hi}]`);
    }
  }
  assert.equal(r.pairs.length, 3);
  // The reported value is the mean over the seed pairs.
  const mean = r.pairs.reduce((t, p) => t + p.sae['cka-linear'], 0) / 3;
  assert.ok(Math.abs(mean - r.measures['cka-linear'].sae) < 1e-12);
  const saved = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
  assert.deepEqual(saved.measures, r.measures);
  fs.rmSync(out, { recursive: true, force: true });
});

test('sae-superposition refuses one seed and more seeds than the --quick cap, naming the cap', () => {
  assert.throws(() => runSaeSuperposition({ out: os.tmpdir(), seeds: 1, settings: TINY }), InputError);
  assert.throws(() => runSaeSuperposition({ out: os.tmpdir(), quick: true, seeds: QUICK_SEED_CAP + 1 }), new RegExp(`at most ${QUICK_SEED_CAP} seeds`));
  assert.ok(getReproduction('sae-superposition').standalone);
});

test('toy model of superposition: the trained loss is below the all-zero baseline, hidden units are X Wᵀ', () => {
  const m = trainToyModel({ features: 6, hidden: 2, density: 0.2, steps: 300, seed: 1 });
  // Predicting x̂ = 0 costs E Σ xᵢ² = n · density · E[u²] = 6 · 0.2 / 3.
  assert.ok(m.loss < (6 * 0.2) / 3, `loss ${m.loss}`);
  const x = sparseFeatures(4, 6, 0.5, new Rng(2));
  const h = toyHidden(m, x);
  for (let r = 0; r < 4; r++) {
    for (let j = 0; j < 2; j++) {
      let s = 0;
      for (let i = 0; i < 6; i++) s += x.data[r * 6 + i] * m.w.data[i * 2 + j];
      assert.ok(Math.abs(h.data[r * 2 + j] - s) < 1e-12);
    }
  }
});
