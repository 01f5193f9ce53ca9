/**
 * `mas-step`: one MAS training step at the reference size — two randomly initialized GRUs (E = H =
 * 128, decoder 512, multi-object vocabulary), `layer.0`, variable `count`, k = 32, all 4 directions,
 * 128 counterfactual pairs per direction, responses free-running: realize both expm maps, 4
 * intervened forward passes, CE, one backward pass to the maps, one Adam step. Reference in the same
 * run (Debian python3 + torch, one thread): the same step as a PyTorch `nn.GRUCell` loop (argmax fed
 * back, intervention h ← h·A + c at p_t, `parametrizations.orthogonal`-style matrix_exp maps), the
 * code path of the reference implementation (`ratio`, `cpu_ratio`). The paper's code took ≈ 4,400 ms
 * per step (`vs_paper` = 4400 / ours). Also reported: the same step on whole sequences
 * (`full_sequence_ms`, no suffix trick), one validation (4 tuples × 1,000 pairs, no gradient) and the
 * data build (pairs, source rows, CL rows, prefixes). CPU figures are process.cpuUsage (steadier than
 * wall time on a loaded machine; BLAS runs one thread).
 */
import { MasData, type AlignedModel } from '../../src/align/data.ts';
import { allTuples, buildMaps, DEFAULT_SETTINGS, type AlignSettings } from '../../src/align/train.ts';
import { runTuple } from '../../src/align/tuple.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel } from '../../src/models/folder.ts';
import { getTask, makeMasData, Vocab } from '../../src/tasks/index.ts';
import { add, scale } from '../../src/tensor/ops/index.ts';
import { Adam } from '../../src/tensor/optim.ts';
import { backward, noGrad, type Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { evaluateTuple } from '../../src/align/iia.ts';
import { round, runPythonRef, withRef } from '../harness.ts';
import type { BenchCase, BenchResult } from '../harness.ts';

const PY = `
import json, time, torch
torch.set_num_threads(1); torch.manual_seed(0)
B, T, V, E, H, D, k = 128, 60, 8, 128, 128, 512, 32
class M(torch.nn.Module):
    def __init__(s):
        super().__init__(); s.emb = torch.nn.Embedding(V, E); s.cell = torch.nn.GRUCell(E, H)
        s.d1 = torch.nn.Linear(H, D); s.d2 = torch.nn.Linear(D, V)
models = [M().eval() for _ in range(2)]
for m in models:
    for p in m.parameters(): p.requires_grad_(False)
maps = [torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(H, H, bias=False)) for _ in range(2)]
opt = torch.optim.Adam([p for m in maps for p in m.parameters()], lr=1e-3)
g = torch.Generator().manual_seed(1)
tok = torch.randint(3, 8, (B, T), generator=g); tok[:, 0] = 1
n = torch.randint(1, 20, (B,), generator=g)
free = torch.zeros(B, T, dtype=torch.bool)
pt = torch.randint(1, 20, (B,), generator=g)
for b in range(B):
    free[b, n[b] + 2: 2 * n[b] + 2] = True
    pt[b] = min(int(pt[b]), int(n[b]))
hs = torch.randn(B, H)
labels = torch.randint(0, V, (B, T), generator=g)
def step():
    Qs = [m.weight.T for m in maps]
    total = 0
    for s in range(2):
        for t in range(2):
            Ut, Us = Qs[t][:, :k], Qs[s][:, :k]
            A = torch.eye(H) - Ut @ Ut.T
            c = hs @ Us @ Ut.T
            m = models[t]; h = torch.zeros(B, H); x = tok[:, 0]; outs = []
            for i in range(T):
                h = m.cell(m.emb(x), h)
                sel = (pt == i).unsqueeze(1)
                h = torch.where(sel, h @ A + c, h)
                lg = m.d2(torch.nn.functional.gelu(m.d1(h))); outs.append(lg)
                if i + 1 < T:
                    x = torch.where(free[:, i + 1], lg.argmax(1), tok[:, i + 1])
            total = total + torch.nn.functional.cross_entropy(torch.stack(outs, 1).reshape(-1, V), labels.reshape(-1)) / 4
    opt.zero_grad(); total.backward(); opt.step()
for _ in range(1): step()
ts, cs = [], []
for _ in range(3):
    t0 = time.perf_counter(); c0 = time.process_time(); step()
    ts.append((time.perf_counter() - t0) * 1000); cs.append((time.process_time() - c0) * 1000)
ts.sort(); cs.sort(); print(json.dumps({"median_ms": ts[len(ts) // 2], "cpu_ms": cs[len(cs) // 2]}))
`;

/** CPU milliseconds (user + system, all threads) since `c0`. */
function cpuMs(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/** Medians of wall and CPU time of `reps` calls after `warmup` untimed ones, in ms. */
function timeBoth(fn: () => void, reps: number, warmup: number): { wall: number; cpu: number } {
  for (let i = 0; i < warmup; i++) fn();
  const w: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    w.push(performance.now() - t0);
    c.push(cpuMs(c0));
  }
  const med = (a: number[]): number => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  return { wall: med(w), cpu: med(c) };
}

/** The benchmark case. */
export const masStep: BenchCase = {
  name: 'mas-step',
  description: 'one MAS step: 2 GRUs (128), layer.0, count, k 32, 4 directions × 128 pairs, free-running; vs a torch GRUCell loop',
  run(): BenchResult {
    const task = getTask('multi-object');
    const nTrain = 512;
    const nValid = 1000;
    const models: AlignedModel[] = [0, 1].map((i) => {
      const cfg = defaultConfig({ arch: 'gru', task: 'multi-object', vocab: [...task.vocab.list], seed: i });
      const model = createModel(cfg, new Rng(i));
      for (const t of model.parameters().values()) t.requiresGrad = false;
      const d = makeMasData(task, { seed: i, nTrain, nValid });
      return { index: i, model, task: d.task, vocab: Vocab.fromList(cfg.vocab), point: 'layer.0' as const, width: 128, train: d.train, valid: d.valid };
    });
    const s: AlignSettings = { ...DEFAULT_SETTINGS, method: 'mas', layer: 'layer.0', variables: ['count'], subspace: 32, clWeight: 0, mode: 'indywise' };
    const tuples = allTuples(2, ['count'], false);
    const c0 = process.cpuUsage();
    const d0 = performance.now();
    const data = new MasData(models, tuples, { mode: 'indywise', seed: 0, nTrain, nValid });
    const dataMs = performance.now() - d0;
    const dataCpu = cpuMs(c0);
    const { maps, blocks } = buildMaps(models, s);
    const adam = new Adam(maps.flatMap((m) => m.parameters()));
    const rng = new Rng(0);
    let maxT = 0;
    const step = (fullSequence: boolean) => (): void => {
      const idx = rng.permutation(nTrain).slice(0, 128);
      const realized = maps.map((m) => m.realize());
      let total: Tensor | null = null;
      for (const k of tuples) {
        const out = runTuple(data, k, 'train', idx, { realized, blocks, mask: 'fixed', fill: null }, { freeRun: true, lossPositions: 'nonpad', clKind: 'both', withCl: true, fullSequence });
        maxT = Math.max(maxT, out.batch.steps);
        const term = scale(out.ce, 1 / 4);
        total = total ? add(total, term) : term;
      }
      backward(total!);
      adam.step();
      adam.zeroGrad();
    };
    // Validation as in the loop: every tuple on the 1,000 validation pairs, no gradient.
    const validate = (): void => {
      const ctx = { realized: noGrad(() => maps.map((m) => m.realize())), blocks, mask: 'fixed' as const, fill: null };
      for (const k of tuples) evaluateTuple(data, k, 'valid', ctx, { lossPositions: 'nonpad' });
    };
    // Ours before and after the reference (the mean of the two medians), so that a change of machine
    // load during the run affects both sides alike; CPU time (process.cpuUsage) is the steadier figure.
    const before = timeBoth(step(false), 7, 4);
    const ref = runPythonRef(PY, ['torch']);
    const after = timeBoth(step(false), 7, 1);
    const ms = (before.wall + after.wall) / 2;
    const cpu = Math.min(before.cpu, after.cpu);
    const full = timeBoth(step(true), 3, 1);
    const valid = timeBoth(validate, 1, 0);
    let res: BenchResult = {
      median_ms: round(ms),
      cpu_ms: round(cpu),
      median_ms_before_ref: round(before.wall),
      median_ms_after_ref: round(after.wall),
      paper_ms: 4400,
      vs_paper: round(4400 / ms, 1),
      vs_paper_cpu: round(4400 / cpu, 1),
      full_sequence_ms: round(full.wall),
      full_sequence_cpu_ms: round(full.cpu),
      validation_ms: round(valid.wall),
      validation_cpu_ms: round(valid.cpu),
      validation_per_step_cpu_ms: round(valid.cpu / DEFAULT_SETTINGS.validEvery),
      data_build_ms: round(dataMs),
      data_build_cpu_ms: round(dataCpu),
      max_steps_in_batch: maxT,
    };
    res = withRef(res, 'torch GRUCell loop (T 60), 1 thread', ref?.median_ms);
    if (ref?.cpu_ms !== undefined) res = { ...res, ref_cpu_ms: round(ref.cpu_ms), cpu_ratio: round(cpu / ref.cpu_ms, 3) };
    return res;
  },
};
