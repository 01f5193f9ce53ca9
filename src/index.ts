/** Public entry point of the library. */
export * from './errors.ts';
export { Rng } from './util/rng.ts';
export { Tensor, noGrad } from './tensor/tensor.ts';
export * as linalg from './tensor/linalg.ts';
export { getBackend } from './tensor/backend/index.ts';
export * as tasks from './tasks/index.ts';
export * as ops from './tensor/ops/index.ts';
export * as models from './models/index.ts';
