/**
 * `gru-train-step` / `lstm-train-step`: one training step of the task models at their real size
 * (batch 128 multi-object sequences of 43 steps, vocab 8, E 128, GRU H 128 / LSTM H 64, decoder 512,
 * dropout 0.5, free-running responses): fused forward + cross-entropy over non-pad labels + backward
 * + Adam on every parameter; ours is timed before and after the references and averaged, and CPU
 * time is reported beside wall time (steadier under load). References in the same run (Debian python3 + torch, one thread):
 * `nn.GRU`/`nn.LSTM` fused and teacher-forced (`ratio`), and an `nn.GRUCell`/`nn.LSTMCell` Python loop
 * with the argmax fed back, the reference code path (`ratio_cell_loop`). With `--long` or
 * MAS_BENCH_LONG=1, gru-train-step also reports RSS before/after 1,000 steps. MAS_THREADS=n sets the
 * BLAS thread count (native backend); the references always use one thread.
 */
import { getBackend } from '../../src/tensor/backend/index.ts';
import { runRnn, type RnnParams } from '../../src/tensor/kernels/rnn.ts';
import { Adam } from '../../src/tensor/optim.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { round, runPythonRef, timeMedian } from '../harness.ts';
import type { BenchCase, BenchResult } from '../harness.ts';

const B = 128;
const T = 43;
const V = 8;
const E = 128;
const D = 512;
const ID = { P: 0, B: 1, E: 2, D0: 3, R: 6, T: 7 };

/** A batch of multi-object sequences `B D… T R… E P…` with counts 1–20. */
function makeBatch(rng: Rng): { tokens: Int32Array; pad: Uint8Array; freeRun: Uint8Array; labels: Int32Array; valid: Uint8Array } {
  const tokens = new Int32Array(B * T);
  const pad = new Uint8Array(B * T);
  const freeRun = new Uint8Array(B * T);
  const labels = new Int32Array(B * T);
  const valid = new Uint8Array(B * T);
  for (let b = 0; b < B; b++) {
    const n = rng.intRange(1, 20);
    const seq = [ID.B, ...Array.from({ length: n }, () => ID.D0 + rng.int(3)), ID.T, ...new Array<number>(n).fill(ID.R), ID.E];
    for (let t = 0; t < T; t++) {
      const o = b * T + t;
      tokens[o] = t < seq.length ? seq[t] : ID.P;
      pad[o] = tokens[o] === ID.P || tokens[o] === ID.E ? 1 : 0;
      freeRun[o] = t > n + 1 && t < seq.length ? 1 : 0;
      labels[o] = t + 1 < seq.length ? seq[t + 1] : ID.P;
      valid[o] = !pad[o] && labels[o] !== ID.P ? 1 : 0;
    }
  }
  return { tokens, pad, freeRun, labels, valid };
}

function makeParams(rng: Rng, cell: 'gru' | 'lstm', H: number): RnnParams {
  const G = cell === 'gru' ? 3 : 4;
  const u = (shape: number[], fan: number): Tensor => Tensor.uniform(shape, rng, -1 / Math.sqrt(fan), 1 / Math.sqrt(fan)).param();
  return {
    embedding: Tensor.randn([V, E], rng).param(),
    weightIh: u([G * H, E], H),
    weightHh: u([G * H, H], H),
    biasIh: u([G * H], H),
    biasHh: u([G * H], H),
    dec1W: u([D, H], H),
    dec1B: u([D], H),
    dec2W: u([V, D], D),
    dec2B: u([V], D),
  };
}

/** ∂(mean cross-entropy over valid positions)/∂logits, written into `grad`; returns the loss. */
function crossEntropyGrad(z: Float32Array | Float64Array, labels: Int32Array, valid: Uint8Array, grad: Tensor): number {
  let n = 0;
  for (let i = 0; i < valid.length; i++) n += valid[i];
  const g = grad.data;
  g.fill(0);
  let loss = 0;
  for (let i = 0; i < valid.length; i++) {
    if (!valid[i]) continue;
    const o = i * V;
    let mx = -Infinity;
    for (let k = 0; k < V; k++) mx = Math.max(mx, z[o + k]);
    let se = 0;
    for (let k = 0; k < V; k++) se += Math.exp(z[o + k] - mx);
    loss -= (z[o + labels[i]] - mx - Math.log(se)) / n;
    for (let k = 0; k < V; k++) g[o + k] = Math.exp(z[o + k] - mx) / se / n;
    g[o + labels[i]] -= 1 / n;
  }
  return loss;
}

/** A closure that runs one full training step (exported for profiling). */
export function trainStep(cell: 'gru' | 'lstm', H: number): () => number {
  const rng = new Rng(7);
  const params = makeParams(rng, cell, H);
  const data = makeBatch(rng);
  const opt = new Adam(Object.values(params), { lr: 5e-4 });
  const grad = Tensor.zeros([B * T, V]);
  const dropRng = rng.fork('dropout');
  return () => {
    opt.zeroGrad();
    const out = runRnn(params, { cell, tokens: data.tokens, batch: B, steps: T, pad: data.pad, freeRun: data.freeRun, dropout: { p: 0.5, rng: dropRng } });
    const loss = crossEntropyGrad(out.logits.data, data.labels, data.valid, grad);
    out.logits.backward(grad);
    opt.step();
    return loss;
  };
}

