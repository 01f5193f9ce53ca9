/**
 * Tensors with reverse-mode autodiff, their differentiable ops (with Adam and the orthogonal
 * parametrizations), float64 matrix linear algebra (`linalg`) and the numeric backend in use.
 */
export { Tensor, noGrad, isGradEnabled, backward } from './tensor.ts';
export type { DType, Storage } from './tensor.ts';
export * as ops from './ops/index.ts';
export * as linalg from './linalg.ts';
export type { Mat } from './linalg.ts';
export { getBackend, getBackendByName, setBackend } from './backend/index.ts';
export type { Backend, FloatArray } from './backend/index.ts';
