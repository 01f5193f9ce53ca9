/**
 * Backend selection: the native addon when it loads, else the portable path with a one-line
 * notice. MAS_BACKEND=native|portable forces one (forcing native when it is missing is an error).
 */
import { InputError } from '../../errors.ts';
import { loadNativeBackend, nativeLoadError } from './native.ts';
import { portableBackend } from './portable.ts';
import type { Backend } from './types.ts';

export type { Backend, EighResult, FloatArray, QrResult, SvdResult } from './types.ts';

let current: Backend | null = null;

/** Load the native backend, or return null when the addon is not built. */
export function loadNative(): Backend | null {
  return loadNativeBackend();
}

/** The backend with the given name; throws if it is unavailable. */
export function getBackendByName(name: 'native' | 'portable'): Backend {
  if (name === 'portable') return portableBackend;
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
  if (forced !== undefined && forced !== '' && forced !== 'native' && forced !== 'portable') {
    throw new InputError(`MAS_BACKEND must be 'native' or 'portable', got '${forced}'`);
  }
  if (forced === 'native' || forced === 'portable') current = getBackendByName(forced);
  else {
    const nb = loadNative();
    if (nb) current = nb;
    else {
      process.stderr.write(`mas: native OpenBLAS addon not loaded (${nativeLoadError() ?? 'not built'}); using the portable TypeScript backend (slower)\n`);
      current = portableBackend;
    }
  }
  return current;
}

/** Replace the active backend (tests and benchmarks). */
export function setBackend(b: Backend): void {
  current = b;
}
