/**
 * Crash-safe file writes: data goes to a temporary file in the destination folder, is fsynced, and is then
 * renamed over the destination, so a reader (or a kill at any moment) sees either the old file or the new one,
 * never a partial one. Also the typed-error file reader every format module uses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as buffer from 'node:buffer';
import { FileFormatError, MasError } from '../errors.ts';
import { toJson, type NonFinitePolicy } from './json.ts';
import { fileByteLimit } from './file-limit.ts';

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
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EFBIG':
      return 'file too large for this file system';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'input/output error';
    default:
      return e?.message ?? String(err);
  }
}

// Pseudo file systems that accept no regular files (Node 20's recursive mkdirSync loops forever on /proc).
const PSEUDO_FS: Record<number, string> = { 0x9fa0: 'proc', 0x62656572: 'sysfs', 0x64626720: 'debugfs', 0x73636673: 'securityfs', 0x27e0eb: 'cgroup', 0x63677270: 'cgroup2', 0x1cd1: 'devpts' };

function pseudoFsOf(dir: string): string | null {
  try {
    return PSEUDO_FS[Number(fs.statfsSync(dir).type)] ?? null;
  } catch {
    return null;
  }
}

/**
 * Create `dir` (and its parents) if missing. The parent chain is walked here (not with `recursive: true`):
 * the first existing ancestor must be a folder on a real file system, and each missing level is made with
 * a plain mkdir. Every failure is a FileFormatError naming the folder (a file in the way, /proc, EACCES...).
 */
export function ensureDir(dir: string): void {
  const fail = (why: string): never => {
    throw new FileFormatError(`cannot create folder ${dir}: ${why}`);
  };
  const missing: string[] = [];
  let p = path.resolve(dir);
  for (;;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file further up; the walk reaches it and names it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') fail(`${p}: ${describeFsError(err)}`);
      const parent = path.dirname(p);
      if (parent === p) fail('no existing parent folder');
      missing.push(p);
      p = parent;
      continue;
    }
    if (!st.isDirectory()) fail(p === path.resolve(dir) ? 'a file is in the way' : `${p} is a file, not a folder`);
    break;
  }
  if (missing.length === 0) return;
  const pseudo = pseudoFsOf(p);
  if (pseudo !== null) fail(`${p} is on the ${pseudo} pseudo file system, which holds no user files`);
  for (const m of missing.reverse()) {
    try {
      fs.mkdirSync(m);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && isDir(m)) continue;
      fail(describeFsError(err));
    }
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Largest file `readBytes` reads (bytes): MAS_MAX_FILE_BYTES, default and at most Node's Buffer limit. */
export function maxFileBytes(): number {
  return fileByteLimit(buffer.constants.MAX_LENGTH);
}

/**
 * Read a whole file as bytes. Only regular files are read (a FIFO, a device such as /dev/zero, or a
 * symlink to one is refused before reading), and files over `maxFileBytes()` are refused from their size.
 * Missing/unreadable files raise a FileFormatError naming the file.
 */
export function readBytes(file: string): Uint8Array {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new FileFormatError(`cannot read ${file}: is a folder, not a file`);
    if (!st.isFile()) throw new FileFormatError(`cannot read ${file}: not a regular file (a device, pipe or socket)`);
    if (st.size > maxFileBytes()) throw new FileFormatError(`cannot read ${file}: ${st.size} bytes is over the limit of ${maxFileBytes()} (MAS_MAX_FILE_BYTES)`);
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const got = fs.readSync(fd, buf, off, st.size - off, off);
      if (got === 0) break;
      off += got;
    }
    if (off !== st.size) throw new FileFormatError(`cannot read ${file}: it shrank while being read (${off} of ${st.size} bytes)`);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    if (err instanceof MasError) throw err;
    throw new FileFormatError(`cannot read ${file}: ${describeFsError(err)}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
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
