import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { InputError } from '../../src/errors.ts';
import {
  ClIndex,
  eligiblePositions,
  getTask,
  indywiseCounterfactual,
  makeCounterfactualBatch,
  makeCounterfactualPairs,
  makeMasData,
  modelOf,
  sampleDataset,
  stepwiseCounterfactual,
  traceStates,
  variableKeys,
  Vocab,
  type CausalState,
  type Task,
  type Trial,
} from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

interface Example {
  name: string;
  mode: 'indywise' | 'stepwise';
  variable: string;
  objCount: 'target' | 'random';
  randomObjCount: number | null;
  target: { count: number; tokens: string[]; mask: number[] };
  source: { count: number; tokens: string[]; mask: number[] };
  targetPos: number;
  sourcePos: number;
  intervened: { phase: number; count: number; obj_count: number };
  counterfactual: string[];
  taskMask: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/tasks/examples.json', import.meta.url), 'utf8')) as { examples: Example[] };
const MO = getTask('multi-object');
const M = modelOf(MO);
const abstract = (toks: readonly string[]) => toks.map((t) => (t === 'D0' || t === 'D1' || t === 'D2' ? 'D' : t));
/** Concrete multi-object trial from the fixture's abstract spelling ('D' → cycling D0, D1, D2). */
function concrete(ex: { count: number; tokens: string[]; mask: number[] }): Trial {
  let k = 0;
  return { tokens: ex.tokens.map((t) => (t === 'D' ? `D${k++ % 3}` : t)), taskMask: Uint8Array.from(ex.mask), count: ex.count };
}

test('worked examples A–G of tasks.md §8 (fixtures)', () => {
  assert.equal(fixture.examples.length, 9);
  for (const ex of fixture.examples) {
    const target = concrete(ex.target);
    const source = concrete(ex.source);
    const keys = variableKeys(M, M, ex.variable);
    const sState = traceStates(M, source.tokens, source.count)[ex.sourcePos];
    const objCount = ex.objCount === 'random' ? (ex.randomObjCount as number) : undefined;
    const build = ex.mode === 'indywise' ? indywiseCounterfactual : stepwiseCounterfactual;
    const cf = build(M, target, ex.targetPos, sState, keys, new Rng(1), objCount);
    const v = cf.intervened;
    assert.deepEqual({ phase: v.phase, count: v.count, obj_count: v.obj_count }, ex.intervened, `${ex.name}: V*`);
    assert.deepEqual(abstract(cf.tokens), ex.counterfactual, `${ex.name}: counterfactual`);
    assert.deepEqual(Array.from(cf.taskMask), ex.taskMask, `${ex.name}: task mask`);
    // the prefix is the target's own tokens
    assert.deepEqual(cf.tokens.slice(0, ex.targetPos + 1), target.tokens.slice(0, ex.targetPos + 1));
  }
  // Explicit statements of the examples.
  const byName = new Map(fixture.examples.map((e) => [e.name, e]));
  assert.equal(byName.get('A')!.counterfactual.length, 19);
  assert.equal(byName.get('B')!.counterfactual.length, 26);
  assert.equal(byName.get('E')!.counterfactual.length, 27);
  const b = byName.get('B')!;
  assert.equal(b.taskMask.reduce((a, x) => a + x, 0), 10, 'B: 9 Rs and E scored, four of them in the prefix');
});

test('Example C with objCount "random" through makeCounterfactualPairs reproduces the reference', () => {
  const C = fixture.examples.find((e) => e.name === 'C-reference')!;
  const target = concrete(C.target);
  const source = concrete(C.source);
  // find a seed whose draws give p_t = 5, p_s = 9 (eligible: 38 target positions, 12 source positions)
  let found = -1;
  for (let seed = 0; seed < 20000 && found < 0; seed++) {
    const [p] = makeCounterfactualPairs({ target: { task: MO, trials: [target] }, source: { task: MO, trials: [source] }, variable: 'count', seed, objCount: 'random', randomObjCounts: [3] });
    if (p.targetPos === 5 && p.sourcePos === 9) {
      found = seed;
      assert.deepEqual(abstract(p.counterfactual.tokens), C.counterfactual);
      assert.deepEqual(abstract(p.counterfactual.tokens), 'B D D D D D T R R R R E'.split(' '));
      assert.equal(p.intervened.obj_count, 3);
      assert.equal(p.cl, null, 'no natural state (obj_count 3, demo phase, count 4): a failure');
    }
  }
  assert.ok(found >= 0, 'a seed with p_t = 5 and p_s = 9 exists');
  // Same seed, our default: B D×5 | D×15 T R×19 E
  const [ours] = makeCounterfactualPairs({ target: { task: MO, trials: [target] }, source: { task: MO, trials: [source] }, variable: 'count', seed: found });
  assert.deepEqual(abstract(ours.counterfactual.tokens), fixture.examples.find((e) => e.name === 'C')!.counterfactual);
});

/** Independent oracle: the abstract continuation the causal model must produce from V* (unk_p = 0). */
function expectedContinuation(task: Task, v: CausalState): string[] {
  const resp = task.responseToken as string;
  if (v.phase === 1) return [...Array<string>(v.count).fill(resp), 'E'];
  const k = Math.max(v.obj_count - v.count, 0);
  const M2 = task.trigger(Math.max(v.count, v.obj_count));
  return [...Array<string>(k).fill('D'), 'T', ...Array<string>(M2).fill(resp), 'E'];
}
/** Independent closed form of a base trial's post-token state at p (tasks.md §4.2 table), unk_p = 0. */
function closedFormState(task: Task, N: number, p: number): [number, number] {
  if (p <= N) return [-1, p];
  return [1, task.trigger(N) - (p - N - 1)];
}
const abstractFor = (task: Task, toks: readonly string[]) =>
  task.base === 'same-object' ? [...toks] : toks.map((t) => (task.demoTokens.includes(t) ? 'D' : t));

test('random pairs, all 12 tasks, both modes, count/phase/full: match the independent oracle', () => {
  const ids = ['multi-object', 'multi-object-mod', 'multi-object-round', 'multi-object-square', 'single-object', 'single-object-mod',
    'single-object-round', 'single-object-square', 'same-object', 'same-object-mod', 'same-object-round', 'same-object-square'];
  for (const id of ids) {
    // -square: a response-phase count (≤ N²) swapped into the demo phase is squared again at T, so keep N small.
    const task = getTask(id, { hold_outs: [], max_count: id.endsWith('-square') ? 5 : 20 });
    const trials = sampleDataset(task, { n: 60, seed: 1 });
    for (const mode of ['indywise', 'stepwise'] as const) {
      for (const variable of ['count', 'phase', 'full']) {
        const pairs = makeCounterfactualPairs({ target: { task, trials }, source: { task, trials }, variable, mode, seed: 2, stream: `${id}/${mode}/${variable}` });
        assert.equal(pairs.length, 60);
        for (const p of pairs) {
          const tgt = trials[p.targetIndex];
          const src = trials[p.sourceIndex];
          assert.equal(p.targetIndex, pairs.indexOf(p));
          // eligible positions: not P, B, E, T
          for (const [tr, pos] of [[src, p.sourcePos], [tgt, p.targetPos]] as const) {
            if (mode === 'stepwise' && tr === tgt) continue;
            assert.ok(!['P', 'B', 'E', 'T'].includes(tr.tokens[pos]), `${id} ${mode}: ${tr.tokens[pos]} at ${pos}`);
          }
          if (mode === 'stepwise') assert.equal(p.targetPos, p.sourcePos);
          // source state: closed form
          assert.deepEqual([p.sourceState.phase, p.sourceState.count], closedFormState(task, src.count, p.sourcePos));
          // target state: closed form (stepwise: the state of the last real token at or before p, before E)
          const lastReal = Math.min(p.targetPos, tgt.tokens.length - 2);
          assert.deepEqual([p.targetState.phase, p.targetState.count], closedFormState(task, tgt.count, lastReal));
          assert.equal(p.targetState.obj_count, tgt.count);
          // V*
          const want = { ...p.targetState };
          for (const k of variable === 'full' ? ['phase', 'count', 'unk_p'] : [variable]) want[k] = p.sourceState[k];
          if (id.endsWith('-mod') && want.phase === 1) want.count %= 4;
          assert.deepEqual(p.intervened, want, `${id} ${mode} ${variable}`);
          // sequence = prefix + oracle continuation
          const cf = p.counterfactual;
          const pre = cf.tokens.slice(0, p.targetPos + 1);
          const realPrefix = tgt.tokens.slice(0, Math.min(p.targetPos + 1, tgt.tokens.length - 1));
          assert.deepEqual(pre.slice(0, realPrefix.length), realPrefix);
          assert.ok(pre.slice(realPrefix.length).every((t) => t === task.filler));
          if (mode === 'indywise') assert.equal(realPrefix.length, p.targetPos + 1);
          assert.deepEqual(abstractFor(task, cf.tokens.slice(p.targetPos + 1)), abstractFor(task, expectedContinuation(task, p.intervened)).map((t) => t));
          // task mask: target's own on the indywise prefix, 0 on the stepwise prefix; 1 exactly on response-phase emissions after
          const maskPre = Array.from(cf.taskMask.subarray(0, p.targetPos + 1));
          if (mode === 'indywise') assert.deepEqual(maskPre, Array.from(tgt.taskMask.subarray(0, p.targetPos + 1)));
          else assert.ok(maskPre.every((b) => b === 0));
          const tIdx = cf.tokens.indexOf('T', p.targetPos + 1);
          const respStart = p.intervened.phase === 1 ? p.targetPos + 1 : tIdx + 1;
          for (let q = p.targetPos + 1; q < cf.tokens.length; q++) assert.equal(cf.taskMask[q], q >= respStart ? 1 : 0);
          assert.equal(cf.count, tgt.count);
        }
      }
    }
  }
});

test('eligible positions: demo, response and U positions; never B, T, E, P', () => {
  const task = getTask('multi-object', { unk_p: 0.3 });
  const m = modelOf(task);
  const t = 'B D0 U D1 U T R R E'.split(' ');
  assert.deepEqual(eligiblePositions(m, t), [1, 2, 3, 4, 6, 7]);
  // over many pairs, the drawn positions cover every eligible position of a fixed pair of trials
  const base: Trial = { tokens: 'B D0 D1 D2 T R R R E'.split(' '), taskMask: Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1]), count: 3 };
  const trials = Array<Trial>(400).fill(base);
  const pairs = makeCounterfactualPairs({ target: { task: MO, trials }, source: { task: MO, trials }, variable: 'count', seed: 4 });
  const pt = new Map<number, number>();
  const ps = new Map<number, number>();
  for (const p of pairs) {
    pt.set(p.targetPos, (pt.get(p.targetPos) ?? 0) + 1);
    ps.set(p.sourcePos, (ps.get(p.sourcePos) ?? 0) + 1);
  }
  assert.deepEqual([...pt.keys()].sort(), [1, 2, 3, 5, 6, 7]);
  assert.deepEqual([...ps.keys()].sort(), [1, 2, 3, 5, 6, 7]);
  for (const c of [...pt.values(), ...ps.values()]) assert.ok(c > 400 / 6 - 30 && c < 400 / 6 + 30, `uniform: ${c}`);
});

