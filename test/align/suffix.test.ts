// The indywise suffix path (src/align/prefix.ts) against the full-sequence path, in float64 on tiny
// random GRUs and LSTMs: CE (every loss-position kind), CL loss, predictions, trial scores, IIA and
// the gradients w.r.t. every map parameter agree to ~1e-10 (plus a float64 rounding floor), for swap positions in the demo phase and
// in the response phase, for orthonormal (low-rank kernel) and general invertible maps, FixedMask
// and ZeroMask, and for the k = 0 baseline.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { MasData, type AlignedModel, type TupleKey } from '../../src/align/data.ts';
import { evaluateTuple } from '../../src/align/iia.ts';
import { createMap, type AlignmentMap, type MapKind } from '../../src/align/maps.ts';
import { allTuples } from '../../src/align/train.ts';
import { runTuple, type SwapContext } from '../../src/align/tuple.ts';
import type { LossPositions } from '../../src/align/losses.ts';
import type { MaskKind } from '../../src/align/swap.ts';
import { defaultConfig, type RnnConfig } from '../../src/models/config.ts';
import { createModel } from '../../src/models/folder.ts';
import { RnnModel } from '../../src/models/rnn.ts';
import { getTask, makeMasData, Vocab } from '../../src/tasks/index.ts';
import { Tensor, backward } from '../../src/tensor/tensor.ts';
import { add } from '../../src/tensor/ops/index.ts';
import { Rng } from '../../src/util/rng.ts';
import { acquire, release } from '../../src/tensor/kernels/rnn-pool.ts';

const task = getTask('multi-object');
const H = 6;

/** Tiny float64 RNNs with enlarged decoder weights, so that predictions vary along a sequence. */
function tinyModels(arch: 'gru' | 'lstm'): AlignedModel[] {
  return [0, 1].map((i) => {
    const cfg = defaultConfig({ arch, task: 'multi-object', vocab: [...task.vocab.list], seed: i, sizes: { d_model: 7, hidden: H, decoder_hidden: 9 } }) as RnnConfig;
    const base = createModel(cfg, new Rng(300 + i));
    const params = new Map<string, Tensor>();
    for (const [name, t] of base.parameters()) {
      const s = name.startsWith('decoder') || name.startsWith('cell') ? 3 : 1;
      params.set(name, new Tensor(Float64Array.from(t.data, (v) => v * s), t.shape));
    }
    const model = new RnnModel(cfg, params);
    const d = makeMasData(task, { seed: 20 + i, nTrain: 24, nValid: 24 });
    const width = arch === 'gru' ? H : 2 * H;
    return { index: i, model, task: d.task, vocab: Vocab.fromList(cfg.vocab), point: 'layer.0' as const, width, train: d.train, valid: d.valid };
  });
}

