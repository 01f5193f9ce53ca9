/**
 * A small pool of scratch typed arrays for the fused RNN kernels, so that a training loop reuses
 * the same large buffers step after step instead of allocating (and zero-filling, and later
 * collecting) them each time. Buffers are views of exactly the requested length on ArrayBuffers
 * whose sizes come in classes 2^(i/4) bytes apart (≤ 19 % slack), so batches whose sizes vary from
 * step to step (MAS batches of different lengths) still hit the pool.
 * Buffers handed out are NOT zeroed; callers initialise what they read.
 */
import type { DType, Storage } from '../tensor.ts';

const pools = new Map<number, ArrayBuffer[]>();
/** Upper bound on buffers kept per size class, so an abandoned graph cannot make the pool grow. */
const MAX_PER_KEY = 8;
/** Upper bound on the bytes held by the pool in all (batches of many sizes would otherwise fill every class). */
const MAX_BYTES = 256 * 2 ** 20;
let pooledBytes = 0;

/** Class i holds ⌈2^(i/4) / 64⌉·64 bytes (non-decreasing in i). */
function classBytes(i: number): number {
  return Math.ceil(2 ** (i / 4) / 64) * 64;
}

/** The size class of `bytes`: the smallest class size ≥ bytes (so a class size is its own class). */
function sizeClass(bytes: number): number {
  if (bytes <= 64) return 64;
  let i = Math.max(0, Math.floor(4 * Math.log2(bytes)) - 2);
  while (classBytes(i) < bytes) i++;
  return classBytes(i);
}

function take(bytes: number): ArrayBuffer {
  const c = sizeClass(bytes);
  const ab = pools.get(c)?.pop();
  if (!ab) return new ArrayBuffer(c);
  pooledBytes -= c;
  return ab;
}

/** A float buffer of exactly `n` elements (contents undefined). */
export function acquire(dtype: DType, n: number): Storage {
  return dtype === 'float32' ? new Float32Array(take(4 * n), 0, n) : new Float64Array(take(8 * n), 0, n);
}

/** A byte buffer of exactly `n` elements (contents undefined). */
export function acquireBytes(n: number): Uint8Array {
  return new Uint8Array(take(n), 0, n);
}

/** Return buffers to the pool; they (and every view of them) must not be used afterwards. */
export function release(...bufs: (Storage | Uint8Array | null | undefined)[]): void {
  for (const b of bufs) {
    if (!b) continue;
    const ab = b.buffer;
    // Only whole buffers of a size class (the ones acquire hands out) are taken back.
    if (!(ab instanceof ArrayBuffer) || b.byteOffset !== 0 || sizeClass(ab.byteLength) !== ab.byteLength) continue;
    let list = pools.get(ab.byteLength);
    if (!list) pools.set(ab.byteLength, (list = []));
    if (list.length < MAX_PER_KEY && pooledBytes + ab.byteLength <= MAX_BYTES && !list.includes(ab)) {
      list.push(ab);
      pooledBytes += ab.byteLength;
    }
  }
}
