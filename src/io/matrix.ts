/**
 * One reader for the data matrices the similarity CLI compares: rows = samples, columns = features, float64.
 * Dispatches on the file extension: .npy, .npz, .safetensors, .csv, .tsv, .txt.
 */
import * as path from 'node:path';
import { FileFormatError, InputError, NonFiniteError, fmtShape } from '../errors.ts';
import { readCsv } from './csv.ts';
import { readNpy, type NpyData } from './npy.ts';
import { openNpz } from './npz.ts';
import { decodeSafetensorsEntry, parseSafetensorsLayout } from './safetensors.ts';
import { readBytes } from './atomic.ts';

/** A samples × features matrix read from a file. */
export interface DataMatrix {
  /** Row-major values, float64. */
  data: Float64Array;
  rows: number;
  cols: number;
  /** Where it came from, e.g. `acts.npz[layer0]`, for messages and reports. */
  source: string;
}

/** Options for `readMatrix`. */
export interface ReadMatrixOptions {
  /** Array name inside a .npz or .safetensors file; required when the file holds several. */
  key?: string;
  /** Accept a 3-D array (a, b, c) as the (a·b, c) matrix, e.g. (sequences, positions, units). Default false. */
  flatten3d?: boolean;
  /** Reject NaN/±Inf with a NonFiniteError naming the first bad entry (default true). */
  requireFinite?: boolean;
}

/** The file extensions `readMatrix` understands. */
export const MATRIX_EXTENSIONS = ['.npy', '.npz', '.safetensors', '.csv', '.tsv', '.txt'] as const;

function pickKey(file: string, names: readonly string[], key: string | undefined, kind: string): string {
  if (key !== undefined) {
    if (!names.includes(key)) {
      throw new InputError(`${file}: no ${kind} named '${key}' (available: ${names.join(', ') || 'none'})`);
    }
    return key;
  }
  if (names.length === 1) return names[0];
  if (names.length === 0) throw new FileFormatError(`${file}: holds no ${kind}s`);
  throw new InputError(`${file}: holds ${names.length} ${kind}s (${names.join(', ')}); choose one with --key`);
}

function toMatrix(
  values: NpyData | Float32Array | Float64Array,
  shape: readonly number[],
  source: string,
  flatten3d: boolean,
): DataMatrix {
  let rows: number;
  let cols: number;
  if (shape.length === 1) {
    // Refused rather than guessed: n samples of one feature and one sample of n features are both (n,).
    throw new InputError(
      `${source}: is 1-D ${fmtShape(shape)}; expected a 2-D (samples × features) matrix. ` +
        `Reshape it before saving: to [${shape[0]}, 1] for ${shape[0]} samples of one feature (numpy: x.reshape(-1, 1)), ` +
        `or to [1, ${shape[0]}] for one sample`,
    );
  } else if (shape.length === 2) {
    rows = shape[0];
    cols = shape[1];
  } else if (shape.length === 3 && flatten3d) {
    rows = shape[0] * shape[1];
    cols = shape[2];
  } else if (shape.length === 0) {
    throw new InputError(`${source}: is a scalar; expected a 2-D (samples × features) matrix`);
  } else {
    const n = shape.length;
    const lead = shape.slice(0, n - 1).join('·');
    throw new InputError(
      `${source}: is ${n}-D ${fmtShape(shape)}; expected a 2-D (samples × features) matrix. ` +
        `Reshape it to [${lead}, ${shape[n - 1]}] before saving` +
        (n === 3 ? ', or pass --flatten3d to treat it as that' : ''),
    );
  }
  if (rows === 0 || cols === 0) throw new InputError(`${source}: empty matrix ${fmtShape(shape)}`);
  const data = values instanceof Float64Array ? values : new Float64Array(values);
  return { data, rows, cols, source };
}

function checkFinite(m: DataMatrix): void {
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v - v !== 0) {
      const r = Math.floor(i / m.cols);
      const c = i % m.cols;
      throw new NonFiniteError(
        `${m.source}: non-finite value ${v} at row ${r}, column ${c} (0-based; flat index ${i}); inputs must be finite`,
      );
    }
  }
}

/** Read a samples × features matrix from .npy/.npz/.safetensors/.csv/.tsv/.txt as float64. */
export function readMatrix(file: string, opts: ReadMatrixOptions = {}): DataMatrix {
  const ext = path.extname(file).toLowerCase();
  const flatten = opts.flatten3d ?? false;
  const needsKey = ext === '.npz' || ext === '.safetensors';
  if (opts.key !== undefined && !needsKey) {
    throw new InputError(`${file}: --key applies only to .npz and .safetensors files`);
  }
  let m: DataMatrix;
  switch (ext) {
    case '.npy': {
      const a = readNpy(file);
      m = toMatrix(a.data, a.shape, file, flatten);
      break;
    }
    case '.npz': {
      const z = openNpz(file);
      const key = pickKey(file, z.names, opts.key, 'array');
      const a = z.get(key);
      m = toMatrix(a.data, a.shape, `${file}[${key}]`, flatten);
      break;
    }
    case '.safetensors': {
      const bytes = readBytes(file);
      const { entries } = parseSafetensorsLayout(bytes, file);
      const key = pickKey(file, entries.map((e) => e.name), opts.key, 'tensor');
      const e = entries.find((x) => x.name === key)!;
      m = toMatrix(decodeSafetensorsEntry(bytes, e, true, file), e.shape, `${file}[${key}]`, flatten);
      break;
    }
    case '.csv':
    case '.tsv':
    case '.txt': {
      const c = readCsv(file, ext === '.tsv' ? { delimiter: '\t' } : {});
      m = { data: c.data, rows: c.rows, cols: c.cols, source: file };
      break;
    }
    default:
      throw new FileFormatError(`${file}: unsupported file type '${ext || '(none)'}' (supported: ${MATRIX_EXTENSIONS.join(', ')})`);
  }
  if (opts.requireFinite ?? true) checkFinite(m);
  return m;
}
