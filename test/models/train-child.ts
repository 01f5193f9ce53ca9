// Child process for train.test.ts: trains a tiny model; with PAUSE_AT=e it prints "checkpoint e" after
// the checkpoint of epoch e and then blocks, so the parent can kill it with SIGKILL at that point.
import { trainModel } from '../../src/models/train.ts';
import type { Arch } from '../../src/models/config.ts';
import { tinyTraining } from './tiny.ts';

const [out, arch, seed] = process.argv.slice(2);
const pauseAt = process.env.PAUSE_AT === undefined ? -1 : Number(process.env.PAUSE_AT);
trainModel(tinyTraining(out, arch as Arch, Number(seed), (epoch) => {
  if (epoch !== pauseAt) return;
  process.stdout.write(`checkpoint ${epoch}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000);
}));

