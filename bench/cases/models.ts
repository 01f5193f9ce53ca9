/**
 * `transformer-train-step`: one training step of the paper's transformer (models.md §5: d 128, 2
 * pre-LN blocks, 1 head, ff 512, rotary attention, dropout 0.5, vocab 9) on a batch of 128
 * multi-object sequences padded to 43 positions, teacher-forced: forward through the library's
 * TransformerModel, mean cross-entropy over non-pad labels, backward, Adam on every parameter.
 * Reference in the same run: the same model written explicitly in PyTorch (Debian python3 + torch,
 * one thread), same step (`ratio` = ours / torch).
 */
import { defaultConfig } from '../../src/models/config.ts';
import { createModel, setTrainable } from '../../src/models/folder.ts';
import { getTask } from '../../src/tasks/task.ts';
import { sampleDataset } from '../../src/tasks/datasets.ts';
import { makeBatch } from '../../src/tasks/sequences.ts';
import { crossEntropy } from '../../src/tensor/ops/loss.ts';
import { Adam } from '../../src/tensor/optim.ts';
import { Rng } from '../../src/util/rng.ts';
import { round, runPythonRef, timeMedian, withRef } from '../harness.ts';
import type { BenchCase } from '../harness.ts';

const TORCH = `
import json, math, random, time, torch
import torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1); torch.manual_seed(0); random.seed(0)
B, T, V, d, L, ff = 128, 43, 9, 128, 2, 512
def rope(u, r=128, base=10000.0):
    j = torch.arange(r // 2, dtype=torch.float32); th = base ** (-2.0 * j / r)
    ang = torch.arange(u.shape[-2], dtype=torch.float32)[:, None] * th[None]
    c, s = torch.cos(ang), torch.sin(ang); a, b = u[..., :r // 2], u[..., r // 2:r]
    return torch.cat([a * c - b * s, b * c + a * s, u[..., r:]], -1)
class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.ln1, s.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        s.q, s.k, s.v, s.o = (nn.Linear(d, d) for _ in range(4)); s.fi, s.fo = nn.Linear(d, ff), nn.Linear(ff, d)
    def forward(s, x, kp):
        a = s.ln1(x); q, k, v = rope(s.q(a)), rope(s.k(a)), s.v(a)
        S = q @ k.transpose(-1, -2) / math.sqrt(d)
        S = S.masked_fill(torch.ones(T, T).triu(1).bool()[None] | kp[:, None, :], float('-inf'))
        x = x + F.dropout(s.o(torch.softmax(S, -1) @ v), 0.5)
        return x + F.dropout(s.fo(F.dropout(F.gelu(s.fi(s.ln2(x))), 0.5)), 0.5)
class M(nn.Module):
    def __init__(s):
        super().__init__(); s.emb = nn.Embedding(V, d); s.blocks = nn.ModuleList(Block() for _ in range(L)); s.ln = nn.LayerNorm(d); s.head = nn.Linear(d, V)
    def forward(s, t):
        kp = t == 0; x = s.emb(t)
        for b in s.blocks: x = b(x, kp)
        return s.head(s.ln(x))
toks = []
for _ in range(B):
    n = random.randint(1, 20); sq = [1] + [3 + random.randrange(3) for _ in range(n)] + [7] + [6] * n + [2]
    toks.append(sq + [0] * (T + 1 - len(sq)))
toks = torch.tensor(toks); inp, lab = toks[:, :-1], toks[:, 1:]
m = M(); opt = torch.optim.Adam(m.parameters(), lr=5e-4)
def step():
    opt.zero_grad(); z = m(inp); loss = F.cross_entropy(z.reshape(-1, V), lab.reshape(-1), ignore_index=0); loss.backward(); opt.step()
for _ in range(2): step()
ts = []
for _ in range(7):
    t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1000)
ts.sort(); print(json.dumps({"median_ms": ts[3]}))
`;

/** One full training step of the paper-size transformer; returns a closure. */
export function transformerTrainStep(): () => number {
  const task = getTask('multi-object', { unk_p: 0.2 });
  const cfg = defaultConfig({ arch: 'transformer', task: task.id, vocab: [...task.vocab.list] });
  const model = createModel(cfg, new Rng(1));
  setTrainable(model, true);
  const opt = new Adam([...model.parameters().values()], { lr: 5e-4 });
  // 128 sequences; the batch is padded to 43 positions (the longest possible, N = 20).
  const trials = sampleDataset(getTask('multi-object'), { n: 128, seed: 3 });
  const batch = makeBatch(trials, task.vocab, { steps: 43 });
  const rng = new Rng(2);
  return () => {
    opt.zeroGrad();
    const res = model.forward(batch, { mode: 'train', freeRun: false, rng });
    const loss = crossEntropy(res.logits, batch.labels, { mask: batch.labelValid });
    loss.backward();
    opt.step();
    return loss.item();
  };
}

export const transformerTrainStepCase: BenchCase = {
  name: 'transformer-train-step',
  description: 'transformer (d 128, 2 layers) train step: batch 128 × 43, fwd + bwd + Adam; vs PyTorch',
  run() {
    const step = transformerTrainStep();
    const ms = timeMedian(() => void step(), 5, 1);
    const ref = runPythonRef(TORCH, ['torch']);
    return withRef({ median_ms: round(ms) }, 'torch-1thread', ref?.median_ms);
  },
};
