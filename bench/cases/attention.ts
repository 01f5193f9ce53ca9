/**
 * `attention-fwd-bwd`: forward + backward of the fused causal rotary attention at the transformer's
 * training size (B = 128, T = 43, d = 128, 1 head, float32), against the same computation written
 * in PyTorch (RoPE, causal mask, softmax, weighted sum, autograd) in the same run. Extras: each
 * product path, the no-grad forward, and free-running decoding of 83 steps through the KV cache.
 */
import { attendStep, attentionPath, causalRotaryAttention, RotaryKVCache, setAttentionPath } from '../../src/tensor/kernels/attention.ts';
import { noGrad, Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { round, runPythonRef, timeMedian, withRef } from '../harness.ts';
import type { BenchCase } from '../harness.ts';

const B = 128;
const T = 43;
const D = 128;

const TORCH_SCRIPT = `
import json, math, time, torch
torch.set_num_threads(1)
torch.manual_seed(0)
B, T, d = ${B}, ${T}, ${D}
q, k, v = (torch.randn(B * T, d, requires_grad=True) for _ in range(3))
cot = torch.randn(B * T, d)
half = d // 2
theta = 10000.0 ** (-2.0 * torch.arange(half, dtype=torch.float64) / d)
ang = torch.arange(T, dtype=torch.float64)[:, None] * theta[None, :]
cos, sin = torch.cos(ang).float(), torch.sin(ang).float()
causal = torch.ones(T, T, dtype=torch.bool).tril()
def rope(x):
    x = x.view(B, T, d)
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)
def step():
    q.grad = k.grad = v.grad = None
    s = rope(q) @ rope(k).transpose(1, 2) / math.sqrt(d)
    p = torch.softmax(s.masked_fill(~causal, float('-inf')), dim=-1)
    o = (p @ v.view(B, T, d)).reshape(B * T, d)
    o.backward(cot)
for _ in range(3): step()
ts = []
for _ in range(9):
    t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1000)
ts.sort()
print(json.dumps({"median_ms": ts[len(ts) // 2]}))
`;

/** Median ms of one forward + backward on the given path. */
function timeFwdBwd(q: Tensor, k: Tensor, v: Tensor, cot: Tensor): number {
  return timeMedian(() => {
    for (const t of [q, k, v]) t.zeroGrad();
    causalRotaryAttention(q, k, v, { batch: B, steps: T, heads: 1 }).backward(cot);
  }, 9, 2);
}

export const attentionFwdBwd: BenchCase = {
  name: 'attention-fwd-bwd',
  description: `causal rotary attention forward+backward, B=${B} T=${T} d=${D} 1 head float32 (vs PyTorch)`,
  run() {
    const rng = new Rng(1);
    const [q, k, v] = [0, 1, 2].map(() => Tensor.randn([B * T, D], rng).param());
    const cot = Tensor.randn([B * T, D], rng);
    const auto = attentionPath();
    const perPath: Record<string, number> = {};
    for (const p of ['loops', 'gemm'] as const) {
      setAttentionPath(p);
      perPath[`${p}_ms`] = round(timeFwdBwd(q, k, v, cot));
    }
    // free-running evaluation: 83 positions one at a time through the KV cache, on each path
    const steps = 83;
    const rows = [0, 1, 2].map(() => Tensor.randn([B, D], rng));
    const cache = new RotaryKVCache({ batch: B, heads: 1, headDim: D, maxSteps: steps });
    for (const p of ['loops', 'gemm'] as const) {
      setAttentionPath(p);
      perPath[`decode83_${p}_ms`] = round(timeMedian(() => noGrad(() => {
        cache.reset();
        for (let t = 0; t < steps; t++) attendStep(rows[0], rows[1], rows[2], cache);
      }), 5, 1));
    }
    setAttentionPath('auto');
    const median = perPath[`${auto}_ms`];
    const fwdMs = timeMedian(() => noGrad(() => causalRotaryAttention(q, k, v, { batch: B, steps: T, heads: 1 })), 9, 2);
    const ref = runPythonRef(TORCH_SCRIPT, ['torch']);
    return withRef(
      { median_ms: median, path: auto, ...perPath, fwd_nograd_ms: round(fwdMs) },
      'torch 1 thread',
      ref?.median_ms,
    );
  },
};
