/**
 * Fused GRU/LSTM kernel vs an independent unfused float64 reference, free-running and padding
 * semantics, LSTM hook split, and finite-difference gradient checks (float64) of every input.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { dropoutKeepMask, runRnn, type RnnIntervention, type RnnRunOptions } from '../../src/tensor/kernels/rnn.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertRunGradients, flat2, randomParams, refRun, type RefOptions } from './rnn-reference.ts';

const V = 8;
const E = 5;
const H = 4;
const D = 6;
const B = 3;
const T = 7;

/** Given tokens, padding and free-running masks for the small test batch. */
function batch(seed: number): { tokens: number[][]; pad: number[][]; freeRun: number[][] } {
  const rng = new Rng(seed);
  const tokens = Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(V)));
  // Rows of different lengths out of order (the kernel reorders them internally), and one pad in
  // the middle of a row.
  const pad = [
    [0, 0, 0, 1, 1, 1, 1],
    [0, 0, 0, 1, 0, 0, 0],
    [0, 0, 0, 0, 0, 1, 1],
  ];
  const freeRun = [
    [0, 0, 1, 0, 0, 0, 0],
    [0, 0, 1, 0, 0, 1, 1],
    [0, 0, 0, 1, 1, 0, 0],
  ];
  return { tokens, pad, freeRun };
}

function maskGrid(cells: [number, number][]): number[][] {
  const g = Array.from({ length: B }, () => new Array<number>(T).fill(0));
  for (const [b, t] of cells) g[b][t] = 1;
  return g;
}

function makeIntervention(point: 'embedding' | 'state', d: number, cells: [number, number][], seed: number): { iv: RnnIntervention; ref: RefOptions['intervention'] } {
  const rng = new Rng(seed);
  const mask = maskGrid(cells);
  const A = Tensor.uniform([d, d], rng, -0.6, 0.6, 'float64');
  const c = Tensor.uniform([cells.length, d], rng, -0.5, 0.5, 'float64');
  return {
    iv: { point, mask: flat2(mask, Uint8Array), A, c },
    ref: { point, mask, A: A.toArray() as number[][], c: c.toArray() as number[][] },
  };
}

function optsFor(cell: 'gru' | 'lstm', seed: number, extra: Partial<RnnRunOptions> = {}): { opts: RnnRunOptions; ref: RefOptions } {
  const { tokens, pad, freeRun } = batch(seed);
  return {
    opts: {
      cell,
      tokens: flat2(tokens, Int32Array),
      batch: B,
      steps: T,
      pad: flat2(pad, Uint8Array),
      freeRun: flat2(freeRun, Uint8Array),
      recordStates: true,
      recordInputs: true,
      ...extra,
    },
    ref: { cell, tokens, pad, freeRun },
  };
}

