/**
 * Public entry point of the library: one namespace per area, plus the functions most programs start from.
 *
 *   import { similarity, align, tasks, models, io, report, tensor } from 'model-alignment-search';
 *   similarity('cka-linear', X, Y).value          // `similarity` is also the measures namespace:
 *   similarity.listMeasures()                      //   similarity.ckaLinear, similarity.rsa, …
 *
 * Each namespace is also a subpath (`model-alignment-search/similarity`, …) for smaller imports.
 */
import * as similarityModule from './similarity/index.ts';

export * from './errors.ts';
export { Rng } from './util/rng.ts';
export { Tensor, noGrad } from './tensor/tensor.ts';
export * as linalg from './tensor/linalg.ts';
export type { Mat } from './tensor/linalg.ts';
export { getBackend } from './tensor/backend/index.ts';
export * as tasks from './tasks/index.ts';
export * as ops from './tensor/ops/index.ts';
export * as models from './models/index.ts';
export * as align from './align/index.ts';
export * as io from './io/index.ts';
export * as report from './report/index.ts';
export * as tensor from './tensor/index.ts';

/**
 * `similarity(name, X, Y, opts?)` computes one registered measure between two (samples × features)
 * representations; its properties are the whole similarity namespace (listMeasures, resolveMeasure, ckaLinear, …).
 */
export const similarity: typeof similarityModule.similarity & typeof similarityModule = Object.assign(
  (...args: Parameters<typeof similarityModule.similarity>) => similarityModule.similarity(...args),
  similarityModule,
);
export type { SimilarityOptions, SimilarityResult, Measure, MeasureMeta } from './similarity/index.ts';

// The functions most programs start from.
export { listMeasures, resolveMeasure, permutationTest } from './similarity/index.ts';
export { trainAlignment, runAlign, loadAlignment, evaluateAlignment } from './align/index.ts';
export type { AlignSettings, AlignOutcome, Alignment, AlignmentScore } from './align/index.ts';
export { getTask } from './tasks/index.ts';
export { createModel, loadModel, saveModel, trainModel, evaluateModel, recordActivations } from './models/index.ts';
export { readMatrix, readNpy, writeNpy, readSafetensors, writeSafetensors } from './io/index.ts';
export { renderReport, reportFromRuns } from './report/index.ts';
export * as hf from './models/hf/index.ts';
