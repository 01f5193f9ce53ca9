import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { compareModels, stimulusActivations } from '../../src/experiments/compare.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel, loadModel, saveModel } from '../../src/models/folder.ts';
import { getTask, makeStimuli, taskConfigJSON } from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

function tinyModel(dir: string, seed: number, arch: 'gru' | 'lstm' = 'gru'): string {
  const task = getTask('multi-object');
  const cfg = defaultConfig({ arch, task: task.id, vocab: [...task.vocab.list], seed, taskConfig: taskConfigJSON(task) as never, sizes: { d_model: 8, hidden: arch === 'gru' ? 8 : 4, decoder_hidden: 16 } });
  saveModel(dir, createModel(cfg, new Rng(seed)), cfg);
  return dir;
}

/** Linear CKA written out independently: ‖YcᵀXc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F), float64. */
function linearCka(x: Float64Array, y: Float64Array, rows: number[], px: number, py: number): number {
  const n = rows.length;
  const center = (a: Float64Array, p: number): Float64Array => {
    const out = new Float64Array(n * p);
    for (let j = 0; j < p; j++) {
      let m = 0;
      for (const r of rows) m += a[r * p + j];
      m /= n;
      rows.forEach((r, i) => (out[i * p + j] = a[r * p + j] - m));
    }
    return out;
  };
  const cross = (a: Float64Array, pa: number, b: Float64Array, pb: number): number => {
    let s = 0;
    for (let i = 0; i < pa; i++) {
      for (let j = 0; j < pb; j++) {
        let d = 0;
        for (let r = 0; r < n; r++) d += a[r * pa + i] * b[r * pb + j];
        s += d * d;
      }
    }
    return s;
  };
  const xc = center(x, px);
  const yc = center(y, py);
  return cross(yc, py, xc, px) / Math.sqrt(cross(xc, px, xc, px) * cross(yc, py, yc, py));
}

test('compare: the reference stimuli give 7,200 rows, a model equals itself, and the subsample protocol matches an independent CKA', () => {
  const root = mkdtempSync(join(tmpdir(), 'mas-compare-'));
  const a = tinyModel(join(root, 'a'), 1);
  const b = tinyModel(join(root, 'b'), 2);
  const seed = 7;
  const self = compareModels({ models: [a, a], layer: 'layer.0', measures: ['cka-linear', 'rsa-correlation-spearman'], subsample: 300, runs: 2, seed });
  assert.equal(self.rows, 7200, 'Σ_N 15·(2N+3) rows (tasks.md §5.4)');
  assert.equal(self.stimuli.sequences, 300);
  assert.ok(Math.abs(self.pairs[0].values['cka-linear'].value - 1) < 1e-9);
  assert.ok(Math.abs(self.pairs[0].values['rsa-correlation-spearman'].value - 1) < 1e-9);

  const r = compareModels({ models: [a, b], layer: 'hidden', measures: ['cka-linear'], subsample: 200, runs: 3, seed });
  const seqs = makeStimuli(seed).map((t) => t.tokens);
  const x = stimulusActivations(loadModel(a), seqs, 'layer.0');
  const y = stimulusActivations(loadModel(b), seqs, 'layer.0');
  const rng = new Rng(seed);
  const vals: number[] = [];
  for (let i = 0; i < 3; i++) vals.push(linearCka(x.data, y.data, rng.permutation(x.rows).slice(0, 200).sort((p, q) => p - q), x.cols, y.cols));
  const mean = vals.reduce((p, q) => p + q, 0) / vals.length;
  const got = r.pairs[0].values['cka-linear'];
  assert.ok(Math.abs(got.value - mean) < 1e-10, `${got.value} vs ${mean}`);
  assert.ok(got.value > 0 && got.value < 1);
  assert.ok(got.std > 0, 'the subsamples differ');
});

test('compare: three models give three pairs, GRU and LSTM ([h; c]) alike', () => {
  const root = mkdtempSync(join(tmpdir(), 'mas-compare-'));
  const r = compareModels({ models: [tinyModel(join(root, 'a'), 1), tinyModel(join(root, 'b'), 2), tinyModel(join(root, 'c'), 3, 'lstm')], layer: 'layer.0', measures: ['cka'], subsample: 0, perCount: 2 });
  assert.deepEqual(r.pairs.map((p) => [p.a, p.b]), [[0, 1], [0, 2], [1, 2]]);
  assert.deepEqual(r.widths, [8, 8, 8]);
  assert.equal(r.subsample, null);
});

test('mas compare --json prints one object {layer, rows, subsample, pairs} (docs/cli-json.md) and bad input is one line', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mas-compare-'));
  const a = tinyModel(join(root, 'a'), 1);
  const b = tinyModel(join(root, 'b'), 2);
  const lines: string[] = [];
  const orig = console.log;
  console.log = (s: unknown) => lines.push(String(s));
  let code: number;
  try {
    code = await main(['compare', '--models', a, b, '--layer', 'embedding', '--measures', 'cka,rsa_raw_l2_spr', '--subsample', '500', '--runs', '2', '--seed', '3', '--json', '--per-count', '5']);
  } finally {
    console.log = orig;
  }
  assert.equal(code, 0);
  assert.equal(lines.length, 1);
  const obj = JSON.parse(lines[0]) as { layer: string; rows: number; subsample: unknown; pairs: { models: string[]; values: Record<string, { value: number; std: number; kind: string }> }[] };
  assert.deepEqual(Object.keys(obj), ['layer', 'rows', 'subsample', 'pairs']);
  assert.equal(obj.layer, 'embedding');
  assert.deepEqual(obj.subsample, { size: 500, runs: 2, seed: 3 });
  assert.equal(obj.pairs.length, 1);
  assert.deepEqual(obj.pairs[0].models, [a, b]);
  assert.deepEqual(Object.keys(obj.pairs[0].values), ['cka', 'rsa_raw_l2_spr']);
  for (const v of Object.values(obj.pairs[0].values)) {
    assert.deepEqual(Object.keys(v), ['value', 'std', 'kind']);
    assert.ok(v.value > -1 && v.value <= 1 + 1e-12);
  }
  const errs: string[] = [];
  const origErr = console.error;
  console.error = (s: unknown) => errs.push(String(s));
  try {
    assert.equal(await main(['compare', '--models', a, b, '--layer', 'layer.7', '--measures', 'cka']), 2);
    assert.equal(await main(['compare', '--models', a, b, '--layer', 'layer.0', '--measures', 'ckaa']), 2);
    assert.equal(await main(['compare', '--models', a, '--layer', 'layer.0']), 2);
  } finally {
    console.error = origErr;
  }
  assert.equal(errs.length, 3);
  assert.match(errs[2], /at least two model folders/);
});
