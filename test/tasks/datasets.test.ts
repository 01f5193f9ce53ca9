import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.ts';
import { getTask, makeMasData, makeStimuli, makeTrainingData, masTask, sampleCountSet, sampleDataset } from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

const key = (ts: readonly { tokens: readonly string[] }[]) => ts.map((t) => t.tokens.join(' ')).join('|');

test('training data (tasks.md §5.2): sizes, counts, hold-outs never in train/valid', () => {
  const task = getTask('multi-object');
  const d = makeTrainingData(task, 12345);
  assert.equal(d.train.length, 1000);
  assert.equal(d.valid.length, 500);
  assert.equal(d.holdOut.length, 200);
  assert.equal(d.perCount.length, 1000);
  const H = [4, 9, 14, 17];
  for (const t of [...d.train, ...d.valid]) {
    assert.ok(!H.includes(t.count));
    assert.equal(t.tokens.filter((x) => x.startsWith('D')).length, t.count, 'count matches the demo tokens');
  }
  assert.equal(new Set(d.train.map((t) => t.count)).size, 16);
  assert.deepEqual(d.holdOut.map((t) => t.count), H.flatMap((h) => Array<number>(50).fill(h)));
  assert.deepEqual(d.perCount.map((t) => t.count), Array.from({ length: 20 }, (_, i) => Array<number>(50).fill(i + 1)).flat());
  assert.notEqual(key(d.train.slice(0, 500)), key(d.valid));
});

test('same seed → identical data; different seeds → different', () => {
  const task = getTask('single-object-mod');
  const a = makeTrainingData(task, 1, { train: 100, valid: 50, holdOutPerCount: 2, reportPerCount: 2 });
  const b = makeTrainingData(task, 1, { train: 100, valid: 50, holdOutPerCount: 2, reportPerCount: 2 });
  const c = makeTrainingData(task, 2, { train: 100, valid: 50, holdOutPerCount: 2, reportPerCount: 2 });
  assert.deepEqual(a, b);
  assert.notEqual(key(a.train), key(c.train));
  assert.notEqual(key(a.valid), key(c.valid));
  assert.deepEqual(sampleDataset(task, { n: 20, seed: 5 }), sampleDataset(task, { n: 20, seed: 5 }));
  assert.notEqual(key(sampleDataset(task, { n: 20, seed: 5 })), key(sampleDataset(task, { n: 20, seed: 6 })));
  // a generator can be passed instead of a seed
  const r1 = new Rng(3);
  const r2 = new Rng(3);
  assert.deepEqual(sampleDataset(task, { n: 5, seed: r1 }), sampleDataset(task, { n: 5, seed: r2 }));
});

test('sampleDataset options: explicit counts, include hold-outs', () => {
  const task = getTask('same-object');
  const d = sampleDataset(task, { n: 300, seed: 1, counts: [2, 7] });
  assert.deepEqual([...new Set(d.map((t) => t.count))].sort((a, b) => a - b), [2, 7]);
  const all = sampleDataset(task, { n: 2000, seed: 1, includeHoldOuts: true });
  assert.equal(new Set(all.map((t) => t.count)).size, 20);
  assert.throws(() => sampleDataset(task, { n: -1, seed: 1 }), InputError);
  assert.deepEqual(sampleCountSet(task, [3, 5], 2, 0).map((t) => t.count), [3, 3, 5, 5]);
});

test('MAS data (tasks.md §5.3): 10,000 / 1,000, all counts, unk_p 0, independent splits', () => {
  const task = getTask('multi-object', { unk_p: 0.2 });
  const d = makeMasData(task, { seed: 7 });
  assert.equal(d.train.length, 10_000);
  assert.equal(d.valid.length, 1_000);
  assert.equal(d.task.config.unk_p, 0);
  assert.deepEqual(d.task.config.hold_outs, []);
  assert.equal(d.task.vocab.has('U'), false);
  assert.equal(new Set(d.train.map((t) => t.count)).size, 20);
  assert.ok(d.train.every((t) => !t.tokens.includes('U')));
  assert.notEqual(key(d.train.slice(0, 1000)), key(d.valid));
  assert.equal(masTask(getTask('multi-object-mod')).config.mod, 4);
  // optional MAS hold-outs H
  const h = makeMasData(task, { seed: 7, nTrain: 500, nValid: 100, holdOuts: [3, 11] });
  assert.ok(h.train.every((t) => t.count !== 3 && t.count !== 11));
  assert.ok(h.valid.every((t) => t.count === 3 || t.count === 11));
  assert.throws(() => makeMasData(task, { seed: 1, holdOuts: [25] }), InputError);
});

test('RSA/CKA stimuli (tasks.md §5.4): 15 per N, count-major, 7,200 non-P positions', () => {
  const s = makeStimuli(0);
  assert.equal(s.length, 300);
  assert.deepEqual(s.map((t) => t.count), Array.from({ length: 20 }, (_, i) => Array<number>(15).fill(i + 1)).flat());
  assert.equal(s.reduce((a, t) => a + t.tokens.length, 0), 7200);
  assert.ok(s.every((t) => t.tokens[0] === 'B' && t.tokens[t.tokens.length - 1] === 'E' && !t.tokens.includes('U')));
  assert.deepEqual(makeStimuli(0), s);
  assert.notEqual(key(makeStimuli(1)), key(s));
});
