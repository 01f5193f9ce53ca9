import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalCdf } from '../../src/tensor/erf.ts';
import { NORMAL_TABLE_LIMIT, normalCdfF32, normalPdfF32 } from '../../src/tensor/normal-table.ts';
import { geluDropoutRows } from '../../src/tensor/kernels/rnn-gelu.ts';
import { gelu } from '../../src/tensor/ops/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const phi = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

test('table Φ and φ agree with Cody Φ and the closed-form density to 3e-10 on a dense grid', () => {
  let ec = 0;
  let ep = 0;
  // 400,001 points over [−9, 9], offset so that they fall between the nodes too.
  for (let i = 0; i <= 400_000; i++) {
    const x = -9 + (18 * i) / 400_000 + 1.234e-6;
    ec = Math.max(ec, Math.abs(normalCdfF32(x) - normalCdf(x)));
    ep = Math.max(ep, Math.abs(normalPdfF32(x) - phi(x)));
  }
  assert.ok(ec < 3e-10, `max |ΔΦ| = ${ec}`);
  assert.ok(ep < 3e-10, `max |Δφ| = ${ep}`);
});

test('table Φ is exact at the nodes and at the ends, and passes NaN through', () => {
  for (const x of [-7.5, -3.5, -1, 0, 0.015625, 2.25, 7.984375]) assert.ok(Math.abs(normalCdfF32(x) - normalCdf(x)) < 1e-16, `Φ(${x})`);
  assert.equal(normalCdfF32(-NORMAL_TABLE_LIMIT - 1), 0);
  assert.equal(normalCdfF32(NORMAL_TABLE_LIMIT), 1);
  assert.equal(normalCdfF32(Infinity), 1);
  assert.equal(normalCdfF32(-Infinity), 0);
  assert.equal(normalPdfF32(NORMAL_TABLE_LIMIT + 1), 0);
  assert.ok(Number.isNaN(normalCdfF32(NaN)));
  assert.ok(Number.isNaN(normalPdfF32(NaN)));
});

test('float32 GELU (decoder kernel and op) matches the float64 Cody GELU to float32 rounding', () => {
  const W = 64;
  const S = 50;
  const pre64 = new Float64Array(S * W);
  for (let i = 0; i < pre64.length; i++) pre64[i] = -7 + (14 * i) / pre64.length + 1e-4;
  const bias64 = new Float64Array(W);
  const out64 = new Float64Array(S * W);
  const d64 = new Float64Array(S * W);
  geluDropoutRows(pre64, out64, d64, 0, S, W, bias64, null, null, 1);
  const pre32 = Float32Array.from(pre64);
  const out32 = new Float32Array(S * W);
  const d32 = new Float32Array(S * W);
  geluDropoutRows(pre32, out32, d32, 0, S, W, new Float32Array(W), null, null, 1);
  const op = gelu(new Tensor(pre32, [S, W]));
  for (let i = 0; i < out64.length; i++) {
    // Same input (pre32 is exactly representable in both), so only Φ and the final rounding differ.
    const x = pre32[i];
    const y = x * normalCdf(x);
    const tol = 2 ** -23 * Math.abs(y) + 3e-10 * Math.abs(x);
    assert.ok(Math.abs(out32[i] - y) <= tol, `kernel gelu(${x}) = ${out32[i]}, want ${y}`);
    assert.ok(Math.abs(op.data[i] - y) <= tol, `op gelu(${x}) = ${op.data[i]}, want ${y}`);
    const dy = normalCdf(x) + x * phi(x);
    assert.ok(Math.abs(d32[i] - dy) <= 2 ** -23 * Math.abs(dy) + 3e-9, `gelu'(${x}) = ${d32[i]}, want ${dy}`);
  }
  // The float64 kernel keeps Cody's form (16 digits).
  for (let i = 0; i < out64.length; i += 97) assert.ok(Math.abs(out64[i] - pre64[i] * normalCdf(pre64[i])) <= 1e-15 * Math.abs(out64[i]) + 1e-300);
});
