// Config schema, parameter shapes/counts, hook-point resolution and initialization (models.md §1.2, §6, §7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileFormatError, InputError } from '../../src/errors.ts';
import { defaultConfig, parameterCount, parameterShapes, parseConfig, resolveHookPoint, hookWidthOf } from '../../src/models/config.ts';
import { initParameters } from '../../src/models/init.ts';
import { Rng } from '../../src/util/rng.ts';

const V8 = ['P', 'B', 'E', 'D0', 'D1', 'D2', 'R', 'T'];
const V9 = [...V8, 'U'];

test('parameter counts of the paper models (models.md §6.2)', () => {
  assert.equal(parameterCount(defaultConfig({ arch: 'gru', task: 'multi-object', vocab: V8 })), 170_248);
  assert.equal(parameterCount(defaultConfig({ arch: 'lstm', task: 'multi-object', vocab: V8 })), 88_072);
  assert.equal(parameterCount(defaultConfig({ arch: 'transformer', task: 'multi-object', vocab: V9 })), 399_113);
});

test('tensor names and shapes follow §6.2, sorted by name', () => {
  const lstm = new Map(parameterShapes(defaultConfig({ arch: 'lstm', task: 'multi-object', vocab: V8 })));
  assert.deepEqual(lstm.get('cell.weight_ih'), [256, 128]);
  assert.deepEqual(lstm.get('cell.weight_hh'), [256, 64]);
  assert.deepEqual(lstm.get('decoder.hidden.weight'), [512, 64]);
  assert.deepEqual(lstm.get('decoder.out.weight'), [8, 512]);
  const tf = parameterShapes(defaultConfig({ arch: 'transformer', task: 'multi-object', vocab: V9 }));
  const names = tf.map(([n]) => n);
  assert.deepEqual(names, [...names].sort());
  assert.equal(names.length, 1 + 2 * 16 + 4);
  assert.deepEqual(new Map(tf).get('layers.1.ff.out.weight'), [128, 512]);
  assert.deepEqual(new Map(tf).get('head.bias'), [9]);
});

test('a minimal config gets the defaults of §6.1', () => {
  const c = parseConfig({ format: 'mas-model/1', arch: 'transformer', task: 'multi-object', vocab: V9, d_model: 128, n_layers: 2, n_heads: 1, ff_hidden: 512 });
  assert.equal(c.arch, 'transformer');
  if (c.arch !== 'transformer') return;
  assert.equal(c.rope_base, 10000);
  assert.equal(c.rope_dim, 128);
  assert.equal(c.ln_eps, 1e-5);
  assert.equal(c.block, 'pre-ln');
  assert.equal(c.dropout, 0.5);
  assert.equal(c.dtype, 'float32');
  assert.deepEqual(c.task_config.hold_outs, [4, 9, 14, 17]);
  const g = parseConfig({ format: 'mas-model/1', arch: 'gru', task: 'multi-object', vocab: V8, d_model: 128, hidden: 128, decoder_hidden: 512 });
  assert.equal(g.seed, null);
  assert.equal(g.task_config.unk_p, 0);
});

test('config errors name the field', () => {
  const base = { format: 'mas-model/1', arch: 'gru', task: 'multi-object', vocab: V8, d_model: 128, hidden: 128, decoder_hidden: 512 };
  assert.throws(() => parseConfig({ ...base, format: 'mas-model/2' }), (e: Error) => e instanceof FileFormatError && /major version 2/.test(e.message));
  assert.throws(() => parseConfig({ ...base, format: 'other/1' }), FileFormatError);
  assert.throws(() => parseConfig({ ...base, hidden: undefined }), /missing required field 'hidden'/);
  assert.throws(() => parseConfig({ ...base, arch: 'rnn' }), /unknown arch 'rnn'/);
  assert.throws(() => parseConfig({ ...base, vocab: ['B', 'E', 'D0'] }), /lacks the special token 'P'/);
  assert.throws(() => parseConfig({ ...base, vocab: [...V8, 'R'] }), /'R' twice/);
  assert.throws(() => parseConfig({ ...base, d_model: 0 }), /'d_model' must be a positive integer/);
  const tf = { format: 'mas-model/1', arch: 'transformer', task: 'multi-object', vocab: V9, d_model: 128, n_layers: 2, n_heads: 1, ff_hidden: 512 };
  assert.throws(() => parseConfig({ ...tf, block: 'mas-alt' }), /'block' "mas-alt" is not supported/);
  assert.throws(() => parseConfig({ ...tf, n_heads: 3 }), /not divisible/);
  assert.throws(() => parseConfig({ ...tf, rope_dim: 7 }), /rope_dim/);
  assert.throws(() => parseConfig([1, 2]), /expected a JSON object/);
});

