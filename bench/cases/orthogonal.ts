/**
 * `orth-maps-128`: forward + backward of each orthogonal parametrization at MAS size (d = 128,
 * k = 64 for the frame-based ones, float32 parameters, float64 inside), against PyTorch's
 * `parametrizations.orthogonal`-style `matrix_exp` of a skew matrix with autograd in the same run.
 * `decoder-fwd-bwd`: the RNN decoder head (linear 128→512, exact GELU, linear 512→9, cross-entropy)
 * on 2,560 rows, float32, against the same PyTorch graph.
 */
import { cayley, crossEntropy, expmSkew, gelu, gramSchmidt, householderProduct, linear, matmul, randomOrthogonal, skewFromLower } from '../../src/tensor/ops/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { round, runPythonRef, timeMedian, withRef } from '../harness.ts';
import type { BenchCase } from '../harness.ts';

const D = 128;
const K = 64;

const TORCH_EXPM = `
import json, time, torch
torch.set_num_threads(1)
torch.manual_seed(0)
d = ${D}
X = (torch.randn(d, d) * 0.1).requires_grad_()
B = torch.linalg.qr(torch.randn(d, d))[0]
G = torch.randn(d, d)
def step():
    X.grad = None
    L = X.tril(-1)
    Q = B @ torch.matrix_exp(L - L.T)
    Q.backward(G)
for _ in range(3): step()
ts = []
for _ in range(9):
    t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1000)
ts.sort()
print(json.dumps({"median_ms": ts[len(ts) // 2]}))
`;

export const orthMaps: BenchCase = {
  name: 'orth-maps-128',
  description: `orthogonal parametrizations forward+backward, d=${D} (k=${K} for householder/gram-schmidt), vs PyTorch matrix_exp`,
  run() {
    const rng = new Rng(1);
    const X = Tensor.randn([D, D], rng, 0.1).param();
    const B = randomOrthogonal(D, rng);
    const G = Tensor.randn([D, D], rng);
    const V = Tensor.randn([D, K], rng).param();
    const Gk = Tensor.randn([D, K], rng);
    const expmMs = timeMedian(() => {
      X.zeroGrad();
      matmul(B, expmSkew(skewFromLower(X))).backward(G);
    }, 7, 2);
    const cayleyMs = timeMedian(() => {
      X.zeroGrad();
      matmul(B, cayley(skewFromLower(X))).backward(G);
    }, 7, 2);
    const hhMs = timeMedian(() => {
      V.zeroGrad();
      householderProduct(V, K).backward(Gk);
    }, 7, 2);
    const gsMs = timeMedian(() => {
      V.zeroGrad();
      gramSchmidt(V).backward(Gk);
    }, 7, 2);
    const ref = runPythonRef(TORCH_EXPM, ['torch']);
    return withRef(
      { median_ms: round(expmMs), cayley_ms: round(cayleyMs), householder_ms: round(hhMs), gram_schmidt_ms: round(gsMs) },
      'torch matrix_exp fwd+bwd',
      ref?.median_ms,
    );
  },
};

const ROWS = 2560;
const TORCH_DECODER = `
import json, time, torch
torch.set_num_threads(1)
torch.manual_seed(0)
x = torch.randn(${ROWS}, 128)
l1 = torch.nn.Linear(128, 512); l2 = torch.nn.Linear(512, 9)
t = torch.randint(0, 9, (${ROWS},))
def step():
    l1.zero_grad(); l2.zero_grad()
    loss = torch.nn.functional.cross_entropy(l2(torch.nn.functional.gelu(l1(x))), t)
    loss.backward()
for _ in range(3): step()
ts = []
for _ in range(9):
    t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1000)
ts.sort()
print(json.dumps({"median_ms": ts[len(ts) // 2]}))
`;

export const decoderFwdBwd: BenchCase = {
  name: 'decoder-fwd-bwd',
  description: `decoder head linear(128→512)+GELU+linear(512→9)+cross-entropy fwd+bwd on ${ROWS} rows, float32 (vs PyTorch)`,
  run() {
    const rng = new Rng(2);
    const x = Tensor.randn([ROWS, 128], rng);
    const W1 = Tensor.uniform([512, 128], rng, -0.088, 0.088).param();
    const b1 = Tensor.zeros([512]).param();
    const W2 = Tensor.uniform([9, 512], rng, -0.044, 0.044).param();
    const b2 = Tensor.zeros([9]).param();
    const t = Int32Array.from({ length: ROWS }, () => rng.int(9));
    const ms = timeMedian(() => {
      for (const p of [W1, b1, W2, b2]) p.zeroGrad();
      crossEntropy(linear(gelu(linear(x, W1, b1)), W2, b2), t).backward();
    }, 7, 2);
    const ref = runPythonRef(TORCH_DECODER, ['torch']);
    return withRef({ median_ms: round(ms) }, 'torch fwd+bwd', ref?.median_ms);
  },
};
