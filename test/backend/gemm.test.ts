/**
 * GEMM on every available backend (portable always; native when built, and required when
 * MAS_BACKEND=native): all four transpose combinations, leading dimensions, subarray offsets,
 * alpha/beta, float32 and float64, against a naive float64 triple loop.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DTypeError, ShapeError } from '../../src/errors.ts';
import type { FloatArray } from '../../src/tensor/backend/types.ts';
import { nativeLoadError } from '../../src/tensor/backend/native.ts';
import { Rng } from '../../src/util/rng.ts';
import { backendsUnderTest, pick, randomArray, type Ctor } from './helpers.ts';

const backends = backendsUnderTest();

/** The expected C (all of it, padding included) from a float64 triple loop. */
function naiveGemm(
  ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number,
  a: FloatArray, lda: number, b: FloatArray, ldb: number, beta: number, c: FloatArray, ldc: number,
): Float64Array {
  const out = Float64Array.from(c);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
      out[i * ldc + j] = alpha * s + (beta === 0 ? 0 : beta * c[i * ldc + j]);
    }
  }
  return out;
}

function assertClose(actual: FloatArray, expected: Float64Array, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= tol * (1 + Math.abs(expected[i])))) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [7, 5, 9],
  [4, 13, 3],
  [70, 37, 300], // crosses the portable kernel's k-block (256) and row-block (64) edges
  [3, 530, 6], // crosses its column-block (512) edge
];

