/**
 * The fused RNN kernel against PyTorch golden fixtures (test/fixtures/kernels/make_rnn.py):
 * nn.GRUCell / nn.LSTMCell + exact-GELU decoder in float32, a padded batch of 1-, 4- and 20-object
 * sequences, teacher-forced and free-running; states, logits, and cross-entropy gradients of every
 * parameter. Also exact GELU in float64 against torch.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gelu, geluDropoutRows, geluGrad } from '../../src/tensor/kernels/rnn-gelu.ts';
import { runRnn, type RnnParams } from '../../src/tensor/kernels/rnn.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

interface GoldenRun {
  freeRunning: boolean;
  tokens: number[];
  pad: number[];
  freeRun: number[];
  labels: number[];
  valid: number[];
  fed: number[];
  states: number[];
  logits: number[];
  loss: number;
  grads: Record<string, number[]>;
}
interface GoldenCase {
  cell: 'gru' | 'lstm';
  V: number;
  E: number;
  H: number;
  D: number;
  batch: number;
  steps: number;
  params: Record<string, { shape: number[]; data: number[] }>;
  runs: GoldenRun[];
}
const golden = JSON.parse(readFileSync(new URL('../fixtures/kernels/rnn_golden.json', import.meta.url), 'utf8')) as {
  cases: GoldenCase[];
  gelu: { x: number[]; gelu: number[] };
};

function loadParams(c: GoldenCase): RnnParams {
  const t = (name: string): Tensor => {
    const p = c.params[name];
    return new Tensor(Float32Array.from(p.data), p.shape).param(name);
  };
  return {
    embedding: t('embedding'), weightIh: t('weightIh'), weightHh: t('weightHh'), biasIh: t('biasIh'), biasHh: t('biasHh'),
    dec1W: t('dec1W'), dec1B: t('dec1B'), dec2W: t('dec2W'), dec2B: t('dec2B'),
  };
}

/** ∂(mean CE over valid labels)/∂logits, in float64 from the kernel's logits; and the loss. */
function crossEntropyGrad(logits: Float32Array | Float64Array, labels: number[], valid: number[], V: number): { loss: number; grad: Tensor } {
  const n = valid.reduce((s, v) => s + v, 0);
  const grad = Tensor.zeros([labels.length, V], 'float32');
  let loss = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!valid[i]) continue;
    let mx = -Infinity;
    for (let k = 0; k < V; k++) mx = Math.max(mx, logits[i * V + k]);
    let se = 0;
    for (let k = 0; k < V; k++) se += Math.exp(logits[i * V + k] - mx);
    loss += -(logits[i * V + labels[i]] - mx - Math.log(se)) / n;
    for (let k = 0; k < V; k++) grad.data[i * V + k] = (Math.exp(logits[i * V + k] - mx) / se - (k === labels[i] ? 1 : 0)) / n;
  }
  return { loss, grad };
}

describe('rnn kernel vs PyTorch (float32 golden fixtures)', () => {
  for (const c of golden.cases) {
    for (const run of c.runs) {
      it(`${c.cell}, ${run.freeRunning ? 'free-running responses' : 'teacher-forced'}: states, logits, predictions, gradients`, () => {
        const params = loadParams(c);
        const out = runRnn(params, {
          cell: c.cell,
          tokens: Int32Array.from(run.tokens),
          batch: c.batch,
          steps: c.steps,
          pad: Uint8Array.from(run.pad),
          freeRun: Uint8Array.from(run.freeRun),
          recordStates: true,
          recordInputs: true,
        });
        const S = c.cell === 'gru' ? c.H : 2 * c.H;
        assert.deepEqual(out.states!.shape, [c.batch, c.steps, S]);
        let maxS = 0;
        for (let i = 0; i < run.states.length; i++) maxS = Math.max(maxS, Math.abs(out.states!.data[i] - run.states[i]));
        assert.ok(maxS <= 1e-5, `states max |Δ| ${maxS}`);
        let maxL = 0;
        for (let i = 0; i < run.logits.length; i++) {
          if (run.pad[i / c.V | 0]) continue;
          maxL = Math.max(maxL, Math.abs(out.logits.data[i] - run.logits[i]));
        }
        assert.ok(maxL <= 1e-5, `logits max |Δ| ${maxL}`);
        // The tokens fed (free-running feeds the argmax) match the reference's, via the recorded inputs.
        for (let o = 0; o < run.fed.length; o++) {
          if (run.pad[o]) continue;
          const u = run.fed[o];
          for (let k = 0; k < c.E; k++) assert.equal(out.inputs!.data[o * c.E + k], params.embedding.data[u * c.E + k], `fed token at ${o}`);
        }
        const { loss, grad } = crossEntropyGrad(out.logits.data, run.labels, run.valid, c.V);
        assert.ok(Math.abs(loss - run.loss) < 1e-5, `loss ${loss} vs ${run.loss}`);
        out.logits.backward(grad);
        for (const [name, g] of Object.entries(run.grads)) {
          const ours = params[name as keyof RnnParams].grad!.data;
          let scale = 0;
          for (const v of g) scale = Math.max(scale, Math.abs(v));
          for (let i = 0; i < g.length; i++) {
            assert.ok(Math.abs(ours[i] - g[i]) <= 1e-4 * scale + 1e-7, `${name}[${i}]: ${ours[i]} vs ${g[i]} (max |g| ${scale})`);
          }
        }
      });
    }
  }
});

describe('erf and exact GELU (float64)', () => {
  it('GELU (scalar and fused row kernel) matches torch to 1e-13 relative', () => {
    const { x } = golden.gelu;
    const out = new Float64Array(x.length);
    const deriv = new Float64Array(x.length);
    geluDropoutRows(Float64Array.from(x), out, deriv, 0, x.length, 1, new Float64Array(1), null, null, 1);
    for (let i = 0; i < x.length; i++) {
      const want = golden.gelu.gelu[i];
      const tol = 1e-13 * Math.abs(want) + 1e-15; // torch's float64 GELU cancels to 0 below about −8
      assert.ok(Math.abs(gelu(x[i]) - want) <= tol, `gelu(${x[i]}): ${gelu(x[i])} vs ${want}`);
      assert.ok(Math.abs(out[i] - want) <= tol, `fused gelu(${x[i]}): ${out[i]} vs ${want}`);
      assert.ok(Math.abs(deriv[i] - geluGrad(x[i])) <= 1e-15, `fused gelu′(${x[i]})`);
    }
  });
  it('GELU′ matches a central difference', () => {
    for (const x of [-6, -3.1, -1, -0.5, -0.2, 0, 0.1, 0.6, 1.3, 2.9, 5]) {
      const h = 1e-5;
      const fd = (gelu(x + h) - gelu(x - h)) / (2 * h);
      assert.ok(Math.abs(fd - geluGrad(x)) < 1e-9, `x=${x}: ${geluGrad(x)} vs ${fd}`);
    }
  });
});
