// Transformers in both intervention modes (mas.md §4.3 correction, issue 11 item 3): indywise at
// layer.N is the default for every architecture, stepwise on request; an indywise intervention replaces
// the transformer's vector at p_t only, and later positions read it through attention; CL runs with
// indywise transformer targets; the gru-transformer reproduction runs the author's indywise protocol.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareRun } from '../../src/align/run.ts';
import { trainAlignment } from '../../src/align/train.ts';
import { demoSettings } from '../../src/experiments/demo.ts';
import { getReproduction, stageCommand } from '../../src/experiments/reproduce.ts';
import type { Json } from '../../src/experiments/stages.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel, saveModel } from '../../src/models/folder.ts';
import { capabilitiesOf, canResumeFrom } from '../../src/models/model.ts';
import { getTask, makeBatch, masTask, sampleDataset, Vocab } from '../../src/tasks/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-tf-modes-'));
const sizes = { d_model: 8, hidden: 8, decoder_hidden: 16, n_layers: 2, n_heads: 1, ff_hidden: 16 };
const vocab = [...getTask('multi-object').vocab.list];
function dir(name: string, arch: 'gru' | 'transformer', seed: number): string {
  const d = path.join(root, name);
  saveModel(d, createModel(defaultConfig({ arch, task: 'multi-object', vocab, seed, sizes }), new Rng(seed)));
  return d;
}
const gru = dir('gru', 'gru', 1);
const tf = dir('tf', 'transformer', 2);
const small = { variables: ['count'], subspace: 2, trainPairs: 24, validPairs: 12, batch: 6, steps: 2, validEvery: 2, seed: 3, lr: 1e-2 };

test('mode defaults: indywise at layer.N for a transformer, stepwise at the embedding; both run', () => {
  const ind = prepareRun({ modelDirs: [gru, tf], settings: { layer: 'layer.0', ...small }, out: path.join(root, 'never') }, () => {});
  assert.equal(ind.settings.mode, 'indywise');
  const emb = prepareRun({ modelDirs: [gru, tf], settings: { layer: 'embedding', ...small }, out: path.join(root, 'never') }, () => {});
  assert.equal(emb.settings.mode, 'stepwise');
  const stp = prepareRun({ modelDirs: [gru, tf], settings: { layer: 'layer.0', mode: 'stepwise', ...small }, out: path.join(root, 'never') }, () => {});
  assert.equal(stp.settings.mode, 'stepwise');
  for (const { models, settings } of [ind, stp]) {
    const out = trainAlignment(models, settings, { quiet: true });
    for (const row of out.final.iia.count) for (const x of row) assert.ok(x >= 0 && x <= 1);
  }
  assert.ok(!fs.existsSync(path.join(root, 'never')));
});

test('capabilities: the transformer is teacher-forced in training and not resumable; the GRU resumes at layer.0', () => {
  const { loaded } = prepareRun({ modelDirs: [gru, tf], settings: { layer: 'layer.0', ...small }, out: path.join(root, 'never') }, () => {});
  assert.deepEqual(capabilitiesOf(loaded[1]), { teacherForcedTraining: true, resumableAt: [] });
  assert.equal(capabilitiesOf(loaded[0]).teacherForcedTraining, false);
  assert.equal(canResumeFrom(loaded[0], 'hidden'), true);
  assert.equal(canResumeFrom(loaded[0], 'embedding'), false);
  assert.equal(canResumeFrom(loaded[1], 'layer.0'), false);
});

