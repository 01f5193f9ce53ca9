import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError, ShapeError } from '../../src/errors.ts';
import {
  getTask,
  makeBatch,
  mergeScores,
  sampleCount,
  sampleTrial,
  scoreTrials,
  TASK_IDS,
  taskPositions,
  type Trial,
} from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

/** Independent response lengths M = f(N). */
function fOf(id: string, N: number): number {
  if (id.endsWith('-mod')) return N % 4;
  if (id.endsWith('-round')) return 3 * Math.round(N / 3);
  if (id.endsWith('-square')) return N * N;
  return N;
}

test('sequence format, positions, lengths and task masks for all 12 counting tasks', () => {
  const rng = new Rng(11);
  for (const id of TASK_IDS) {
    if (id === 'arithmetic') continue;
    const task = getTask(id);
    const resp = id.startsWith('same-object') ? 'D' : 'R';
    for (let N = 1; N <= 20; N++) {
      const t = sampleTrial(task, N, rng);
      const M = fOf(id, N);
      assert.equal(t.tokens.length, N + M + 3, `${id} N=${N}`);
      assert.equal(t.count, N);
      assert.equal(t.tokens[0], 'B');
      for (let i = 1; i <= N; i++) assert.ok(task.demoTokens.includes(t.tokens[i]), `${id} demo at ${i}`);
      assert.equal(t.tokens[N + 1], 'T');
      for (let j = 1; j <= M; j++) assert.equal(t.tokens[N + 1 + j], resp);
      assert.equal(t.tokens[N + M + 2], 'E');
      const mask = Array.from(t.taskMask);
      assert.deepEqual(mask, [...Array<number>(N + 2).fill(0), ...Array<number>(M + 1).fill(1)]);
      if (id === 'multi-object' || id === 'single-object' || id === 'same-object') assert.ok(t.tokens.length <= 43);
    }
  }
});

test('multi-object demo tokens are drawn uniformly and independently', () => {
  const rng = new Rng(5);
  const c: Record<string, number> = { D0: 0, D1: 0, D2: 0 };
  let same = 0;
  let pairs = 0;
  for (let i = 0; i < 400; i++) {
    const t = sampleTrial(getTask('multi-object'), 20, rng);
    for (let k = 1; k <= 20; k++) c[t.tokens[k]]++;
    for (let k = 1; k < 20; k++, pairs++) if (t.tokens[k] === t.tokens[k + 1]) same++;
  }
  for (const k of ['D0', 'D1', 'D2']) assert.ok(Math.abs(c[k] / 8000 - 1 / 3) < 0.02, `${k} ${c[k]}`);
  assert.ok(Math.abs(same / pairs - 1 / 3) < 0.02);
});

test('void tokens: only in the demo phase, at rate unk_p, never changing the count', () => {
  const task = getTask('multi-object', { unk_p: 0.2 });
  const rng = new Rng(3);
  let nU = 0;
  let nDemoPhase = 0;
  let afterLastDemo = 0;
  for (let i = 0; i < 600; i++) {
    const N = sampleCount(task, rng);
    const t = sampleTrial(task, N, rng);
    const tIdx = t.tokens.indexOf('T');
    const demo = t.tokens.slice(1, tIdx);
    assert.equal(demo.filter((x) => x !== 'U').length, N);
    nU += demo.length - N;
    nDemoPhase += demo.length + 1; // emissions of demo tokens, U and T
    if (demo[demo.length - 1] === 'U') afterLastDemo++;
    assert.ok(!t.tokens.slice(tIdx).includes('U'));
    assert.equal(t.tokens.length - tIdx - 2, N);
    assert.ok(t.taskMask.subarray(0, tIdx + 1).every((b) => b === 0));
  }
  assert.ok(Math.abs(nU / nDemoPhase - 0.2) < 0.02, `U rate ${nU / nDemoPhase}`);
  assert.ok(afterLastDemo > 0, 'U can delay T');
});

test('sampleCount is uniform over A and never returns a hold-out', () => {
  const task = getTask('multi-object');
  const rng = new Rng(9);
  const hist = new Map<number, number>();
  const n = 16_000;
  for (let i = 0; i < n; i++) {
    const c = sampleCount(task, rng);
    hist.set(c, (hist.get(c) ?? 0) + 1);
  }
  assert.deepEqual([...hist.keys()].sort((a, b) => a - b), [1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 18, 19, 20]);
  let chi2 = 0;
  for (const v of hist.values()) chi2 += (v - n / 16) ** 2 / (n / 16);
  assert.ok(chi2 < 37.7, `chi2 ${chi2} (df 15, p = 0.001 quantile 37.7)`);
  const all = new Set<number>();
  for (let i = 0; i < 2000; i++) all.add(sampleCount(task, rng, true));
  assert.equal(all.size, 20);
});

