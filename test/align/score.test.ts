// Fit / score: a finished `mas align` run folder loads back as its maps and settings, and scoring it
// on its own validation pairs (the run's seed and pair count) reproduces the recorded IIA and CIs
// exactly; fresh pairs come from another seed; models that do not fit the maps are refused, and
// nothing is ever written.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAlign, type AlignResult } from '../../src/align/run.ts';
import { evaluateAlignment, loadAlignment } from '../../src/align/score.ts';
import { main } from '../../src/cli/main.ts';
import { FileFormatError, InputError } from '../../src/errors.ts';
import { defaultConfig, type Arch } from '../../src/models/config.ts';
import { createModel, saveModel } from '../../src/models/folder.ts';
import { getTask } from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-score-'));
function modelDir(name: string, arch: Arch, task: string, seed: number, hidden = 8): string {
  const dir = path.join(root, name);
  const sizes = { d_model: 8, hidden, decoder_hidden: 16, n_layers: 2, n_heads: 1, ff_hidden: 16 };
  saveModel(dir, createModel(defaultConfig({ arch, task, vocab: [...getTask(task).vocab.list], seed, sizes }), new Rng(seed)));
  return dir;
}
const g1 = modelDir('g1', 'gru', 'multi-object', 1);
const g2 = modelDir('g2', 'gru', 'multi-object', 2);
const wide = modelDir('wide', 'gru', 'multi-object', 3, 12);
const ar = modelDir('ar', 'gru', 'arithmetic', 4);
const tf = modelDir('tf', 'transformer', 'multi-object', 5);
const small = { subspace: 2, steps: 4, trainPairs: 32, validPairs: 24, batch: 8, validEvery: 2, seed: 11, lr: 1e-2 };

function fit(name: string, modelDirs: string[], settings: Parameters<typeof runAlign>[0]['settings']): { out: string; result: AlignResult } {
  const out = path.join(root, name);
  const result = runAlign({ modelDirs, settings, out, quiet: true, onWarning: () => {} });
  return { out, result };
}

function listing(dir: string): string[] {
  return fs.readdirSync(dir).sort().map((f) => `${f}:${fs.statSync(path.join(dir, f)).mtimeMs}`);
}

const runs = [
  { name: 'mas', dirs: [g1, g2], settings: { layer: 'hidden', variables: ['count'], ...small } },
  { name: 'stitch-fill-zscore', dirs: [g1, g2], settings: { method: 'stitch' as const, layer: 'hidden', variables: ['full'], learnedFill: true, zscore: true, ...small, subspace: 3 } },
  { name: 'cross-task', dirs: [g1, ar], settings: { layer: 'hidden', variables: [['count', 'cumu_val']], values: [1, 10] as [number, number], ...small } },
  { name: 'gru-transformer', dirs: [g1, tf], settings: { layer: 'layer.0', variables: ['count'], map: 'gram-schmidt' as const, ...small } },
];

for (const r of runs) {
  test(`${r.name}: scoring the saved alignment on its own validation pairs reproduces the recorded IIA exactly`, () => {
    const { out, result } = fit(r.name, r.dirs, r.settings);
    const before = listing(out);
    const al = loadAlignment(out);
    assert.equal(al.maps.length, r.dirs.length);
    assert.equal(al.settings.seed, small.seed);
    const score = evaluateAlignment(al, r.dirs);
    assert.equal(score.pairs, small.validPairs);
    assert.equal(score.seed, small.seed);
    assert.deepEqual(score.iia, result.iia);
    assert.deepEqual(score.iia_ci, result.iia_ci);
    assert.deepEqual(score.token_accuracy, result.token_accuracy);
    assert.deepEqual(score.iia_by_variable[result.variables[0]], al.recordedIia[result.variables[0]]);
    // The continuous figures too (the tiny untrained models put IIA at 0; the loss depends on every map entry).
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'), (_k, v: unknown) => (v === 'NaN' ? NaN : v)) as { final: { valid: { loss: Record<string, number[][]>; cl_loss: Record<string, number[][]> } } };
    assert.deepEqual(score.loss, summary.final.valid.loss[result.variables[0]]);
    assert.deepEqual(score.cl_loss, summary.final.valid.cl_loss[result.variables[0]]);
    assert.ok(score.loss.flat().every((x) => x > 0));
    // A negative control: perturbed maps give another loss (the score reads the saved maps).
    const other = loadAlignment(out);
    for (const m of other.maps) for (const t of m.parameters()) for (let i = 0; i < t.size; i++) t.data[i] += 0.05 * Math.sin(i + 1);
    assert.notDeepEqual(evaluateAlignment(other, r.dirs).loss, score.loss);
    assert.deepEqual(listing(out), before, 'nothing written');
  });
}

test('fresh pairs: another seed and pair count give a different, well-formed sample', () => {
  const out = path.join(root, 'mas');
  const al = loadAlignment(out);
  const fresh = evaluateAlignment(al, [g1, g2], { pairs: 10, seed: 99 });
  assert.equal(fresh.pairs, 10);
  for (const [s, row] of fresh.iia.entries()) {
    for (const [t, x] of row.entries()) {
      assert.ok(Number.isInteger(Math.round(x * 10 * 1e9) / 1e9), `iia ${x} is a count of 10 trials`);
      const [lo, hi] = fresh.iia_ci[s][t];
      assert.ok(lo <= x + 1e-12 && x <= hi + 1e-12);
    }
  }
  // Same seed and count twice: identical (the pairs are seeded).
  assert.deepEqual(evaluateAlignment(al, [g1, g2], { pairs: 10, seed: 99 }), fresh);
});

test('bad input names the file or the mismatch; nothing is written', async () => {
  const empty = path.join(root, 'empty');
  fs.mkdirSync(empty);
  assert.throws(() => loadAlignment(empty), (e: unknown) => e instanceof FileFormatError && e.message.includes(path.join(empty, 'alignment.safetensors')));
  const al = loadAlignment(path.join(root, 'mas'));
  assert.throws(() => evaluateAlignment(al, [g1, wide]), (e: unknown) => e instanceof InputError && /model 1 .* is 12 wide at layer.0, but map 1 of .*alignment.safetensors is 8 wide/.test(e.message));
  assert.throws(() => evaluateAlignment(al, [g1]), (e: unknown) => e instanceof InputError && /has 2 map\(s\), but 1 model\(s\)/.test(e.message));
  assert.throws(() => evaluateAlignment(al, [g1, ar]), (e: unknown) => e instanceof InputError && /model 1 .*arithmetic.*'count'/.test(e.message));
  assert.throws(() => evaluateAlignment(al, [g1, g2], { variable: 'phase' }), (e: unknown) => e instanceof InputError && /no variable 'phase'/.test(e.message));
  const lines: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  try {
    assert.equal(await main(['iia', '--alignment', empty, '--models', g1, g2]), 2);
  } finally {
    console.error = orig;
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0], /alignment\.safetensors not found/);
  assert.deepEqual(fs.readdirSync(empty), []);
});

test('mas iia --json prints the score of the run on its validation pairs', async () => {
  const out = path.join(root, 'mas');
  const lines: string[] = [];
  const orig = console.log;
  console.log = (s: unknown) => void lines.push(String(s));
  try {
    assert.equal(await main(['iia', '--alignment', out, '--models', g1, g2, '--json']), 0);
  } finally {
    console.log = orig;
  }
  const r = JSON.parse(lines.join('\n')) as { iia: number[][]; pairs: number };
  const recorded = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8')) as { iia: number[][] };
  assert.deepEqual(r.iia, recorded.iia);
  assert.equal(r.pairs, small.validPairs);
});
