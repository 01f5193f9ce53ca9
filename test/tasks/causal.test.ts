import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.ts';
import {
  ARITH_NONE,
  ARITH_STAGE,
  continueFrom,
  CountUpDown,
  generate,
  getTask,
  modelOf,
  sampleTrial,
  step,
  traceStates,
} from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

const pc = (s: Record<string, number>) => [s.phase, s.count];

test('base trial: post-token states follow the table of tasks.md §4.2', () => {
  const m = modelOf(getTask('multi-object'));
  const toks = 'B D1 D0 D2 D2 T R R R R E'.split(' ');
  const N = 4;
  const states = traceStates(m, toks, N).map(pc);
  assert.deepEqual(states, [[-1, 0], [-1, 1], [-1, 2], [-1, 3], [-1, 4], [1, 4], [1, 3], [1, 2], [1, 1], [1, 0], [1, -1]]);
  for (const s of traceStates(m, toks, N)) assert.equal(s.obj_count, N);
});

test('step by step: update, intervene, emit reproduce a generated trial and its mask', () => {
  for (const id of ['multi-object', 'single-object-mod', 'same-object-round', 'multi-object-square']) {
    const task = getTask(id);
    const m = modelOf(task);
    for (const N of [0, 1, 3, 7, 12]) {
      const { tokens, mask } = generate(m, N, new Rng(N));
      // Replay with step(): emissions must follow the recorded sequence deterministically (given the same rng).
      const rng = new Rng(N);
      let s = m.initial(N);
      for (let p = 0; p < tokens.length - 1; p++) {
        const r = step(m, s, tokens[p], rng);
        s = r.state;
        assert.equal(r.emission.token, tokens[p + 1], `${id} N=${N} p=${p}`);
        assert.equal(r.emission.mask, mask[p + 1]);
      }
      assert.deepEqual(pc(m.update(s, 'E')), [1, -1]);
      assert.equal(m.emit(m.update(s, 'E'), rng).token, 'P');
    }
  }
});

test('variants: the count after T is f(N)', () => {
  const cases: [string, number, number][] = [
    ['multi-object', 7, 7],
    ['multi-object-mod', 7, 3],
    ['multi-object-mod', 8, 0],
    ['single-object-round', 4, 3],
    ['single-object-round', 5, 6],
    ['same-object-round', 20, 21],
    ['same-object-square', 3, 9],
  ];
  for (const [id, N, fN] of cases) {
    const m = modelOf(getTask(id));
    const demo = getTask(id).demoTokens[0];
    const toks = ['B', ...Array<string>(N).fill(demo), 'T'];
    assert.deepEqual(pc(traceStates(m, toks, N)[N + 1]), [1, fN], `${id} N=${N}`);
  }
  // mod with N mod 4 = 0: E right after T.
  const t = sampleTrial(getTask('same-object-mod'), 8, new Rng(1));
  assert.deepEqual(t.tokens, ['B', ...Array<string>(8).fill('D'), 'T', 'E']);
});

test('same-object: D counts up in the demo phase and down in the response phase', () => {
  const m = modelOf(getTask('same-object'));
  assert.deepEqual(traceStates(m, 'B D D T D D E'.split(' '), 2).map(pc), [[-1, 0], [-1, 1], [-1, 2], [1, 2], [1, 1], [1, 0], [1, -1]]);
});

test('update: B and U change nothing, E and P end, response token ignored in demo phase', () => {
  const m = modelOf(getTask('multi-object', { unk_p: 0.2 }));
  const s = m.initial(5);
  assert.equal(m.update(s, 'B'), s);
  const s2 = m.update(m.update(s, 'D0'), 'U');
  assert.deepEqual(pc(s2), [-1, 1]);
  assert.deepEqual(pc(m.update(s2, 'R')), [-1, 1]);
  assert.deepEqual(pc(m.update(s2, 'P')), [1, -1]);
  const r = m.update(m.update(s2, 'T'), 'D1'); // demo token in the response phase: no change
  assert.deepEqual(pc(r), [1, 1]);
});

