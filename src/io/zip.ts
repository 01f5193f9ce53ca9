/**
 * Minimal ZIP container (PKWARE APPNOTE): enough to read and write .npz files. Reads stored and deflated
 * members, including zip64 archives as written by Python's zipfile (which `np.savez` always asks for);
 * writes stored or deflated members with a fixed timestamp so the output is reproducible.
 */
import * as zlib from 'node:zlib';
import { FileFormatError } from '../errors.ts';
import { fileByteLimit } from './file-limit.ts';

/** One member of a zip archive. */
export interface ZipEntry {
  name: string;
  /** Uncompressed bytes (read) or bytes to store (write). */
  data: Uint8Array;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32; // Node >= 20.15

/** CRC-32 (the zip/zlib polynomial) of `bytes`; uses zlib's when Node provides it. */
export function crc32(bytes: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(bytes) >>> 0 : crc32Portable(bytes);
}

/** CRC-32 in TypeScript (table-driven), the fallback for older Node versions. */
export function crc32Portable(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOC = 0x07064b50;
const U32_MAX = 0xffffffff;

/** A member as listed in the central directory. */
export interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  csize: number;
  usize: number;
  offset: number;
}

function u64(dv: DataView, off: number, name: string): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FileFormatError(`${name}: zip64 size/offset too large`);
  return Number(v);
}

/** Parse a zip archive's central directory; member data are read on demand with `readZipMember`. */
export function listZip(bytes: Uint8Array, name: string): CentralEntry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  if (n < 22) throw new FileFormatError(`${name}: not a zip archive (${n} bytes; too short, or truncated)`);
  let eocd = -1;
  for (let p = n - 22; p >= Math.max(0, n - 22 - 0xffff); p--) {
    if (dv.getUint32(p, true) === SIG_EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) {
    const looksZip = dv.getUint32(0, true) === SIG_LOCAL;
    throw new FileFormatError(
      looksZip ? `${name}: truncated zip archive (no end-of-central-directory record)` : `${name}: bad magic, not a zip/.npz archive`,
    );
  }
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOff = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === U32_MAX || cdOff === U32_MAX) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== SIG_EOCD64_LOC) {
      throw new FileFormatError(`${name}: zip64 archive without a zip64 end-of-central-directory locator`);
    }
    const rec = u64(dv, loc + 8, name);
    if (rec + 56 > n || dv.getUint32(rec, true) !== SIG_EOCD64) {
      throw new FileFormatError(`${name}: bad zip64 end-of-central-directory record`);
    }
    count = u64(dv, rec + 32, name);
    cdSize = u64(dv, rec + 40, name);
    cdOff = u64(dv, rec + 48, name);
  }
  if (cdOff + cdSize > n) throw new FileFormatError(`${name}: truncated zip archive (central directory beyond end of file)`);
  const out: CentralEntry[] = [];
  let p = cdOff;
  for (let i = 0; i < count; i++) {
    if (p + 46 > n || dv.getUint32(p, true) !== SIG_CENTRAL) {
      throw new FileFormatError(`${name}: corrupt zip central directory (entry ${i})`);
    }
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let offset = dv.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > n) throw new FileFormatError(`${name}: truncated zip central directory`);
    const entryName = new TextDecoder('utf-8').decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information: the 8-byte values present are those whose 4-byte field is 0xFFFFFFFF.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (usize === U32_MAX) (usize = u64(dv, q, name)), (q += 8);
        if (csize === U32_MAX) (csize = u64(dv, q, name)), (q += 8);
        if (offset === U32_MAX) (offset = u64(dv, q, name)), (q += 8);
      }
      e += 4 + len;
    }
    out.push({ name: entryName, method, flags, crc, csize, usize, offset });
    p = eEnd + commentLen;
  }
  return out;
}

/** Extract (and check the CRC of) one member listed by `listZip`. */
export function readZipMember(bytes: Uint8Array, entry: CentralEntry, name: string): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const where = `${name}: member '${entry.name}'`;
  if (entry.flags & 1) throw new FileFormatError(`${where} is encrypted`);
  const p = entry.offset;
  if (p + 30 > bytes.length || dv.getUint32(p, true) !== SIG_LOCAL) throw new FileFormatError(`${where}: bad local header`);
  const start = p + 30 + dv.getUint16(p + 26, true) + dv.getUint16(p + 28, true);
  if (start + entry.csize > bytes.length) throw new FileFormatError(`${where} is truncated`);
  const raw = bytes.subarray(start, start + entry.csize);
  let data: Uint8Array;
  if (entry.method === 0) {
    data = raw;
  } else if (entry.method === 8) {
    // The declared size is checked first, and inflation may not produce a byte more than it (zip bombs).
    if (entry.usize > fileByteLimit()) throw new FileFormatError(`${where}: declared size ${entry.usize} bytes is over the limit of ${fileByteLimit()} (MAS_MAX_FILE_BYTES)`);
    try {
      const b = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.usize) });
      data = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new FileFormatError(`${where}: inflates past its declared size of ${entry.usize} bytes (corrupt or a zip bomb)`);
      throw new FileFormatError(`${where}: corrupt deflate data (${(err as Error).message})`);
    }
  } else {
    throw new FileFormatError(`${where}: unsupported compression method ${entry.method} (only stored and deflate)`);
  }
  if (data.length !== entry.usize) throw new FileFormatError(`${where}: size mismatch (expected ${entry.usize} bytes, got ${data.length})`);
  if (crc32(data) !== entry.crc) throw new FileFormatError(`${where}: CRC mismatch, the archive is corrupt`);
  return data;
}

/** Encode a zip archive; returns the byte chunks in order (concatenate, or pass to writeFileAtomic). */
export function encodeZip(entries: readonly ZipEntry[], compress: boolean): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  for (const { name, data } of entries) {
    const nameBytes = new TextEncoder().encode(name);
    const body = compress ? new Uint8Array(zlib.deflateRawSync(data)) : data;
    const crc = crc32(data);
    const method = compress ? 8 : 0;
    const flags = /^[\x20-\x7e]*$/.test(name) ? 0 : 0x800; // bit 11: UTF-8 name
    if (body.length >= U32_MAX || data.length >= U32_MAX || offset >= U32_MAX) {
      throw new FileFormatError(`cannot write zip member '${name}': archives over 4 GiB (zip64) are not supported`);
    }
    const local = new Uint8Array(30 + nameBytes.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, SIG_LOCAL, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, flags, true);
    lv.setUint16(8, method, true);
    lv.setUint16(10, 0, true);
    lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    lv.setUint16(28, 0, true);
    local.set(nameBytes, 30);
    const cen = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(cen.buffer);
    cv.setUint32(0, SIG_CENTRAL, true);
    cv.setUint16(4, (3 << 8) | 20, true); // made by: Unix, 2.0
    cv.setUint16(6, 20, true);
    cv.setUint16(8, flags, true);
    cv.setUint16(10, method, true);
    cv.setUint16(12, 0, true);
    cv.setUint16(14, DOS_DATE, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(38, (0o100644 << 16) >>> 0, true); // regular file, rw-r--r--
    cv.setUint32(42, offset, true);
    cen.set(nameBytes, 46);
    chunks.push(local, body);
    central.push(cen);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  if (entries.length >= 0xffff || offset + cdSize >= U32_MAX) {
    throw new FileFormatError('cannot write zip: more than 65,534 members or over 4 GiB (zip64) is not supported');
  }
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, SIG_EOCD, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return [...chunks, ...central, eocd];
}
