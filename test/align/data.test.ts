// The data layer feeds counterfactual pairs, source states and CL vectors through correctly, and
// the identity pair gives IIA = task accuracy (mas.md §9 items 4, 12), on tiny random GRUs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MasData, recordStates, gatherStateRows, type AlignedModel } from '../../src/align/data.ts';
import { affineIntervention, modelIntervention } from '../../src/align/intervention.ts';
import { createMap } from '../../src/align/maps.ts';
import { allTuples } from '../../src/align/train.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel } from '../../src/models/folder.ts';
import { getTask, makeBatch, makeCounterfactualPairs, makeMasData, pairStream, scoreTrials, Vocab, eligiblePositions, modelOf } from '../../src/tasks/index.ts';
import { Tensor, noGrad } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

const task = getTask('multi-object');

function tinyModels(n: number, nTrain = 40, nValid = 20): AlignedModel[] {
  return Array.from({ length: n }, (_, i) => {
    const cfg = defaultConfig({ arch: 'gru', task: 'multi-object', vocab: [...task.vocab.list], seed: i, sizes: { d_model: 12, hidden: 10, decoder_hidden: 16 } });
    const model = createModel(cfg, new Rng(100 + i));
    for (const t of model.parameters().values()) t.requiresGrad = false;
    const d = makeMasData(task, { seed: 7 + i, nTrain, nValid });
    return { index: i, model, task: d.task, vocab: Vocab.fromList(cfg.vocab), point: 'layer.0' as const, width: 10, train: d.train, valid: d.valid };
  });
}

test('MasData: pairs are the tasks layer pairs, source rows are the source model free-running states at (j, p_s)', () => {
  const models = tinyModels(2);
  const tuples = allTuples(2, ['count'], false);
  const data = new MasData(models, tuples, { mode: 'indywise', seed: 5, nTrain: 40, nValid: 20 });
  const key = tuples.find((k) => k.src === 1 && k.trg === 0)!;
  const td = data.get(key, 'train');
  const direct = makeCounterfactualPairs({ target: { task: models[0].task, trials: models[0].train }, source: { task: models[1].task, trials: models[1].train }, variable: 'count', n: 40, seed: 5, stream: pairStream('train', 1, 0, 'count') });
  assert.deepEqual(td.pairs.map((p) => p.counterfactual.tokens), direct.map((p) => p.counterfactual.tokens));
  const idx = [3, 0, 17, 9];
  const tb = data.batch(key, 'train', idx);
  assert.deepEqual(Array.from(tb.Hs.shape), [4, 10]);
  // Independent: run the source model on each source sequence alone and read its state at p_s.
  idx.forEach((i, b) => {
    const p = td.pairs[i];
    const seq = models[1].train[p.sourceIndex];
    const batch = makeBatch([seq], models[1].vocab);
    const res = noGrad(() => models[1].model.forward(batch, { mode: 'eval', freeRun: true, record: ['layer.0'] }));
    const st = res.recorded.get('layer.0')!;
    for (let j = 0; j < 10; j++) assert.ok(Math.abs(st.data[p.sourcePos * 10 + j] - tb.Hs.data[b * 10 + j]) < 1e-6);
    // The mask marks p_t, the counterfactual sequence is the row's target.
    const T = tb.batch.steps;
    for (let t = 0; t < T; t++) assert.equal(tb.batch.interventionMask[b * T + t], t === p.targetPos ? 1 : 0);
    // CL rows: the target's teacher-forced state at the CL match, zeros at failures.
    if (p.cl) {
      const cb = makeBatch([models[0].train[p.cl.seq]], models[0].vocab);
      const cr = noGrad(() => models[0].model.forward(cb, { mode: 'eval', freeRun: false, record: ['layer.0'] })).recorded.get('layer.0')!;
      for (let j = 0; j < 10; j++) assert.ok(Math.abs(cr.data[p.cl.pos * 10 + j] - tb.cl!.data[b * 10 + j]) < 1e-6);
      assert.equal(tb.clOk![b], 1);
    } else assert.equal(tb.clOk![b], 0);
  });
});

