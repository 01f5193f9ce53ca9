/**
 * Numeric delimited text matrices (CSV, TSV, `np.savetxt` output). The delimiter (tab, comma, semicolon, or
 * runs of whitespace) and a header row are detected automatically; ragged rows and non-numeric cells are
 * errors that name the line and column. Lines starting with '#' and blank lines are skipped.
 * NaN/Inf spellings (nan, inf, -Infinity, …) parse to the number; finiteness is the caller's check.
 */
import { FileFormatError } from '../errors.ts';
import { readText } from './atomic.ts';

/** A parsed numeric table (row-major). */
export interface CsvMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
  /** Column names if the first row was a header, else null. */
  header: string[] | null;
  /** The delimiter used ('\t', ',', ';' or ' ' for whitespace runs). */
  delimiter: string;
}

/** Options for `parseCsv` / `readCsv`. */
export interface CsvOptions {
  /** Force a delimiter (' ' = any run of whitespace); default: detect from the first data line. */
  delimiter?: string;
  /** true/false to force; 'auto' (default): the first row is a header iff none of its cells is a number. */
  header?: boolean | 'auto';
}

const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = {
  nan: NaN,
  '+nan': NaN,
  '-nan': NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};

/** Parse one cell as a number, or return undefined if it is not one. */
export function parseNumberCell(cell: string): number | undefined {
  const s = cell.trim();
  if (NUM_RE.test(s)) return Number(s);
  const sp = SPECIAL[s.toLowerCase()];
  return sp;
}

function unquote(cell: string): string {
  const s = cell.trim();
  return s.length >= 2 && s[0] === '"' && s[s.length - 1] === '"' ? s.slice(1, -1).replace(/""/g, '"') : s;
}

function detectDelimiter(line: string): string {
  if (line.includes('\t')) return '\t';
  if (line.includes(',')) return ',';
  if (line.includes(';')) return ';';
  return ' ';
}

function split(line: string, delim: string): string[] {
  return (delim === ' ' ? line.trim().split(/\s+/) : line.split(delim)).map(unquote);
}

function cellRef(line: number, col: number): string {
  return `line ${line}, column ${col + 1}`;
}

/** Parse CSV/TSV text into a numeric matrix; `name` (the file) is used in error messages. */
export function parseCsv(text: string, name = '<csv text>', opts: CsvOptions = {}): CsvMatrix {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n|\r/);
  let delim = opts.delimiter;
  let header: string[] | null = null;
  let cols = -1;
  let firstLine = 0;
  const values: number[] = [];
  let rows = 0;
  for (let li = 0; li < lines.length; li++) {
    const raw = lines[li];
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    delim ??= detectDelimiter(raw);
    const cells = split(raw, delim);
    const lineNo = li + 1;
    if (cols < 0) {
      cols = cells.length;
      firstLine = lineNo;
      const nums = cells.map(parseNumberCell);
      const isHeader = opts.header === 'auto' || opts.header === undefined ? nums.every((v) => v === undefined) : opts.header;
      if (isHeader) {
        header = cells;
        continue;
      }
      if (opts.header !== false && nums.some((v) => v === undefined)) {
        const bad = nums.findIndex((v) => v === undefined);
        throw new FileFormatError(
          `${name}: ${cellRef(lineNo, bad)}: '${cells[bad]}' is not a number (the first row mixes numbers and text, so it is not a header)`,
        );
      }
    } else if (cells.length !== cols) {
      throw new FileFormatError(
        `${name}: line ${lineNo} has ${cells.length} columns, expected ${cols} (from line ${firstLine})${delim === ' ' ? '' : ` with delimiter ${JSON.stringify(delim)}`}`,
      );
    }
    for (let c = 0; c < cells.length; c++) {
      const v = parseNumberCell(cells[c]);
      if (v === undefined) {
        throw new FileFormatError(
          `${name}: ${cellRef(lineNo, c)}: ${cells[c] === '' ? 'empty cell' : `'${cells[c]}' is not a number`}`,
        );
      }
      values.push(v);
    }
    rows++;
  }
  if (cols < 0) throw new FileFormatError(`${name}: no data (empty file)`);
  if (rows === 0) throw new FileFormatError(`${name}: no data rows (only a header)`);
  return { data: Float64Array.from(values), rows, cols, header, delimiter: delim ?? ',' };
}

/** Read a numeric CSV/TSV/TXT file; see `parseCsv`. */
export function readCsv(file: string, opts: CsvOptions = {}): CsvMatrix {
  return parseCsv(readText(file), file, opts);
}
