// Alignment across models that differ (issue 11 item 2): one variable and one hook point per model,
// value filters on the swapped variable, custom direction sets, and the bad input refused before
// anything is trained or written.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tuplePairSpec } from '../../src/align/data.ts';
import { main } from '../../src/cli/main.ts';
import { prepareRun } from '../../src/align/run.ts';
import { modelVariable, trainAlignment, type MetricRow } from '../../src/align/train.ts';
import { defaultConfig, type Arch } from '../../src/models/config.ts';
import { createModel, saveModel } from '../../src/models/folder.ts';
import { getTask, makeCounterfactualPairs } from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-per-model-'));
function modelDir(name: string, arch: Arch, task: string, seed: number): string {
  const dir = path.join(root, name);
  const vocab = [...getTask(task).vocab.list];
  const sizes = { d_model: 8, hidden: 8, decoder_hidden: 16, n_layers: 2, n_heads: 1, ff_hidden: 16 };
  saveModel(dir, createModel(defaultConfig({ arch, task, vocab, seed, sizes }), new Rng(seed)));
  return dir;
}
const mo = modelDir('mo', 'gru', 'multi-object', 1);
const mo2 = modelDir('mo2', 'gru', 'multi-object', 2);
const ar = modelDir('ar', 'gru', 'arithmetic', 3);
const tf = modelDir('tf', 'transformer', 'multi-object', 4);
const small = { trainPairs: 40, validPairs: 20, batch: 8, steps: 4, validEvery: 2, seed: 7, lr: 1e-2 };

test('one variable per model: count in a Multi-Object GRU is swapped into cumu_val of an Arithmetic GRU', () => {
  const { models, settings } = prepareRun({ modelDirs: [mo, ar], settings: { layer: 'hidden', variables: [['count', 'cumu_val']], subspace: 2, ...small }, out: path.join(root, 'never') }, () => {});
  assert.deepEqual(settings.variables, ['count|cumu_val']);
  assert.deepEqual(settings.modelVariables, [['count', 'cumu_val']]);
  assert.equal(modelVariable(settings, 0, 0), 'count');
  assert.equal(modelVariable(settings, 1, 0), 'cumu_val');
  for (const [src, trg] of [[0, 1], [1, 0], [1, 1]]) {
    const key = { src, trg, variable: settings.variables[0], v: 0 };
    const spec = tuplePairSpec(models, key, { variableOf: (m, v) => modelVariable(settings, m, v) });
    const pairs = makeCounterfactualPairs({ target: { task: models[trg].task, trials: models[trg].valid }, source: { task: models[src].task, trials: models[src].valid }, n: 20, seed: 1, ...spec });
    const [tName, sName] = [modelVariable(settings, trg, 0), modelVariable(settings, src, 0)];
    for (const p of pairs) {
      assert.deepEqual(p.keys, [[tName, sName]]);
      // V* takes the source's value of its own variable (the arithmetic model applies no clamp at p_t).
      if (tName === 'count' || p.sourceState[sName] <= 20) assert.equal(p.intervened[tName], p.sourceState[sName]);
    }
  }
  assert.ok(!fs.existsSync(path.join(root, 'never')));
});

test('a cross-task run with a value filter trains and scores all four directions', () => {
  const { models, settings } = prepareRun({ modelDirs: [mo, ar], settings: { layer: 'hidden', variables: [['count', 'cumu_val']], values: [1, 10], subspace: 2, ...small, steps: 2 }, out: path.join(root, 'never') }, () => {});
  const out = trainAlignment(models, settings, { quiet: true });
  const iia = out.final.iia['count|cumu_val'];
  assert.equal(iia.length, 2);
  for (const row of iia) for (const x of row) assert.ok(x >= 0 && x <= 1, String(x));
});

