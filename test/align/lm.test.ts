// MAS on language models. A Llama and its residual-rotated copy are one function in two bases: with
// k = d, the maps whose product is the rotation Q (recovered here by least squares from the two
// embedding tables) give IIA 1 on labels made by a full interchange inside the original, while
// random maps do not; inside one model (one shared map) any k = d map is exact; training moves the
// maps up from random. Plus the counterfactual JSONL parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Matrix, solve } from 'ml-matrix';
import { interchangeLabels, labelsFromSource, lmIia, parseLmCounterfactuals, trainLmMas, type LmCfRow } from '../../src/align/lm.ts';
import { createMap, type RealizedMap } from '../../src/align/maps.ts';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { loadHfModel } from '../../src/models/hf/folder.ts';
import { loadHfTokenizer } from '../../src/models/hf/tokenizer.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = path.join(here, '..', 'fixtures', 'hf');
const a = loadHfModel(path.join(fx, 'llama-sharded'));
const b = loadHfModel(path.join(fx, 'llama-rotated'));
const d = 16;

function randomRows(n: number, rng: Rng, pos = 5): LmCfRow[] {
  const seq = (): number[] => Array.from({ length: 6 }, () => 3 + Math.floor(rng.uniform() * 45));
  return Array.from({ length: n }, () => ({ base: seq(), source: seq(), basePosition: pos, sourcePosition: pos, label: [] }));
}

/** A fixed orthogonal map with matrix F (G = Fᵀ). */
function fixedMap(F: number[][]): { realize(): RealizedMap } {
  const f = new Tensor(Float32Array.from(F.flat()), [d, d]);
  const g = new Tensor(Float32Array.from(new Matrix(F).transpose().to1DArray()), [d, d]);
  return { realize: () => ({ d, F: f, G: g, f0: null, g0: null, Q: f }) };
}

function embeddings(dir: string, files: string[]): number[][] {
  for (const f of files) {
    const t = readSafetensors(path.join(fx, dir, f)).tensors.get('model.embed_tokens.weight');
    if (t) return Array.from({ length: t.shape[0] }, (_, i) => Array.from(t.data.subarray(i * d, (i + 1) * d)));
  }
  throw new Error('no embeddings');
}

test('rotated Llama, k = d: the maps realizing Q give IIA 1, random maps do not', () => {
  const rng = new Rng(7);
  const valid = interchangeLabels(a, randomRows(48, rng), 'layer.0', 2);
  const Q = solve(new Matrix(embeddings('llama-sharded', ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'])), new Matrix(embeddings('llama-rotated', ['model.safetensors'])));
  const I = Matrix.eye(d).to2DArray();
  assert.equal(lmIia(b, a, 'layer.0', valid, fixedMap(I), fixedMap(Q.to2DArray()), d), 1);
  const r = new Rng(3);
  const rm = createMap({ kind: 'orthogonal', d, k: d, full: false }, r, 's');
  const tm = createMap({ kind: 'orthogonal', d, k: d, full: false }, r, 't');
  assert.ok(lmIia(b, a, 'layer.0', valid, tm, rm, d) < 0.5);
  // Within one model a shared map swaps the whole vector whatever it is: exact.
  assert.equal(lmIia(a, a, 'layer.0', valid, tm, tm, d), 1);
  // Stepwise over every base position at the embedding, with the source's own continuation as the
  // label (the author's protocol): the target fed the mapped source embeddings says what the source says.
  const own = labelsFromSource(a, randomRows(16, rng, 0), 2);
  assert.equal(lmIia(b, a, 'embedding', own, fixedMap(I), fixedMap(Q.to2DArray()), d, 'stepwise'), 1);
  assert.ok(lmIia(b, a, 'embedding', own, tm, rm, d, 'stepwise') < 0.5);
});

test('trainLmMas: Adam on the maps raises validation IIA above the random start', () => {
  const rng = new Rng(11);
  const train = interchangeLabels(a, randomRows(64, rng), 'layer.0', 1);
  const valid = interchangeLabels(a, randomRows(48, rng), 'layer.0', 1);
  const r = trainLmMas(b, a, train, valid, { layer: 'layer.0', k: d, steps: 60, batch: 32, lr: 0.03, seed: 2, validEvery: 30 });
  assert.equal(r.curve[0].step, 0);
  assert.ok(r.bestIia > r.curve[0].iia + 0.15, JSON.stringify(r.curve));
});

test('counterfactual JSONL: text or ids, negative positions, missing fields named with the line', () => {
  const tok = loadHfTokenizer(path.join(fx, 'llama-sharded'));
  const text = [
    JSON.stringify({ base: 'the cat sat', source: [1, 9, 10], base_position: -1, source_position: 1, label: 'on a' }),
    '',
    JSON.stringify({ base: [1, 3], source: 'a dog', base_position: 0, source_position: -2, label: [7] }),
  ].join('\n');
  const rows = parseLmCounterfactuals(text, 'cf.jsonl', tok);
  assert.deepEqual(rows[0], { base: [1, 3, 4, 5], source: [1, 9, 10], basePosition: 3, sourcePosition: 1, label: [6, 7] });
  assert.deepEqual(rows[1], { base: [1, 3], source: [1, 7, 9], basePosition: 0, sourcePosition: 1, label: [7] });
  assert.throws(() => parseLmCounterfactuals(`${JSON.stringify({ base: [1], source: [2], base_position: 0, label: [3] })}\n`, 'cf.jsonl', null), /cf\.jsonl: line 1: missing field\(s\) source_position/);
  assert.throws(() => parseLmCounterfactuals(`\n${JSON.stringify({ base: 'x', source: [2], base_position: 0, source_position: 0, label: [3] })}`, 'cf.jsonl', null), /line 2: 'base' is text but the model folder has no tokenizer\.json/);
  assert.throws(() => parseLmCounterfactuals(JSON.stringify({ base: [1, 2], source: [2], base_position: 2, source_position: 0, label: [3] }), 'cf.jsonl', null), /line 1: 'base_position' 2 is outside the 2 tokens/);
});