test('emit rules and masks', () => {
  const m = modelOf(getTask('single-object'));
  const rng = new Rng(0);
  const st = (phase: number, count: number, obj = 5) => Object.freeze({ obj_count: obj, phase, count, unk_p: 0 });
  assert.deepEqual(m.emit(st(-1, 5), rng), { token: 'T', mask: 0 });
  assert.deepEqual(m.emit(st(-1, 7), rng), { token: 'T', mask: 0 });
  assert.deepEqual(m.emit(st(-1, 2), rng), { token: 'D', mask: 0 });
  assert.deepEqual(m.emit(st(1, 3), rng), { token: 'R', mask: 1 });
  assert.deepEqual(m.emit(st(1, 0), rng), { token: 'E', mask: 1 });
  assert.deepEqual(m.emit(st(1, -1), rng), { token: 'P', mask: 0 });
  // U is drawn first: it can appear even when count ≥ obj_count, at rate unk_p.
  const u = modelOf(getTask('single-object', { unk_p: 0.3 }));
  let nU = 0;
  const full = Object.freeze({ obj_count: 2, phase: -1, count: 2, unk_p: 0.3 });
  for (let i = 0; i < 4000; i++) nU += u.emit(full, rng).token === 'U' ? 1 : 0;
  assert.ok(Math.abs(nU / 4000 - 0.3) < 0.03, `U rate ${nU / 4000}`);
  // never in the response phase
  for (let i = 0; i < 200; i++) assert.notEqual(u.emit(Object.freeze({ ...full, phase: 1 }), rng).token, 'U');
});

test('intervene: obj_count is never set; -mod reduces the count mod 4 in the response phase only', () => {
  const mod = modelOf(getTask('multi-object-mod'));
  const s = Object.freeze({ obj_count: 6, phase: 1, count: 2, unk_p: 0 });
  assert.deepEqual(mod.intervene(s, { count: 7, obj_count: 19 }), { obj_count: 6, phase: 1, count: 3, unk_p: 0 });
  assert.deepEqual(mod.intervene(Object.freeze({ ...s, phase: -1 }), { count: 7 }), { obj_count: 6, phase: -1, count: 7, unk_p: 0 });
  // phase swap into the response phase also triggers the rule: (−1, 6) → (+1, 6 mod 4 = 2)
  assert.deepEqual(pc(mod.intervene(Object.freeze({ obj_count: 9, phase: -1, count: 6, unk_p: 0 }), { phase: 1 })), [1, 2]);
  const cont = continueFrom(mod, mod.intervene(Object.freeze({ obj_count: 9, phase: -1, count: 6, unk_p: 0 }), { phase: 1 }), new Rng(0));
  assert.deepEqual(cont.tokens, ['R', 'R', 'E']);
  assert.deepEqual(cont.mask, [1, 1, 1]);
  // No post rule for the other variants.
  for (const id of ['multi-object', 'multi-object-round', 'multi-object-square']) {
    assert.equal(modelOf(getTask(id)).intervene(s, { count: 7 }).count, 7, id);
  }
  // step() with a queued intervention: update first, then intervene, then emit.
  const r = step(mod, Object.freeze({ obj_count: 5, phase: 1, count: 3, unk_p: 0 }), 'R', new Rng(0), { count: 9 });
  assert.deepEqual(pc(r.state), [1, 1]);
  assert.equal(r.emission.token, 'R');
  assert.throws(() => mod.intervene(s, { cnt: 1 }), InputError);
});

test('generate: base-task format for every N and several seeds', () => {
  const m = new CountUpDown(getTask('multi-object'));
  for (let N = 0; N <= 20; N++) {
    const { tokens } = generate(m, N, new Rng(100 + N));
    assert.equal(tokens.length, 2 * N + 3);
    assert.equal(tokens[N + 1], 'T');
    assert.ok(tokens.slice(1, N + 1).every((t) => t === 'D0' || t === 'D1' || t === 'D2'));
  }
  assert.throws(() => new CountUpDown(getTask('arithmetic')), InputError);
});