test('--values keeps only positions whose swapped variable lies in the range, in the source and the target', () => {
  const { models, settings } = prepareRun({ modelDirs: [mo, mo2], settings: { layer: 'hidden', variables: ['count'], subspace: 2, values: [3, 6], ...small }, out: path.join(root, 'never') }, () => {});
  assert.deepEqual(settings.values, [3, 6]);
  const key = { src: 0, trg: 1, variable: 'count', v: 0 };
  const draw = (values?: [number, number]) =>
    makeCounterfactualPairs({ target: { task: models[1].task, trials: models[1].valid }, source: { task: models[0].task, trials: models[0].valid }, n: 20, seed: 2, ...tuplePairSpec(models, key, values ? { values } : {}) });
  const filtered = draw([3, 6]);
  assert.equal(filtered.length, 20);
  for (const p of filtered) {
    assert.ok(p.sourceState.count >= 3 && p.sourceState.count <= 6, `source count ${p.sourceState.count}`);
    assert.ok(p.targetState.count >= 3 && p.targetState.count <= 6, `target count ${p.targetState.count}`);
    assert.equal(p.counterfactual.tokens.slice(0, p.targetPos + 1).join(' '), models[1].valid[p.targetIndex].tokens.slice(0, p.targetPos + 1).join(' '));
  }
  // Without the filter some pair falls outside (so the filter did something).
  assert.ok(draw().some((p) => p.sourceState.count < 3 || p.sourceState.count > 6 || p.targetState.count < 3 || p.targetState.count > 6));
});

test('one hook point per model: layer.0 of a GRU against layer.1 of a transformer', () => {
  const { models, settings } = prepareRun({ modelDirs: [mo, tf], settings: { layer: ['layer.0', 'layer.1'], variables: ['count'], subspace: 2, mode: 'indywise', ...small }, out: path.join(root, 'never') }, () => {});
  assert.deepEqual(settings.layers, ['layer.0', 'layer.1']);
  assert.equal(settings.layer, 'layer.0,layer.1');
  assert.deepEqual(models.map((m) => m.point), ['layer.0', 'layer.1']);
});

test('custom direction sets replace the method preset: only 0>1 is trained, all four are evaluated', () => {
  const { models, settings } = prepareRun({ modelDirs: [mo, mo2], settings: { layer: 'hidden', variables: ['count'], subspace: 2, T: [[0, 1], [0, 1]], ...small }, out: path.join(root, 'never') }, () => {});
  assert.deepEqual(settings.T, [[0, 1]]);
  const rows: MetricRow[] = [];
  const out = trainAlignment(models, settings, { quiet: true, log: (r) => rows.push(...r) });
  assert.deepEqual(out.T, [[0, 1]]);
  assert.deepEqual(out.C, []);
  const train = new Set(rows.filter((r) => r.split === 'train').map((r) => `${r.src}>${r.trg}`));
  const valid = new Set(rows.filter((r) => r.split === 'valid').map((r) => `${r.src}>${r.trg}`));
  assert.deepEqual([...train], ['0>1']);
  assert.deepEqual([...valid].sort(), ['0>0', '0>1', '1>0', '1>1']);
  assert.equal(out.stepsRun, 4);
});

/** Run `mas align` in process; returns the exit code and what went to stderr. */
async function cli(args: string[]): Promise<{ status: number; stderr: string }> {
  const lines: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  try {
    const status = await main(['align', ...args]);
    return { status, stderr: lines.join('\n') };
  } finally {
    console.error = orig;
  }
}

test('bad input: one line, exit 2, nothing written, before any training', async () => {
  const base = ['--layer', 'hidden', '--subspace', '2', '--steps', '2', '--train-pairs', '16', '--valid-pairs', '8', '--quiet'];
  const cases: [string[], RegExp][] = [
    [['--models', mo, ar, '--variable', 'count'], /model 1 .*arithmetic.* no swappable variable 'count'/],
    [['--models', mo, ar, '--variable', 'count,cumu_val,count'], /3 variables for 2 model/],
    [['--models', mo, mo2, '--variable', 'count', '--values', '50-60'], /--values 50-60: model 0 .*never has count in that range.*empty after filtering/],
    [['--models', mo, mo2, '--variable', 'count', '--values', '6-3'], /empty range/],
    [['--models', mo, mo2, '--variable', 'count', '--train-directions', '0>1,2>1'], /--train-directions 2>1 names model 2, but there are 2 models/],
    [['--models', mo, mo2, '--variable', 'count', '--method', 'clmas', '--cl-directions', '0>5'], /--cl-directions 0>5 names model 5/],
    [['--models', mo, mo2, '--variable', 'count', '--method', 'clmas', '--mode', 'stepwise'], /CL loss is indywise only/],
    [['--models', mo, mo2, '--variable', 'count', '--mode', 'stepwise', '--cl-weight', '1'], /CL loss is indywise only/],
    [['--models', mo, mo2, '--variable', 'count', '--train-directions', '0-1'], /not a direction/],
  ];
  for (const [i, [args, re]] of cases.entries()) {
    const out = path.join(root, `bad-${i}`);
    const r = await cli([...args, ...base, '--out', out]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!fs.existsSync(out), out);
  }
});