test('null variable: the counterfactual is the original target sequence', () => {
  const d = makeMasData(MO, { seed: 3, nTrain: 200, nValid: 10 });
  for (const mode of ['indywise', 'stepwise'] as const) {
    const pairs = makeCounterfactualPairs({ target: { task: d.task, trials: d.train }, source: { task: d.task, trials: d.train }, variable: 'null', mode, seed: 1 });
    for (const p of pairs) {
      const t = d.train[p.targetIndex];
      assert.deepEqual(p.counterfactual.tokens, t.tokens);
      assert.deepEqual(p.keys, []);
      assert.deepEqual(p.intervened, p.targetState);
      if (mode === 'indywise') {
        assert.deepEqual(p.counterfactual.taskMask, t.taskMask);
        assert.notEqual(p.cl, null);
      } else {
        assert.ok(p.targetPos < t.tokens.length - 1);
        const m = Array.from(t.taskMask);
        m.fill(0, 0, p.targetPos + 1);
        assert.deepEqual(Array.from(p.counterfactual.taskMask), m);
      }
    }
  }
  const other = getTask('single-object');
  assert.throws(
    () => makeCounterfactualPairs({ target: { task: d.task, trials: d.train }, source: { task: other, trials: sampleDataset(other, { n: 5, seed: 1 }) }, variable: 'null', seed: 1 }),
    /within-model/,
  );
});

