/**
 * The size limit of what the readers accept, without Node built-ins, so that the zip reader (which the
 * browser bundle carries) can check it in a web page too.
 */
import { envVar } from '../util/env.ts';

/** 4 GiB: Node 20's Buffer limit, and the default cap where no other is given. */
export const DEFAULT_FILE_BYTE_CAP = 2 ** 32;

/** Largest file or decompressed member to read (bytes): MAS_MAX_FILE_BYTES when set, at most `cap`. */
export function fileByteLimit(cap: number = DEFAULT_FILE_BYTE_CAP): number {
  const env = Number(envVar('MAS_MAX_FILE_BYTES'));
  return Number.isFinite(env) && env > 0 ? Math.min(env, cap) : cap;
}