test('an indywise transformer intervention replaces only the vector at p_t; later positions read it', () => {
  const { loaded } = prepareRun({ modelDirs: [tf], settings: { method: 'das', layer: 'layer.0', ...small }, out: path.join(root, 'never') }, () => {});
  const model = loaded[0];
  const task = masTask(getTask('multi-object'));
  const trials = sampleDataset(task, { n: 3, seed: 4 });
  const batch = makeBatch(trials, Vocab.fromList(model.config.vocab));
  const { batch: B, steps: T } = batch;
  const d = model.hookWidth('layer.0');
  const mask = new Uint8Array(B * T);
  const pt = [2, 3, 1];
  pt.forEach((p, b) => (mask[b * T + p] = 1));
  const A = Tensor.zeros([d, d], 'float32');
  for (let i = 0; i < d; i++) A.data[i * d + i] = 0.5;
  const c = Tensor.randn([B, d], new Rng(9), 1, 'float32');
  const base = model.forward(batch, { mode: 'eval', freeRun: false, record: ['layer.0'] });
  const iv = model.forward(batch, { mode: 'eval', freeRun: false, record: ['layer.0'], intervention: { point: 'layer.0', mask, A, c } });
  const h0 = base.recorded.get('layer.0')!.data;
  const h1 = iv.recorded.get('layer.0')!.data;
  assert.ok(iv.preIntervention);
  for (let b = 0; b < B; b++) {
    const p = pt[b];
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * d;
      if (t < p) for (let i = 0; i < d; i++) assert.equal(h1[o + i], h0[o + i], `b ${b} t ${t}: before p_t unchanged`);
      if (t === p) {
        // h' = h·A + c, with h the unintervened vector (= preIntervention).
        for (let i = 0; i < d; i++) {
          assert.equal(iv.preIntervention!.data[b * d + i], h0[o + i]);
          assert.ok(Math.abs(h1[o + i] - (0.5 * h0[o + i] + c.data[b * d + i])) < 1e-5);
        }
      }
    }
    // The logits after p_t change (attention reads the replaced vector through the higher block).
    const V = iv.logits.shape[1];
    let diff = 0;
    for (let t = p + 1; t < batch.lengths[b] - 1; t++) for (let j = 0; j < V; j++) diff = Math.max(diff, Math.abs(iv.logits.data[(b * T + t) * V + j] - base.logits.data[(b * T + t) * V + j]));
    assert.ok(diff > 1e-6, `b ${b}: later logits unchanged`);
  }
});

test('CLMAS with an indywise transformer target computes the CL loss into the transformer', () => {
  const { models, settings } = prepareRun({ modelDirs: [gru, tf], settings: { method: 'clmas', layer: 'layer.0', ...small }, out: path.join(root, 'never') }, () => {});
  assert.equal(settings.mode, 'indywise');
  const out = trainAlignment(models, settings, { quiet: true });
  for (const [s, t] of [[0, 1], [1, 1]]) {
    const cl = out.final.clLoss.count[s][t];
    assert.ok(Number.isFinite(cl) && cl >= 0, `CL ${s}->${t} = ${cl}`);
  }
});

test('mas reproduce gru-transformer: the indywise hidden-state runs and the within-transformer ceiling in its summary', () => {
  const s = demoSettings(false);
  const r = getReproduction('gru-transformer');
  const stages = r.stages(s);
  const cmd = (id: string): string => {
    const st = stages.find((x) => x.id === `gru-transformer/align/${id}`);
    assert.ok(st, id);
    return stageCommand(st.job, st.id);
  };
  assert.match(cmd('mas-gru-transformer-layer0-k32'), /--method mas --models models\/gru-\d+ models\/transformer-\d+ --layer layer.0 --variable full --subspace 32 .*--mode indywise/);
  assert.match(cmd('das-transformer-layer0-k32'), /--method das --models models\/transformer-\d+ --layer layer.0 --variable full --subspace 32 .*--mode indywise/);
  assert.match(r.description, /indywise/);
  assert.doesNotMatch(r.description, /embedding, stepwise, k = 16\) is low/);
  const fake: Record<string, Json> = {
    'gru-transformer/align/mas-gru-transformer-layer0-k32': { method: 'mas', iia: [[0.9, 0.25], [0.7, 0.5]] },
    'gru-transformer/align/das-transformer-layer0-k32': { method: 'das', iia: [[0.625]] },
  };
  const [line] = r.summary!((id) => fake[id] ?? null, s);
  assert.match(line, /GRU → transformer 0\.250, transformer → GRU 0\.700/);
  assert.match(line, /GRU 0\.900, transformer 0\.500/);
  assert.match(line, /ceiling \(DAS in the transformer alone\): 0\.625/);
});
