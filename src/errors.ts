/**
 * Typed errors. Every error the library raises for bad input is a MasError with a stable `code`,
 * so the CLI can print one line and exit non-zero, and callers can branch on the kind of problem.
 */

/** Base class of every error this library raises on purpose. */
export class MasError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Shapes do not fit an operation; the message names the operation and both shapes. */
export class ShapeError extends MasError {
  constructor(message: string) {
    super('E_SHAPE', message);
  }
}

/** Two tensors of different dtypes met in one operation. */
export class DTypeError extends MasError {
  constructor(message: string) {
    super('E_DTYPE', message);
  }
}

/** A NaN or Inf appeared (in an input, or inside a kernel when MAS_CHECK_FINITE=1). */
export class NonFiniteError extends MasError {
  constructor(message: string) {
    super('E_NONFINITE', message);
  }
}

/** A linear-algebra routine failed (singular matrix, not positive definite, no convergence). */
export class LinalgError extends MasError {
  constructor(message: string) {
    super('E_LINALG', message);
  }
}

/** A value given by the user is invalid (unknown option, too few samples, out-of-range number). */
export class InputError extends MasError {
  constructor(message: string) {
    super('E_INPUT', message);
  }
}

/**
 * An invalid value of one named library setting (e.g. `subspace`, `variables`). The message starts
 * with the setting's name; front ends map `setting` to their own spelling (the CLI to its flag).
 */
export class SettingError extends InputError {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(`${setting} ${message}`);
    this.setting = setting;
    // Reported by name as the InputError it is (the worker pool rebuilds errors by class name).
    this.name = 'InputError';
  }
}

/** A file is missing, unreadable, truncated or not in the expected format. */
export class FileFormatError extends MasError {
  constructor(message: string) {
    super('E_FILE', message);
  }
}

/** Format a shape as `[a, b, c]` for error messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Suggest the closest of `choices` to `name` (Levenshtein), or null if nothing is close. */
export function closest(name: string, choices: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of choices) {
    const d = levenshtein(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

function levenshtein(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** Throw an InputError for an unknown name, suggesting the closest valid one. */
export function unknownName(kind: string, name: string, choices: readonly string[]): never {
  const c = closest(name, choices);
  throw new InputError(
    `unknown ${kind} '${name}'${c ? ` (did you mean '${c}'?)` : ''}; valid: ${choices.join(', ')}`,
  );
}
