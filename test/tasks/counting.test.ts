// The author's counting causal models (grantsrb/mas tests/test_causal_models.py, ported) and worked
// counterfactual examples computed by hand from the reference's update and get_token rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.ts';
import {
  generate,
  getTask,
  indywiseCounterfactual,
  makeCounterfactualPairs,
  modelOf,
  sampleDataset,
  traceStates,
  variableKeys,
  withCausalModel,
  type Trial,
} from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

const MODELS = ['count-up-up', 'count-up-incr', 'increment-up-up'];

// The reference's is_correct_sequence / is_correct_sameobj_sequence.
function isCorrectSequence(seq: readonly string[], n: number): boolean {
  let demo = 0;
  let resp = 0;
  let triggered = false;
  for (const t of seq) {
    if (['D0', 'D1', 'D2', 'D'].includes(t)) {
      demo++;
      if (triggered) return false;
    }
    if (t === 'T') triggered = true;
    if (t === 'R') {
      if (!triggered) return false;
      resp++;
    }
  }
  return seq[seq.length - 1] === 'E' && resp === n && demo === n;
}

function isCorrectSameObjSequence(seq: readonly string[], n: number): boolean {
  let demo = 0;
  let resp = 0;
  let triggered = false;
  for (const t of seq) {
    if (t === 'D') {
      if (triggered) resp++;
      else demo++;
    }
    if (t === 'T') triggered = true;
  }
  return seq[seq.length - 1] === 'E' && resp === n && demo === n;
}

test('CountUpIncr / IncrementUpUp initialization: max_count 20, incr 0.05 (reference test_initialization)', () => {
  for (const name of ['count-up-incr', 'increment-up-up']) {
    const s = modelOf(withCausalModel(getTask('multi-object'), name)).initial(3);
    assert.equal(s.max_count, 20);
    assert.equal(s.incr, 0.05);
  }
});

test('every counting model generates valid sequences for N = 1..19 (reference test_valid_*_sequence)', () => {
  for (const name of MODELS) {
    for (const id of ['multi-object', 'single-object', 'same-object']) {
      const m = modelOf(withCausalModel(getTask(id), name));
      for (let n = 1; n < 20; n++) {
        const { tokens, mask } = generate(m, n, new Rng(n));
        const ok = id === 'same-object' ? isCorrectSameObjSequence(tokens, n) : isCorrectSequence(tokens, n);
        assert.ok(ok, `${name} ${id} N=${n}: ${tokens.join(' ')}`);
        // Same task mask as Count-Up-Down: 1 on the N responses and E.
        assert.equal([...mask].reduce((a, b) => a + b, 0), n + 1);
      }
    }
  }
});

test('the counting models reject variants and arithmetic; unknown model names are refused', () => {
  assert.throws(() => modelOf(withCausalModel(getTask('multi-object-mod'), 'count-up-incr')), InputError);
  assert.throws(() => withCausalModel(getTask('arithmetic'), 'count-up-up'), InputError);
  assert.throws(() => withCausalModel(getTask('multi-object'), 'count-down'), /did you mean|valid/);
});

const R = (n: number): string[] => Array<string>(n).fill('R');
const D = (n: number): string[] => Array<string>(n).fill('D0');
const trial = (n: number): Trial => {
  const tokens = ['B', ...D(n), 'T', ...R(n), 'E'];
  const taskMask = Uint8Array.from(tokens, (_, i) => (i > n + 1 ? 1 : 0));
  return { tokens, taskMask, count: n };
};

test('CountUpIncr: swapping incr alone changes the response length (worked example)', () => {
  const task = withCausalModel(getTask('multi-object'), 'count-up-incr');
  const m = modelOf(task);
  // Target N = 4 at its 2nd R (p = 7): count 2·(1/4)·20 = 10, incr 1/4.
  const target = trial(4);
  const ts = traceStates(m, target.tokens, 4)[7];
  assert.deepEqual([ts.phase, ts.count, ts.incr], [1, 10, 0.25]);
  // Source N = 10 at its 5th R (p = 16): incr 1/10, count 5·0.1·20 = 10.
  const ss = traceStates(m, trial(10).tokens, 10)[16];
  assert.equal(ss.incr, 0.1);
  assert.ok(Math.abs(ss.count - 10) < 1e-9);
  // V* = (count 10, incr 0.1): each R adds 2, so five more R's reach 20, then E.
  const cf = indywiseCounterfactual(m, target, 7, ss, variableKeys(m, m, 'incr'), new Rng(0));
  assert.deepEqual(cf.tokens, ['B', ...D(4), 'T', 'R', 'R', ...R(5), 'E']);
  assert.deepEqual([...cf.taskMask.subarray(6)], [1, 1, 1, 1, 1, 1, 1, 1]);
  // incr swapped into the demo phase is ignored: T resets it.
  const demoTarget = traceStates(m, target.tokens, 4);
  const cf2 = indywiseCounterfactual(m, target, 2, ss, variableKeys(m, m, 'incr'), new Rng(0));
  assert.equal(demoTarget[2].count, 2);
  assert.deepEqual(cf2.tokens.slice(5), ['T', ...R(4), 'E']);
  assert.ok(cf2.tokens.slice(1, 5).every((t) => t.startsWith('D')));
});

