// Arithmetic as the author defines it (grantsrb/mas ArithmeticCmodel; tests/test_tasks.py ported), its
// counterfactuals, and the value filters (filters.py keep/excl_varb_vals). Expected tokens are traced by
// hand from the reference's update_varbs / get_token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.ts';
import {
  buildIndywise,
  eligiblePositions,
  getTask,
  indywiseCounterfactual,
  makeCounterfactualPairs,
  modelOf,
  sampleDataset,
  sampleTrial,
  traceStates,
  variableKeys,
  type Trial,
} from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

const arith = getTask('arithmetic');
const am = modelOf(arith);
const MO = getTask('multi-object', { hold_outs: [] });

const trialOf = (s: string, r: number): Trial => {
  const tokens = s.split(' ');
  // mask 1 on the emissions of `=`, v and `,`/E
  const taskMask = Uint8Array.from(tokens, (t, i) => (i >= 3 && (t === '=' || t === ',' || t === 'E' || tokens[i - 1] === '=') ? 1 : 0));
  return { tokens, taskMask, count: r };
};

test('reference test_arithmetic_equals_count and test_arithmetic_correct_seq on sampled trials', () => {
  const rng = new Rng(11);
  for (let i = 0; i < 50; i++) {
    const r = 1 + (i % 20);
    const seq = sampleTrial(arith, r, rng).tokens.slice(1); // the reference's sample starts after B
    assert.equal(Number(seq[0]), seq.filter((t) => t === '=').length);
    const text = seq.join('');
    const segs = text.split(',');
    // the first segment is "r c₀ op a = v": eval(c₀ op a) = v
    let cumu = Number(seq[1]) + (seq[2] === '+' ? 1 : -1) * Number(seq[3]);
    assert.equal(Number(segs[0].split('=').at(-1)!.replace('E', '')), cumu);
    for (const seg of segs.slice(1)) {
      const [ops, v] = seg.split('=');
      cumu = ops[0] === '+' ? cumu + Number(ops.slice(1)) : cumu - Number(ops.slice(1));
      assert.equal(Number(v.replace('E', '')), cumu);
    }
  }
});

test('the value after `=` is fixed before the intervention; the swapped value enters the next operation', () => {
  const target = trialOf('B 2 5 + 3 = 8 , - 4 = 4 E', 2);
  const src = traceStates(am, trialOf('B 1 7 + 2 = 9 E', 1).tokens, 1)[5]; // after `=`: cumu_val 9
  assert.equal(src.cumu_val, 9);
  const cf = indywiseCounterfactual(am, target, 5, src, variableKeys(am, am, 'cumu_val'), new Rng(4));
  assert.deepEqual(cf.tokens.slice(0, 8), 'B 2 5 + 3 = 8 ,'.split(' '));
  const [op, a, eq, v, end] = cf.tokens.slice(8);
  assert.equal(eq, '=');
  assert.equal(Number(v), op === '+' ? 9 + Number(a) : 9 - Number(a));
  assert.ok(op === '+' ? Number(a) <= 11 : Number(a) <= 9);
  assert.equal(end, 'E');
});

test('at `,` the op is drawn from the value before the intervention, the operand from the value after it', () => {
  // 20 forces `−` next; cumu_val 0 swapped in leaves only the operand 0: `− 0 = 0 E`.
  const target = trialOf('B 2 15 + 5 = 20 , - 3 = 17 E', 2);
  const zero = traceStates(am, trialOf('B 1 4 - 4 = 0 E', 1).tokens, 1)[5];
  assert.equal(zero.cumu_val, 0);
  for (let seed = 0; seed < 5; seed++) {
    const cf = indywiseCounterfactual(am, target, 7, zero, variableKeys(am, am, 'cumu_val'), new Rng(seed));
    assert.deepEqual(cf.tokens.slice(8), ['-', '0', '=', '0', 'E']);
  }
});

test('no clamp: a result outside 0..20 has no token; such pairs are invalid and makeCounterfactualPairs redraws them', () => {
  const target = trialOf('B 1 5 + 3 = 8 E', 1);
  const src = traceStates(am, trialOf('B 1 10 + 9 = 19 E', 1).tokens, 1)[5]; // cumu_val 19
  // At the operand position (input 3, next `=`): 19 + 3 = 22.
  const r = buildIndywise(am, target, 4, src, variableKeys(am, am, 'cumu_val'), new Rng(0));
  assert.equal(r.cf, null);
  assert.equal(r.vStar.cumu_val, 19);
  assert.throws(() => indywiseCounterfactual(am, target, 4, src, variableKeys(am, am, 'cumu_val'), new Rng(0)), InputError);
  const trials = sampleDataset(arith, { n: 60, seed: 3 });
  const pairs = makeCounterfactualPairs({ target: { task: arith, trials }, source: { task: arith, trials }, variable: 'cumu_val', seed: 2 });
  assert.equal(pairs.length, 60);
  for (const p of pairs) assert.doesNotThrow(() => arith.vocab.ids(p.counterfactual.tokens));
});

test('the r position is not eligible (its value is still None); B and E are not either', () => {
  const t = trialOf('B 2 5 + 3 = 8 , - 4 = 4 E', 2);
  assert.deepEqual(eligiblePositions(am, t.tokens, traceStates(am, t.tokens, 2)), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(eligiblePositions(am, t.tokens), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});

test('value filters: keep and exclude restrict the swapped states on both sides', () => {
  const trials = sampleDataset(MO, { n: 50, seed: 9 });
  const atr = sampleDataset(arith, { n: 50, seed: 9 });
  const keep = Array.from({ length: 6 }, (_, i) => i + 1);
  const pairs = makeCounterfactualPairs({
    target: { task: arith, trials: atr },
    source: { task: MO, trials },
    variable: 'cumu_val',
    sourceKeys: ['count'],
    seed: 1,
    sourceFilter: { keep: { count: keep } },
    targetFilter: { keep: { cumu_val: keep }, exclude: { cumu_val: [3] } },
  });
  assert.equal(pairs.length, 50);
  for (const p of pairs) {
    assert.ok(keep.includes(p.sourceState.count));
    assert.ok(keep.includes(p.targetState.cumu_val) && p.targetState.cumu_val !== 3);
    assert.equal(p.intervened.cumu_val, p.sourceState.count);
  }
  // A rule on the pair: source and target in different phases.
  const diff = makeCounterfactualPairs({ target: { task: MO, trials }, source: { task: MO, trials }, variable: 'count', seed: 1, accept: (s, t) => s.phase !== t.phase });
  assert.ok(diff.every((p) => p.sourceState.phase !== p.targetState.phase));
});

test('value filters: unknown variables, empty ranges and filters that leave nothing are refused', () => {
  const trials = sampleDataset(MO, { n: 10, seed: 1 });
  const side = { task: MO, trials };
  assert.throws(() => makeCounterfactualPairs({ target: side, source: side, variable: 'count', seed: 1, sourceFilter: { keep: { cumu_val: [1] } } }), /source value filter names 'cumu_val'/);
  assert.throws(() => makeCounterfactualPairs({ target: side, source: side, variable: 'count', seed: 1, targetFilter: { keep: { count: [] } } }), /empty value range/);
  assert.throws(() => makeCounterfactualPairs({ target: side, source: side, variable: 'count', seed: 1, targetFilter: { keep: { count: [99] } } }), /empty value range/);
  assert.throws(() => makeCounterfactualPairs({ target: side, source: side, variable: 'count', seed: 1, sourceFilter: { keep: { count: [99] } } }), /empty value range/);
});
