/** Tests of the fused causal rotary attention kernel: golden PyTorch fixture, reference, gradients, decoding, errors. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DTypeError, InputError, ShapeError } from '../../src/errors.ts';
import {
  attendStep,
  causalRotaryAttention,
  RotaryKVCache,
  setAttentionPath,
} from '../../src/tensor/kernels/attention.ts';
import type { AttentionOptions, AttentionPath } from '../../src/tensor/kernels/attention.ts';
import { noGrad, Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { checkGradients, maxAbsDiff, randParam, refAttention } from './attention-helpers.ts';

interface FixtureCase {
  name: string;
  batch: number;
  steps: number;
  heads: number;
  dh: number;
  ropeDim: number;
  ropeBase: number;
  positionOffset: number;
  keyPad: number[];
  q: number[];
  k: number[];
  v: number[];
  cot: number[];
  out: number[];
  dq: number[];
  dk: number[];
  dv: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/kernels/attention.json', import.meta.url), 'utf8'),
) as { cases: FixtureCase[] };

const PATHS: AttentionPath[] = ['loops', 'gemm'];

/** Run `fn` with the kernel forced onto one product path. */
function withPath<T>(p: AttentionPath, fn: () => T): T {
  setAttentionPath(p);
  try {
    return fn();
  } finally {
    setAttentionPath('auto');
  }
}

/** A padding mask with the last `n[b]` positions of sequence b padded. */
function tailPad(steps: number, n: number[]): Uint8Array {
  const pad = new Uint8Array(steps * n.length);
  n.forEach((m, b) => pad.fill(1, b * steps + steps - m, (b + 1) * steps));
  return pad;
}

for (const path of PATHS) {
  describe(`causalRotaryAttention (${path} path)`, () => {
    for (const c of fixture.cases) {
      it(`matches PyTorch within 1e-5 in float32: ${c.name}`, () => {
        const d = c.heads * c.dh;
        const shape = [c.batch * c.steps, d];
        const q = Tensor.from(c.q, shape, 'float32').param();
        const k = Tensor.from(c.k, shape, 'float32').param();
        const v = Tensor.from(c.v, shape, 'float32').param();
        const opts: AttentionOptions = {
          batch: c.batch, steps: c.steps, heads: c.heads, ropeDim: c.ropeDim, ropeBase: c.ropeBase,
          positionOffset: c.positionOffset, keyPad: Uint8Array.from(c.keyPad),
        };
        const out = withPath(path, () => causalRotaryAttention(q, k, v, opts));
        assert.equal(out.dtype, 'float32');
        assert.ok(maxAbsDiff(out.data, c.out) < 1e-5, `out: max diff ${maxAbsDiff(out.data, c.out)}`);
        withPath(path, () => out.backward(Tensor.from(c.cot, shape, 'float32')));
        for (const [name, t, ref] of [['dq', q, c.dq], ['dk', k, c.dk], ['dv', v, c.dv]] as const) {
          const diff = maxAbsDiff(t.grad!.data, ref);
          assert.ok(diff < 1e-5, `${name}: max diff ${diff}`);
        }
        // padded query rows are exactly zero
        c.keyPad.forEach((p, row) => {
          if (p) for (let i = 0; i < d; i++) assert.equal(out.data[row * d + i], 0);
        });
      });
    }

    it('equals an unfused float64 reference (padding, 3 heads, ropeDim < dh, offset)', () => {
      const rng = new Rng(11);
      const layouts = [
        { batch: 2, steps: 9, heads: 1, dh: 16 },
        { batch: 3, steps: 7, heads: 3, dh: 10, ropeDim: 6, ropeBase: 500, positionOffset: 4, keyPad: tailPad(7, [0, 3, 6]) },
        { batch: 1, steps: 1, heads: 2, dh: 4 },
      ];
      for (const L of layouts) {
        const shape = [L.batch * L.steps, L.heads * L.dh];
        const [q, k, v] = [0, 1, 2].map(() => Tensor.randn(shape, rng, 1.5, 'float64'));
        const out = withPath(path, () => causalRotaryAttention(q, k, v, { ...L }));
        const ref = refAttention(q.data, k.data, v.data, L);
        assert.ok(maxAbsDiff(out.data, ref) < 1e-12, `max diff ${maxAbsDiff(out.data, ref)}`);
      }
    });

    it('gradients match finite differences in float64 (padding, 2 heads, ropeDim < dh)', () => {
      const rng = new Rng(5);
      const layouts: AttentionOptions[] = [
        { batch: 2, steps: 5, heads: 2, ropeDim: 4, keyPad: tailPad(5, [2, 0]) },
        { batch: 1, steps: 6, heads: 1, positionOffset: 3, ropeBase: 50 },
      ];
      for (const L of layouts) {
        const dh = L.ropeDim !== undefined ? 6 : 4;
        const shape = [L.batch * L.steps, L.heads * dh];
        const inputs = [0, 1, 2].map(() => randParam(rng, shape));
        withPath(path, () => checkGradients(([q, k, v]) => causalRotaryAttention(q, k, v, L), inputs, rng));
      }
    });

    it('padded queries get no gradient and padded keys have no influence', () => {
      const rng = new Rng(8);
      const L: AttentionOptions = { batch: 2, steps: 4, heads: 1, keyPad: tailPad(4, [1, 0]) };
      const [q, k, v] = [0, 1, 2].map(() => randParam(rng, [8, 4]));
      const out = withPath(path, () => causalRotaryAttention(q, k, v, L));
      out.backward(Tensor.randn([8, 4], rng, 1, 'float64'));
      for (let i = 12; i < 16; i++) {
        for (const t of [q, k, v]) assert.ok(t.grad!.data[i] === 0, `gradient ${t.grad!.data[i]} at padded row`);
      }
      // changing a padded key/value leaves every output unchanged
      const k2 = k.detach().clone();
      const v2 = v.detach().clone();
      for (let i = 12; i < 16; i++) {
        k2.data[i] += 3;
        v2.data[i] -= 2;
      }
      const out2 = withPath(path, () => causalRotaryAttention(q.detach(), k2, v2, L));
      assert.deepEqual(Array.from(out2.data), Array.from(out.data));
    });
  });
}

