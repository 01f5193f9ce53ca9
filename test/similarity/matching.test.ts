/** Unit matching: Hungarian vs brute force, soft = hard when p_x = p_y (Birkhoff), soft bounds, constant units. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConstantUnitError, hardMatch, semiMatch, softMatch } from '../../src/similarity/index.ts';
import { hungarian, optimalTransportUniform, unitCorrelations } from '../../src/similarity/matching.ts';
import { mat } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';
import { pair, randn } from './helpers.ts';

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

test('Hungarian assignment equals brute force on small square and rectangular costs', () => {
  const r = new Rng(1);
  for (const [rr, cc] of [[5, 5], [3, 6], [6, 6]]) {
    const cost = Float64Array.from({ length: rr * cc }, () => r.normal());
    const a = hungarian(cost, rr, cc);
    const got = Array.from(a).reduce((s, j, i) => s + cost[i * cc + j], 0);
    let best = Infinity;
    for (const p of permutations(cc)) best = Math.min(best, p.slice(0, rr).reduce((s, j, i) => s + cost[i * cc + j], 0));
    assert.ok(Math.abs(got - best) < 1e-12);
    assert.equal(new Set(a).size, rr);
  }
});

test('soft matching equals hard matching when p_x = p_y (Birkhoff–von Neumann)', () => {
  const r = new Rng(2);
  for (let t = 0; t < 5; t++) {
    const { x, y } = pair(r, 40, 7, 7, 1.0);
    assert.ok(Math.abs(softMatch(x, y).value - hardMatch(x, y).value) < 1e-12);
  }
});

test('soft plan has uniform marginals; soft ≤ semi-matching; values are not rotation invariant', () => {
  const r = new Rng(3);
  const { x, y } = pair(r, 50, 6, 4, 0.8);
  const c = unitCorrelations(x, y);
  const plan = optimalTransportUniform(c.data, 6, 4);
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(plan.subarray(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0) - 1 / 6) < 1e-15);
  for (let j = 0; j < 4; j++) assert.ok(Math.abs([0, 1, 2, 3, 4, 5].reduce((a, i) => a + plan[i * 4 + j], 0) - 1 / 4) < 1e-15);
  assert.ok(softMatch(x, y).value <= semiMatch(x, y).value + 1e-12);
  // an exact vertex optimum against random feasible plans
  const best = softMatch(x, y).value;
  for (let t = 0; t < 200; t++) {
    const q = Float64Array.from({ length: 24 }, () => r.uniform());
    for (let it = 0; it < 200; it++) {
      for (let i = 0; i < 6; i++) {
        const s = q.subarray(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0);
        for (let j = 0; j < 4; j++) q[i * 4 + j] /= 6 * s;
      }
      for (let j = 0; j < 4; j++) {
        const s = [0, 1, 2, 3, 4, 5].reduce((a, i) => a + q[i * 4 + j], 0);
        for (let i = 0; i < 6; i++) q[i * 4 + j] /= 4 * s;
      }
    }
    assert.ok(q.reduce((a, qi, k) => a + qi * c.data[k], 0) <= best + 1e-9);
  }
});

test('a constant unit is a ConstantUnitError unless dropConstantUnits', () => {
  const r = new Rng(4);
  const x = randn(r, 20, 3);
  for (let i = 0; i < 20; i++) x.data[i * 3 + 1] = 2;
  const y = randn(r, 20, 3);
  assert.throws(() => hardMatch(x, y), (e: unknown) => e instanceof ConstantUnitError && /unit\(s\) 1 /.test((e as Error).message));
  const dropped = hardMatch(x, y, { dropConstantUnits: true });
  const x2 = mat(20, 2, Float64Array.from({ length: 40 }, (_, k) => x.data[Math.floor(k / 2) * 3 + (k % 2 === 0 ? 0 : 2)]));
  assert.equal(dropped.value, hardMatch(x2, y).value);
});