test('Example G: identity pair keeps N and the response; only demo tokens after p are redrawn', () => {
  const trials = sampleDataset(MO, { n: 50, seed: 8 });
  const rng = new Rng(0);
  for (const t of trials) {
    for (const p of eligiblePositions(M, t.tokens)) {
      const s = traceStates(M, t.tokens, t.count)[p];
      const cf = indywiseCounterfactual(M, t, p, s, variableKeys(M, M, 'full'), rng);
      assert.equal(cf.tokens.length, t.tokens.length);
      assert.deepEqual(abstract(cf.tokens), abstract(t.tokens));
      assert.deepEqual(cf.taskMask, t.taskMask);
      assert.deepEqual(cf.tokens.slice(0, p + 1), t.tokens.slice(0, p + 1));
    }
  }
});

test('stepwise: a target shorter than p is filled with the filler and has state (+1, 0)', () => {
  const target: Trial = { tokens: 'B D0 D1 T R R E'.split(' '), taskMask: Uint8Array.from([0, 0, 0, 0, 1, 1, 1]), count: 2 };
  const source: Trial = { tokens: ['B', ...Array<string>(10).fill('D1'), 'T', ...Array<string>(10).fill('R'), 'E'], taskMask: Uint8Array.from([...Array<number>(12).fill(0), ...Array<number>(11).fill(1)]), count: 10 };
  const sState = traceStates(M, source.tokens, 10)[15];
  assert.deepEqual([sState.phase, sState.count], [1, 6]);
  const cf = stepwiseCounterfactual(M, target, 15, sState, variableKeys(M, M, 'count'), new Rng(0));
  assert.deepEqual([cf.targetState.phase, cf.targetState.count], [1, 0]);
  assert.deepEqual(cf.tokens, ['B', 'D0', 'D1', 'T', 'R', 'R', ...Array<string>(10).fill('D2'), ...Array<string>(6).fill('R'), 'E']);
  assert.deepEqual(Array.from(cf.taskMask), [...Array<number>(16).fill(0), ...Array<number>(7).fill(1)]);
  // with objCount 'random' the reference's obj_count is used for the target state
  const r = stepwiseCounterfactual(M, target, 15, sState, variableKeys(M, M, 'full'), new Rng(0), 17);
  assert.equal(r.intervened.obj_count, 17);
});

