import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as O from '../../src/tensor/ops/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

type Case = [string, number[][], (xs: Tensor[]) => Tensor];

const mask = Uint8Array.from([1, 0, 1, 1]);
const cases: Case[] = [
  ['add broadcast', [[4, 3], [3]], ([a, b]) => O.add(a, b)],
  ['div broadcast', [[4, 3], [4, 1]], ([a, b]) => O.div(a, O.addScalar(O.square(b), 1))],
  ['matmul transB', [[4, 3], [5, 3]], ([a, b]) => O.matmul(a, b, { transB: true })],
  ['batched matmul', [[2, 4, 3], [3, 5]], ([a, b]) => O.matmul(a, b)],
  ['linear', [[4, 3], [5, 3], [5]], ([x, w, b]) => O.linear(x, w, b)],
  ['gelu', [[4, 3]], ([x]) => O.gelu(x)],
  ['sigmoid·tanh·relu', [[4, 3]], ([x]) => O.mul(O.sigmoid(x), O.add(O.tanh(x), O.relu(x)))],
  ['softmax', [[4, 3]], ([x]) => O.softmax(x)],
  ['logSoftmax', [[4, 3]], ([x]) => O.logSoftmax(x)],
  ['crossEntropy', [[4, 3]], ([x]) => O.crossEntropy(x, Int32Array.from([0, 2, 1, -1]), { ignoreIndex: -1 })],
  ['layerNorm', [[4, 3], [3], [3]], ([x, g, b]) => O.layerNorm(x, g, b)],
  ['embedding', [[5, 3]], ([w]) => O.embedding(w, Int32Array.from([4, 0, 4]))],
  ['maskedAffineRows', [[4, 3], [3, 3], [3, 3]], ([x, a, c]) => O.maskedAffineRows(x, mask, a, c)],
  ['sum/mean/norm', [[4, 3]], ([x]) => O.add(O.add(O.sum(x, 0), O.mean(x, 0)), O.norm(x, 0))],
  ['cosineSimilarity', [[4, 3], [4, 3]], ([a, b]) => O.cosineSimilarity(a, b)],
  ['slice/concat/transpose', [[4, 3]], ([x]) => O.transpose2d(O.concat([O.slice(x, 1, 0, 2), x], 1))],
  ['exp/log/sqrt/pow/abs', [[4, 3]], ([x]) => O.add(O.log(O.addScalar(O.exp(x), 1)), O.pow(O.addScalar(O.abs(x), 1), 1.5))],
  ['expm param', [[4, 4]], ([x]) => O.expmSkew(O.skewFromLower(x))],
  ['cayley param', [[4, 4]], ([x]) => O.cayley(O.skewFromLower(x))],
  ['householder', [[5, 3]], ([v]) => O.householderProduct(v, 2)],
  ['gramSchmidt', [[5, 3]], ([v]) => O.gramSchmidt(v)],
];

test('every op gives float32 results and gradients that agree with float64', () => {
  for (const [name, shapes, fn] of cases) {
    const rng = new Rng(7);
    const x64 = shapes.map((s) => Tensor.randn(s, rng, 1, 'float64').param());
    const x32 = x64.map((t) => t.to('float32').param());
    const y64 = fn(x64);
    const y32 = fn(x32);
    assert.equal(y32.dtype, 'float32', name);
    assert.equal(y64.dtype, 'float64', name);
    const cot = Tensor.randn(y64.shape, rng, 1, 'float64');
    y64.backward(cot);
    y32.backward(cot.to('float32'));
    for (let i = 0; i < y64.size; i++) {
      assert.ok(Math.abs(y32.data[i] - y64.data[i]) <= 1e-5 * (1 + Math.abs(y64.data[i])), `${name}: out[${i}] ${y32.data[i]} vs ${y64.data[i]}`);
    }
    x64.forEach((t, j) => {
      const g32 = x32[j].grad!;
      assert.equal(g32.dtype, 'float32', `${name} grad dtype`);
      for (let i = 0; i < t.size; i++) {
        const a = g32.data[i];
        const b = t.grad!.data[i];
        assert.ok(Math.abs(a - b) <= 1e-4 * (1 + Math.abs(b)), `${name}: grad ${j}[${i}] ${a} vs ${b}`);
      }
    });
  }
});
