/**
 * `hf-forward`: a forward pass of a random GPT-2-small-shaped model (124M parameters: d 768, 12
 * layers, 12 heads, vocab 50257) over 512 tokens, from a Hugging Face folder on disk (F32
 * safetensors) loaded by loadHfModel; logits for every position. Ours runs in a child process so
 * that its peak RSS (load + forward) is its own. Reference in the same run: the same architecture
 * written explicitly in PyTorch (Debian python3 + torch, one thread), random weights, same tokens
 * count, `torch.no_grad()`. tokens/s = 512 / median time.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round, runPythonRef, withRef } from '../harness.ts';
import type { BenchCase } from '../harness.ts';

const T = 512;
const TORCH = `
import json, math, time, torch
import torch.nn.functional as F
torch.set_num_threads(1); torch.manual_seed(0)
V, d, L, H, P, T = 50257, 768, 12, 12, 1024, ${T}
dh = d // H
u = lambda *s: (torch.rand(*s) - 0.5) * 0.04
wte, wpe = u(V, d), u(P, d)
blocks = [dict(ca=u(d, 3 * d), cab=u(3 * d), cp=u(d, d), cpb=u(d), fc=u(d, 4 * d), fcb=u(4 * d), mp=u(4 * d, d), mpb=u(d)) for _ in range(L)]
ones, zeros = torch.ones(d), torch.zeros(d)
def gelu_new(x): return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
def fwd(ids):
    x = wte[ids] + wpe[torch.arange(T)]
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    for b in blocks:
        a = F.layer_norm(x, (d,), ones, zeros, 1e-5)
        q, k, v = (a @ b['ca'] + b['cab']).split(d, -1)
        q, k, v = (t.view(T, H, dh).transpose(0, 1) for t in (q, k, v))
        w = (q @ k.transpose(1, 2)) / math.sqrt(dh)
        w = torch.where(mask, w, torch.tensor(torch.finfo(w.dtype).min)).softmax(-1)
        x = x + ((w @ v).transpose(0, 1).reshape(T, d) @ b['cp'] + b['cpb'])
        m = F.layer_norm(x, (d,), ones, zeros, 1e-5)
        x = x + (gelu_new(m @ b['fc'] + b['fcb']) @ b['mp'] + b['mpb'])
    return F.layer_norm(x, (d,), ones, zeros, 1e-5) @ wte.T
ids = torch.randint(0, V, (T,))
ts = []
with torch.no_grad():
    fwd(ids)
    for _ in range(3):
        t0 = time.perf_counter(); fwd(ids); ts.append((time.perf_counter() - t0) * 1000)
ts.sort()
import resource
print(json.dumps({"median_ms": ts[1], "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
`;

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hf-child.ts');

function runChild(args: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`hf-child ${args[0]} failed: ${r.stderr.split('\n').slice(-4).join(' ')}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, number>;
}

export const hfForward: BenchCase = {
  name: 'hf-forward',
  description: 'GPT-2-small-shaped HF folder (124M, random), forward over 512 tokens; tokens/s and peak RSS vs PyTorch',
  run() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-hf-bench-'));
    try {
      const made = runChild(['make', dir]);
      const ours = runChild(['run', dir, String(T)]);
      const ref = runPythonRef(TORCH, ['torch']);
      return withRef(
        {
          median_ms: round(ours.median_ms),
          tokens_per_s: round((T * 1000) / ours.median_ms),
          load_ms: round(ours.load_ms),
          peak_rss_mib: round(ours.peak_rss_bytes / 2 ** 20),
          parameters: made.parameters,
          ...(ref ? { ref_tokens_per_s: round((T * 1000) / ref.median_ms), ref_peak_rss_mib: round(ref.peak_rss_bytes / 2 ** 20) } : {}),
        },
        'torch-1thread',
        ref?.median_ms,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