test('hook points: canonical names, reference aliases, hidden for RNNs, clear errors', () => {
  const gru = defaultConfig({ arch: 'gru', task: 'multi-object', vocab: V8 });
  const lstm = defaultConfig({ arch: 'lstm', task: 'multi-object', vocab: V8 });
  const tf = defaultConfig({ arch: 'transformer', task: 'multi-object', vocab: V9 });
  for (const c of [gru, lstm, tf]) {
    assert.equal(resolveHookPoint(c, 'embedding'), 'embedding');
    assert.equal(resolveHookPoint(c, 'inpt_identity'), 'embedding');
    assert.equal(resolveHookPoint(c, 'layer.0'), 'layer.0');
    assert.equal(resolveHookPoint(c, 'identities.0'), 'layer.0');
  }
  assert.equal(resolveHookPoint(gru, 'hidden'), 'layer.0');
  assert.equal(resolveHookPoint(lstm, 'hidden'), 'layer.0');
  assert.equal(resolveHookPoint(tf, 'identities.1'), 'layer.1');
  assert.equal(resolveHookPoint(tf, 'layer.1'), 'layer.1');
  assert.throws(() => resolveHookPoint(gru, 'layer.1'), (e: Error) => e instanceof InputError && /layer\.1/.test(e.message) && /valid: embedding, layer\.0/.test(e.message));
  assert.throws(() => resolveHookPoint(tf, 'hidden'), (e: Error) => e instanceof InputError && /RNN alias/.test(e.message));
  assert.throws(() => resolveHookPoint(tf, 'layer.2'), InputError);
  assert.throws(() => resolveHookPoint(tf, 'embeding'), /did you mean 'embedding'/);
  assert.equal(hookWidthOf(gru, 'layer.0'), 128);
  assert.equal(hookWidthOf(lstm, 'layer.0'), 128);
  assert.equal(hookWidthOf(lstm, 'embedding'), 128);
  assert.equal(hookWidthOf(tf, 'layer.1'), 128);
});

function stats(a: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    s2 += a[i] * a[i];
    min = Math.min(min, a[i]);
    max = Math.max(max, a[i]);
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), min, max };
}

test('initialization follows PyTorch defaults in distribution; same seed → same draws', () => {
  const tf = defaultConfig({ arch: 'transformer', task: 'multi-object', vocab: V9 });
  const p = initParameters(tf, new Rng(5));
  const emb = stats(p.get('embedding.weight')!.data);
  assert.ok(Math.abs(emb.std - 1) < 0.1 && Math.abs(emb.mean) < 0.12, `embedding N(0,1): ${JSON.stringify(emb)}`);
  const xav = Math.sqrt(6 / 256);
  const q = stats(p.get('layers.0.attn.q.weight')!.data);
  assert.ok(q.max <= xav && q.min >= -xav && q.max > 0.95 * xav, 'Xavier-uniform bound');
  assert.ok(Math.abs(q.std - xav / Math.sqrt(3)) < 0.01 * xav * 3);
  const ffo = stats(p.get('layers.0.ff.out.weight')!.data);
  assert.ok(ffo.max <= 1 / Math.sqrt(512) && ffo.max > 0.95 / Math.sqrt(512), 'Linear bound 1/√fan_in');
  const ffob = stats(p.get('layers.0.ff.out.bias')!.data);
  assert.ok(ffob.max <= 1 / Math.sqrt(512), 'bias bound 1/√fan_in of its weight');
  assert.ok(p.get('final_ln.weight')!.data.every((v) => v === 1));
  assert.ok(p.get('layers.1.ln2.bias')!.data.every((v) => v === 0));
  const lstm = initParameters(defaultConfig({ arch: 'lstm', task: 'multi-object', vocab: V8 }), new Rng(5));
  const cell = stats(lstm.get('cell.bias_hh')!.data);
  assert.ok(cell.max <= 1 / 8 && cell.max > 0.9 / 8, 'cell U(±1/√H), H = 64');
  const again = initParameters(tf, new Rng(5));
  const other = initParameters(tf, new Rng(6));
  for (const [n, t] of p) {
    assert.deepEqual(again.get(n)!.data, t.data, n);
    assert.ok(t.requiresGrad);
  }
  assert.notDeepEqual(other.get('head.weight')!.data, p.get('head.weight')!.data);
});