function makeMaps(models: AlignedModel[], kind: MapKind, k: number, full: boolean): AlignmentMap[] {
  return models.map((m) => {
    const map = createMap({ kind, d: m.width, k, full, dtype: 'float64' }, new Rng(40 + m.index), `maps.${m.index}`);
    // Move away from the initial point so every parameter matters.
    const r = new Rng(50 + m.index);
    for (const p of map.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.3 * r.normal();
    return map;
  });
}

interface Outcome {
  ce: number;
  cl: number;
  preds: boolean[];
  tok: number;
  grads: Float64Array[];
}

function runOnce(data: MasData, key: TupleKey, idx: number[], maps: AlignmentMap[], mask: MaskKind, k: number, lp: LossPositions, full: boolean, identity = false): Outcome {
  const params = maps.flatMap((m) => m.parameters());
  for (const p of params) p.grad = null;
  const ctx: SwapContext = { realized: maps.map((m) => m.realize()), blocks: [{ start: 0, end: k }], mask, fill: null, identity };
  const out = runTuple(data, key, 'train', idx, ctx, { freeRun: true, lossPositions: lp, clKind: 'both', withCl: true, fullSequence: full });
  if (!identity) backward(out.cl ? add(out.ce, out.cl) : out.ce);
  return {
    ce: out.ce.item(),
    cl: out.cl ? out.cl.item() : NaN,
    preds: out.scores.trialCorrect,
    tok: out.scores.tokenAccuracy,
    grads: params.map((p) => Float64Array.from(p.grad?.data ?? new Float64Array(p.size))),
  };
}

function maxAbs(grads: Float64Array[]): number {
  let m = 0;
  for (const g of grads) for (const v of g) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * The two paths agree: CE and CL to 1e-12 relative, predictions exactly, and every gradient entry to
 * 1e-10 × the largest entry of the reference gradient plus an absolute `floor` (see gradientFloor).
 */
function assertSame(a: Outcome, b: Outcome, what: string, floor: number): void {
  assert.ok(Math.abs(a.ce - b.ce) <= 1e-12 * (1 + Math.abs(b.ce)), `${what}: CE ${a.ce} vs ${b.ce}`);
  if (Number.isNaN(b.cl)) assert.ok(Number.isNaN(a.cl), `${what}: CL should be absent`);
  else assert.ok(Math.abs(a.cl - b.cl) <= 1e-12 * (1 + Math.abs(b.cl)), `${what}: CL ${a.cl} vs ${b.cl}`);
  assert.deepEqual(a.preds, b.preds, `${what}: trial correctness`);
  assert.equal(a.tok, b.tok, `${what}: token accuracy`);
  const scale = maxAbs(b.grads);
  a.grads.forEach((g, i) => {
    for (let j = 0; j < g.length; j++) {
      assert.ok(Math.abs(g[j] - b.grads[i][j]) <= 1e-10 * scale + floor, `${what}: grad ${i}[${j}] ${g[j]} vs ${b.grads[i][j]} (floor ${floor})`);
    }
  });
}

/**
 * The absolute rounding floor of a map gradient. Where a tuple's gradient vanishes mathematically (0→0 under
 * a full-rank ZeroMask swap: R⁻¹R = I, so the loss does not depend on R), both paths return pure rounding
 * noise (~1e-16, different for each BLAS kernel family), and a tolerance relative to that gradient is
 * meaningless. The noise is bounded by the float64 summation bound γ_n ≈ n·ε times the size of the terms
 * that cancel, which are the size of the non-vanishing gradients of the same computation (G, the largest
 * reference gradient over every tuple and loss-position kind); each entry sums n ≲ 10³ terms (24 pairs ×
 * ~30 steps, through H = 6 units). So floor = 10³ · ε · G: ~7e-14 here, against gradients of ~0.1.
 */
function gradientFloor(references: Outcome[]): number {
  const G = Math.max(...references.map((r) => maxAbs(r.grads)));
  assert.ok(G > 0, 'the reference gradients are not all zero');
  return 1e3 * Number.EPSILON * G;
}

// NaN-filled scratch buffers in the kernel's pool, so that a read of unwritten scratch shows.
for (let bytes = 64; bytes <= 1 << 20; bytes = Math.ceil(bytes * 1.1)) {
  const bufs = Array.from({ length: 4 }, () => acquire('float64', Math.ceil(bytes / 8)));
  for (const b of bufs) new Float64Array(b.buffer).fill(NaN);
  release(...bufs);
}

for (const arch of ['gru', 'lstm'] as const) {
  describe(`suffix path = full-sequence path (${arch}, float64)`, () => {
    const models = tinyModels(arch);
    const tuples = allTuples(2, ['count'], false);
    const data = new MasData(models, tuples, { mode: 'indywise', seed: 3, nTrain: 24, nValid: 24 });
    const idx = Array.from({ length: 24 }, (_, i) => (i * 7) % 24);

    it('stores a prefix per pair, and the batch covers swap positions in the demo and the response phase', () => {
      for (const key of tuples) {
        const td = data.get(key, 'train');
        assert.ok(td.prefix, 'prefix stored');
        assert.equal(td.prefix.state.length, 24 * models[key.trg].width);
        const tb = data.batch(key, 'train', idx);
        const T = tb.batch.steps;
        const phases = new Set(Array.from(tb.batch.targetPos, (p, b) => tb.batch.inputMask[b * T + p]));
        assert.deepEqual([...phases].sort(), [0, 1], 'p_t in both phases');
        // Free-running positions right after p_t exist, so the prediction decoded from h' is fed back.
        assert.ok(Array.from(tb.batch.targetPos).some((p, b) => tb.batch.inputMask[b * T + p + 1] === 1));
      }
    });

    const variants: [string, MapKind, MaskKind, number, boolean][] = [
      ['orthogonal FixedMask (low-rank kernel)', 'orthogonal', 'fixed', 2, false],
      ['invertible FixedMask (general maps)', 'invertible', 'fixed', 3, true],
      ['orthogonal ZeroMask (stitching)', 'orthogonal', 'zero', H, true],
    ];
    for (const [name, kind, mask, k, full] of variants) {
      it(`${name}: CE, CL, scores and map gradients for every tuple and loss-position kind`, () => {
        const maps = makeMaps(models, kind, k, full);
        const runs: { what: string; full: Outcome; sfx: Outcome }[] = [];
        for (const key of tuples) {
          for (const lp of ['nonpad', 'post', 'task'] as const) {
            const fullRun = runOnce(data, key, idx, maps, mask, k, lp, true);
            const sfx = runOnce(data, key, idx, maps, mask, k, lp, false);
            runs.push({ what: `${key.src}->${key.trg} ${lp}`, full: fullRun, sfx });
          }
        }
        const floor = gradientFloor(runs.map((r) => r.full));
        for (const r of runs) assertSame(r.sfx, r.full, r.what, floor);
      });
    }

    it('evaluateTuple (no gradient) and the k = 0 baseline agree', () => {
      const maps = makeMaps(models, 'orthogonal', 2, false);
      const ctx: SwapContext = { realized: maps.map((m) => m.realize()), blocks: [{ start: 0, end: 2 }], mask: 'fixed', fill: null };
      for (const key of tuples) {
        for (const c of [ctx, { ...ctx, identity: true }]) {
          const a = evaluateTuple(data, key, 'valid', c, { batchSize: 10 });
          const b = evaluateTuple(data, key, 'valid', c, { batchSize: 10, fullSequence: true });
          assert.deepEqual(a.correct, b.correct);
          assert.equal(a.iia, b.iia);
          assert.equal(a.tokenAccuracy, b.tokenAccuracy);
          assert.ok(Math.abs(a.loss - b.loss) <= 1e-12 * (1 + b.loss), `loss ${a.loss} vs ${b.loss}`);
          if (Number.isNaN(b.clLoss)) assert.ok(Number.isNaN(a.clLoss));
          else assert.ok(Math.abs(a.clLoss - b.clLoss) <= 1e-12, `CL ${a.clLoss} vs ${b.clLoss}`);
        }
        const id0 = runOnce(data, key, idx, maps, 'fixed', 2, 'nonpad', true, true);
        const id1 = runOnce(data, key, idx, maps, 'fixed', 2, 'nonpad', false, true);
        assert.ok(Math.abs(id0.ce - id1.ce) <= 1e-12 * (1 + id0.ce));
        assert.deepEqual(id0.preds, id1.preds);
        assert.ok(Number.isNaN(id1.cl), 'no CL loss without an intervention');
      }
    });
  });
}
