/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0).
 *
 * Reading accepts bool, int8–int64, uint8–uint64 and float16/32/64 in either byte order, C or Fortran order,
 * any number of dimensions; the result is always row-major in native (little-endian) order. 64-bit integers
 * and float16 are widened (to float64 / float32). Writing produces C-order little-endian files byte-identical
 * to `np.save` for float32, float64, int32 and uint8.
 */
import { FileFormatError, ShapeError, fmtShape } from '../errors.ts';
import { readBytes, writeFileAtomic } from './atomic.ts';
import { parsePyLiteral, type PyValue } from './pyliteral.ts';

/** The element type of an array read from a .npy file, in NumPy's names. */
export type NpyDType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float16'
  | 'float32'
  | 'float64';

/** The typed array holding an array's values (row-major). */
export type NpyData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/** What `writeNpy`/`encodeNpy` accept. */
export type NpyWritable = Float32Array | Float64Array | Int32Array | Uint8Array;

/** A decoded array. `dtype` is the dtype in the file; `data` holds it widened as described in the module doc. */
export interface NpyArray {
  data: NpyData;
  shape: number[];
  dtype: NpyDType;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21; // numpy >= 1.23 pads the header so the first axis can grow in place

interface DTypeInfo {
  dtype: NpyDType;
  size: number;
}

const KINDS: Record<string, DTypeInfo> = {
  b1: { dtype: 'bool', size: 1 },
  i1: { dtype: 'int8', size: 1 },
  i2: { dtype: 'int16', size: 2 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
  u1: { dtype: 'uint8', size: 1 },
  u2: { dtype: 'uint16', size: 2 },
  u4: { dtype: 'uint32', size: 4 },
  u8: { dtype: 'uint64', size: 8 },
  f2: { dtype: 'float16', size: 2 },
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float64', size: 8 },
};

/** Product of a shape's dimensions (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Convert an IEEE half-precision bit pattern to a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function parseDescr(descr: string, name: string): { info: DTypeInfo; little: boolean } {
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  const info = m ? KINDS[m[2] + m[3]] : undefined;
  if (!m || !info) {
    throw new FileFormatError(
      `${name}: unsupported dtype '${descr}' (supported: bool, int8-64, uint8-64, float16/32/64)`,
    );
  }
  return { info, little: m[1] !== '>' };
}

interface NpyHeader {
  descr: string;
  fortran: boolean;
  shape: number[];
  dataOffset: number;
}

function parseHeader(bytes: Uint8Array, name: string): NpyHeader {
  if (bytes.length < 10) throw new FileFormatError(`${name}: truncated .npy file (${bytes.length} bytes, header needs at least 10)`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new FileFormatError(`${name}: bad magic, not a .npy file`);
  }
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen: number;
  let start: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new FileFormatError(`${name}: truncated .npy header`);
    hlen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw new FileFormatError(`${name}: unsupported .npy format version ${major}.${bytes[7]} (supported: 1, 2, 3)`);
  }
  if (start + hlen > bytes.length) {
    throw new FileFormatError(`${name}: truncated .npy header (needs ${start + hlen} bytes, file has ${bytes.length})`);
  }
  const headerBytes = bytes.subarray(start, start + hlen);
  // No Buffer, so that this also runs in a web page (latin1: one char per byte, as Buffer decodes it).
  let text = '';
  if (major === 3) text = new TextDecoder('utf-8').decode(headerBytes);
  else for (let i = 0; i < headerBytes.length; i++) text += String.fromCharCode(headerBytes[i]);
  let dict: PyValue;
  try {
    dict = parsePyLiteral(text.trim());
  } catch (err) {
    throw new FileFormatError(`${name}: malformed .npy header (${(err as Error).message}): ${text.trim()}`);
  }
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) {
    throw new FileFormatError(`${name}: malformed .npy header (not a dict): ${text.trim()}`);
  }
  const { descr, fortran_order: fortran, shape } = dict;
  if (Array.isArray(descr)) throw new FileFormatError(`${name}: unsupported dtype (structured array ${JSON.stringify(descr)})`);
  if (typeof descr !== 'string') throw new FileFormatError(`${name}: malformed .npy header (no 'descr'): ${text.trim()}`);
  if (typeof fortran !== 'boolean') {
    throw new FileFormatError(`${name}: malformed .npy header (no 'fortran_order'): ${text.trim()}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new FileFormatError(`${name}: malformed .npy header (bad 'shape'): ${text.trim()}`);
  }
  return { descr, fortran, shape: shape as number[], dataOffset: start + hlen };
}

/** Permute a row-major Fortran-order buffer (i.e. a C-order array of reversed shape) into C order. */
function fortranToC<T extends NpyData>(src: T, shape: readonly number[]): T {
  const nd = shape.length;
  if (nd < 2) return src;
  const out = new (src.constructor as new (n: number) => T)(src.length);
  // F-order stride of axis k is prod(shape[0..k-1]); walk the output in C order with an odometer.
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fStride[k] = s;
    s *= shape[k];
  }
  const idx = new Array<number>(nd).fill(0);
  const last = nd - 1;
  const lastLen = shape[last];
  const lastStride = fStride[last];
  let o = 0;
  const n = src.length;
  while (o < n) {
    let base = 0;
    for (let k = 0; k < last; k++) base += idx[k] * fStride[k];
    for (let j = 0; j < lastLen; j++) out[o++] = src[base + j * lastStride];
    for (let k = last - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

function decodeData(bytes: Uint8Array, off: number, count: number, info: DTypeInfo, little: boolean, name: string): NpyData {
  const nbytes = count * info.size;
  // Copy into a fresh, aligned buffer.
  const buf = new ArrayBuffer(nbytes);
  new Uint8Array(buf).set(bytes.subarray(off, off + nbytes));
  const dv = new DataView(buf);
  const nativeLittle = true; // all supported Node platforms (x64, arm64) are little-endian
  const native = little === nativeLittle || info.size === 1;
  switch (info.dtype) {
    case 'bool': {
      const u = new Uint8Array(buf);
      for (let i = 0; i < count; i++) if (u[i] > 1) u[i] = 1;
      return u;
    }
    case 'uint8':
      return new Uint8Array(buf);
    case 'int8':
      return new Int8Array(buf);
    case 'int16': {
      if (native) return new Int16Array(buf);
      const a = new Int16Array(count);
      for (let i = 0; i < count; i++) a[i] = dv.getInt16(2 * i, little);
      return a;
    }
    case 'uint16': {
      if (native) return new Uint16Array(buf);
      const a = new Uint16Array(count);
      for (let i = 0; i < count; i++) a[i] = dv.getUint16(2 * i, little);
      return a;
    }
    case 'int32': {
      if (native) return new Int32Array(buf);
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) a[i] = dv.getInt32(4 * i, little);
      return a;
    }
    case 'uint32': {
      if (native) return new Uint32Array(buf);
      const a = new Uint32Array(count);
      for (let i = 0; i < count; i++) a[i] = dv.getUint32(4 * i, little);
      return a;
    }
    case 'float32': {
      if (native) return new Float32Array(buf);
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = dv.getFloat32(4 * i, little);
      return a;
    }
    case 'float64': {
      if (native) return new Float64Array(buf);
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = dv.getFloat64(8 * i, little);
      return a;
    }
    case 'float16': {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = halfToFloat(dv.getUint16(2 * i, little));
      return a;
    }
    case 'int64':
    case 'uint64': {
      const a = new Float64Array(count);
      const signed = info.dtype === 'int64';
      for (let i = 0; i < count; i++) {
        const v = signed ? dv.getBigInt64(8 * i, little) : dv.getBigUint64(8 * i, little);
        if (v > 9007199254740992n || v < -9007199254740992n) {
          throw new FileFormatError(`${name}: ${info.dtype} value ${v} at flat index ${i} cannot be represented exactly as a number`);
        }
        a[i] = Number(v);
      }
      return a;
    }
  }
}

/** Decode the bytes of a .npy file; `name` (the file path) is used in error messages. */
export function decodeNpy(bytes: Uint8Array, name = '<npy bytes>'): NpyArray {
  const h = parseHeader(bytes, name);
  const { info, little } = parseDescr(h.descr, name);
  const count = shapeSize(h.shape);
  const need = count * info.size;
  const have = bytes.length - h.dataOffset;
  if (have < need) {
    throw new FileFormatError(`${name}: truncated .npy data (shape ${fmtShape(h.shape)} ${info.dtype} needs ${need} bytes, file has ${have})`);
  }
  if (have > need) {
    throw new FileFormatError(`${name}: size mismatch (shape ${fmtShape(h.shape)} ${info.dtype} needs ${need} data bytes, file has ${have})`);
  }
  let data = decodeData(bytes, h.dataOffset, count, info, little, name);
  if (h.fortran) data = fortranToC(data, h.shape);
  return { data, shape: h.shape.slice(), dtype: info.dtype };
}

/** Read a .npy file (or decode its bytes). */
export function readNpy(source: string | Uint8Array): NpyArray {
  return typeof source === 'string' ? decodeNpy(readBytes(source), source) : decodeNpy(source);
}

function descrOf(data: NpyWritable): string {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint8Array) return '|u1';
  throw new ShapeError(`encodeNpy: unsupported array type ${(data as object).constructor.name} (float32, float64, int32, uint8)`);
}

/** The .npy header (magic, version, length, padded dict) that `np.save` writes for this array. */
export function npyHeader(data: NpyWritable, shape: readonly number[]): Uint8Array {
  const descr = descrOf(data);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new ShapeError(`encodeNpy: invalid shape ${fmtShape(shape)}`);
  if (shapeSize(shape) !== data.length) {
    throw new ShapeError(`encodeNpy: shape ${fmtShape(shape)} holds ${shapeSize(shape)} values but the data has ${data.length}`);
  }
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const dictBytes = Uint8Array.from(dict, (ch) => ch.charCodeAt(0) & 0xff); // latin1, as Buffer encodes it
  const hlen1 = dictBytes.length + 1; // + '\n'
  let version = 1;
  let prefix = 10;
  if (hlen1 + ALIGN > 0xffff) {
    version = 2;
    prefix = 12;
  }
  const pad = ALIGN - ((prefix + hlen1) % ALIGN);
  const total = prefix + hlen1 + pad;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, hlen1 + pad, true);
  else dv.setUint32(8, hlen1 + pad, true);
  out.set(dictBytes, prefix);
  out.fill(0x20, prefix + dictBytes.length, total - 1);
  out[total - 1] = 0x0a;
  return out;
}

function bytesOf(data: NpyWritable): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Encode an array as .npy bytes (C order, little-endian), identical to what `np.save` writes. */
export function encodeNpy(data: NpyWritable, shape: readonly number[]): Uint8Array {
  const header = npyHeader(data, shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(bytesOf(data), header.length);
  return out;
}

/** Write an array to a .npy file atomically. */
export function writeNpy(file: string, data: NpyWritable, shape: readonly number[]): void {
  writeFileAtomic(file, [npyHeader(data, shape), bytesOf(data)]);
}
