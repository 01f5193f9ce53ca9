// Model-level semantics: folder round trip and loading errors, free running, padding, LSTM hook
// split, interventions with gradients into A and c (finite differences in float64), recording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileFormatError } from '../../src/errors.ts';
import { defaultConfig, type Arch } from '../../src/models/config.ts';
import { buildModel, createModel, loadModel, saveModel } from '../../src/models/folder.ts';
import { initParameters } from '../../src/models/init.ts';
import type { SequenceModel } from '../../src/models/model.ts';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixDir = path.join(here, '..', 'fixtures', 'models');
const V8 = ['P', 'B', 'E', 'D0', 'D1', 'D2', 'R', 'T'];
const V9 = [...V8, 'U'];
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mas-models-'));

function tiny(arch: Arch, seed = 1, dtype: 'float32' | 'float64' = 'float32'): SequenceModel {
  const cfg = defaultConfig({
    arch, task: 'multi-object', vocab: arch === 'transformer' ? V9 : V8, seed,
    sizes: { d_model: 8, hidden: arch === 'lstm' ? 4 : 8, decoder_hidden: 16, n_layers: 2, n_heads: 2, ff_hidden: 16 },
  });
  const p = initParameters(cfg, new Rng(seed));
  if (dtype === 'float64') for (const [n, t] of p) p.set(n, t.to('float64'));
  for (const t of p.values()) t.requiresGrad = false;
  return buildModel(cfg, p);
}

const ids = (s: string, vocab = V8): number[] => s.split(' ').map((t) => vocab.indexOf(t));

test('model folder round trip: same tensors, same outputs', () => {
  for (const arch of ['gru', 'lstm', 'transformer'] as const) {
    const dir = path.join(tmp(), 'm');
    const m = tiny(arch);
    saveModel(dir, m);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
    const back = loadModel(dir);
    assert.deepEqual(back.config, m.config);
    for (const [n, t] of m.parameters()) assert.deepEqual(back.parameters().get(n)!.data, t.data, n);
    const vocab = arch === 'transformer' ? V9 : V8;
    const tokens = Int32Array.from(ids('B D0 D1 T R R', vocab));
    const input = { tokens, batch: 1, steps: 6, inputMask: Uint8Array.from([0, 0, 0, 0, 1, 1]) };
    const a = m.forward(input, { mode: 'eval', freeRun: true });
    const b = back.forward(input, { mode: 'eval', freeRun: true });
    assert.deepEqual(b.logits.data, a.logits.data);
    const meta = readSafetensors(path.join(dir, 'model.safetensors')).metadata;
    assert.equal(meta.format, 'mas-model/1');
  }
});

function copyFixture(name: string): string {
  const dir = path.join(tmp(), name);
  fs.mkdirSync(dir);
  for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(fixDir, name, f), path.join(dir, f));
  return dir;
}

