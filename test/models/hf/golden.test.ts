// Hugging Face folders (test/fixtures/hf, written by make_hf.py from HF's modeling code): logits and
// every hidden state match the PyTorch re-implementation to 1e-4 relative to the tensor's largest
// value, in a right-padded batch; greedy continuations are identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../../../src/io/safetensors.ts';
import { loadHfModel } from '../../../src/models/hf/folder.ts';
import { noGrad } from '../../../src/tensor/tensor.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const hfFixtures = path.join(here, '..', '..', 'fixtures', 'hf');
const NAMES = ['gpt2', 'gpt2-raw-f16', 'llama-sharded', 'llama-rotated', 'qwen2-bf16', 'gpt-neox', 'gpt-neox-seq-f16'];

/** max |a − b| / max |b| over a block. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  let e = 0;
  for (let i = 0; i < b.length; i++) {
    m = Math.max(m, Math.abs(b[i]));
    e = Math.max(e, Math.abs(a[i] - b[i]));
  }
  return e / m;
}

for (const name of NAMES) {
  test(`${name}: logits, every hidden state and greedy continuation match the PyTorch forward`, () => {
    const dir = path.join(hfFixtures, name);
    const warnings: string[] = [];
    const model = loadHfModel(dir, { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(warnings, [], 'buffers and tied heads are ignored silently');
    const exp = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { input_ids: number[][]; greedy: number[][]; num_layers: number };
    const ref = readSafetensors(path.join(dir, 'expected.safetensors')).tensors;
    const L = exp.num_layers;
    assert.equal(model.config.layers, L);
    const seqs = exp.input_ids;
    const T = Math.max(...seqs.map((s) => s.length));
    const tokens = new Int32Array(seqs.length * T);
    seqs.forEach((s, b) => tokens.set(s, b * T));
    const points = model.hookPoints();
    const res = noGrad(() => model.forward({ tokens, batch: seqs.length, steps: T, lengths: Int32Array.from(seqs.map((s) => s.length)) }, { record: points }));
    const d = model.config.hidden;
    const V = model.config.vocabSize;
    seqs.forEach((s, b) => {
      const rowsOf = (point: string, w: number) => res.recorded.get(point)!.data.subarray(b * T * w, (b * T + s.length) * w);
      const cmp = (point: string, key: string, w: number) => {
        const e = relErr(rowsOf(point, w), ref.get(`s${b}.${key}`)!.data);
        assert.ok(e < 1e-4, `${name} sequence ${b} ${point} vs ${key}: relative error ${e}`);
      };
      cmp('embedding', 'hidden_states.0', d);
      for (let i = 0; i < L - 1; i++) cmp(`layer.${i}`, `hidden_states.${i + 1}`, d);
      cmp(`layer.${L - 1}`, 'last_block', d);
      cmp('final', `hidden_states.${L}`, d);
      cmp('logits', 'logits', V);
      const lg = res.logits!.data.subarray(b * T * V, (b * T + s.length) * V);
      assert.ok(relErr(lg, ref.get(`s${b}.logits`)!.data) < 1e-4);
      assert.deepEqual(model.generate(s, exp.greedy[b].length), exp.greedy[b], `${name} greedy continuation of sequence ${b}`);
    });
  });
}

test('llama-rotated computes the same function as llama-sharded, with rotated hidden states', () => {
  const a = loadHfModel(path.join(hfFixtures, 'llama-sharded'));
  const b = loadHfModel(path.join(hfFixtures, 'llama-rotated'));
  const tokens = Int32Array.from([1, 3, 4, 5, 6, 7, 8, 20]);
  const input = { tokens, batch: 1, steps: tokens.length };
  const ra = noGrad(() => a.forward(input, { record: ['layer.0'] }));
  const rb = noGrad(() => b.forward(input, { record: ['layer.0'] }));
  assert.ok(relErr(rb.logits!.data, ra.logits!.data) < 1e-4);
  // Same norms row by row (an orthogonal map), different coordinates.
  const ha = ra.recorded.get('layer.0')!.data;
  const hb = rb.recorded.get('layer.0')!.data;
  const d = a.config.hidden;
  let diff = 0;
  for (let r = 0; r < tokens.length; r++) {
    let na = 0;
    let nb = 0;
    for (let j = 0; j < d; j++) {
      na += ha[r * d + j] ** 2;
      nb += hb[r * d + j] ** 2;
      diff = Math.max(diff, Math.abs(ha[r * d + j] - hb[r * d + j]));
    }
    assert.ok(Math.abs(Math.sqrt(na) - Math.sqrt(nb)) < 1e-4 * Math.sqrt(na));
  }
  assert.ok(diff > 0.1, 'coordinates differ');
});

test('generation with the key/value cache equals recomputing the prefix, to the last position', () => {
  for (const name of NAMES) {
    const model = loadHfModel(path.join(hfFixtures, name));
    const prompt = [3, 1, 4];
    const n = Math.min(model.config.maxPositions, 16) - prompt.length;
    assert.deepEqual(model.generate(prompt, n), model.generate(prompt, n, { cache: false }), name);
  }
  const m = loadHfModel(path.join(hfFixtures, 'gpt2-raw-f16'));
  assert.throws(() => m.generate([1, 2, 3], 10), /longer than the model's 12 positions/);
});