test('arithmetic: step-by-step states of a hand-written trial', () => {
  const m = modelOf(getTask('arithmetic'));
  const toks = 'B 2 5 + 3 = 8 , - 4 = 4 E'.split(' ');
  const st = traceStates(m, toks, 2);
  const S = ARITH_STAGE;
  const view = st.map((s) => [s.stage, s.remops, s.cumu_val, s.op, s.operand]);
  // Hand-traced from the reference's update_varbs: B sets remops = r; r leaves the value None (c₀ is
  // drawn next); c₀ sets it; a number after an op is the operand, after the operand the value (which
  // resets op and operand); `,` decrements remops; E ends (remops −1).
  const N = ARITH_NONE;
  assert.deepEqual(view, [
    [S.ops, 2, N, 0, N],
    [S.start, 2, N, 0, N],
    [S.op, 2, 5, 0, N],
    [S.operand, 2, 5, 1, N],
    [S.eq, 2, 5, 1, 3],
    [S.value, 2, 8, 1, 3],
    [S.sep, 2, 8, 0, N],
    [S.op, 1, 8, 0, N],
    [S.operand, 1, 8, -1, N],
    [S.eq, 1, 8, -1, 4],
    [S.value, 1, 4, -1, 4],
    [S.sep, 1, 4, 0, N],
    [S.ended, -1, 4, 0, N],
  ]);
  // next_arg: what the next token was fixed from (r, the op's value, the largest operand, v).
  assert.deepEqual([st[0].next_arg, st[2].next_arg, st[3].next_arg, st[5].next_arg, st[8].next_arg], [2, 5, 15, 8, 8]);
  const rng = new Rng(0);
  assert.deepEqual(m.emit(st[4], rng), { token: '=', mask: 1 });
  assert.deepEqual(m.emit(st[5], rng), { token: '8', mask: 1 });
  assert.deepEqual(m.emit(st[6], rng), { token: ',', mask: 1 });
  assert.deepEqual(m.emit(st[11], rng), { token: 'E', mask: 1 });
  assert.deepEqual(m.emit(st[0], rng), { token: '2', mask: 0 });
  // op boundary rule, on the value the op was fixed from
  assert.equal(m.emit(Object.freeze({ ...st[2], next_arg: 20 }), rng).token, '-');
  assert.equal(m.emit(Object.freeze({ ...st[2], next_arg: 0 }), rng).token, '+');
});

test('arithmetic: sampled trials satisfy the format and the sampling rules', () => {
  const task = getTask('arithmetic');
  const rng = new Rng(7);
  const opsSeen = { '+': 0, '-': 0 };
  for (let i = 0; i < 300; i++) {
    const r = 1 + (i % 20);
    const t = sampleTrial(task, r, rng);
    const k = t.tokens;
    assert.equal(k.length, 3 + 5 * r);
    assert.equal(k[0], 'B');
    assert.equal(k[1], String(r));
    let v = Number(k[2]);
    assert.ok(v >= 0 && v <= 20);
    for (let j = 0; j < r; j++) {
      const [op, a, eq, val, sep] = k.slice(3 + 5 * j, 8 + 5 * j);
      assert.ok(op === '+' || op === '-');
      if (v === 20) assert.equal(op, '-');
      if (v === 0) assert.equal(op, '+');
      opsSeen[op as '+' | '-']++;
      const av = Number(a);
      assert.ok(op === '+' ? av <= 20 - v : av <= v, `operand ${a} from ${v}`);
      v = op === '+' ? v + av : v - av;
      assert.equal(eq, '=');
      assert.equal(Number(val), v);
      assert.equal(sep, j === r - 1 ? 'E' : ',');
      assert.deepEqual(Array.from(t.taskMask.subarray(3 + 5 * j, 8 + 5 * j)), [0, 0, 1, 1, 1]);
    }
    assert.deepEqual(Array.from(t.taskMask.subarray(0, 3)), [0, 0, 0]);
    assert.doesNotThrow(() => task.vocab.ids(k));
  }
  assert.ok(opsSeen['+'] > 500 && opsSeen['-'] > 500);
});
