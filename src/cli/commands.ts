/** The registry of `mas` subcommands; each lives in its own module under commands/. */
import type { Command } from './command.ts';
import { selfcheck } from './commands/selfcheck.ts';
import { similarityCommand } from './commands/similarity.ts';
import { trainCommand } from './commands/train.ts';
import { evalCommand } from './commands/eval.ts';
import { activationsCommand } from './commands/activations.ts';

/** Every subcommand, in the order `mas --help` lists them. */
export const commands: Command[] = [selfcheck];
commands.push(similarityCommand);
commands.push(trainCommand, evalCommand, activationsCommand);