test('loading errors: missing tensor, shape mismatch, extra tensors, bad folders', () => {
  const dir = copyFixture('gru');
  const st = readSafetensors(path.join(dir, 'model.safetensors'));
  const without = new Map([...st.tensors].filter(([n]) => n !== 'cell.bias_hh'));
  writeSafetensors(path.join(dir, 'model.safetensors'), without);
  assert.throws(() => loadModel(dir), (e: Error) => e instanceof FileFormatError && /missing tensor 'cell\.bias_hh'/.test(e.message) && /\[48\]/.test(e.message));

  const dir2 = copyFixture('gru');
  const cfg = JSON.parse(fs.readFileSync(path.join(dir2, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(dir2, 'config.json'), JSON.stringify({ ...cfg, decoder_hidden: 64 }));
  assert.throws(() => loadModel(dir2), (e: Error) => /tensor 'decoder\.hidden\.bias' has shape \[32\] but config\.json implies \[64\]/.test(e.message));

  const dir3 = copyFixture('lstm');
  const st3 = readSafetensors(path.join(dir3, 'model.safetensors'));
  st3.tensors.set('trigger_ids', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) });
  writeSafetensors(path.join(dir3, 'model.safetensors'), st3.tensors);
  const warnings: string[] = [];
  const m = loadModel(dir3, { onWarning: (w) => warnings.push(w) });
  assert.equal(m.config.arch, 'lstm');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /extra tensor\(s\): trigger_ids/);

  assert.throws(() => loadModel(path.join(tmp(), 'nope')), /does not exist/);
  const empty = tmp();
  assert.throws(() => loadModel(empty), /has no config\.json/);
  const dir4 = copyFixture('gru');
  fs.writeFileSync(path.join(dir4, 'config.json'), '{"format": "mas-model/1",');
  assert.throws(() => loadModel(dir4), (e: Error) => e instanceof FileFormatError && /not valid JSON/.test(e.message));
  const dir5 = copyFixture('gru');
  fs.writeFileSync(path.join(dir5, 'model.safetensors'), new Uint8Array([1, 2, 3]));
  assert.throws(() => loadModel(dir5), FileFormatError);
  const dir6 = copyFixture('transformer');
  const c6 = JSON.parse(fs.readFileSync(path.join(dir6, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(dir6, 'config.json'), JSON.stringify({ ...c6, format: 'mas-model/3' }));
  assert.throws(() => loadModel(dir6), /major version 3/);
});

test('free running: a model that predicts E at T is fed E at the next position', () => {
  for (const arch of ['gru', 'lstm', 'transformer'] as const) {
    const m = tiny(arch, 3);
    const vocab = m.config.vocab;
    const E = vocab.indexOf('E');
    const headBias = m.parameters().get(arch === 'transformer' ? 'head.bias' : 'decoder.out.bias')!;
    headBias.data[E] += 1000; // always predicts E
    const tokens = Int32Array.from(ids('B D0 T R R', vocab));
    const inputMask = Uint8Array.from([0, 0, 0, 1, 1]);
    const res = m.forward({ tokens, batch: 1, steps: 5, inputMask }, { mode: 'eval', freeRun: true, record: ['layer.0'] });
    assert.deepEqual(Array.from(res.fed), [tokens[0], tokens[1], tokens[2], E, E], arch);
    // Same as a teacher-forced run on the tokens actually fed.
    const tf = m.forward({ tokens: res.fed, batch: 1, steps: 5 }, { mode: 'eval', freeRun: false, record: ['layer.0'] });
    // E as a given input is padding for an RNN; fed by the model it is a real input, so compare up to T.
    const d = m.hookWidth('layer.0');
    const x = res.recorded.get('layer.0')!.data;
    const y = tf.recorded.get('layer.0')!.data;
    for (let i = 0; i < 3 * d; i++) assert.ok(Math.abs(x[i] - y[i]) < 1e-5, `${arch} state ${i}`);
    // Without free running the given tokens are fed.
    const teacher = m.forward({ tokens, batch: 1, steps: 5, inputMask }, { mode: 'eval', freeRun: false });
    assert.deepEqual(Array.from(teacher.fed), Array.from(tokens));
  }
});

test('padding: RNN state carried over P and E; outputs do not depend on padding length', () => {
  for (const arch of ['gru', 'lstm', 'transformer'] as const) {
    const m = tiny(arch, 4);
    const vocab = m.config.vocab;
    const seq = ids('B D0 D2 T R R E', vocab);
    const padded = [...seq, 0, 0, 0];
    const run = (s: number[]) => m.forward({ tokens: Int32Array.from(s), batch: 1, steps: s.length }, { mode: 'eval', freeRun: false, record: ['layer.0'] });
    const a = run(seq);
    const b = run(padded);
    const d = m.hookWidth('layer.0');
    const V = vocab.length;
    for (let t = 0; t < 6; t++) {
      for (let j = 0; j < V; j++) assert.ok(Math.abs(a.logits.data[t * V + j] - b.logits.data[t * V + j]) < 1e-6, `${arch} logits at ${t}`);
    }
    assert.equal(b.predictions[8], -1);
    if (arch !== 'transformer') {
      const st = b.recorded.get('layer.0')!.data;
      for (let t = 6; t < padded.length; t++) assert.deepEqual(st.slice(t * d, (t + 1) * d), st.slice(5 * d, 6 * d), `${arch} state at ${t}`);
    }
  }
});

test('LSTM hook split: [h; c] replaced by itself is a no-op; replacing only c changes the next step only', () => {
  const m = tiny('lstm', 5);
  const H = 4;
  const tokens = Int32Array.from(ids('B D0 D1 D2 T R'));
  const input = { tokens, batch: 1, steps: 6 };
  const base = m.forward(input, { mode: 'eval', freeRun: false });
  const mask = Uint8Array.from([0, 0, 1, 0, 0, 0]);
  const same = m.forward(input, { mode: 'eval', freeRun: false, intervention: { point: 'hidden', mask, A: null, c: null } });
  assert.deepEqual(same.logits.data, base.logits.data);
  const A = Tensor.zeros([2 * H, 2 * H]);
  for (let i = 0; i < H; i++) A.data[i * 2 * H + i] = 1; // keep h, zero c
  const c = Tensor.zeros([1, 2 * H]);
  for (let i = H; i < 2 * H; i++) c.data[i] = 3; // new c
  const iv = m.forward(input, { mode: 'eval', freeRun: false, intervention: { point: 'layer.0', mask, A, c }, record: ['layer.0'] });
  const V = 8;
  assert.deepEqual(iv.logits.data.slice(0, 3 * V), base.logits.data.slice(0, 3 * V), 'logits up to and at the intervened position unchanged');
  const diff = Math.max(...Array.from({ length: V }, (_, j) => Math.abs(iv.logits.data[3 * V + j] - base.logits.data[3 * V + j])));
  assert.ok(diff > 1e-4, 'the next step changes');
  assert.deepEqual(Array.from(iv.recorded.get('layer.0')!.data.slice(2 * 2 * H + H, 3 * 2 * H)), [3, 3, 3, 3]);
  assert.ok(iv.preIntervention && iv.preIntervention.shape[0] === 1 && iv.preIntervention.shape[1] === 2 * H);
});

/** Σ logits ⊙ W over non-pad rows, with W fixed pseudo-random weights. */
function probeLoss(logits: Tensor, pad: Uint8Array): number {
  const V = logits.shape[1];
  let s = 0;
  for (let i = 0; i < pad.length; i++) if (!pad[i]) for (let j = 0; j < V; j++) s += logits.data[i * V + j] * Math.sin(1 + i * 7 + j * 3);
  return s;
}

test('interventions: gradients reach A and c (float64 finite differences), all architectures and points', () => {
  for (const arch of ['gru', 'lstm', 'transformer'] as const) {
    for (const point of ['embedding', 'layer.0'] as const) {
      const m = tiny(arch, 6, 'float64');
      const vocab = m.config.vocab;
      const tokens = Int32Array.from([...ids('B D0 D1 T R R', vocab), ...ids('B D2 T R P P', vocab)]);
      const inputMask = Uint8Array.from([0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0]);
      const mask = Uint8Array.from([0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
      const d = m.hookWidth(point);
      const rng = new Rng(9);
      const A = Tensor.randn([d, d], rng, 0.3, 'float64').param();
      const c = Tensor.randn([3, d], rng, 0.5, 'float64').param();
      const input = { tokens, batch: 2, steps: 6, inputMask };
      const run = () => m.forward(input, { mode: 'eval', freeRun: true, intervention: { point, mask, A, c } });
      const res = run();
      const V = vocab.length;
      const W = new Float64Array(res.logits.size);
      for (let i = 0; i < 12; i++) if (!res.pad[i]) for (let j = 0; j < V; j++) W[i * V + j] = Math.sin(1 + i * 7 + j * 3);
      res.logits.backward(new Tensor(W, res.logits.shape));
      const eps = 1e-6;
      for (const [t, idx] of [[A, 0], [A, d + 3], [A, d * d - 1], [c, 0], [c, 2 * d + 1]] as const) {
        const old = t.data[idx];
        t.data[idx] = old + eps;
        const up = probeLoss(run().logits, res.pad);
        t.data[idx] = old - eps;
        const down = probeLoss(run().logits, res.pad);
        t.data[idx] = old;
        const fd = (up - down) / (2 * eps);
        const g = t.grad!.data[idx];
        assert.ok(Math.abs(fd - g) <= 1e-6 * Math.max(1, Math.abs(fd)), `${arch} ${point}: analytic ${g} vs numeric ${fd}`);
      }
      assert.ok(c.grad!.data.some((v) => v !== 0));
    }
  }
});

test('transformer free running: the differentiable path equals the cached path', () => {
  const m = tiny('transformer', 7);
  const tokens = Int32Array.from([...ids('B D0 D1 D2 T R R R', V9), ...ids('B U D2 T R P P P', V9)]);
  const inputMask = Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0]);
  const input = { tokens, batch: 2, steps: 8, inputMask };
  const a = m.forward(input, { mode: 'eval', freeRun: true, record: ['layer.1', 'inpt_identity'] });
  for (const t of m.parameters().values()) t.requiresGrad = true;
  const b = m.forward(input, { mode: 'eval', freeRun: true, record: ['layer.1', 'inpt_identity'] });
  assert.ok(b.logits.requiresGrad && !a.logits.requiresGrad);
  assert.deepEqual(Array.from(b.fed), Array.from(a.fed));
  assert.deepEqual(Array.from(b.predictions), Array.from(a.predictions));
  for (let i = 0; i < a.logits.size; i++) assert.ok(Math.abs(a.logits.data[i] - b.logits.data[i]) < 1e-5);
  for (const p of ['layer.1', 'embedding'] as const) {
    const x = a.recorded.get(p)!.data;
    const y = b.recorded.get(p)!.data;
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) < 1e-5, p);
  }
  assert.throws(() => m.forward(input, { mode: 'train', freeRun: true, rng: new Rng(1) }), /teacher-forced in training/);
});

