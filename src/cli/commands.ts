/** The registry of `mas` subcommands; each lives in its own module under commands/. */
import type { Command } from './command.ts';
import { selfcheck } from './commands/selfcheck.ts';
import { similarityCommand } from './commands/similarity.ts';
import { trainCommand } from './commands/train.ts';
import { evalCommand } from './commands/eval.ts';
import { activationsCommand } from './commands/activations.ts';
import { demoCommand } from './commands/demo.ts';
import { reproduceCommand } from './commands/reproduce.ts';
import { reportCommand } from './commands/report.ts';
import { compareCommand } from './commands/compare.ts';

/** Every subcommand, in the order `mas --help` lists them. */
export const commands: Command[] = [selfcheck];
commands.push(similarityCommand);
commands.push(trainCommand, evalCommand, activationsCommand);
commands.push(demoCommand, reproduceCommand, reportCommand, compareCommand);
import { alignCommand } from './commands/align.ts';
commands.push(alignCommand);
import { iiaCommand } from './commands/iia.ts';
commands.push(iiaCommand);
