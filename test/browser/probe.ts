// The computation the browser test runs twice, in Node and bundled into a web page: linear CKA of
// two .npz-stored matrices (read from bytes) and one MAS training step of two small GRUs.
import { MasData, type AlignedModel } from '../../src/align/data.ts';
import { allTuples, buildMaps, DEFAULT_SETTINGS, type AlignSettings } from '../../src/align/train.ts';
import { runTuple } from '../../src/align/tuple.ts';
import { encodeNpz, openNpz } from '../../src/io/npz.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel } from '../../src/models/folder.ts';
import { similarity } from '../../src/similarity/index.ts';
import { getTask, makeMasData, Vocab } from '../../src/tasks/index.ts';
import { getBackend } from '../../src/tensor/backend/index.ts';
import { mat } from '../../src/tensor/linalg.ts';
import { add, scale } from '../../src/tensor/ops/index.ts';
import { Adam } from '../../src/tensor/optim.ts';
import { backward, type Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

/** What the probe reports. */
export interface ProbeResult {
  backend: string;
  ckaLinear: number;
  ckaDebiased: number;
  procrustes: number;
  loss: number;
  mapSums: number[];
}

/** Compressed .npz bytes of two 60×12 / 60×9 float64 matrices, seeded. */
export function probeNpz(): Uint8Array {
  const rng = new Rng(5);
  const x = new Float64Array(60 * 12).map(() => rng.normal());
  const y = new Float64Array(60 * 9);
  for (let i = 0; i < 60; i++) for (let j = 0; j < 9; j++) y[i * 9 + j] = x[i * 12 + j] + 0.5 * rng.normal();
  const parts = encodeNpz({ x: { data: x, shape: [60, 12] }, y: { data: y, shape: [60, 9] } }, { compress: true });
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Linear CKA (biased and debiased) and Procrustes on the .npz matrices, then one MAS step. */
export function runProbe(npz: Uint8Array): ProbeResult {
  const z = openNpz(npz);
  const xa = z.get('x'), ya = z.get('y');
  const x = mat(xa.shape[0], xa.shape[1], Float64Array.from(xa.data as Float64Array));
  const y = mat(ya.shape[0], ya.shape[1], Float64Array.from(ya.data as Float64Array));
  const ckaLinear = similarity('cka', x, y).value;
  const ckaDebiased = similarity('cka-debiased', x, y).value;
  const procrustes = similarity('procrustes', x, y).value;

  const task = getTask('multi-object');
  const nTrain = 32;
  const models: AlignedModel[] = [0, 1].map((i) => {
    const cfg = defaultConfig({ arch: 'gru', task: 'multi-object', vocab: [...task.vocab.list], seed: i, sizes: { d_model: 16, hidden: 16, decoder_hidden: 32 } });
    const model = createModel(cfg, new Rng(i));
    for (const t of model.parameters().values()) t.requiresGrad = false;
    const d = makeMasData(task, { seed: i, nTrain, nValid: 16 });
    return { index: i, model, task: d.task, vocab: Vocab.fromList(cfg.vocab), point: 'layer.0' as const, width: 16, train: d.train, valid: d.valid };
  });
  const s: AlignSettings = { ...DEFAULT_SETTINGS, method: 'mas', layer: 'layer.0', variables: ['count'], subspace: 4, clWeight: 0, mode: 'indywise' };
  const tuples = allTuples(2, ['count'], false);
  const data = new MasData(models, tuples, { mode: 'indywise', seed: 0, nTrain, nValid: 16 });
  const { maps, blocks } = buildMaps(models, s);
  const adam = new Adam(maps.flatMap((m) => m.parameters()));
  const idx = new Rng(0).permutation(nTrain).slice(0, 16);
  const realized = maps.map((m) => m.realize());
  let total: Tensor | null = null;
  for (const k of tuples) {
    const out = runTuple(data, k, 'train', idx, { realized, blocks, mask: 'fixed', fill: null }, { freeRun: true, lossPositions: 'nonpad', clKind: 'both', withCl: true, fullSequence: false });
    const term = scale(out.ce, 1 / tuples.length);
    total = total ? add(total, term) : term;
  }
  const loss = total!.data[0];
  backward(total!);
  adam.step();
  const mapSums = maps.flatMap((m) => m.parameters().map((p) => Array.from(p.data).reduce((a, b) => a + b * b, 0)));
  return { backend: getBackend().name, ckaLinear, ckaDebiased, procrustes, loss, mapSums };
}