test('same rng seed → identical trials; different seeds → different', () => {
  const task = getTask('multi-object');
  const a = sampleTrial(task, 15, new Rng(1));
  const b = sampleTrial(task, 15, new Rng(1));
  const c = sampleTrial(task, 15, new Rng(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.tokens, c.tokens);
});

test('makeBatch: shift, right padding with P, masks, pad flags', () => {
  const task = getTask('multi-object');
  const v = task.vocab;
  const t1: Trial = { tokens: 'B D1 D0 D2 T R R R E'.split(' '), taskMask: Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1]), count: 3 };
  const t2: Trial = { tokens: 'B D0 T R E'.split(' '), taskMask: Uint8Array.from([0, 0, 0, 1, 1]), count: 1 };
  const b = makeBatch([t1, t2], v);
  assert.equal(b.batch, 2);
  assert.equal(b.steps, 8);
  assert.deepEqual(Array.from(b.tokens), [1, 4, 3, 5, 7, 6, 6, 6, 1, 3, 7, 6, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(b.labels), [4, 3, 5, 7, 6, 6, 6, 2, 3, 7, 6, 2, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(b.inputMask), [0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(b.labelMask), [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(b.labelValid), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(b.pad), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(b.lengths), [9, 5]);
  assert.deepEqual(Array.from(b.counts), [3, 1]);
  assert.deepEqual(taskPositions(t1), [4, 5, 6, 7]);
  // explicit steps, and an E input (a stimulus padded by the caller) is flagged as pad
  const s = makeBatch([{ tokens: ['B', 'D0', 'E', 'P'], taskMask: [0, 0, 1, 0] }], v, { steps: 5 });
  assert.deepEqual(Array.from(s.tokens), [1, 3, 2, 0, 0]);
  assert.deepEqual(Array.from(s.pad), [0, 0, 1, 1, 1]);
  assert.deepEqual(Array.from(s.labelValid), [1, 1, 0, 0, 0]);
  assert.deepEqual(Array.from(s.counts), [-1]);
  // tokenizes with the given vocabulary (here one with U at 8 and a permuted order)
  const w = makeBatch([t2], getTask('multi-object', { unk_p: 0.2 }).vocab);
  assert.deepEqual(Array.from(w.tokens), [1, 3, 7, 6]);
  assert.throws(() => makeBatch([t1], v, { steps: 4 }), InputError);
  assert.throws(() => makeBatch([{ tokens: ['B', 'U', 'E'], taskMask: [0, 0, 1] }], v), /sequence 0: .*'U'/);
  assert.throws(() => makeBatch([{ tokens: ['B', 'E'], taskMask: [0] }], v), ShapeError);
  assert.throws(() => makeBatch([], v), InputError);
});

test('scoreTrials: every task position must match; T and demo labels are never scored', () => {
  const v = getTask('multi-object').vocab;
  const t1: Trial = { tokens: 'B D1 D0 D2 T R R R E'.split(' '), taskMask: Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1]), count: 3 };
  const t2: Trial = { tokens: 'B D0 T R E'.split(' '), taskMask: Uint8Array.from([0, 0, 0, 1, 1]), count: 1 };
  const b = makeBatch([t1, t2], v);
  const perfect = Int32Array.from(b.labels);
  let s = scoreTrials(perfect, b);
  assert.deepEqual(s.trialCorrect, [true, true]);
  assert.equal(s.trialAccuracy, 1);
  assert.equal(s.tokenAccuracy, 1);
  assert.equal(s.taskPositions, 6);
  // wrong demo labels, wrong T label, garbage at padded positions: still correct
  const p = Int32Array.from(perfect);
  p[0] = 7; p[1] = 2; p[2] = 6; p[3] = 5; // demo labels and the T label of row 0
  p[8] = 6; p[9] = 2; // row 1: demo label, T label
  p[12] = 2; p[13] = 6; p[15] = 1; // padding of row 1
  s = scoreTrials(p, b);
  assert.deepEqual(s.trialCorrect, [true, true]);
  // early E (E predicted for the 2nd R)
  const early = Int32Array.from(perfect);
  early[5] = v.id('E');
  s = scoreTrials(early, b);
  assert.deepEqual(s.trialCorrect, [false, true]);
  assert.equal(s.trialAccuracy, 0.5);
  assert.equal(s.tokenAccuracy, 5 / 6);
  // late E (R predicted where E belongs)
  const late = Int32Array.from(perfect);
  late[11] = v.id('R');
  assert.deepEqual(scoreTrials(late, b).trialCorrect, [true, false]);
  // wrong response token
  const wrong = Int32Array.from(perfect);
  wrong[4] = v.id('D0');
  assert.deepEqual(scoreTrials(wrong, b).trialCorrect, [false, true]);
  // by count
  const bc = scoreTrials(early, b).byCount;
  assert.deepEqual(bc, [
    { count: 1, n: 1, correct: 1, accuracy: 1 },
    { count: 3, n: 1, correct: 0, accuracy: 0 },
  ]);
  const m = mergeScores([scoreTrials(early, b), scoreTrials(perfect, b)]);
  assert.equal(m.trialAccuracy, 3 / 4);
  assert.equal(m.tokenAccuracy, 11 / 12);
  assert.deepEqual(m.byCount.map((x) => [x.count, x.n, x.correct]), [[1, 2, 2], [3, 2, 1]]);
  assert.throws(() => scoreTrials(new Int32Array(3), b), ShapeError);
});
