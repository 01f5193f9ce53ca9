/**
 * `mas-step`: one MAS training step at the reference size — two randomly initialized GRUs (E = H =
 * 128, decoder 512, multi-object vocabulary), `layer.0`, variable `count`, k = 32, all 4 directions,
 * 128 counterfactual pairs per direction, responses free-running: realize both expm maps, 4
 * intervened forward passes, CE, one backward pass to the maps, one Adam step. Reference in the same
 * run (Debian python3 + torch, one thread): the same step as a PyTorch `nn.GRUCell` loop (argmax fed
 * back, intervention h ← h·A + c at p_t, `parametrizations.orthogonal`-style matrix_exp maps), the
 * code path of the reference implementation (`ratio`). The paper's code took ≈ 4,400 ms per step.
 */
import { MasData, type AlignedModel } from '../../src/align/data.ts';
import { allTuples, buildMaps, DEFAULT_SETTINGS, type AlignSettings } from '../../src/align/train.ts';
import { runTuple } from '../../src/align/tuple.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel } from '../../src/models/folder.ts';
import { getTask, makeMasData, Vocab } from '../../src/tasks/index.ts';
import { add, scale } from '../../src/tensor/ops/index.ts';
import { Adam } from '../../src/tensor/optim.ts';
import { backward, type Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { round, runPythonRef, timeMedian, withRef } from '../harness.ts';
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
ts = []
for _ in range(3):
    t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1000)
ts.sort(); print(json.dumps({"median_ms": ts[len(ts) // 2]}))
`;

/** The benchmark case. */
export const masStep: BenchCase = {
  name: 'mas-step',
  description: 'one MAS step: 2 GRUs (128), layer.0, count, k 32, 4 directions × 128 pairs, free-running; vs a torch GRUCell loop',
  run(): BenchResult {
    const task = getTask('multi-object');
    const nTrain = 512;
    const models: AlignedModel[] = [0, 1].map((i) => {
      const cfg = defaultConfig({ arch: 'gru', task: 'multi-object', vocab: [...task.vocab.list], seed: i });
      const model = createModel(cfg, new Rng(i));
      for (const t of model.parameters().values()) t.requiresGrad = false;
      const d = makeMasData(task, { seed: i, nTrain, nValid: 16 });
      return { index: i, model, task: d.task, vocab: Vocab.fromList(cfg.vocab), point: 'layer.0' as const, width: 128, train: d.train, valid: d.valid };
    });
    const s: AlignSettings = { ...DEFAULT_SETTINGS, method: 'mas', layer: 'layer.0', variables: ['count'], subspace: 32, clWeight: 0, mode: 'indywise' };
    const tuples = allTuples(2, ['count'], false);
    const data = new MasData(models, tuples, { mode: 'indywise', seed: 0, nTrain, nValid: 16 });
    const { maps, blocks } = buildMaps(models, s);
    const adam = new Adam(maps.flatMap((m) => m.parameters()));
    const rng = new Rng(0);
    let steps = 0;
    let maxT = 0;
    const step = (): void => {
      const idx = rng.permutation(nTrain).slice(0, 128);
      const realized = maps.map((m) => m.realize());
      let total: Tensor | null = null;
      for (const k of tuples) {
        const out = runTuple(data, k, 'train', idx, { realized, blocks, mask: 'fixed', fill: null }, { freeRun: true, lossPositions: 'nonpad', clKind: 'both', withCl: true });
        maxT = Math.max(maxT, out.batch.steps);
        const term = scale(out.ce, 1 / 4);
        total = total ? add(total, term) : term;
      }
      backward(total!);
      adam.step();
      adam.zeroGrad();
      steps++;
    };
    const ms = timeMedian(step, 5, 1);
    const res: BenchResult = { median_ms: round(ms), paper_ms: 4400, speedup_vs_paper: round(4400 / ms, 1), max_steps_in_batch: maxT };
    const ref = runPythonRef(PY, ['torch']);
    return withRef(res, 'torch GRUCell loop (T 60)', ref?.median_ms);
  },
};
