/** `mas selfcheck`: print the backend in use and one quick benchmark figure. */
import type { Command } from '../command.ts';
import { getBackend } from '../../tensor/backend/index.ts';
import { nativeLoadError } from '../../tensor/backend/native.ts';

export const selfcheck: Command = {
  name: 'selfcheck',
  summary: 'print the numeric backend in use and a quick GEMM timing',
  help: `usage: mas selfcheck

Prints which numeric backend is active (native OpenBLAS/LAPACKE addon, the WebAssembly SIMD
module, or the portable TypeScript path), why the native addon is not in use when it is not, the
BLAS thread count, and the time of one 512×512 float32 GEMM.`,
  async run() {
    const be = getBackend();
    const n = 512;
    const a = new Float32Array(n * n).map((_, i) => Math.sin(i));
    const b = new Float32Array(n * n).map((_, i) => Math.cos(i));
    const c = new Float32Array(n * n);
    be.gemm(false, false, n, n, n, 1, a, b, 0, c);
    const reps = 5;
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) be.gemm(false, false, n, n, n, 1, a, b, 0, c);
    const ms = (performance.now() - t0) / reps;
    const gflops = (2 * n * n * n) / (ms * 1e6);
    console.log(`backend: ${be.name} (threads: ${be.getThreads()})`);
    if (be.name !== 'native' && nativeLoadError()) console.log(`native addon: not loaded (${nativeLoadError()})`);
    console.log(`sgemm ${n}: ${ms.toFixed(2)} ms (${gflops.toFixed(1)} GFLOP/s)`);
    return 0;
  },
};
