import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';

// First draws per seed from an independent Python implementation (test/fixtures/util/make_rng.py).
const GOLDEN: Record<string, number[]> = {"0": [3809008728, 1133695204, 53579671, 2891528803, 139681546, 2203266335, 104831812, 1587294886], "42": [2837322924, 544945897, 479756282, 3500138142, 339756180, 113173290, 65323186, 1112262688], "12345": [518667457, 440444462, 4232892992, 3757857622, 3939018813, 1334683535, 3795058715, 2092637810], "1099511627783": [1606920336, 1856359683, 890391056, 323721861, 1453546004, 3683479086, 922942529, 3430664187]};

test('nextU32 matches the independent xoshiro128** reference', () => {
  for (const [seed, expected] of Object.entries(GOLDEN)) {
    const r = new Rng(Number(seed));
    assert.deepEqual(Array.from({ length: expected.length }, () => r.nextU32()), expected, `seed ${seed}`);
  }
});

test('same seed gives the same stream; different seeds and forks differ', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const xs = Array.from({ length: 100 }, () => a.uniform());
  assert.deepEqual(Array.from({ length: 100 }, () => b.uniform()), xs);
  const c = new Rng(8);
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.uniform()), xs);
  const base = new Rng(7);
  const f1 = base.fork('train');
  const f2 = base.fork('valid');
  assert.notEqual(f1.nextU32(), f2.nextU32());
  assert.equal(new Rng(7).fork('train').nextU32(), new Rng(7).fork('train').nextU32());
});

test('state snapshots restore the exact stream, including the cached normal', () => {
  const r = new Rng(99);
  r.normal();
  const st = r.getState();
  const after = [r.normal(), r.uniform(), r.int(1000)];
  const q = Rng.fromState(JSON.parse(JSON.stringify(st)));
  assert.deepEqual([q.normal(), q.uniform(), q.int(1000)], after);
});

test('uniform, int, normal and shuffle have the right ranges and moments', () => {
  const r = new Rng(1);
  const n = 200_000;
  let sum = 0;
  let sq = 0;
  const counts = new Array(6).fill(0);
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    counts[r.int(6)]++;
    const z = r.normal();
    sum += z;
    sq += z * z;
  }
  assert.ok(Math.abs(sum / n) < 0.01, 'normal mean ≈ 0');
  assert.ok(Math.abs(sq / n - 1) < 0.02, 'normal variance ≈ 1');
  for (const c of counts) assert.ok(Math.abs(c / n - 1 / 6) < 0.005, 'int(6) is uniform');
  const p = r.permutation(50);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.throws(() => r.int(0), RangeError);
  assert.throws(() => new Rng(1.5), RangeError);
});
