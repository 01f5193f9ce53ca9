/** Shared helpers for the tensor tests: seeded random tensors, closeness and gradcheck assertions. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gradcheck } from '../../src/tensor/gradcheck.ts';
import type { GradcheckOptions } from '../../src/tensor/gradcheck.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import type { DType } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

/** A float64 (by default) standard-normal tensor that requires grad. */
export function rand(shape: number[], rng: Rng, dtype: DType = 'float64', requiresGrad = true): Tensor {
  const t = Tensor.randn(shape, rng, 1, dtype);
  t.requiresGrad = requiresGrad;
  return t;
}

/** Assert every |a_i − b_i| ≤ atol + rtol·|b_i|. */
export function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol = 0, what = ''): void {
  assert.equal(a.length, b.length, `${what}: length ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - b[i]);
    if (!(err <= atol + rtol * Math.abs(b[i]))) assert.fail(`${what}: index ${i}: ${a[i]} vs ${b[i]} (err ${err})`);
  }
}

/** Assert that autograd matches central differences for fn at inputs. */
export function assertGrad(fn: (xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const r = gradcheck(fn, inputs, opts);
  assert.ok(r.checked > 0, 'gradcheck compared nothing');
  assert.ok(r.ok, `gradcheck failed: ${r.worst} (max abs err ${r.maxAbsError})`);
}

/** Load a JSON fixture from test/fixtures/tensor. */
export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/tensor/${name}`, import.meta.url), 'utf8')) as T;
}
