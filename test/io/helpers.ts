/** Shared helpers for the io tests: fixture paths, expected values, temporary folders. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder holding the io fixtures. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/io/', import.meta.url));

/** Path of one fixture file. */
export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** One entry of expected.json: shape, numpy dtype name, C-order values (null = non-finite). */
export interface Expected {
  shape: number[];
  dtype: string;
  values: (number | null)[];
}

/** The expected values written by make_io.py. */
export const EXPECTED: Record<string, Expected> = JSON.parse(fs.readFileSync(fixture('expected.json'), 'utf8'));

/** A fresh temporary folder, removed when the process exits. */
export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-io-test-'));
  process.on('exit', () => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}