test('length bound: the longest base-task counterfactual has 83 tokens', () => {
  const target: Trial = { tokens: ['B', ...Array<string>(20).fill('D0'), 'T', ...Array<string>(20).fill('R'), 'E'], taskMask: new Uint8Array(43).fill(1, 22), count: 20 };
  const source: Trial = { tokens: 'B D0 T R E'.split(' '), taskMask: Uint8Array.from([0, 0, 0, 1, 1]), count: 1 };
  const s = traceStates(M, source.tokens, 1)[1];
  const cf = indywiseCounterfactual(M, target, 41, s, variableKeys(M, M, 'full'), new Rng(0));
  assert.equal(cf.tokens.length, 83);
  const d = makeMasData(MO, { seed: 1, nTrain: 1000, nValid: 10 });
  const pairs = makeCounterfactualPairs({ target: { task: d.task, trials: d.train }, source: { task: d.task, trials: d.train }, variable: 'full', seed: 9 });
  assert.ok(Math.max(...pairs.map((p) => p.counterfactual.tokens.length)) <= 83);
});

test('CL lookup (tasks.md §7.6): matches are natural states equal to V*; failures have none', () => {
  const d = makeMasData(MO, { seed: 5, nTrain: 400, nValid: 10 });
  const trials = d.train;
  for (const [variable, objCount] of [['count', 'target'], ['full', 'target'], ['count', 'random']] as const) {
    const pairs = makeCounterfactualPairs({ target: { task: d.task, trials }, source: { task: d.task, trials }, variable, seed: 6, objCount });
    let fails = 0;
    for (const p of pairs) {
      const v = p.intervened;
      if (p.cl) {
        const t = trials[p.cl.seq];
        const s = traceStates(M, t.tokens, t.count)[p.cl.pos];
        assert.deepEqual([s.obj_count, s.phase, s.count], [v.obj_count, v.phase, v.count]);
        assert.ok(!['B', 'E', 'T'].includes(t.tokens[p.cl.pos]));
        assert.ok(p.cl.pos < t.tokens.length - 1);
      } else {
        fails++;
        // brute force: no natural match exists
        for (const t of trials) {
          if (t.count !== v.obj_count) continue;
          const st = traceStates(M, t.tokens, t.count);
          for (let q = 0; q + 1 < t.tokens.length; q++) {
            if (['B', 'E', 'T'].includes(t.tokens[q])) continue;
            assert.ok(!(st[q].phase === v.phase && st[q].count === v.count), 'a failure must have no match');
          }
        }
      }
    }
    if (variable === 'count' && objCount === 'target') assert.ok(fails > 0, 'demo-phase counts above N fail');
  }
  // The pick is uniform over the matches and seeded.
  const idx = new ClIndex(M, trials);
  const s = traceStates(M, trials[0].tokens, trials[0].count)[1];
  const m = idx.matches(s);
  assert.ok(m.length > 1);
  assert.deepEqual(idx.pick(s, new Rng(1)), idx.pick(s, new Rng(1)));
  // stepwise pairs carry no CL lookup
  const sw = makeCounterfactualPairs({ target: { task: d.task, trials }, source: { task: d.task, trials }, variable: 'count', mode: 'stepwise', seed: 6 });
  assert.ok(sw.every((p) => p.cl === null));
});

