/**
 * Append-only metrics logs: JSON Lines (`JsonlWriter`, `readJsonl`) and CSV with a fixed column list
 * (`CsvWriter`, e.g. MAS's long-format metrics.csv). Each record is written with one write call, so a kill
 * leaves at most a partial last line; reopening for append drops such a line first.
 */
import * as fs from 'node:fs';
import { FileFormatError, InputError } from '../errors.ts';
import { describeFsError, readText, writeFileAtomic } from './atomic.ts';
import { toJson, type NonFinitePolicy } from './json.ts';

/** Options for the append-only writers. */
export interface LogWriterOptions {
  /** Start the file afresh instead of appending (default false: append). */
  truncate?: boolean;
  /** fsync after every record (default false; records are always handed to the OS immediately). */
  fsync?: boolean;
}

/** Open `file` for appending, first cutting off a partial last line left by a crash. */
function openForAppend(file: string, truncate: boolean): number {
  try {
    if (!truncate && fs.existsSync(file)) {
      const size = fs.statSync(file).size;
      const last = Buffer.alloc(1);
      const fd = fs.openSync(file, 'r');
      try {
        if (size > 0) fs.readSync(fd, last, 0, 1, size - 1);
      } finally {
        fs.closeSync(fd);
      }
      if (size > 0 && last[0] !== 0x0a) {
        const buf = fs.readFileSync(file);
        fs.truncateSync(file, buf.lastIndexOf(0x0a) + 1);
      }
    }
    return fs.openSync(file, truncate ? 'w' : 'a');
  } catch (err) {
    throw new FileFormatError(`cannot open ${file} for writing: ${describeFsError(err)}`);
  }
}

function writeLine(fd: number, file: string, line: string, sync: boolean): void {
  try {
    fs.writeSync(fd, line);
    if (sync) fs.fsyncSync(fd);
  } catch (err) {
    throw new FileFormatError(`cannot write ${file}: ${describeFsError(err)}`);
  }
}

/** Appends one JSON object per line. Non-finite numbers are written as "NaN"/"Infinity"/"-Infinity" strings. */
export class JsonlWriter {
  readonly file: string;
  private fd: number | null;
  private readonly sync: boolean;
  private readonly nonFinite: NonFinitePolicy;

  /** Open (create or append to) `file`. */
  constructor(file: string, opts: LogWriterOptions & { nonFinite?: NonFinitePolicy } = {}) {
    this.file = file;
    this.sync = opts.fsync ?? false;
    this.nonFinite = opts.nonFinite ?? 'string';
    this.fd = openForAppend(file, opts.truncate ?? false);
  }

  /** Append one record as a line. */
  write(record: Record<string, unknown>): void {
    if (this.fd === null) throw new InputError(`JsonlWriter: ${this.file} is closed`);
    writeLine(this.fd, this.file, toJson(record, { nonFinite: this.nonFinite }) + '\n', this.sync);
  }

  /** fsync and close the file (idempotent). */
  close(): void {
    if (this.fd === null) return;
    try {
      fs.fsyncSync(this.fd);
    } finally {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

/**
 * Read a JSON Lines file. A final line without a newline that does not parse (a write cut off by a crash) is
 * dropped; any other bad line is a FileFormatError naming the line.
 */
export function readJsonl(file: string): Record<string, unknown>[] {
  const text = readText(file);
  const lines = text.split('\n');
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) break; // partial last line
      throw new FileFormatError(`${file}: line ${i + 1} is not valid JSON`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new FileFormatError(`${file}: line ${i + 1} is not a JSON object`);
    out.push(v as Record<string, unknown>);
  }
  return out;
}

/** Atomically rewrite a JSON Lines file keeping only the records for which `keep` is true; returns how many were kept. */
export function filterJsonl(file: string, keep: (record: Record<string, unknown>, index: number) => boolean): number {
  const kept = readJsonl(file).filter(keep);
  writeFileAtomic(file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  return kept.length;
}

function csvCell(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (v === Infinity) return 'inf';
    if (v === -Infinity) return '-inf';
    return String(v);
  }
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Appends rows to a CSV file with a fixed column list. A new file gets the header line; an existing file
 * must have the same header. Numbers are written in shortest round-trip form; NaN/±Inf as nan/inf/-inf.
 */
export class CsvWriter {
  readonly file: string;
  readonly columns: readonly string[];
  private fd: number | null;
  private readonly sync: boolean;

  /** Open (create or append to) `file` with these columns. */
  constructor(file: string, columns: readonly string[], opts: LogWriterOptions = {}) {
    this.file = file;
    this.columns = columns;
    this.sync = opts.fsync ?? false;
    const header = columns.map(csvCell).join(',');
    const truncate = opts.truncate ?? false;
    const exists = !truncate && fs.existsSync(file) && fs.statSync(file).size > 0;
    if (exists) {
      const first = readText(file).split(/\r?\n/, 1)[0];
      if (first !== header) {
        throw new InputError(`${file}: existing CSV has columns '${first}', expected '${header}'; pass a fresh --out or delete it`);
      }
    }
    this.fd = openForAppend(file, truncate);
    if (!exists) writeLine(this.fd, file, header + '\n', this.sync);
  }

  /** Append one row; its keys must be exactly the columns (null/undefined values write an empty cell). */
  write(row: Record<string, unknown>): void {
    if (this.fd === null) throw new InputError(`CsvWriter: ${this.file} is closed`);
    for (const k of Object.keys(row)) {
      if (!this.columns.includes(k)) throw new InputError(`CsvWriter ${this.file}: unknown column '${k}' (columns: ${this.columns.join(', ')})`);
    }
    for (const c of this.columns) {
      if (!(c in row)) throw new InputError(`CsvWriter ${this.file}: row is missing column '${c}'`);
    }
    writeLine(this.fd, this.file, this.columns.map((c) => csvCell(row[c])).join(',') + '\n', this.sync);
  }

  /** fsync and close the file (idempotent). */
  close(): void {
    if (this.fd === null) return;
    try {
      fs.fsyncSync(this.fd);
    } finally {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}
