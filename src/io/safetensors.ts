/**
 * The safetensors container (models.md §6.3): an 8-byte little-endian header length N, N bytes of JSON
 * (tensor name → {dtype, shape, data_offsets}, plus optional "__metadata__"), then the data buffer.
 *
 * Readers validate the whole layout (header length, JSON, dtypes, shapes vs byte sizes, offsets in bounds,
 * no overlaps, no gaps). `readSafetensors` returns float32, converting F64/F16/BF16 with a warning;
 * `readSafetensorsExact` keeps F64 as float64 (used for data matrices and checkpoints).
 * Writers emit tensors in lexicographic name order, pad the header with spaces to 8-byte alignment, put
 * {"format": "mas-model/1"} in __metadata__ unless the caller sets "format", and write atomically.
 */
import { FileFormatError, InputError, ShapeError, fmtShape } from '../errors.ts';
import { readBytes, writeFileAtomic } from './atomic.ts';
import { halfToFloat, shapeSize } from './npy.ts';

/** Size in bytes of every dtype the safetensors format defines. */
const DTYPE_SIZE: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};
const READABLE = ['F32', 'F64', 'F16', 'BF16'];
const MAX_HEADER = 100_000_000; // the reference implementation's limit
/** The `format` value written to `__metadata__` by default. */
export const SAFETENSORS_FORMAT = 'mas-model/1';

/** A tensor as read: original dtype, shape, and row-major values. */
export interface SafetensorsTensor<D extends Float32Array | Float64Array = Float32Array> {
  dtype: string;
  shape: number[];
  data: D;
}

/** A whole safetensors file as read. */
export interface SafetensorsFile<D extends Float32Array | Float64Array = Float32Array> {
  /** Tensors in file (offset) order. */
  tensors: Map<string, SafetensorsTensor<D>>;
  /** `__metadata__` ({} if absent). */
  metadata: Record<string, string>;
  /** Names of valid tensors left undecoded (not in `only`), in file order; absent when nothing was skipped. */
  skipped?: string[];
}

/** Options for reading. */
export interface ReadSafetensorsOptions {
  /** Called once per file when F64/F16/BF16 tensors were converted to float32 (default: console.warn). */
  onWarning?: (message: string) => void;
  /** Decode only these tensors (all are still validated); the others are listed in `skipped`. */
  only?: readonly string[];
}

/** A tensor to write. */
export interface SafetensorsInput {
  shape: readonly number[];
  data: Float32Array | Float64Array;
}

/** One header entry, validated. */
export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

