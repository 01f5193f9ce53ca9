// CL-only directions (CLMAS, latent stitching) skip the target model's forward pass between
// validations; the trained maps, the logged metrics and the result must equal those of a run that
// runs every target at every step.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareRun } from '../../src/align/run.ts';
import { trainAlignment, type MetricRow } from '../../src/align/train.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel, saveModel } from '../../src/models/folder.ts';
import { getTask } from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-cl-only-'));
const vocab = [...getTask('multi-object').vocab.list];
const dirs = [1, 2].map((s) => {
  const dir = path.join(root, `m${s}`);
  saveModel(dir, createModel(defaultConfig({ arch: 'gru', task: 'multi-object', vocab, seed: s, sizes: { d_model: 10, hidden: 10, decoder_hidden: 16 } }), new Rng(s)));
  return dir;
});

function train(method: 'clmas' | 'latent-stitch', clWeight: number, alwaysRunTargets: boolean): { params: number[][]; rows: MetricRow[]; iia: number[][] } {
  const { models, settings } = prepareRun(
    { modelDirs: dirs, settings: { method, layer: 'hidden', variables: ['full'], subspace: method === 'clmas' ? 3 : 10, clWeight, steps: 7, trainPairs: 48, validPairs: 24, batch: 12, validEvery: 3, seed: 5, lr: 1e-2 }, out: path.join(root, 'unused') },
    () => {},
  );
  const rows: MetricRow[] = [];
  const out = trainAlignment(models, settings, { quiet: true, alwaysRunTargets, log: (r) => rows.push(...r) });
  const params = out.maps.flatMap((m) => m.parameters().map((t) => Array.from(t.data)));
  return { params, rows: rows.map((r) => ({ ...r, elapsed_s: 0 })), iia: out.final.iia.full };
}

for (const [method, eps] of [['clmas', 1], ['clmas', 0], ['latent-stitch', 1]] as const) {
  test(`${method} with ε = ${eps}: skipping CL-only targets between validations changes nothing`, () => {
    const fast = train(method, eps, false);
    const full = train(method, eps, true);
    assert.deepEqual(fast.params, full.params);
    assert.deepEqual(fast.rows, full.rows);
    assert.deepEqual(fast.iia, full.iia);
    // The maps did move, so the comparison is not vacuous: validation losses changed from step 0.
    const valid = (step: number): number[] => fast.rows.filter((r) => r.split === 'valid' && r.step === step).map((r) => (eps > 0 ? r.cl_loss : r.loss));
    const last = Math.max(...fast.rows.map((r) => r.step));
    assert.ok(last > 0);
    assert.notDeepEqual(valid(0), valid(last));
  });
}
