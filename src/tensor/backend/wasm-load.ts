/**
 * Node loader of the WebAssembly backend: reads wasm/mas_wasm.wasm with fs and instantiates it
 * (synchronously) once per process. Web pages call createWasmBackend (wasm.ts) with fetched bytes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from './types.ts';
import { createWasmBackend, wasmSimdSupported } from './wasm.ts';

/** Path of the built module (repository root / wasm / mas_wasm.wasm). */
export const wasmPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../wasm/mas_wasm.wasm');

let cached: Backend | null | undefined;
let loadError: string | null = null;

/** The wasm backend, or null when it cannot load (the reason is in wasmLoadError()). */
export function loadWasmBackend(): Backend | null {
  if (cached !== undefined) return cached;
  if (!wasmSimdSupported()) {
    loadError = 'this Node.js has no WebAssembly SIMD128 support';
    cached = null;
    return null;
  }
  try {
    cached = createWasmBackend(readFileSync(wasmPath));
  } catch (e) {
    loadError = e instanceof Error ? e.message.split('\n')[0] : String(e);
    cached = null;
  }
  return cached;
}

/** Why the wasm module did not load (null if it loaded or was not tried). */
export function wasmLoadError(): string | null {
  return loadError;
}
