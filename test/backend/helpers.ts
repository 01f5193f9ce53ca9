// Shared helpers of the backend tests: which backends to test, random arrays.
import { existsSync } from 'node:fs';
import { getBackendByName, loadNative, loadWasm } from '../../src/tensor/backend/index.ts';
import { addonPath, nativeLoadError } from '../../src/tensor/backend/native.ts';
import type { Backend, FloatArray } from '../../src/tensor/backend/types.ts';
import { wasmLoadError } from '../../src/tensor/backend/wasm-load.ts';
import type { Rng } from '../../src/util/rng.ts';

/**
 * Portable, native when it loads, and wasm (its module is committed, so it must load); a
 * built-but-broken addon or MAS_BACKEND=native without it fails.
 */
export function backendsUnderTest(): Backend[] {
  const list: Backend[] = [getBackendByName('portable')];
  const nb = loadNative();
  if (nb) list.push(nb);
  else if (process.env.MAS_BACKEND === 'native' || existsSync(addonPath)) {
    throw new Error(`native backend required but not loaded: ${nativeLoadError() ?? 'unknown reason'}`);
  }
  const wb = loadWasm();
  if (!wb) throw new Error(`wasm backend required but not loaded: ${wasmLoadError() ?? 'unknown reason'}`);
  list.push(wb);
  return list;
}

/** The backend of that name among `list`, if tested. */
export function pick(list: Backend[], name: Backend['name']): Backend | undefined {
  return list.find((b) => b.name === name);
}

/** A typed-array constructor of either float dtype. */
export type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Standard normal entries from `rng`. */
export function randomArray(ctor: Ctor, len: number, rng: Rng): FloatArray {
  const x = new ctor(len);
  for (let i = 0; i < len; i++) x[i] = rng.normal();
  return x;
}
