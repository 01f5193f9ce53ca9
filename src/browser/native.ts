/** Browser stand-in for src/tensor/backend/native.ts (mapped by scripts/build-browser.mjs): no addon in a page. */
import type { Backend } from '../tensor/backend/types.ts';

/** No addon file in a web page. */
export const addonPath = '';

/** One thread. */
export function threadsFromEnv(): number {
  return 1;
}

/** "unknown": no OpenBLAS here. */
export function nativeBlasCore(): string {
  return 'unknown';
}

/** Always null: the N-API addon cannot load in a browser. */
export function loadNativeBackend(): Backend | null {
  return null;
}

/** Why the addon is missing. */
export function nativeLoadError(): string | null {
  return 'the native addon is not available in a web page';
}