describe('causalRotaryAttention properties', () => {
  it('is causal: changing position s changes no output before s', () => {
    const rng = new Rng(21);
    const L = { batch: 1, steps: 6, heads: 2 };
    const [q, k, v] = [0, 1, 2].map(() => Tensor.randn([6, 8], rng, 1, 'float64'));
    const base = causalRotaryAttention(q, k, v, L);
    const k2 = k.clone();
    const v2 = v.clone();
    for (let i = 3 * 8; i < 4 * 8; i++) {
      k2.data[i] += 1;
      v2.data[i] += 1;
    }
    const out = causalRotaryAttention(q, k2, v2, L);
    for (let i = 0; i < 3 * 8; i++) assert.equal(out.data[i], base.data[i]);
    assert.ok(maxAbsDiff(out.data.subarray(24, 32), base.data.subarray(24, 32)) > 1e-3);
  });

  it('without grad mode keeps nothing and gives the same numbers', () => {
    const rng = new Rng(3);
    const L = { batch: 3, steps: 5, heads: 2, keyPad: tailPad(5, [0, 2, 1]) };
    const [q, k, v] = [0, 1, 2].map(() => randParam(rng, [15, 8]));
    const a = causalRotaryAttention(q, k, v, L);
    const b = noGrad(() => causalRotaryAttention(q, k, v, L));
    assert.equal(b.node, null);
    assert.deepEqual(Array.from(b.data), Array.from(a.data));
  });
});

describe('attendStep (incremental decoding)', () => {
  for (const [dtype, path] of [['float64', 'loops'], ['float64', 'gemm'], ['float32', 'loops'], ['float32', 'gemm']] as const) {
    it(`equals the full causal computation row by row (${dtype}, ${path} path, padding, 2 heads, ropeDim < dh, offset)`, () => {
      const rng = new Rng(17);
      const batch = 3;
      const steps = 8;
      const heads = 2;
      const dh = 6;
      const rope = { ropeDim: 4, ropeBase: 300, positionOffset: 2 };
      const pad = tailPad(steps, [0, 3, 1]);
      const shape = [batch * steps, heads * dh];
      const [q, k, v] = [0, 1, 2].map(() => Tensor.randn(shape, rng, 1, dtype));
      const full = causalRotaryAttention(q, k, v, { batch, steps, heads, keyPad: pad, ...rope });
      const cache = new RotaryKVCache({ batch, heads, headDim: dh, maxSteps: steps, dtype, ...rope });
      const D = heads * dh;
      for (let t = 0; t < steps; t++) {
        const rows = (x: Tensor): Tensor => {
          const r = Tensor.zeros([batch, D], dtype);
          for (let b = 0; b < batch; b++) r.data.set(x.data.subarray((b * steps + t) * D, (b * steps + t + 1) * D), b * D);
          return r;
        };
        const stepPad = Uint8Array.from({ length: batch }, (_, b) => pad[b * steps + t]);
        const o = withPath(path, () => attendStep(rows(q), rows(k), rows(v), cache, stepPad));
        assert.equal(cache.length, t + 1);
        for (let b = 0; b < batch; b++) {
          const want = full.data.subarray((b * steps + t) * D, (b * steps + t + 1) * D);
          const got = o.data.subarray(b * D, (b + 1) * D);
          assert.ok(maxAbsDiff(got, want) < (dtype === 'float64' ? 1e-13 : 1e-6), `t=${t} b=${b}`);
        }
      }
      assert.throws(() => attendStep(Tensor.zeros([batch, D], dtype), Tensor.zeros([batch, D], dtype), Tensor.zeros([batch, D], dtype), cache), InputError);
      cache.reset();
      assert.equal(cache.length, 0);
    });
  }

  it('refuses to run where a gradient is expected, and checks shapes', () => {
    const cache = new RotaryKVCache({ batch: 2, heads: 1, headDim: 4, maxSteps: 3, dtype: 'float64' });
    const x = Tensor.zeros([2, 4], 'float64');
    assert.throws(() => attendStep(x.clone().param(), x, x, cache), /inference only/);
    assert.throws(() => attendStep(Tensor.zeros([3, 4], 'float64'), Tensor.zeros([3, 4], 'float64'), Tensor.zeros([3, 4], 'float64'), cache), (e: unknown) => e instanceof ShapeError && /attendStep.*\[2, 4\].*\[3, 4\]/.test(e.message));
    assert.throws(() => attendStep(Tensor.zeros([2, 4]), Tensor.zeros([2, 4]), Tensor.zeros([2, 4]), cache), DTypeError);
    assert.throws(() => new RotaryKVCache({ batch: 1, heads: 1, headDim: 5, maxSteps: 2 }), ShapeError);
  });
});

