// Shared helpers of the align tests: random matrices, closeness checks, a tiny GRU.
import * as assert from 'node:assert/strict';
import { createMap, type RealizedMap } from '../../src/align/maps.ts';
import { randomOrthogonal } from '../../src/tensor/orthogonal.ts';
import { Tensor, noGrad, type DType } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

/** max |a − b| over two tensors of equal size. */
export function maxDiff(a: Tensor, b: Tensor): number {
  assert.equal(a.size, b.size);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

/** Random Gaussian tensor. */
export function randn(shape: number[], seed: number, dtype: DType = 'float64'): Tensor {
  return Tensor.randn(shape, new Rng(seed), 1, dtype);
}

/** A plain orthonormal realized map from an explicit Q [d, K]. */
export function realizedFromQ(Q: Tensor): RealizedMap {
  const d = Q.shape[0];
  const K = Q.shape[1];
  const G = Tensor.zeros([K, d], Q.dtype);
  for (let i = 0; i < d; i++) for (let j = 0; j < K; j++) G.data[j * d + i] = Q.data[i * K + j];
  return { d, F: Q, G, f0: null, g0: null, Q };
}

/** A random orthogonal realized map. */
export function randomRealized(d: number, seed: number, dtype: DType = 'float64'): RealizedMap {
  return realizedFromQ(randomOrthogonal(d, new Rng(seed), dtype));
}

/** Realize a created map without recording a graph. */
export function realizeMap(o: Parameters<typeof createMap>[0], seed: number): RealizedMap {
  return noGrad(() => createMap(o, new Rng(seed), 'm').realize());
}