function assertClose(actual: ArrayLike<number>, expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    assert.ok(d <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const flatDeep = (a: number[][][]): number[] => a.flat(2);

describe('rnn kernel vs unfused reference (float64)', () => {
  for (const cell of ['gru', 'lstm'] as const) {
    const S = cell === 'gru' ? H : 2 * H;
    const variants: [string, (() => { iv: RnnIntervention; ref: RefOptions['intervention'] }) | null][] = [
      ['no intervention', null],
      ['state intervention', () => makeIntervention('state', S, [[0, 1], [0, 2], [1, 2], [1, 5], [2, 0], [2, 4]], 5)],
      ['embedding intervention', () => makeIntervention('embedding', E, [[0, 0], [1, 4], [1, 1], [1, 6], [2, 3], [2, 1]], 6)],
    ];
    for (const [name, mk] of variants) {
      it(`${cell}: ${name}, padding and free-running`, () => {
        const { params, ref } = randomParams(11, cell, V, E, H, D);
        const ivs = mk?.();
        const { opts, ref: ro } = optsFor(cell, 3, ivs ? { intervention: ivs.iv } : {});
        if (ivs) ro.intervention = ivs.ref;
        const out = runRnn(params, opts);
        const exp = refRun(ref, ro);
        assertClose(out.logits.data, flatDeep(exp.logits), 1e-12, 'logits');
        assert.deepEqual(Array.from(out.predictions), exp.preds.flat());
        assertClose(out.states!.data, flatDeep(exp.states), 1e-12, 'states');
        assertClose(out.inputs!.data, flatDeep(exp.inputs), 1e-12, 'inputs');
        assert.ok(exp.preds.flat().some((p, i) => p >= 0 && p !== ro.tokens.flat()[i]), 'free-running feeds predictions that differ from the given tokens');
      });
    }
    it(`${cell}: dropout mask drawn by dropoutKeepMask`, () => {
      const { params, ref } = randomParams(12, cell, V, E, H, D);
      const { opts, ref: ro } = optsFor(cell, 4, { dropout: { p: 0.5, rng: new Rng(99) } });
      ro.dropout = { p: 0.5, keep: dropoutKeepMask(new Rng(99), B * T * D, 0.5) };
      const out = runRnn(params, opts);
      const exp = refRun(ref, ro);
      assertClose(out.logits.data, flatDeep(exp.logits), 1e-12, 'logits');
      const eval_ = runRnn(params, optsFor(cell, 4).opts);
      assert.ok(out.logits.data.some((v, i) => Math.abs(v - eval_.logits.data[i]) > 1e-6), 'dropout changes the logits');
    });
  }

  it('dropoutKeepMask keeps about 1−p, for bit-sliced and 32-bit draws', () => {
    for (const p of [0.5, 0.25, 0.3]) {
      const m = dropoutKeepMask(new Rng(1), 200000, p);
      const frac = m.reduce((s, v) => s + v, 0) / m.length;
      assert.ok(Math.abs(frac - (1 - p)) < 0.005, `p=${p}: kept ${frac}`);
    }
    assert.throws(() => dropoutKeepMask(new Rng(1), 4, 1), /p must be in/);
  });
});

describe('rnn free-running and padding semantics', () => {
  it('a prediction forced to E at T is fed as E at the next position (GRU and LSTM)', () => {
    for (const cell of ['gru', 'lstm'] as const) {
      const { params } = randomParams(21, cell, V, E, H, D);
      const Eid = 2;
      params.dec2B.data[Eid] = 1000; // every prediction is E
      const tokens = new Int32Array([1, 3, 3, 7, 6, 6, 2]); // B D0 D0 T R R E
      const freeRun = new Uint8Array([0, 0, 0, 0, 1, 1, 1]);
      const out = runRnn(params, { cell, tokens, batch: 1, steps: 7, freeRun, recordInputs: true });
      assert.equal(out.predictions[3], Eid);
      for (let t = 4; t < 7; t++) {
        for (let k = 0; k < E; k++) assert.equal(out.inputs!.data[t * E + k], params.embedding.data[Eid * E + k], `t=${t} fed E`);
      }
      // Teacher-forced positions are fed the given token.
      for (let k = 0; k < E; k++) assert.equal(out.inputs!.data[3 * E + k], params.embedding.data[7 * E + k]);
    }
  });

  it('padding carries the state, yields zero logits and prediction −1, and leaves other rows alone', () => {
    for (const cell of ['gru', 'lstm'] as const) {
      const { params } = randomParams(22, cell, V, E, H, D);
      const S = cell === 'gru' ? H : 2 * H;
      const tokens = new Int32Array([1, 3, 4, 7, 6, 2, 0, 0, 1, 3, 7, 6, 2, 0, 0, 0]);
      const pad = new Uint8Array([0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]);
      const out = runRnn(params, { cell, tokens, batch: 2, steps: 8, pad, recordStates: true });
      const st = out.states!.data;
      for (let b = 0; b < 2; b++) {
        for (let t = 1; t < 8; t++) {
          if (!pad[b * 8 + t]) continue;
          for (let k = 0; k < S; k++) assert.equal(st[(b * 8 + t) * S + k], st[(b * 8 + t - 1) * S + k]);
          assert.equal(out.predictions[b * 8 + t], -1);
          for (let k = 0; k < V; k++) assert.equal(out.logits.data[(b * 8 + t) * V + k], 0);
        }
      }
      // The same first row alone, without padding, gives the same states at its non-pad positions.
      const solo = runRnn(params, { cell, tokens: tokens.slice(0, 5), batch: 1, steps: 5, recordStates: true });
      assertClose(solo.states!.data, Array.from(st.subarray(0, 5 * S)), 0, 'states');
    }
  });
  it('edge shapes: a fully padded row, and a single step', () => {
    for (const cell of ['gru', 'lstm'] as const) {
      const { params, ref } = randomParams(23, cell, V, E, H, D);
      const tokens = [[1, 3, 7], [0, 0, 0]];
      const pad = [[0, 0, 0], [1, 1, 1]];
      const out = runRnn(params, { cell, tokens: flat2(tokens, Int32Array), batch: 2, steps: 3, pad: flat2(pad, Uint8Array), recordStates: true });
      const exp = refRun(ref, { cell, tokens, pad });
      assertClose(out.logits.data, flatDeep(exp.logits), 1e-12, 'logits');
      assert.deepEqual(Array.from(out.predictions.subarray(3)), [-1, -1, -1]);
      params.weightHh.requiresGrad = true;
      params.biasHh.requiresGrad = true;
      const one = runRnn(params, { cell, tokens: new Int32Array([1, 4]), batch: 2, steps: 1 });
      assertClose(one.logits.data, flatDeep(refRun(ref, { cell, tokens: [[1], [4]] }).logits), 1e-12, 'T=1 logits');
      one.logits.backward(Tensor.full([2, V], 1, 'float64'));
      assert.ok(params.weightHh.grad!.data.every((v) => v === 0), 'h₋₁ = 0: no W_hh gradient at T = 1');
      assert.ok(params.biasHh.grad!.data.some((v) => v !== 0), 'b_hh still gets a gradient');
    }
  });
});

describe('LSTM hook split', () => {
  const cell = 'lstm';
  const S = 2 * H;
  it('replacing [h; c] with itself (A = I, c = 0) is a no-op', () => {
    const { params } = randomParams(31, cell, V, E, H, D);
    const { opts } = optsFor(cell, 5);
    const base = runRnn(params, opts);
    const mask = flat2(maskGrid([[0, 2], [1, 1], [1, 4]]), Uint8Array);
    const I = Tensor.zeros([S, S], 'float64');
    for (let i = 0; i < S; i++) I.data[i * S + i] = 1;
    const same = runRnn(params, { ...opts, intervention: { point: 'state', mask, A: I, c: Tensor.zeros([3, S], 'float64') } });
    assertClose(same.logits.data, Array.from(base.logits.data), 1e-15, 'logits');
    assertClose(same.states!.data, Array.from(base.states!.data), 1e-15, 'states');
    const cells = [[0, 2], [1, 1], [1, 4]];
    const expectPre = cells.flatMap(([b, t]) => Array.from(base.states!.data.subarray((b * T + t) * S, (b * T + t + 1) * S)));
    assertClose(same.preIntervention!.data, expectPre, 1e-15, 'preIntervention');
  });
  it('replacing only the c half changes the next step but not the current logits', () => {
    const { params } = randomParams(32, cell, V, E, H, D);
    const { opts } = optsFor(cell, 5, { freeRun: undefined });
    const base = runRnn(params, opts);
    const t0 = 2;
    const b0 = 2;
    const mask = flat2(maskGrid([[b0, t0]]), Uint8Array);
    const c = Tensor.zeros([1, S], 'float64');
    for (let k = H; k < S; k++) c.data[k] = 0.7;
    const out = runRnn(params, { ...opts, intervention: { point: 'state', mask, A: null, c } });
    const row = (x: Tensor, t: number): number[] => Array.from(x.data.subarray((b0 * T + t) * V, (b0 * T + t + 1) * V));
    assertClose(row(out.logits, t0), row(base.logits, t0), 0, 'logits at t0');
    const diff = row(out.logits, t0 + 1).map((v, k) => Math.abs(v - row(base.logits, t0 + 1)[k]));
    assert.ok(Math.max(...diff) > 1e-6, 'logits at t0+1 change');
  });
});

// ---------- finite differences ----------

type Case = { name: string; cell: 'gru' | 'lstm'; iv?: 'state' | 'embedding'; dropout?: boolean; frozen?: boolean };

function fdCheck(c: Case): void {
  const S = c.cell === 'gru' ? H : 2 * H;
  const { params } = randomParams(41, c.cell, V, E, H, D);
  const ivs = c.iv ? makeIntervention(c.iv, c.iv === 'state' ? S : E, [[0, 1], [1, 4], [1, 2], [2, 0], [2, 3]], 8) : null;
  const { opts } = optsFor(c.cell, 6, ivs ? { intervention: ivs.iv } : {});
  const tensors: [string, Tensor][] = Object.entries(params) as [string, Tensor][];
  if (ivs) tensors.push(['A', ivs.iv.A!], ['c', ivs.iv.c!]);
  for (const [name, t] of tensors) {
    t.requiresGrad = !(c.frozen && !(name === 'A' || name === 'c'));
    t.grad = null;
  }
  const W = Tensor.randn([B * T, V], new Rng(77), 1, 'float64');
  const run = (): Tensor => runRnn(params, { ...opts, recordStates: false, recordInputs: false, dropout: c.dropout ? { p: 0.5, rng: new Rng(5) } : undefined }).logits;
  assertRunGradients(tensors.filter(([, t]) => t.requiresGrad), run, W, new Rng(3), 40, c.name);
  for (const [name, t] of tensors) if (!t.requiresGrad) assert.equal(t.grad, null, `${name}: frozen, no gradient`);
}

describe('rnn finite-difference gradients (float64, padding + free-running)', () => {
  const cases: Case[] = [
    { name: 'gru', cell: 'gru' },
    { name: 'lstm', cell: 'lstm' },
    { name: 'gru state iv', cell: 'gru', iv: 'state' },
    { name: 'lstm state iv', cell: 'lstm', iv: 'state' },
    { name: 'gru embedding iv', cell: 'gru', iv: 'embedding' },
    { name: 'lstm embedding iv', cell: 'lstm', iv: 'embedding' },
    { name: 'gru dropout', cell: 'gru', dropout: true },
    { name: 'lstm dropout + state iv', cell: 'lstm', dropout: true, iv: 'state' },
    { name: 'gru frozen, state iv', cell: 'gru', iv: 'state', frozen: true },
    { name: 'lstm frozen, embedding iv', cell: 'lstm', iv: 'embedding', frozen: true },
  ];
  for (const c of cases) it(c.name, () => fdCheck(c));
});

describe('rnn input checks', () => {
  it('rejects bad shapes, tokens and masks with typed errors', () => {
    const { params } = randomParams(51, 'gru', V, E, H, D);
    const { opts } = optsFor('gru', 7);
    assert.throws(() => runRnn(params, { ...opts, tokens: new Int32Array(5) }), { name: 'ShapeError', message: /tokens has 5 entries/ });
    const bad = opts.tokens.slice();
    bad[2] = V;
    assert.throws(() => runRnn(params, { ...opts, tokens: bad }), { name: 'InputError', message: /outside the vocabulary/ });
    assert.throws(() => runRnn({ ...params, weightHh: Tensor.zeros([3 * H, H + 1], 'float64') }, opts), { name: 'ShapeError' });
    assert.throws(() => runRnn({ ...params, dec1B: Tensor.zeros([D], 'float32') }, opts), { name: 'DTypeError' });
    const mask = flat2(maskGrid([[2, 5]]), Uint8Array); // a pad position
    assert.throws(() => runRnn(params, { ...opts, intervention: { point: 'state', mask, A: null, c: null } }), { name: 'InputError', message: /pad position/ });
    const mask2 = flat2(maskGrid([[0, 1]]), Uint8Array);
    assert.throws(() => runRnn(params, { ...opts, intervention: { point: 'state', mask: mask2, A: null, c: Tensor.zeros([2, H], 'float64') } }), { name: 'ShapeError', message: /count\(mask\)=1/ });
  });

  it('MAS_CHECK_FINITE=1 reports NaN weights with the op name', () => {
    const child = fileURLToPath(new URL('./rnn-finite-child.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', child], { env: { ...process.env, MAS_CHECK_FINITE: '1' }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /NonFiniteError rnn\.gru: parameter weightHh/);
    assert.match(r.stdout, /NonFiniteError rnn\.lstm\.backward: gradient of/);
  });
});

