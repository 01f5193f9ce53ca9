/**
 * A small pool of scratch typed arrays for the fused RNN kernels, so that a training loop reuses
 * the same large buffers step after step instead of allocating (and zero-filling) them each time.
 * Buffers handed out are NOT zeroed; callers initialise what they read.
 */
import type { DType, Storage } from '../tensor.ts';

const pools = new Map<string, Storage[]>();
const bytePools = new Map<number, Uint8Array[]>();
/** Upper bound on buffers kept per (dtype, length), so an abandoned graph cannot make the pool grow. */
const MAX_PER_KEY = 8;

/** A float buffer of exactly `n` elements (contents undefined). */
export function acquire(dtype: DType, n: number): Storage {
  const list = pools.get(`${dtype}:${n}`);
  const buf = list?.pop();
  if (buf) return buf;
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

/** A byte buffer of exactly `n` elements (contents undefined). */
export function acquireBytes(n: number): Uint8Array {
  return bytePools.get(n)?.pop() ?? new Uint8Array(n);
}

/** Return buffers to the pool; they must not be used afterwards. */
export function release(...bufs: (Storage | Uint8Array | null | undefined)[]): void {
  for (const b of bufs) {
    if (!b) continue;
    if (b instanceof Uint8Array) {
      let list = bytePools.get(b.length);
      if (!list) bytePools.set(b.length, (list = []));
      if (list.length < MAX_PER_KEY && !list.includes(b)) list.push(b);
      continue;
    }
    const key = `${b instanceof Float32Array ? 'float32' : 'float64'}:${b.length}`;
    let list = pools.get(key);
    if (!list) pools.set(key, (list = []));
    if (list.length < MAX_PER_KEY && !list.includes(b)) list.push(b);
  }
}
