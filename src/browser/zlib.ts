/**
 * What src/io/zip.ts uses of node:zlib, for the browser bundle (scripts/build-browser.mjs maps
 * node:zlib here): raw deflate and inflate through fflate. No crc32, so zip.ts uses its portable one.
 */
import { deflateSync, inflateSync } from 'fflate';

/** Inflate a raw deflate stream (zip method 8). */
export function inflateRawSync(data: Uint8Array): Uint8Array {
  return inflateSync(data);
}

/** Deflate into a raw deflate stream (zip method 8). */
export function deflateRawSync(data: Uint8Array): Uint8Array {
  return deflateSync(data);
}
