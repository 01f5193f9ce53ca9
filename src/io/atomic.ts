/**
 * Crash-safe file writes: data goes to a temporary file in the destination folder, is fsynced, and is then
 * renamed over the destination, so a reader (or a kill at any moment) sees either the old file or the new one,
 * never a partial one. Also the typed-error file reader every format module uses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FileFormatError, MasError } from '../errors.ts';
import { toJson, type NonFinitePolicy } from './json.ts';

/** What `writeFileAtomic` accepts: a string (UTF-8), bytes, or an iterable of byte chunks written in order. */
export type FileData = string | Uint8Array | Iterable<Uint8Array>;

/** Describe a Node fs error in a few words ("file not found", "permission denied", ...). */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'file or folder not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a parent path is not a folder';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    case 'EEXIST':
      return 'already exists';
    default:
      return e?.message ?? String(err);
  }
}

/** Create `dir` (and its parents) if missing; a FileFormatError if it exists as a file or cannot be made. */
export function ensureDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new FileFormatError(`cannot create folder ${dir}: ${describeFsError(err)}`);
  }
  if (!fs.statSync(dir).isDirectory()) throw new FileFormatError(`cannot create folder ${dir}: a file is in the way`);
}

/** Read a whole file as bytes; missing/unreadable files raise a FileFormatError naming the file. */
export function readBytes(file: string): Uint8Array {
  try {
    const buf = fs.readFileSync(file);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw new FileFormatError(`cannot read ${file}: ${describeFsError(err)}`);
  }
}

/** Read a whole file as UTF-8 text (BOM removed); missing/unreadable files raise a FileFormatError. */
export function readText(file: string): string {
  const text = Buffer.from(readBytes(file)).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A fresh temporary name next to `file` (same folder, so the final rename is atomic). */
export function tempPathFor(file: string): string {
  const dir = path.dirname(file);
  return path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

function* chunksOf(data: FileData): Iterable<Uint8Array> {
  if (typeof data === 'string') yield Buffer.from(data, 'utf8');
  else if (data instanceof Uint8Array) yield data;
  else yield* data;
}

function fsyncDir(dir: string): void {
  // Makes the rename itself durable. Not supported everywhere (e.g. Windows); best effort.
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* ignore */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Write `data` to `file` atomically: temp file in the same folder, fsync, rename. On any failure (including
 * an exception thrown by an iterable data source) the temp file is removed and the old `file`, if any, is
 * left untouched. File-system failures become a FileFormatError naming `file`; other errors propagate.
 */
export function writeFileAtomic(file: string, data: FileData): void {
  const tmp = tempPathFor(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    for (const chunk of chunksOf(data)) {
      let off = 0;
      while (off < chunk.byteLength) off += fs.writeSync(fd, chunk, off, chunk.byteLength - off);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* never created, or its folder is gone */
    }
    if (err instanceof MasError || !(err as NodeJS.ErrnoException)?.code) throw err;
    throw new FileFormatError(`cannot write ${file}: ${describeFsError(err)}`);
  }
  fsyncDir(path.dirname(file));
}

/** Options for `writeJsonAtomic`. */
export interface WriteJsonOptions {
  /** Indentation (default 2; 0 = one line). */
  indent?: number;
  /** What to do with NaN/±Infinity (default 'error': a NonFiniteError naming the JSON path). */
  nonFinite?: NonFinitePolicy;
  /** Sort object keys (default false: insertion order). */
  sortKeys?: boolean;
}

/** Write `value` as JSON (with a final newline) atomically. */
export function writeJsonAtomic(file: string, value: unknown, opts: WriteJsonOptions = {}): void {
  const text = toJson(value, { indent: opts.indent ?? 2, nonFinite: opts.nonFinite ?? 'error', sortKeys: opts.sortKeys });
  writeFileAtomic(file, text + '\n');
}

/** Read and parse a JSON file; a FileFormatError names the file if it is missing or not valid JSON. */
export function readJson(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FileFormatError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}