for (const be of backends) {
  for (const ctor of [Float64Array, Float32Array] as Ctor[]) {
    const tol = ctor === Float64Array ? 1e-12 : 2e-5;
    test(`${be.name} ${ctor.name.replace('Array', '')} gemm: 4 transpose combos, leading dims, offsets, alpha/beta`, () => {
      const rng = new Rng(11);
      for (const [m, n, k] of shapes) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            // Stored operands with padded leading dimensions, inside larger arrays at an offset.
            const [ar, ac] = ta ? [k, m] : [m, k];
            const [br, bc] = tb ? [n, k] : [k, n];
            const lda = ac + 3, ldb = bc + 1, ldc = n + 2;
            const off = 5;
            const aBig = randomArray(ctor, off + ar * lda + 4, rng);
            const bBig = randomArray(ctor, off + br * ldb + 4, rng);
            const cBig = randomArray(ctor, off + m * ldc + 4, rng);
            const a = aBig.subarray(off, off + (ar - 1) * lda + ac);
            const b = bBig.subarray(off, off + (br - 1) * ldb + bc);
            const c = cBig.subarray(off, off + (m - 1) * ldc + n);
            const aCopy = Float64Array.from(aBig), bCopy = Float64Array.from(bBig);
            const cBefore = Float64Array.from(cBig);
            const expected = naiveGemm(ta, tb, m, n, k, 0.7, a, lda, b, ldb, -0.3, c, ldc);
            be.gemm(ta, tb, m, n, k, 0.7, a, b, -0.3, c, lda, ldb, ldc);
            const what = `${m}×${n}×${k} ta=${ta} tb=${tb}`;
            assertClose(c, expected, tol * Math.sqrt(k), what);
            // Inputs untouched; C's padding and the memory around the subarray untouched.
            assert.deepEqual(Float64Array.from(aBig), aCopy, `${what}: A modified`);
            assert.deepEqual(Float64Array.from(bBig), bCopy, `${what}: B modified`);
            for (let i = 0; i < off; i++) assert.equal(cBig[i], cBefore[i], `${what}: before C`);
            for (let i = off + c.length; i < cBig.length; i++) assert.equal(cBig[i], cBefore[i], `${what}: after C`);
            for (let i = 0; i < m - 1; i++) {
              for (let j = n; j < ldc; j++) assert.equal(c[i * ldc + j], cBefore[off + i * ldc + j], `${what}: C padding`);
            }
          }
        }
      }
    });

    test(`${be.name} ${ctor.name.replace('Array', '')} gemm: packed defaults, beta=0 ignores NaN in C, beta=1 accumulates`, () => {
      const rng = new Rng(12);
      const m = 9, n = 6, k = 11;
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = randomArray(ctor, m * k, rng), b = randomArray(ctor, k * n, rng);
          const lda = ta ? m : k, ldb = tb ? k : n;
          const c = new ctor(m * n).fill(NaN);
          be.gemm(ta, tb, m, n, k, 1, a, b, 0, c);
          const expected = naiveGemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, new Float64Array(m * n), n);
          assertClose(c, expected, tol * 4, `beta=0 ta=${ta} tb=${tb}`);
          be.gemm(ta, tb, m, n, k, 1, a, b, 1, c);
          assertClose(c, expected.map((x) => 2 * x), tol * 4, `beta=1 ta=${ta} tb=${tb}`);
          be.gemm(ta, tb, m, n, k, 0, a, b, 0.5, c); // alpha = 0 only scales C
          assertClose(c, expected, tol * 4, `alpha=0 ta=${ta} tb=${tb}`);
        }
      }
      // k = 0: C ← beta·C.
      const c0 = Float64Array.from([1, 2, 3, 4]);
      const cc = new ctor(c0);
      be.gemm(false, false, 2, 2, 0, 1, new ctor(0), new ctor(0), 3, cc, 1, 2, 2);
      assertClose(cc, c0.map((x) => 3 * x), 0, 'k=0');
      // k = 0 with packed defaults (lda = k = 0) and the transposed layout (A is 0×m).
      for (const ta of [false, true]) {
        const ck = new ctor(c0);
        be.gemm(ta, !ta, 2, 2, 0, 1, new ctor(0), new ctor(0), 2, ck);
        assertClose(ck, c0.map((x) => 2 * x), 0, `k=0 ta=${ta}`);
      }
      // m = 0 or n = 0: nothing to do, even with empty arrays.
      be.gemm(false, false, 0, 3, 2, 1, new ctor(0), new ctor(6), 0, new ctor(0));
      be.gemm(false, false, 3, 0, 2, 1, new ctor(6), new ctor(0), 0, new ctor(0));
    });
  }

  test(`${be.name} gemm: bad arguments throw typed errors`, () => {
    const a = new Float64Array(6), b = new Float64Array(6), c = new Float64Array(4);
    assert.throws(() => be.gemm(false, false, 2, 2, 3, 1, a, new Float32Array(6), 0, c), DTypeError);
    assert.throws(() => be.gemm(false, false, 2, 2, 3, 1, a.subarray(1), b, 0, c), ShapeError, 'A too short');
    assert.throws(() => be.gemm(false, false, 2, 2, 3, 1, a, b, 0, c.subarray(1)), ShapeError, 'C too short');
    assert.throws(() => be.gemm(false, false, 2, 2, 3, 1, a, b, 0, c, 2), ShapeError, 'lda < k');
    assert.throws(() => be.gemm(false, false, 2, 2, 3, 1, a, b, 0, a.subarray(0, 4)), ShapeError, 'C aliases A');
    assert.throws(() => be.gemm(false, false, -1, 2, 3, 1, a, b, 0, c), ShapeError);
  });
}

for (const other of backends.filter((b) => b.name !== 'portable')) {
  test(`${other.name} and portable gemm agree on a 200×150×120 float64 product`, () => {
    const rng = new Rng(13);
    const por = backends[0];
    const a = randomArray(Float64Array, 200 * 120, rng), b = randomArray(Float64Array, 150 * 120, rng);
    const c1 = new Float64Array(200 * 150), c2 = new Float64Array(200 * 150);
    other.gemm(false, true, 200, 150, 120, 1, a, b, 0, c1);
    por.gemm(false, true, 200, 150, 120, 1, a, b, 0, c2);
    assertClose(c1, c2, 1e-12, 'parity');
  });
}
if (!pick(backends, 'native')) {
  test('native backend not built: only the portable and wasm backends are tested here', (t) => {
    t.diagnostic(`native addon not loaded (${nativeLoadError()}); set MAS_BACKEND=native to require it`);
    assert.deepEqual(backends.map((b) => b.name), ['portable', 'wasm']);
  });
}
