// Entry of the test page's bundle: start the wasm backend from base64 bytes, then run the probe.
import { useWasmBackend } from '../../src/browser.ts';
import { runProbe, type ProbeResult } from './probe.ts';

/** Bytes of a base64 string (atob exists in pages and in Node). */
function fromB64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Instantiate the wasm module and run the probe on the .npz bytes. */
export function run(wasmB64: string, npzB64: string): ProbeResult {
  useWasmBackend(fromB64(wasmB64));
  return runProbe(fromB64(npzB64));
}