test('objCount "random": obj_count uniform over 1..20, unrelated to the target', () => {
  const d = makeMasData(MO, { seed: 2, nTrain: 2000, nValid: 10 });
  const pairs = makeCounterfactualPairs({ target: { task: d.task, trials: d.train }, source: { task: d.task, trials: d.train }, variable: 'count', seed: 3, objCount: 'random' });
  const hist = new Map<number, number>();
  for (const p of pairs) hist.set(p.intervened.obj_count, (hist.get(p.intervened.obj_count) ?? 0) + 1);
  assert.equal(hist.size, 20);
  for (const c of hist.values()) assert.ok(c > 60 && c < 145, `count ${c}`);
  assert.ok(pairs.some((p) => p.intervened.obj_count !== d.train[p.targetIndex].count));
});

test('determinism: same seed and stream → identical pairs; different seed or stream → different', () => {
  const d = makeMasData(MO, { seed: 1, nTrain: 300, nValid: 10 });
  const opts = { target: { task: d.task, trials: d.train }, source: { task: d.task, trials: d.train }, variable: 'count', seed: 10, stream: 'train/0->1/count' };
  const a = makeCounterfactualPairs(opts);
  assert.deepEqual(makeCounterfactualPairs(opts), a);
  const sig = (ps: typeof a) => ps.map((p) => `${p.sourceIndex}:${p.targetPos}:${p.sourcePos}`).join(',');
  assert.notEqual(sig(makeCounterfactualPairs({ ...opts, seed: 11 })), sig(a));
  assert.notEqual(sig(makeCounterfactualPairs({ ...opts, stream: 'valid/0->1/count' })), sig(a));
  assert.equal(makeCounterfactualPairs({ ...opts, n: 10 }).length, 10);
  assert.throws(() => makeCounterfactualPairs({ ...opts, n: 301 }), InputError);
  assert.throws(() => makeCounterfactualPairs({ ...opts, variable: 'obj_count' }), /unknown variable/);
  assert.throws(() => makeCounterfactualPairs({ ...opts, variable: 'cnt' }), InputError);
});

