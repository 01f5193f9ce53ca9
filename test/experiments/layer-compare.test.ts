// Layer × layer comparison: a Llama and its residual-rotated copy (RMSNorm folded, then an orthogonal
// change of basis) have linear CKA 1 at every residual point before the final norm, while unit
// matching sees different units; a model against itself gives a symmetric matrix with a unit diagonal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareLayers } from '../../src/experiments/layer-compare.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = path.join(here, '..', 'fixtures');
const llama = path.join(fx, 'hf', 'llama-sharded');
const rotated = path.join(fx, 'hf', 'llama-rotated');
const ids = [
  [1, 3, 4, 5, 6, 7, 8, 20, 30, 47],
  [1, 9, 10, 11, 12, 13, 14, 15],
  [2, 5, 7, 9, 11, 13, 17, 19, 23],
  [1, 40, 41],
  [1, 33, 2, 8],
];

test('rotated Llama: linear CKA 1 on the diagonal (before the final norm), unit matching below 1', () => {
  const r = compareLayers({ models: [llama, rotated], layers: 'all', measures: ['cka-linear', 'semi-match-correlation'], tokenIds: ids });
  assert.deepEqual(r.layers, [['embedding', 'layer.0', 'layer.1', 'final'], ['embedding', 'layer.0', 'layer.1', 'final']]);
  assert.equal(r.rows, 34);
  const [cka, match] = r.measures;
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(cka.values[i][i] - 1) < 1e-5, `CKA at ${r.layers[0][i]}: ${cka.values[i][i]}`);
    assert.ok(match.values[i][i] < 0.9, `semi-matching at ${r.layers[0][i]}: ${match.values[i][i]}`);
  }
  // Off the diagonal the layers genuinely differ.
  assert.ok(cka.values[0][2] < 0.9);
});

test('a model against itself: symmetric matrix, unit diagonal; the row counts follow --pool', () => {
  const r = compareLayers({ models: [llama, llama], layers: ['embedding', 'layer.1', 'final'], measures: ['cka-linear'], tokenIds: ids, pool: 'mean' });
  assert.equal(r.rows, 5);
  const v = r.measures[0].values;
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(v[i][i] - 1) < 1e-9);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(v[i][j] - v[j][i]) < 1e-9);
  }
});

test('layer-by-layer refuses a Hugging Face model against a task model, and HF models without inputs', () => {
  assert.throws(() => compareLayers({ models: [llama, path.join(fx, 'models', 'transformer')], layers: 'all', measures: ['cka-linear'], tokenIds: ids }), /share no input/);
  assert.throws(() => compareLayers({ models: [llama, rotated], layers: 'all', measures: ['cka-linear'] }), /need inputs/);
});
