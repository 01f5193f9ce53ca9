/**
 * Browser stand-in for src/tensor/backend/wasm-load.ts (mapped by scripts/build-browser.mjs): the
 * page fetches wasm/mas_wasm.wasm itself and passes the bytes to useWasmBackend (src/browser.ts).
 */
import type { Backend } from '../tensor/backend/types.ts';

let registered: Backend | null = null;

/** No module file to point at in a page. */
export const wasmPath = '';

/** Record the backend the page instantiated (useWasmBackend). */
export function registerWasmBackend(b: Backend): void {
  registered = b;
}

/** The backend the page registered, or null before useWasmBackend. */
export function loadWasmBackend(): Backend | null {
  return registered;
}

/** Why there is none yet. */
export function wasmLoadError(): string | null {
  return registered ? null : 'call useWasmBackend(bytes) with the fetched wasm/mas_wasm.wasm first';
}
