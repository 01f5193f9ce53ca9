/**
 * NumPy .npz archives: a zip of .npy members, as written by `np.savez` (stored) and `np.savez_compressed`
 * (deflated). Member names lose their '.npy' suffix, as in `np.load(...).files`.
 */
import { FileFormatError, InputError } from '../errors.ts';
import { readBytes, writeFileAtomic } from './atomic.ts';
import { decodeNpy, encodeNpy, type NpyArray, type NpyWritable } from './npy.ts';
import { encodeZip, listZip, readZipMember, type CentralEntry } from './zip.ts';

/** An array to write: values in row-major order and the shape. */
export interface NpzInput {
  data: NpyWritable;
  shape: readonly number[];
}

/** An opened archive: the array names, and a decoder for one array at a time. */
export interface NpzArchive {
  /** Array names in archive order ('.npy' stripped). */
  names: string[];
  /** Decode one array; an InputError lists the names if `name` is not in the archive. */
  get(name: string): NpyArray;
}

/** Open a .npz file (or its bytes) without decoding the arrays yet. */
export function openNpz(source: string | Uint8Array): NpzArchive {
  const file = typeof source === 'string' ? source : '<npz bytes>';
  const bytes = typeof source === 'string' ? readBytes(source) : source;
  const members = new Map<string, CentralEntry>();
  for (const e of listZip(bytes, file)) {
    if (e.name.endsWith('/')) continue; // folder entry
    if (!e.name.endsWith('.npy')) throw new FileFormatError(`${file}: member '${e.name}' is not a .npy array`);
    const key = e.name.slice(0, -4);
    if (members.has(key)) throw new FileFormatError(`${file}: duplicate member '${e.name}'`);
    members.set(key, e);
  }
  const names = [...members.keys()];
  return {
    names,
    get(name: string): NpyArray {
      const e = members.get(name);
      if (!e) throw new InputError(`${file}: no array '${name}' (arrays: ${names.join(', ') || 'none'})`);
      return decodeNpy(readZipMember(bytes, e, file), `${file}[${name}]`);
    },
  };
}

/** Read every array of a .npz file, by name, in archive order. */
export function readNpz(source: string | Uint8Array): Map<string, NpyArray> {
  const z = openNpz(source);
  return new Map(z.names.map((n) => [n, z.get(n)]));
}

function namedArrays(arrays: Record<string, NpzInput> | Map<string, NpzInput> | readonly NpzInput[]): [string, NpzInput][] {
  if (Array.isArray(arrays)) return arrays.map((a, i) => [`arr_${i}`, a]);
  if (arrays instanceof Map) return [...arrays.entries()];
  return Object.entries(arrays as Record<string, NpzInput>);
}

/** Encode arrays as .npz chunks; an array (list) is named arr_0, arr_1, … as `np.savez(*arrays)` does. */
export function encodeNpz(
  arrays: Record<string, NpzInput> | Map<string, NpzInput> | readonly NpzInput[],
  opts: { compress?: boolean } = {},
): Uint8Array[] {
  const entries = namedArrays(arrays).map(([name, a]) => {
    if (name === '' || name.includes('/')) throw new InputError(`writeNpz: invalid array name '${name}'`);
    return { name: `${name}.npy`, data: encodeNpy(a.data, a.shape) };
  });
  return encodeZip(entries, opts.compress ?? false);
}

/** Write arrays to a .npz file atomically (`compress: true` = `np.savez_compressed`). */
export function writeNpz(
  file: string,
  arrays: Record<string, NpzInput> | Map<string, NpzInput> | readonly NpzInput[],
  opts: { compress?: boolean } = {},
): void {
  writeFileAtomic(file, encodeNpz(arrays, opts));
}
