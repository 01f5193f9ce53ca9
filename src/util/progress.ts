/**
 * Progress reporting for long work: a redrawn bar on a terminal, plain periodic lines otherwise
 * (CI logs). Writes to stderr so that `--json` output on stdout stays clean.
 */

/** Options of a progress reporter. */
export interface ProgressOptions {
  /** Label shown before the bar. */
  label: string;
  /** Total units of work (steps). */
  total: number;
  /** Silence all output. */
  quiet?: boolean;
  /** Minimum seconds between plain lines when not on a terminal (default 10). */
  lineEverySec?: number;
}

/** A progress bar / line reporter. */
export class Progress {
  private readonly opts: ProgressOptions;
  private readonly tty: boolean;
  private readonly start = performance.now();
  private lastLine = 0;
  private current = 0;
  private info = '';

  /** Create a reporter; nothing is printed until update(). */
  constructor(opts: ProgressOptions) {
    this.opts = opts;
    this.tty = Boolean(process.stderr.isTTY) && process.env.CI !== 'true';
  }

  /** Report that `done` units are finished, with optional extra text (e.g. "loss 0.31"). */
  update(done: number, info = ''): void {
    this.current = done;
    this.info = info;
    if (this.opts.quiet) return;
    const now = performance.now();
    if (this.tty) {
      if (now - this.lastLine < 100 && done < this.opts.total) return;
      this.lastLine = now;
      const width = 28;
      const frac = this.opts.total > 0 ? Math.min(1, done / this.opts.total) : 1;
      const filled = Math.round(frac * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      process.stderr.write(`\r${this.opts.label} ${bar} ${done}/${this.opts.total} ${this.eta(done)} ${info}\x1b[K`);
    } else {
      const every = (this.opts.lineEverySec ?? 10) * 1000;
      if (now - this.lastLine < every && done < this.opts.total) return;
      this.lastLine = now;
      process.stderr.write(`${this.opts.label}: ${done}/${this.opts.total} ${this.eta(done)} ${info}\n`);
    }
  }

  /** Finish: end the bar's line (terminal) and optionally print a summary line. */
  done(summary?: string): void {
    if (this.opts.quiet) return;
    if (this.tty) process.stderr.write('\n');
    if (summary) process.stderr.write(`${summary}\n`);
  }

  /** Seconds since the reporter was created. */
  elapsedSec(): number {
    return (performance.now() - this.start) / 1000;
  }

  private eta(done: number): string {
    const el = this.elapsedSec();
    if (done <= 0) return `${el.toFixed(0)}s`;
    const rem = (el / done) * Math.max(0, this.opts.total - done);
    return `${el.toFixed(0)}s<${rem.toFixed(0)}s`;
  }

  /** Units reported so far. */
  get position(): number {
    return this.current;
  }

  /** Last info text. */
  get lastInfo(): string {
    return this.info;
  }
}