test('MasData: the null variable keeps the target sequence; stepwise batches carry every source row 0..p', () => {
  const models = tinyModels(1);
  const tuples = allTuples(1, ['count'], true);
  const data = new MasData(models, tuples, { mode: 'indywise', seed: 6, nTrain: 40, nValid: 20 });
  const nul = data.get(tuples.find((k) => k.variable === 'null')!, 'valid');
  nul.pairs.forEach((p) => assert.deepEqual(p.counterfactual.tokens, models[0].valid[p.targetIndex].tokens));
  // Stepwise at the embedding: rows are the source's fed embedding vectors at 0..p, in mask order.
  const emb = models.map((m) => ({ ...m, point: 'embedding' as const, width: 12 }));
  const sw = new MasData(emb, allTuples(1, ['count'], false), { mode: 'stepwise', seed: 6, nTrain: 40, nValid: 20 });
  const key = sw.tuples[0];
  const tb = sw.batch(key, 'valid', [0, 1, 2]);
  let rows = 0;
  for (let b = 0; b < 3; b++) rows += tb.batch.targetPos[b] + 1;
  assert.equal(tb.Hs.shape[0], rows);
  const E = emb[0].model.parameters().get('embedding.weight')!;
  const src = emb[0].valid[tb.batch.sourceIndex[0]];
  for (let t = 0; t <= tb.batch.targetPos[0]; t++) {
    const id = emb[0].vocab.id(src.tokens[t]); // prefix ≤ p is teacher-forced (demo phase or response fed back)
    if (src.taskMask[t]) continue;
    for (let j = 0; j < 12; j++) assert.ok(Math.abs(E.data[id * 12 + j] - tb.Hs.data[t * 12 + j]) < 1e-6);
  }
  const store = recordStates(emb[0].model, emb[0].valid, 'embedding', true);
  assert.deepEqual(Array.from(gatherStateRows(store, [tb.batch.sourceIndex[0]], [0])), Array.from(tb.Hs.data.subarray(0, 12)));
});

test('identity pair (same model, sequence and position) gives IIA = task accuracy for random maps and any k', () => {
  const [m] = tinyModels(1, 10, 60);
  const trials = m.valid;
  const cm = modelOf(m.task);
  const rng = new Rng(9);
  const pos = trials.map((tr) => {
    const el = eligiblePositions(cm, tr.tokens);
    return el[rng.int(el.length)];
  });
  const batch = makeBatch(trials, m.vocab);
  const T = batch.steps;
  const plain = noGrad(() => m.model.forward(batch, { mode: 'eval', freeRun: true, record: ['layer.0'] }));
  const states = plain.recorded.get('layer.0')!;
  const mask = new Uint8Array(trials.length * T);
  const Hs = Tensor.zeros([trials.length, 10]);
  pos.forEach((p, b) => {
    mask[b * T + p] = 1;
    Hs.data.set(states.data.subarray((b * T + p) * 10, (b * T + p + 1) * 10), b * 10);
  });
  const base = scoreTrials(plain.predictions, batch);
  for (const k of [1, 4, 10]) {
    const map = createMap({ kind: 'orthogonal', d: 10, k, full: false }, new Rng(k), 'm');
    const r = noGrad(() => map.realize());
    const iv = affineIntervention(r, r, { start: 0, end: k }, Hs);
    const res = noGrad(() => m.model.forward(batch, { mode: 'eval', freeRun: true, intervention: modelIntervention('layer.0', mask, iv) }));
    const s = scoreTrials(res.predictions, batch);
    assert.equal(s.trialAccuracy, base.trialAccuracy);
    assert.equal(s.tokenAccuracy, base.tokenAccuracy);
    assert.deepEqual(Array.from(res.predictions), Array.from(plain.predictions));
  }
});
