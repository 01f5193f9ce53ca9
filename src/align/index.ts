/**
 * Model Alignment Search (spec: mas.md).
 *
 *   runAlign({modelDirs, settings, out, resume?, quiet?}) → AlignResult     the `mas align` pipeline (run.ts)
 *   trainAlignment(models, settings, hooks?) → AlignOutcome                  the §6 loop (train.ts)
 *   createMap({kind, d, k, full, param?, family?, identityInit?, zscore?}, rng, name) → AlignmentMap (maps.ts)
 *   lowRankSwap(Ht, Hs, Ut, Us), swapRows(Ht, Hs, rt, rs, block, {mask, fill}) (swap.ts)
 *   affineIntervention(rt, rs, block, Hs, opts) → {A, c}; modelIntervention(point, mask, iv) (intervention.ts)
 *   RotatedSwap: one swap as an object (rotate, swap, rotate back; apply, affine, save/load) (rotated.ts)
 *   MasData (pairs, source rows, CL rows), recordStates, zscoreStats (data.ts)
 *   behaviouralLoss, clLoss, lossMask, crossEntropyWithBase (losses.ts); evaluateTuple, bootstrapCi, taskAccuracy (iia.ts)
 *   computePrefix, suffixBatch, assemblePredictions: the indywise suffix path of RNN targets (prefix.ts)
 *   methodPreset(method, n) → {T, C, mask, clWeight, defaultK} (methods.ts)
 *   resolveAlignment(models, settings) → AlignmentPlan: every check once, frozen (plan.ts); AlignSettings, DEFAULT_SETTINGS (settings.ts)
 *   loadAlignment(runDir) → Alignment; evaluateAlignment(alignment, modelDirs, {variable?, pairs?, seed?}) → IIA + CIs (score.ts)
 */
export * from './maps.ts';
export * from './swap.ts';
export * from './intervention.ts';
export * from './rotated.ts';
export * from './data.ts';
export * from './losses.ts';
export * from './prefix.ts';
export * from './tuple.ts';
export * from './iia.ts';
export * from './methods.ts';
export * from './settings.ts';
export * from './plan.ts';
export * from './train.ts';
export * from './run.ts';
export * from './score.ts';
export * from './lm.ts';