test('recording through aliases; train-mode dropout is seeded', () => {
  const m = tiny('gru', 8);
  const tokens = Int32Array.from(ids('B D0 T R'));
  const r = m.forward({ tokens, batch: 1, steps: 4 }, { mode: 'eval', freeRun: false, record: ['hidden', 'inpt_identity'] });
  assert.deepEqual([...r.recorded.keys()].sort(), ['embedding', 'layer.0']);
  assert.deepEqual(r.recorded.get('layer.0')!.shape, [4, 8]);
  assert.throws(() => m.forward({ tokens, batch: 1, steps: 4 }, { mode: 'eval', freeRun: false, record: ['layer.1'] }), /unknown hook point/);
  const t1 = m.forward({ tokens, batch: 1, steps: 4 }, { mode: 'train', freeRun: false, rng: new Rng(3) });
  const t2 = m.forward({ tokens, batch: 1, steps: 4 }, { mode: 'train', freeRun: false, rng: new Rng(3) });
  assert.deepEqual(t1.logits.data, t2.logits.data);
  assert.notDeepEqual(t1.logits.data, r.logits.data);
  const fresh = createModel(m.config, new Rng(1));
  assert.equal(fresh.parameters().size, 9);
});

test("decode 'fed': same states and fed tokens as a full decode, logits only where fed, refused with a graph", () => {
  for (const arch of ['gru', 'lstm'] as const) {
    const m = tiny(arch, 4);
    const vocab = m.config.vocab;
    const B = 3;
    const T = 7;
    const tokens = new Int32Array(B * T);
    const inputMask = new Uint8Array(B * T);
    const rows = ['B D0 D1 T R R R', 'B D2 T R R E P', 'B D1 D0 D2 T R R'];
    rows.forEach((r, b) => {
      const t = ids(r, vocab);
      tokens.set(t, b * T);
      t.forEach((x, i) => (inputMask[b * T + i] = vocab[x] === 'R' ? 1 : 0));
    });
    for (const freeRun of [true, false]) {
      const full = m.forward({ tokens, batch: B, steps: T, inputMask }, { mode: 'eval', freeRun, record: ['layer.0'] });
      const fed = m.forward({ tokens, batch: B, steps: T, inputMask }, { mode: 'eval', freeRun, record: ['layer.0'], decode: 'fed' });
      assert.deepEqual(Array.from(fed.recorded.get('layer.0')!.data), Array.from(full.recorded.get('layer.0')!.data), `${arch} states`);
      assert.deepEqual(Array.from(fed.fed), Array.from(full.fed), `${arch} fed tokens`);
      const V = vocab.length;
      for (let i = 0; i < B * T; i++) {
        const isFedSource = freeRun && i % T < T - 1 && inputMask[i + 1] === 1 && !full.pad[i + 1];
        if (isFedSource) {
          assert.equal(fed.predictions[i], full.predictions[i], `${arch} prediction ${i}`);
          assert.deepEqual(Array.from(fed.logits.data.subarray(i * V, (i + 1) * V)), Array.from(full.logits.data.subarray(i * V, (i + 1) * V)));
        } else {
          assert.equal(fed.predictions[i], -1, `${arch} ${freeRun} no prediction at ${i}`);
          assert.ok(fed.logits.data.subarray(i * V, (i + 1) * V).every((z) => z === 0));
        }
      }
    }
    // With a graph (a parameter requires grad) the option is refused.
    m.parameters().get('decoder.out.bias')!.requiresGrad = true;
    assert.throws(() => m.forward({ tokens, batch: B, steps: T }, { mode: 'eval', freeRun: false, decode: 'fed' }), /decode 'fed'/);
  }
});