describe('causalRotaryAttention bad input', () => {
  const z = (r: number, c: number, dtype: 'float32' | 'float64' = 'float32'): Tensor => Tensor.zeros([r, c], dtype);

  it('throws ShapeError naming the op and the shapes', () => {
    assert.throws(
      () => causalRotaryAttention(z(6, 4), z(6, 4), z(5, 4), { batch: 2, steps: 3, heads: 1 }),
      (e: unknown) => e instanceof ShapeError && /causalRotaryAttention/.test(e.message) && /\[6, 4\]/.test(e.message) && /\[5, 4\]/.test(e.message),
    );
    assert.throws(
      () => causalRotaryAttention(z(6, 4), z(6, 4), z(6, 4), { batch: 2, steps: 4, heads: 1 }),
      (e: unknown) => e instanceof ShapeError && /causalRotaryAttention.*\[6, 4\]/.test(e.message),
    );
    assert.throws(() => causalRotaryAttention(z(6, 6), z(6, 6), z(6, 6), { batch: 2, steps: 3, heads: 4 }), ShapeError);
    assert.throws(
      () => causalRotaryAttention(z(6, 4), z(6, 4), z(6, 4), { batch: 2, steps: 3, heads: 1, keyPad: new Uint8Array(5) }),
      (e: unknown) => e instanceof ShapeError && /keyPad/.test(e.message),
    );
  });

  it('throws when dh is odd with ropeDim = dh, or ropeDim is odd or too wide', () => {
    assert.throws(
      () => causalRotaryAttention(z(3, 10), z(3, 10), z(3, 10), { batch: 1, steps: 3, heads: 2 }),
      (e: unknown) => e instanceof ShapeError && /ropeDim=5/.test(e.message) && /dh=5/.test(e.message),
    );
    assert.throws(() => causalRotaryAttention(z(3, 8), z(3, 8), z(3, 8), { batch: 1, steps: 3, heads: 1, ropeDim: 3 }), ShapeError);
    assert.throws(() => causalRotaryAttention(z(3, 8), z(3, 8), z(3, 8), { batch: 1, steps: 3, heads: 1, ropeDim: 10 }), ShapeError);
    // an odd head width is fine when only an even part is rotated
    assert.doesNotThrow(() => causalRotaryAttention(z(3, 5), z(3, 5), z(3, 5), { batch: 1, steps: 3, heads: 1, ropeDim: 4 }));
  });

  it('throws on mixed dtypes and bad options', () => {
    assert.throws(() => causalRotaryAttention(z(3, 4), z(3, 4, 'float64'), z(3, 4), { batch: 1, steps: 3, heads: 1 }), DTypeError);
    assert.throws(() => causalRotaryAttention(z(3, 4), z(3, 4), z(3, 4), { batch: 1, steps: 3, heads: 0 }), InputError);
    assert.throws(() => causalRotaryAttention(z(3, 4), z(3, 4), z(3, 4), { batch: 1, steps: 3, heads: 1, ropeBase: 0 }), InputError);
    assert.throws(() => causalRotaryAttention(z(3, 4), z(3, 4), z(3, 4), { batch: 1, steps: 3, heads: 1, positionOffset: -1 }), InputError);
  });
});
