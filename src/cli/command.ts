/** The shape of one `mas` subcommand. */
export interface Command {
  /** The word after `mas`. */
  name: string;
  /** One line for `mas --help`. */
  summary: string;
  /** Full `--help` text. */
  help: string;
  /** Run with the arguments after the command name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}