test('IncrementUpUp: incr swapped into the demo phase changes the counting there (worked example)', () => {
  const task = withCausalModel(getTask('multi-object'), 'increment-up-up');
  const m = modelOf(task);
  const target = trial(6);
  // At the 2nd demo token: count 2, incr 1/20.
  assert.deepEqual([traceStates(m, target.tokens, 6)[2].count, traceStates(m, target.tokens, 6)[2].incr], [2, 0.05]);
  // Source N = 4 at an R: incr 1/4.
  const ss = traceStates(m, trial(4).tokens, 4)[7];
  assert.equal(ss.incr, 0.25);
  // V* = (count 2, incr 1/4): one demo token adds 5 → 7 ≥ 6, T; incr ← 1/7, and 7 R's of 20/7 reach 20.
  const cf = indywiseCounterfactual(m, target, 2, ss, variableKeys(m, m, 'incr'), new Rng(3));
  assert.equal(cf.tokens.slice(0, 3).join(' '), 'B D0 D0');
  assert.deepEqual(cf.tokens.slice(4), ['T', ...R(7), 'E']);
  // CountUpIncr with the same swap: four more demo tokens, T, six R's.
  const c = modelOf(withCausalModel(getTask('multi-object'), 'count-up-incr'));
  const cf2 = indywiseCounterfactual(c, target, 2, traceStates(c, trial(4).tokens, 4)[7], variableKeys(c, c, 'incr'), new Rng(3));
  assert.deepEqual(cf2.tokens.slice(7), ['T', ...R(6), 'E']);
  assert.equal(cf2.tokens.length, 3 + 4 + 1 + 6 + 1);
});

test('CountUpUp: demo_count and resp_count are separate variables (worked example)', () => {
  const m = modelOf(withCausalModel(getTask('multi-object'), 'count-up-up'));
  const target = trial(5);
  // At the 3rd R (p = 9): demo 5, resp 3.
  const ts = traceStates(m, target.tokens, 5)[9];
  assert.deepEqual([ts.phase, ts.demo_count, ts.resp_count], [1, 5, 3]);
  const src = (n: number, p: number) => traceStates(m, trial(n).tokens, n)[p];
  // resp_count 1 (source N = 8, 1st R at p = 10): four more R's.
  const a = indywiseCounterfactual(m, target, 9, src(8, 10), variableKeys(m, m, 'resp_count'), new Rng(0));
  assert.deepEqual(a.tokens.slice(10), [...R(4), 'E']);
  // demo_count 3 (source at its 3rd demo token): equal counters, E at once (mask 1).
  const b = indywiseCounterfactual(m, target, 9, src(8, 3), variableKeys(m, m, 'demo_count'), new Rng(0));
  assert.deepEqual(b.tokens.slice(10), ['E']);
  assert.equal(b.taskMask[10], 1);
  // resp_count 6 > demo_count 5: the reference emits E with mask 0.
  const c = indywiseCounterfactual(m, target, 9, src(8, 15), variableKeys(m, m, 'resp_count'), new Rng(0));
  assert.equal(src(8, 15).resp_count, 6);
  assert.deepEqual(c.tokens.slice(10), ['E']);
  assert.equal(c.taskMask[10], 0);
  assert.throws(() => variableKeys(m, m, 'count'), /unknown variable 'count'.*demo_count/);
});

test('pairs for incr through makeCounterfactualPairs; every variable of a multi-variable set has its pairs', () => {
  const task = withCausalModel(getTask('multi-object', { hold_outs: [] }), 'count-up-incr');
  const trials = sampleDataset(task, { n: 40, seed: 2 });
  for (const variable of ['count', 'incr', 'phase']) {
    const pairs = makeCounterfactualPairs({ target: { task, trials }, source: { task, trials }, variable, seed: 5, stream: `train/0->0/${variable}` });
    assert.equal(pairs.length, 40);
    for (const p of pairs) {
      assert.equal(p.intervened[variable], p.sourceState[variable]);
      assert.equal(p.counterfactual.tokens[p.counterfactual.tokens.length - 1], 'E');
      assert.doesNotThrow(() => task.vocab.ids(p.counterfactual.tokens));
    }
  }
});
