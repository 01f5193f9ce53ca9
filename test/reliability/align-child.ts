// Child process for resume.test.ts: the tiny alignment of ALIGN_SETTINGS into the folder argv[2].
import { runAlign } from '../../src/align/run.ts';
import { alignOptions } from './align-settings.ts';

const [out, ...models] = process.argv.slice(2);
runAlign(alignOptions(out, models));