/** The validated layout of a safetensors file. */
export interface SafetensorsLayout {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
}

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/** Parse and validate the header and layout of safetensors bytes; `name` is used in error messages. */
export function parseSafetensorsLayout(bytes: Uint8Array, name: string): SafetensorsLayout {
  if (bytes.length < 8) throw new FileFormatError(`${name}: truncated safetensors file (${bytes.length} bytes, need at least 8)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) {
    throw new FileFormatError(`${name}: bad safetensors header length ${n64} (over ${MAX_HEADER}; not a safetensors file?)`);
  }
  const n = Number(n64);
  if (8 + n > bytes.length) {
    throw new FileFormatError(`${name}: truncated safetensors file (header length ${n} but only ${bytes.length - 8} bytes follow)`);
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new FileFormatError(`${name}: safetensors header is not valid JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new FileFormatError(`${name}: safetensors header is not a JSON object`);
  }
  const dataStart = 8 + n;
  const bufLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [key, v] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (v === null) continue;
      if (typeof v !== 'object' || Array.isArray(v)) throw new FileFormatError(`${name}: __metadata__ is not an object`);
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        if (typeof mv !== 'string') throw new FileFormatError(`${name}: __metadata__ value '${mk}' is not a string`);
        metadata[mk] = mv;
      }
      continue;
    }
    const where = `${name}: tensor '${key}'`;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new FileFormatError(`${where}: header entry is not an object`);
    const { dtype, shape, data_offsets: offs } = v as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZE)) throw new FileFormatError(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
    if (!isShape(shape)) throw new FileFormatError(`${where}: bad shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0) || offs[0] > offs[1]) {
      throw new FileFormatError(`${where}: bad data_offsets ${JSON.stringify(offs)}`);
    }
    const [b, e] = offs as number[];
    const need = shapeSize(shape) * DTYPE_SIZE[dtype];
    if (e - b !== need) {
      throw new FileFormatError(`${where}: size mismatch (${dtype} ${fmtShape(shape)} needs ${need} bytes, data_offsets span ${e - b})`);
    }
    if (e > bufLen) {
      throw new FileFormatError(`${where}: truncated (data ends at byte ${e} of the buffer, which has ${bufLen} bytes)`);
    }
    entries.push({ name: key, dtype, shape, begin: dataStart + b, end: dataStart + e });
  }
  entries.sort((x, y) => x.begin - y.begin || x.end - y.end);
  let pos = dataStart;
  let prev = '';
  for (const e of entries) {
    if (e.begin < pos) throw new FileFormatError(`${name}: tensors '${prev}' and '${e.name}' overlap in the data buffer`);
    if (e.begin > pos) {
      throw new FileFormatError(`${name}: gap of ${e.begin - pos} bytes in the data buffer before tensor '${e.name}'`);
    }
    pos = e.end;
    prev = e.name;
  }
  if (pos !== bytes.length) {
    throw new FileFormatError(`${name}: ${bytes.length - pos} unused bytes at the end of the data buffer (gap)`);
  }
  return { entries, metadata };
}

/** Decode one validated entry; `keepF64` keeps F64 as Float64Array, else everything becomes Float32Array. */
export function decodeSafetensorsEntry(
  bytes: Uint8Array,
  e: SafetensorsEntry,
  keepF64: boolean,
  name: string,
): Float32Array | Float64Array {
  if (!READABLE.includes(e.dtype)) {
    throw new FileFormatError(`${name}: tensor '${e.name}' has unsupported dtype ${e.dtype} (supported: ${READABLE.join(', ')})`);
  }
  const count = shapeSize(e.shape);
  const buf = new ArrayBuffer(e.end - e.begin);
  new Uint8Array(buf).set(bytes.subarray(e.begin, e.end)); // aligned copy (little-endian platform)
  switch (e.dtype) {
    case 'F32':
      return new Float32Array(buf);
    case 'F64':
      return keepF64 ? new Float64Array(buf) : Float32Array.from(new Float64Array(buf));
    case 'F16': {
      const h = new Uint16Array(buf);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(h[i]);
      return out;
    }
    default: {
      // BF16: the upper 16 bits of a float32.
      const h = new Uint16Array(buf);
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = h[i] << 16;
      return new Float32Array(bits.buffer);
    }
  }
}

function sourceOf(source: string | Uint8Array, name?: string): [Uint8Array, string] {
  return typeof source === 'string' ? [readBytes(source), name ?? source] : [source, name ?? '<safetensors bytes>'];
}

/** Read a safetensors file (or its bytes) as float32 tensors; F64/F16/BF16 are converted with one warning. */
export function readSafetensors(source: string | Uint8Array, opts: ReadSafetensorsOptions = {}): SafetensorsFile {
  const [bytes, name] = sourceOf(source);
  const { entries, metadata } = parseSafetensorsLayout(bytes, name);
  const tensors = new Map<string, SafetensorsTensor>();
  const converted = new Map<string, number>();
  const skipped: string[] = [];
  for (const e of entries) {
    if (opts.only && !opts.only.includes(e.name)) {
      skipped.push(e.name);
      continue;
    }
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decodeSafetensorsEntry(bytes, e, false, name) as Float32Array });
    if (e.dtype !== 'F32') converted.set(e.dtype, (converted.get(e.dtype) ?? 0) + 1);
  }
  if (converted.size > 0) {
    const what = [...converted].map(([d, c]) => `${c} ${d}`).join(', ');
    (opts.onWarning ?? ((m: string) => console.warn(`warning: ${m}`)))(`${name}: converted ${what} tensor(s) to float32`);
  }
  return skipped.length > 0 ? { tensors, metadata, skipped } : { tensors, metadata };
}

/**
 * Read a safetensors file keeping precision: F32 → Float32Array, F64 → Float64Array, F16/BF16 → Float32Array
 * (exact). `only` restricts decoding to the named tensors (all are still validated); `name` labels errors.
 */
export function readSafetensorsExact(
  source: string | Uint8Array,
  opts: { only?: readonly string[]; name?: string } = {},
): SafetensorsFile<Float32Array | Float64Array> {
  const [bytes, name] = sourceOf(source, opts.name);
  const only = opts.only;
  const { entries, metadata } = parseSafetensorsLayout(bytes, name);
  const tensors = new Map<string, SafetensorsTensor<Float32Array | Float64Array>>();
  for (const e of entries) {
    if (only && !only.includes(e.name)) continue;
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decodeSafetensorsEntry(bytes, e, true, name) });
  }
  return { tensors, metadata };
}

/** List the tensors (name, dtype, shape) and metadata of a safetensors file without decoding data. */
export function inspectSafetensors(source: string | Uint8Array): SafetensorsLayout {
  const [bytes, name] = sourceOf(source);
  return parseSafetensorsLayout(bytes, name);
}

/** Encode tensors as safetensors chunks (header, then each tensor's bytes); see module doc. */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsInput> | Map<string, SafetensorsInput>,
  metadata: Record<string, string> = {},
): Uint8Array[] {
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const meta: Record<string, string> = { format: SAFETENSORS_FORMAT, ...metadata };
  const metaKeys = Object.keys(meta).sort();
  for (const k of metaKeys) {
    if (typeof meta[k] !== 'string') throw new InputError(`writeSafetensors: metadata '${k}' must be a string, got ${typeof meta[k]}`);
  }
  const parts = [
    `"__metadata__":{${metaKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(meta[k])}`).join(',')}}`,
  ];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [tname, t] of list) {
    if (tname === '' || tname === '__metadata__') throw new InputError(`writeSafetensors: invalid tensor name '${tname}'`);
    if (!isShape(t.shape as number[])) throw new ShapeError(`writeSafetensors: tensor '${tname}' has invalid shape ${fmtShape(t.shape)}`);
    const dtype = t.data instanceof Float64Array ? 'F64' : t.data instanceof Float32Array ? 'F32' : '';
    if (!dtype) throw new InputError(`writeSafetensors: tensor '${tname}' must be a Float32Array or Float64Array`);
    if (shapeSize(t.shape) !== t.data.length) {
      throw new ShapeError(
        `writeSafetensors: tensor '${tname}' has shape ${fmtShape(t.shape)} (${shapeSize(t.shape)} values) but ${t.data.length} values`,
      );
    }
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(tname)}:{"dtype":"${dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    offset = end;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  head.fill(0x20, 8 + json.length);
  return [head, ...chunks];
}

/** Write tensors to a safetensors file atomically (F32 for Float32Array, F64 for Float64Array). */
export function writeSafetensors(
  file: string,
  tensors: Record<string, SafetensorsInput> | Map<string, SafetensorsInput>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
