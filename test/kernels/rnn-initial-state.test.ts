/**
 * The fused RNN kernel's `initialState` option ('before' = h₋₁, 'at' = the state at t = 0): values
 * against the unfused float64 reference, finite-difference gradients of the initial state (and of
 * the intervention and weights alongside it), the suffix identity (a run resumed from a recorded
 * state equals the tail of the full run), and typed errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runRnn, type RnnRunOptions } from '../../src/tensor/kernels/rnn.ts';
import { Tensor, noGrad } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { acquire, release } from '../../src/tensor/kernels/rnn-pool.ts';
import { assertRunGradients, flat2, randomParams, refRun, type RefOptions } from './rnn-reference.ts';

/** Fill the kernel's scratch pool with NaN-filled buffers of every size class up to 1 MB, so that a read of unwritten scratch shows. */
function poisonPool(): void {
  for (let bytes = 64; bytes <= 1 << 20; bytes = Math.ceil(bytes * 1.1)) {
    const bufs = Array.from({ length: 4 }, () => acquire('float64', Math.ceil(bytes / 8)));
    for (const b of bufs) new Float64Array(b.buffer).fill(NaN);
    release(...bufs);
  }
}

const V = 8;
const E = 5;
const H = 4;
const D = 6;
const B = 3;
const T = 6;

const pad = [
  [0, 0, 0, 0, 1, 1],
  [0, 0, 0, 0, 0, 0],
  [0, 0, 1, 1, 1, 1],
];
const freeRun = [
  [0, 1, 1, 0, 0, 0],
  [0, 0, 1, 1, 0, 1],
  [0, 1, 0, 0, 0, 0],
];

function tokens(seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(V)));
}

