/** Tests of the standalone rotary position embedding (half-split RoPE, models.md §5.2). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ShapeError } from '../../src/errors.ts';
import { applyRope } from '../../src/tensor/kernels/rope.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { checkGradients, maxAbsDiff, randParam, refRope } from './attention-helpers.ts';

interface RopeFixture {
  name: string;
  batch: number;
  steps: number;
  heads: number;
  dh: number;
  ropeDim: number;
  ropeBase: number;
  positionOffset: number;
  q: number[];
  ropeQ: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/kernels/attention.json', import.meta.url), 'utf8'),
) as { cases: RopeFixture[] };

describe('applyRope', () => {
  for (const c of fixture.cases) {
    it(`matches PyTorch's rotation: ${c.name}`, () => {
      const x = Tensor.from(c.q, [c.batch * c.steps, c.heads * c.dh], 'float64');
      const y = applyRope(x, c);
      assert.ok(maxAbsDiff(y.data, c.ropeQ) < 1e-12, `max diff ${maxAbsDiff(y.data, c.ropeQ)}`);
    });
  }

  it('pairs dimension j with j + r/2 (half-split, not interleaved) by hand at t = 1', () => {
    // One head, dh = r = 4: θ = [1, base^(-1/2)]; at t = 1 the pair (x0, x2) turns by 1 rad.
    const x = Tensor.from([0, 0, 0, 0, 1, 0, 0, 0], [2, 4], 'float64');
    const y = applyRope(x, { batch: 1, steps: 2, heads: 1, ropeBase: 100 });
    const want = [0, 0, 0, 0, Math.cos(1), 0, Math.sin(1), 0];
    assert.ok(maxAbsDiff(y.data, want) < 1e-15);
  });

  it('equals the elementwise reference, leaves dims r…dh−1 and position 0 unchanged', () => {
    const rng = new Rng(1);
    const L = { batch: 2, steps: 5, heads: 3, dh: 10, ropeDim: 6, ropeBase: 777, positionOffset: 0 };
    const x = Tensor.randn([10, 30], rng, 1, 'float64');
    const y = applyRope(x, L);
    assert.ok(maxAbsDiff(y.data, refRope(x.data, L)) < 1e-14);
    for (let row = 0; row < 10; row++) {
      for (let h = 0; h < 3; h++) for (let i = 6; i < 10; i++) assert.equal(y.data[row * 30 + h * 10 + i], x.data[row * 30 + h * 10 + i]);
    }
    for (const row of [0, 5]) for (let i = 0; i < 30; i++) assert.equal(y.data[row * 30 + i], x.data[row * 30 + i]);
  });

  it('preserves the norm of every head row', () => {
    const rng = new Rng(2);
    const x = Tensor.randn([4 * 9, 2 * 8], rng, 1, 'float64');
    const y = applyRope(x, { batch: 4, steps: 9, heads: 2, positionOffset: 13 });
    for (let row = 0; row < 36; row++) {
      for (let h = 0; h < 2; h++) {
        let nx = 0;
        let ny = 0;
        for (let i = 0; i < 8; i++) {
          nx += x.data[row * 16 + h * 8 + i] ** 2;
          ny += y.data[row * 16 + h * 8 + i] ** 2;
        }
        assert.ok(Math.abs(nx - ny) < 1e-12 * (1 + nx));
      }
    }
  });

  it('makes q̃_t·k̃_s depend only on t − s (shift invariance of the rotated part)', () => {
    const rng = new Rng(3);
    const dh = 8;
    const steps = 12;
    const q = Tensor.randn([1, dh], rng, 1, 'float64');
    const k = Tensor.randn([1, dh], rng, 1, 'float64');
    // the same q and k at every position, rotated by their positions
    const rep = (x: Tensor): Tensor => {
      const r = Tensor.zeros([steps, dh], 'float64');
      for (let t = 0; t < steps; t++) r.data.set(x.data, t * dh);
      return r;
    };
    const opts = { batch: 1, steps, heads: 1, ropeBase: 10 };
    const qr = applyRope(rep(q), opts).data;
    const kr = applyRope(rep(k), opts).data;
    const dot = (t: number, s: number): number => {
      let d = 0;
      for (let i = 0; i < dh; i++) d += qr[t * dh + i] * kr[s * dh + i];
      return d;
    };
    let spread = 0;
    for (let lag = -4; lag <= 4; lag++) {
      const ref = dot(Math.max(lag, 0), Math.max(-lag, 0));
      for (let s = Math.max(0, -lag); s + lag < steps && s < steps; s++) assert.ok(Math.abs(dot(s + lag, s) - ref) < 1e-12, `lag ${lag} s ${s}`);
      spread = Math.max(spread, Math.abs(ref - dot(0, 0)));
    }
    assert.ok(spread > 1e-3, 'the score must actually vary with the lag');
    // and with an offset: the same lag gives the same score
    const shifted = applyRope(rep(q), { ...opts, positionOffset: 7 }).data;
    let d = 0;
    for (let i = 0; i < dh; i++) d += shifted[3 * dh + i] * applyRope(rep(k), { ...opts, positionOffset: 7 }).data[1 * dh + i];
    assert.ok(Math.abs(d - dot(2, 0)) < 1e-12);
  });

  it('gradient matches finite differences in float64 (2 heads, ropeDim < dh, offset)', () => {
    const rng = new Rng(4);
    const x = randParam(rng, [2 * 4, 2 * 6]);
    checkGradients(([t]) => applyRope(t, { batch: 2, steps: 4, heads: 2, ropeDim: 4, positionOffset: 3, ropeBase: 20 }), [x], rng);
    const y = randParam(rng, [3, 8]);
    checkGradients(([t]) => applyRope(t, { batch: 1, steps: 3, heads: 1 }), [y], rng);
  });

  it('rejects bad shapes and an odd rotated width', () => {
    assert.throws(
      () => applyRope(Tensor.zeros([5, 8]), { batch: 2, steps: 3, heads: 1 }),
      (e: unknown) => e instanceof ShapeError && /applyRope/.test(e.message) && /\[5, 8\]/.test(e.message),
    );
    assert.throws(() => applyRope(Tensor.zeros([3, 6]), { batch: 1, steps: 3, heads: 2 }), (e: unknown) => e instanceof ShapeError && /dh=3/.test(e.message));
    assert.throws(() => applyRope(Tensor.zeros([3, 7]), { batch: 1, steps: 3, heads: 2 }), ShapeError);
  });
});
