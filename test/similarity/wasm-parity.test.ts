/**
 * Float64 similarity values on the wasm backend equal those on the native backend (OpenBLAS and
 * LAPACK) to 1e-9 relative, for every example measure id; without the native addon, the portable
 * backend is the comparison.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exampleIds, similarity } from '../../src/similarity/index.ts';
import { getBackend, getBackendByName, loadNative, setBackend } from '../../src/tensor/backend/index.ts';
import type { Backend } from '../../src/tensor/backend/types.ts';
import { mat, type Mat } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';

/** X (n×px) and Y = a noisy linear map of X's first columns (n×py). */
function pair(n: number, px: number, py: number, seed: number): [Mat, Mat] {
  const rng = new Rng(seed);
  const x = new Float64Array(n * px).map(() => rng.normal());
  const w = new Float64Array(px * py).map(() => rng.normal());
  const y = new Float64Array(n * py);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < py; j++) {
      let s = 0.7 * rng.normal();
      for (let k = 0; k < px; k++) s += x[i * px + k] * w[k * py + j];
      y[i * py + j] = s;
    }
  }
  return [mat(n, px, x), mat(n, py, y)];
}

function valuesOn(be: Backend, ids: string[], x: Mat, y: Mat): Map<string, number> {
  const before = getBackend();
  setBackend(be);
  try {
    return new Map(ids.map((id) => [id, similarity(id, x, y).value]));
  } finally {
    setBackend(before);
  }
}

const reference = loadNative() ?? getBackendByName('portable');
const wasm = getBackendByName('wasm');

test(`every example measure: wasm equals ${reference.name} to 1e-9 relative (float64)`, () => {
  const ids = exampleIds();
  assert.ok(ids.length >= 30, `only ${ids.length} example measures`);
  for (const [n, px, py, seed] of [[80, 12, 9, 1], [120, 40, 25, 2]] as const) {
    const [x, y] = pair(n, px, py, seed);
    const ref = valuesOn(reference, ids, x, y);
    const got = valuesOn(wasm, ids, x, y);
    for (const id of ids) {
      const a = got.get(id)!, b = ref.get(id)!;
      assert.ok(Number.isFinite(a) && Number.isFinite(b), `${id}: ${a} vs ${b}`);
      assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${id} (n ${n}, px ${px}, py ${py}): wasm ${a} vs ${reference.name} ${b}`);
    }
  }
});