function close(actual: ArrayLike<number>, expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

interface Setup {
  opts: RnnRunOptions;
  ref: RefOptions;
  init: Tensor;
}

function setup(cell: 'gru' | 'lstm', at: 'before' | 'at', withIv: boolean, seed: number): Setup {
  const S = cell === 'gru' ? H : 2 * H;
  const rng = new Rng(seed);
  const init = Tensor.uniform([B, S], rng, -0.9, 0.9, 'float64');
  const tk = tokens(seed + 1);
  // A state intervention at t = 0 (replacing the given state in 'at' mode) and later.
  const cells: [number, number][] = [[0, 0], [1, 3], [2, 1]];
  const mask = Array.from({ length: B }, () => new Array<number>(T).fill(0));
  for (const [b, t] of cells) mask[b][t] = 1;
  const A = Tensor.uniform([S, S], rng, -0.5, 0.5, 'float64');
  const c = Tensor.uniform([cells.length, S], rng, -0.5, 0.5, 'float64');
  const opts: RnnRunOptions = {
    cell,
    tokens: flat2(tk, Int32Array),
    batch: B,
    steps: T,
    pad: flat2(pad, Uint8Array),
    freeRun: flat2(freeRun, Uint8Array),
    initialState: init,
    initialStateAt: at,
    recordStates: true,
    ...(withIv ? { intervention: { point: 'state' as const, mask: flat2(mask, Uint8Array), A, c } } : {}),
  };
  const ref: RefOptions = {
    cell,
    tokens: tk,
    pad,
    freeRun,
    init: { state: init.toArray() as number[][], at },
    ...(withIv ? { intervention: { point: 'state' as const, mask, A: A.toArray() as number[][], c: c.toArray() as number[][] } } : {}),
  };
  return { opts, ref, init };
}

describe('rnn initialState vs unfused reference (float64)', () => {
  for (const cell of ['gru', 'lstm'] as const) {
    for (const at of ['before', 'at'] as const) {
      for (const withIv of [false, true]) {
        it(`${cell}, ${at}${withIv ? ', state intervention' : ''}`, () => {
          const { params, ref } = randomParams(61, cell, V, E, H, D);
          const s = setup(cell, at, withIv, 7);
          const out = runRnn(params, s.opts);
          const exp = refRun(ref, s.ref);
          close(out.logits.data, exp.logits.flat(2), 1e-12, 'logits');
          assert.deepEqual(Array.from(out.predictions), exp.preds.flat());
          close(out.states!.data, exp.states.flat(2), 1e-12, 'states');
          if (at === 'at' && !withIv) {
            // The state at t = 0 is the given one.
            const S = cell === 'gru' ? H : 2 * H;
            for (let b = 0; b < B; b++) close(out.states!.data.subarray(b * T * S, b * T * S + S), Array.from(s.init.data.subarray(b * S, (b + 1) * S)), 0, 'state at t=0');
          }
        });
      }
    }
  }
});

describe('rnn initialState finite-difference gradients (float64)', () => {
  for (const cell of ['gru', 'lstm'] as const) {
    for (const at of ['before', 'at'] as const) {
      for (const frozen of [true, false]) {
        it(`${cell}, ${at}, ${frozen ? 'frozen weights' : 'all weights'}`, () => {
          const { params } = randomParams(62, cell, V, E, H, D);
          const s = setup(cell, at, true, 9);
          const iv = s.opts.intervention!;
          const tensors: [string, Tensor][] = [['init', s.init], ['A', iv.A!], ['c', iv.c!]];
          if (!frozen) tensors.push(...(Object.entries(params) as [string, Tensor][]));
          for (const t of Object.values(params)) t.requiresGrad = !frozen;
          for (const [, t] of tensors) {
            t.requiresGrad = true;
            t.grad = null;
          }
          const W = Tensor.randn([B * T, V], new Rng(78), 1, 'float64');
          const run = (): Tensor => runRnn(params, { ...s.opts, recordStates: false }).logits;
          assertRunGradients(tensors, run, W, new Rng(4), 30, `${cell}, ${at}`);
          // The 'at' state of a row whose t = 0 is intervened with A = [·] still gets a gradient through A.
          assert.ok(s.init.grad!.data.some((g) => g !== 0), 'initial state gradient is not all zero');
        });
      }
    }
  }
});

describe('rnn initialState resumes a run', () => {
  for (const cell of ['gru', 'lstm'] as const) {
    it(`${cell}: the tail of a full run equals a run from its recorded state ('at' and 'before')`, () => {
      const { params } = randomParams(63, cell, V, E, H, D);
      const S = cell === 'gru' ? H : 2 * H;
      const T2 = 9;
      const rng = new Rng(5);
      const tk = Array.from({ length: 2 }, () => Array.from({ length: T2 }, () => rng.int(V)));
      const fr = [
        [0, 0, 0, 1, 1, 1, 1, 0, 0],
        [0, 1, 0, 0, 1, 1, 0, 1, 1],
      ];
      const full = runRnn(params, { cell, tokens: flat2(tk, Int32Array), batch: 2, steps: T2, freeRun: flat2(fr, Uint8Array), recordStates: true });
      const t0 = 4;
      const T3 = T2 - t0;
      const state = (t: number): Tensor => {
        const d = new Float64Array(2 * S);
        for (let b = 0; b < 2; b++) d.set(full.states!.data.subarray((b * T2 + t) * S, (b * T2 + t + 1) * S), b * S);
        return new Tensor(d, [2, S]);
      };
      const sub = (g: number[][]): number[][] => g.map((r) => r.slice(t0));
      const tail = (x: ArrayLike<number>, w: number): number[] => [0, 1].flatMap((b) => Array.from(x).slice((b * T2 + t0) * w, (b + 1) * T2 * w));
      // 'at': the state at t0 itself; position t0's token is not consumed.
      const at = runRnn(params, { cell, tokens: flat2(sub(tk), Int32Array), batch: 2, steps: T3, freeRun: flat2(sub(fr), Uint8Array), initialState: state(t0), initialStateAt: 'at' });
      close(at.logits.data, tail(full.logits.data, V), 1e-13, "'at' logits");
      assert.deepEqual(Array.from(at.predictions), tail(full.predictions, 1));
      // 'before': the state at t0 − 1; position t0's token is consumed. Where t0 is free-running its
      // given token is replaced by the full run's prediction at t0 − 1.
      const tk2 = sub(tk);
      for (let b = 0; b < 2; b++) if (fr[b][t0]) tk2[b][0] = full.predictions[b * T2 + t0 - 1];
      const before = runRnn(params, { cell, tokens: flat2(tk2, Int32Array), batch: 2, steps: T3, freeRun: flat2(sub(fr), Uint8Array), initialState: state(t0 - 1) });
      close(before.logits.data, tail(full.logits.data, V), 1e-13, "'before' logits");
    });
  }
});

describe('rnn initialState input checks', () => {
  it('rejects a wrong shape or dtype, a stray initialStateAt and an embedding intervention at t = 0 in "at" mode', () => {
    const { params } = randomParams(64, 'gru', V, E, H, D);
    const base: RnnRunOptions = { cell: 'gru', tokens: flat2(tokens(1), Int32Array), batch: B, steps: T };
    assert.throws(() => runRnn(params, { ...base, initialState: Tensor.zeros([B, H + 1], 'float64') }), { name: 'ShapeError', message: /initialState must be float64 \[batch, S\] = \[3, 4\]/ });
    assert.throws(() => runRnn(params, { ...base, initialState: Tensor.zeros([B, H], 'float32') }), { name: 'ShapeError' });
    assert.throws(() => runRnn(params, { ...base, initialStateAt: 'at' }), { name: 'InputError', message: /initialState is missing/ });
    const mask = new Uint8Array(B * T);
    mask[T] = 1; // row 1, t = 0
    assert.throws(
      () => runRnn(params, { ...base, initialState: Tensor.zeros([B, H], 'float64'), initialStateAt: 'at', intervention: { point: 'embedding', mask, A: null, c: null } }),
      { name: 'InputError', message: /embedding intervention at \(b=1, t=0\)/ },
    );
  });
});

describe('rnn frozen-weight fast path (ended rows skipped)', () => {
  for (const cell of ['gru', 'lstm'] as const) {
    it(`${cell}: a row that ends before a shorter row with inner padding: values and gradients of init, A, c`, () => {
      const { params, ref } = randomParams(65, cell, V, E, H, D);
      const S = cell === 'gru' ? H : 2 * H;
      const T2 = 7;
      // Row 0 is the longest (4 non-pad positions) but ends at t = 3; row 1 (3 positions) runs on to t = 5.
      const pad2 = [
        [0, 0, 0, 0, 1, 1, 1],
        [0, 1, 1, 1, 0, 0, 1],
        [0, 0, 1, 1, 1, 1, 1],
      ];
      const fr2 = [
        [0, 1, 0, 1, 0, 0, 0],
        [0, 0, 0, 0, 0, 1, 0],
        [0, 1, 0, 0, 0, 0, 0],
      ];
      const rng = new Rng(66);
      const tk = Array.from({ length: B }, () => Array.from({ length: T2 }, () => rng.int(V)));
      const init = Tensor.uniform([B, S], rng, -0.9, 0.9, 'float64');
      const mask = [
        [0, 1, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 1, 0, 0],
        [1, 0, 0, 0, 0, 0, 0],
      ];
      const A = Tensor.uniform([S, S], rng, -0.5, 0.5, 'float64');
      const c = Tensor.uniform([3, S], rng, -0.5, 0.5, 'float64');
      const opts: RnnRunOptions = {
        cell, tokens: flat2(tk, Int32Array), batch: B, steps: T2, pad: flat2(pad2, Uint8Array), freeRun: flat2(fr2, Uint8Array),
        initialState: init, intervention: { point: 'state', mask: flat2(mask, Uint8Array), A, c },
      };
      const exp = refRun(ref, { cell, tokens: tk, pad: pad2, freeRun: fr2, init: { state: init.toArray() as number[][], at: 'before' }, intervention: { point: 'state', mask, A: A.toArray() as number[][], c: c.toArray() as number[][] } });
      for (const t of [init, A, c]) {
        t.requiresGrad = true;
        t.grad = null;
      }
      poisonPool();
      const out = runRnn(params, opts);
      close(out.logits.data, exp.logits.flat(2), 1e-12, 'logits');
      const W = Tensor.randn([B * T2, V], new Rng(79), 1, 'float64');
      out.logits.backward(W);
      const loss = (): number => {
        const z = noGrad(() => runRnn(params, opts)).logits.data;
        let sum = 0;
        for (let i = 0; i < z.length; i++) sum += z[i] * W.data[i];
        return sum;
      };
      for (const [name, t] of [['init', init], ['A', A], ['c', c]] as [string, Tensor][]) {
        for (let i = 0; i < t.size; i += 3) {
          const v = t.data[i];
          t.data[i] = v + 1e-6;
          const lp = loss();
          t.data[i] = v - 1e-6;
          const lm = loss();
          t.data[i] = v;
          const fd = (lp - lm) / 2e-6;
          assert.ok(Math.abs(fd - t.grad!.data[i]) <= 1e-6 * (1 + Math.abs(fd)), `d/d${name}[${i}]: ${t.grad!.data[i]} vs fd ${fd}`);
        }
      }
    });
  }
});
