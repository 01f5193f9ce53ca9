// The tiny training setup shared by train.test.ts and its child process (4 steps per epoch, 6 epochs).
import type { Arch } from '../../src/models/config.ts';
import type { TrainOptions } from '../../src/models/train.ts';

/** Options of a tiny, seconds-long training run into `out`. */
export function tinyTraining(out: string, arch: Arch, seed: number, onCheckpoint?: (e: number) => void): TrainOptions {
  return {
    task: 'multi-object', arch, seed, out, epochs: 6, validateEvery: 2, batchSize: 16, quiet: true,
    ...(onCheckpoint ? { onCheckpoint } : {}),
    modelSizes: { d_model: 8, hidden: 8, decoder_hidden: 16, n_layers: 1, n_heads: 1, ff_hidden: 16 },
    dataSizes: { train: 64, valid: 16, holdOutPerCount: 2, reportPerCount: 1 },
  };
}
