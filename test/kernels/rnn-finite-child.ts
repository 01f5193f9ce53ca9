/** Child process of rnn.test.ts, run with MAS_CHECK_FINITE=1: prints the NonFiniteError messages it gets. */
import { runRnn } from '../../src/tensor/kernels/rnn.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { randomParams } from './rnn-reference.ts';

const tokens = new Int32Array([1, 3, 7, 6, 2]);
const report = (fn: () => void): void => {
  try {
    fn();
    console.log('no error');
  } catch (e) {
    console.log(`${(e as Error).name} ${(e as Error).message}`);
  }
};
const gru = randomParams(1, 'gru', 8, 5, 4, 6).params;
gru.weightHh.data[3] = NaN;
report(() => runRnn(gru, { cell: 'gru', tokens, batch: 1, steps: 5 }));
const lstm = randomParams(2, 'lstm', 8, 5, 4, 6).params;
lstm.weightHh.requiresGrad = true;
const out = runRnn(lstm, { cell: 'lstm', tokens, batch: 1, steps: 5 });
report(() => out.logits.backward(Tensor.full([5, 8], NaN, 'float64')));