function torchScript(cell: 'gru' | 'lstm', H: number): string {
  const Mod = cell === 'gru' ? 'GRU' : 'LSTM';
  return `
import json, random, time, torch
torch.set_num_threads(1)
torch.manual_seed(0); random.seed(0)
B, T, V, E, H, D = ${B}, ${T}, ${V}, ${E}, ${H}, ${D}
toks, free = [], []
for b in range(B):
    n = random.randint(1, 20)
    s = [1] + [3 + random.randrange(3) for _ in range(n)] + [7] + [6] * n + [2]
    toks.append(s + [0] * (T - len(s))); free.append([1 if n + 1 < t < len(s) else 0 for t in range(T)])
toks = torch.tensor(toks); free = torch.tensor(free, dtype=torch.bool)
pad = (toks == 0) | (toks == 2)
labels = torch.cat([toks[:, 1:], torch.zeros(B, 1, dtype=torch.long)], 1)
valid = ~pad & (labels != 0)
emb = torch.nn.Embedding(V, E)
rnn = torch.nn.${Mod}(E, H, batch_first=True)
cellm = torch.nn.${Mod}Cell(E, H)
dec = torch.nn.Sequential(torch.nn.Linear(H, D), torch.nn.GELU(), torch.nn.Dropout(0.5), torch.nn.Linear(D, V))
opt1 = torch.optim.Adam(list(emb.parameters()) + list(rnn.parameters()) + list(dec.parameters()), lr=5e-4)
opt2 = torch.optim.Adam(list(emb.parameters()) + list(cellm.parameters()) + list(dec.parameters()), lr=5e-4)
def fused():
    opt1.zero_grad()
    out, _ = rnn(emb(toks))
    z = dec(out)
    torch.nn.functional.cross_entropy(z[valid], labels[valid]).backward()
    opt1.step()
def cell_loop():
    opt2.zero_grad()
    h = torch.zeros(B, H); c = torch.zeros(B, H); zs = []; pred = None
    for t in range(T):
        fed = toks[:, t] if t == 0 else torch.where(free[:, t], pred, toks[:, t])
        keep = pad[:, t].unsqueeze(1)
        ${cell === 'gru' ? 'h = torch.where(keep, h, cellm(emb(fed), h))' : 'hn, cn = cellm(emb(fed), (h, c)); h = torch.where(keep, h, hn); c = torch.where(keep, c, cn)'}
        z = dec(h); zs.append(z); pred = z.argmax(1)
    z = torch.stack(zs, 1)
    torch.nn.functional.cross_entropy(z[valid], labels[valid]).backward()
    opt2.step()
def med(f, reps=9):
    for _ in range(2): f()
    ts, cs = [], []
    for _ in range(reps):
        t0 = time.perf_counter(); c0 = time.process_time(); f()
        ts.append((time.perf_counter() - t0) * 1000); cs.append((time.process_time() - c0) * 1000)
    ts.sort(); cs.sort(); return ts[len(ts) // 2], cs[len(cs) // 2]
fw, fc = med(fused)
cw, cc = med(cell_loop, 5)
print(json.dumps({"median_ms": fw, "cpu_ms": fc, "cell_loop_ms": cw, "cell_loop_cpu_ms": cc}))
`;
}

/** Median CPU time (user + system, all threads) of `reps` calls after `warmup`, in ms. */
function cpuMedian(fn: () => void, reps = 9, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    t.push((c.user + c.system) / 1000);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

function rssMb(): number {
  return round(process.memoryUsage().rss / 2 ** 20, 1);
}

function benchCase(cell: 'gru' | 'lstm', H: number): BenchCase {
  const name = `${cell}-train-step`;
  return {
    name,
    description: `${cell.toUpperCase()} training step (B=${B} T=${T} E=${E} H=${H} D=${D}, free-running responses, dropout, Adam), float32, vs PyTorch nn.${cell === 'gru' ? 'GRU' : 'LSTM'}`,
    run(): BenchResult {
      const be = getBackend(); // BLAS threads: MAS_THREADS (default 1)
      const step = trainStep(cell, H);
      // Time ours before and after the reference and report the mean of the two medians, so that
      // a change in machine load during the run affects both sides alike.
      const before = timeMedian(step, 9, 2);
      const ref = runPythonRef(torchScript(cell, H), ['torch']);
      const after = timeMedian(step, 9, 1);
      const cpu = cpuMedian(step);
      let res: BenchResult = {
        median_ms: round((before + after) / 2),
        median_ms_before_ref: round(before),
        median_ms_after_ref: round(after),
        cpu_ms: round(cpu),
        threads: be.getThreads(),
      };
      if (ref) {
        res = {
          ...res,
          ref: `torch nn.${cell === 'gru' ? 'GRU' : 'LSTM'} fused, teacher-forced, 1 thread`,
          ref_median_ms: round(ref.median_ms),
          ratio: round(res.median_ms / ref.median_ms, 3),
          ref_cell_loop_ms: round(ref.cell_loop_ms),
          ratio_cell_loop: round(res.median_ms / ref.cell_loop_ms, 3),
          // CPU-time ratios are steadier than wall-clock ones on a loaded machine (1 thread only).
          ref_cpu_ms: round(ref.cpu_ms),
          cpu_ratio: round(cpu / ref.cpu_ms, 3),
          cpu_ratio_cell_loop: round(cpu / ref.cell_loop_cpu_ms, 3),
        };
      }
      const long = process.argv.includes('--long') || process.env.MAS_BENCH_LONG === '1';
      if (long && cell === 'gru') {
        const before = rssMb();
        for (let i = 0; i < 1000; i++) step();
        res = { ...res, rss_mb_before: before, rss_mb_after: rssMb() };
      }
      return res;
    },
  };
}

/** GRU training step at the paper's size. */
export const gruTrainStep = benchCase('gru', 128);
/** LSTM training step at the paper's size. */
export const lstmTrainStep = benchCase('lstm', 64);
