/**
 * Browser entry of the library (bundled by `node scripts/build-browser.mjs` with esbuild): the
 * similarity measures, .npy/.npz reading from bytes, and Model Alignment Search, on the wasm
 * backend. A page fetches wasm/mas_wasm.wasm and calls useWasmBackend(bytes) before anything else.
 */
import { registerWasmBackend } from './browser/wasm-load.ts';
import { setBackend } from './tensor/backend/index.ts';
import type { Backend } from './tensor/backend/types.ts';
import { createWasmBackend, type WasmBytes } from './tensor/backend/wasm.ts';

export * as similarity from './similarity/index.ts';
export * as align from './align/index.ts';
export * as tasks from './tasks/index.ts';
export * as ops from './tensor/ops/index.ts';
export { decodeNpy, encodeNpy } from './io/npy.ts';
export type { NpyArray } from './io/npy.ts';
export { encodeNpz, openNpz, readNpz } from './io/npz.ts';
export { mat } from './tensor/linalg.ts';
export type { Mat } from './tensor/linalg.ts';
export { Tensor, backward, noGrad } from './tensor/tensor.ts';
export { Adam } from './tensor/optim.ts';
export { Rng } from './util/rng.ts';
export { createModel } from './models/folder.ts';
export { defaultConfig } from './models/config.ts';
export * from './errors.ts';

/** Instantiate the wasm backend from the module's bytes and make it the active backend. */
export function useWasmBackend(bytes: WasmBytes): Backend {
  const be = createWasmBackend(bytes);
  registerWasmBackend(be);
  setBackend(be);
  return be;
}