test('makeCounterfactualBatch: target vocab, intervention and post masks, CL indices', () => {
  const d = makeMasData(MO, { seed: 1, nTrain: 64, nValid: 10 });
  const vocab = Vocab.fromList(['P', 'B', 'E', 'D0', 'D1', 'D2', 'R', 'T', 'U']);
  for (const mode of ['indywise', 'stepwise'] as const) {
    const pairs = makeCounterfactualPairs({ target: { task: d.task, trials: d.train }, source: { task: d.task, trials: d.train }, variable: 'full', mode, seed: 1 });
    const b = makeCounterfactualBatch(pairs, vocab);
    assert.equal(b.batch, 64);
    assert.equal(b.steps, Math.max(...pairs.map((p) => p.counterfactual.tokens.length)) - 1);
    for (let i = 0; i < 64; i++) {
      const p = pairs[i];
      const T = b.steps;
      assert.equal(b.targetPos[i], p.targetPos);
      assert.equal(b.sourcePos[i], p.sourcePos);
      assert.equal(b.sourceIndex[i], p.sourceIndex);
      assert.equal(b.targetIndex[i], i);
      assert.deepEqual(vocab.tokens(b.tokens.subarray(i * T, i * T + p.counterfactual.tokens.length - 1)), p.counterfactual.tokens.slice(0, -1));
      for (let t = 0; t < T; t++) {
        const im = b.interventionMask[i * T + t];
        assert.equal(im, mode === 'indywise' ? (t === p.targetPos ? 1 : 0) : t <= p.targetPos ? 1 : 0);
        assert.equal(b.postMask[i * T + t], t >= p.targetPos && t < p.counterfactual.tokens.length - 1 ? 1 : 0);
        if (mode === 'stepwise' && t < p.targetPos) assert.equal(b.labelMask[i * T + t], 0);
      }
      assert.equal(b.clSeq[i], p.cl ? p.cl.seq : -1);
      assert.equal(b.clPos[i], p.cl ? p.cl.pos : -1);
    }
  }
});

test('cross-task swap: arithmetic cumu_val ← multi-object count', () => {
  const arith = getTask('arithmetic');
  const am = modelOf(arith);
  const target: Trial = { tokens: 'B 2 5 + 3 = 8 , - 4 = 4 E'.split(' '), taskMask: Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1]), count: 2 };
  const keys = variableKeys(am, M, 'cumu_val', ['count']);
  assert.deepEqual(keys, [['cumu_val', 'count']]);
  const src = traceStates(M, 'B D0 D1 D2 D0 D1 D2 D0 D1 D2 D0 D1 D2 T'.split(' '), 12)[12];
  const cf = indywiseCounterfactual(am, target, 5, src, keys, new Rng(0));
  // As in the reference, the value after `=` was fixed before the intervention; 12 enters the next operation.
  assert.equal(cf.tokens[6], '8');
  assert.equal(cf.tokens[7], ',');
  const [op, a, eq, v, end] = cf.tokens.slice(8);
  assert.equal(eq, '=');
  assert.equal(Number(v), op === '+' ? 12 + Number(a) : 12 - Number(a));
  assert.equal(end, 'E');
  assert.equal(cf.tokens.length, 13);
  assert.throws(() => variableKeys(am, M, 'cumu_val'), /pass sourceKeys/);
  // through makeCounterfactualPairs
  const at = sampleDataset(arith, { n: 30, seed: 1 });
  const mt = sampleDataset(MO, { n: 30, seed: 1 });
  const pairs = makeCounterfactualPairs({ target: { task: arith, trials: at }, source: { task: MO, trials: mt }, variable: 'cumu_val', sourceKeys: ['count'], seed: 1 });
  for (const p of pairs) {
    assert.equal(p.intervened.cumu_val, p.sourceState.count);
    assert.doesNotThrow(() => arith.vocab.ids(p.counterfactual.tokens));
    assert.equal(p.counterfactual.tokens[p.counterfactual.tokens.length - 1], 'E');
  }
});
