// Shared helpers of the backend tests: which backends to test, random arrays.
import { existsSync } from 'node:fs';
import { getBackendByName, loadNative } from '../../src/tensor/backend/index.ts';
import { addonPath, nativeLoadError } from '../../src/tensor/backend/native.ts';
import type { Backend, FloatArray } from '../../src/tensor/backend/types.ts';
import type { Rng } from '../../src/util/rng.ts';

/** Portable, plus native when it loads; a built-but-broken addon or MAS_BACKEND=native without it fails. */
export function backendsUnderTest(): Backend[] {
  const list: Backend[] = [getBackendByName('portable')];
  const nb = loadNative();
  if (nb) list.push(nb);
  else if (process.env.MAS_BACKEND === 'native' || existsSync(addonPath)) {
    throw new Error(`native backend required but not loaded: ${nativeLoadError() ?? 'unknown reason'}`);
  }
  return list;
}

/** A typed-array constructor of either float dtype. */
export type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Standard normal entries from `rng`. */
export function randomArray(ctor: Ctor, len: number, rng: Rng): FloatArray {
  const x = new ctor(len);
  for (let i = 0; i < len; i++) x[i] = rng.normal();
  return x;
}
