/**
 * Backend selection: the native addon when it loads, else the WebAssembly backend (silently; only
 * `mas selfcheck` says which), else — on an engine without WebAssembly SIMD — the portable path
 * with a one-line notice saying why. MAS_BACKEND=native|wasm|portable forces one (forcing one that
 * cannot load is an InputError).
 */
import { InputError } from '../../errors.ts';
import { loadNativeBackend, nativeLoadError } from './native.ts';
import { portableBackend } from './portable.ts';
import type { Backend } from './types.ts';
import { loadWasmBackend, wasmLoadError } from './wasm-load.ts';

export type { Backend, EighResult, FloatArray, QrResult, SvdResult } from './types.ts';

let current: Backend | null = null;

/** The backend names MAS_BACKEND accepts. */
export const backendNames = ['native', 'wasm', 'portable'] as const;

/** Load the native backend, or return null when the addon is not built. */
export function loadNative(): Backend | null {
  return loadNativeBackend();
}

/** Load the WebAssembly backend, or return null when it cannot load (see wasmLoadError). */
export function loadWasm(): Backend | null {
  return loadWasmBackend();
}

/** The backend with the given name; throws if it is unavailable. */
export function getBackendByName(name: 'native' | 'wasm' | 'portable'): Backend {
  if (name === 'portable') return portableBackend;
  if (name === 'wasm') {
    const wb = loadWasm();
    if (!wb) throw new InputError(`the wasm backend is unavailable (${wasmLoadError() ?? 'unknown reason'}); rebuild it with \`node scripts/build-wasm.mjs\` or choose MAS_BACKEND=portable`);
    return wb;
  }
  const nb = loadNative();
  if (!nb) {
    throw new InputError(
      `the native backend is unavailable (${nativeLoadError() ?? 'not built'}); build it with \`node scripts/build-native.mjs --force\` (see README: "native fast path")`,
    );
  }
  return nb;
}

/** The active backend (chosen once per process). */
export function getBackend(): Backend {
  if (current) return current;
  const forced = process.env.MAS_BACKEND;
  if (forced !== undefined && forced !== '' && !(backendNames as readonly string[]).includes(forced)) {
    throw new InputError(`MAS_BACKEND must be 'native', 'wasm' or 'portable', got '${forced}'`);
  }
  if (forced) current = getBackendByName(forced as (typeof backendNames)[number]);
  else {
    const nb = loadNative() ?? loadWasm();
    if (nb) current = nb;
    else {
      process.stderr.write(
        `mas: neither the native OpenBLAS addon (${nativeLoadError() ?? 'not built'}) nor the wasm backend (${wasmLoadError() ?? 'unknown reason'}) loaded; using the portable TypeScript backend (slower)\n`,
      );
      current = portableBackend;
    }
  }
  return current;
}

/** Replace the active backend (tests, benchmarks, and web pages that load the wasm module themselves). */
export function setBackend(b: Backend): void {
  current = b;
}
