/**
 * The differentiable tensor operations, re-exported in one place: elementwise and broadcasting
 * arithmetic, matmul/linear, activations and softmax, losses, LayerNorm, reductions, shape and row
 * operations, plus erf, the orthogonal parametrizations, gradcheck and the optimizer.
 */
export { add, sub, mul, div, neg, scale, addScalar, exp, log, sqrt, square, pow, abs } from './elementwise.ts';
export { matmul, linear } from './matmul.ts';
export type { MatmulOptions } from './matmul.ts';
export { sigmoid, tanh, relu, gelu, dropout, softmax, logSoftmax } from './activations.ts';
export { crossEntropy } from './loss.ts';
export type { CrossEntropyOptions } from './loss.ts';
export { layerNorm } from './norm.ts';
export { sum, mean, max, norm, cosineSimilarity } from './reduce.ts';
export { reshape, transpose2d, slice, concat } from './shape.ts';
export { embedding, gatherRows, maskedAffineRows } from './rows.ts';
export { broadcastShape } from './util.ts';
export { erf, erfc, normalCdf } from '../erf.ts';
export {
  skewFromLower,
  expm,
  expmSkew,
  expmF64,
  expmFrechet,
  expmFrechetAdjoint,
  cayley,
  householderProduct,
  gramSchmidt,
  randomOrthogonal,
  orthogonalityError,
} from '../orthogonal.ts';
export { gradcheck } from '../gradcheck.ts';
export type { GradcheckOptions, GradcheckResult } from '../gradcheck.ts';
export { Adam, clipGradNorm } from '../optim.ts';
export type { AdamOptions, AdamState } from '../optim.ts';
export { eye, eyeF64, view, reciprocal, columnBlock, rowBlock, vecBlock } from './views.ts';
