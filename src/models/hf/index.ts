/** Hugging Face causal language models: config, weights, forward, tokenizer, activations. */
export { HF_MODEL_TYPES, parseHfConfig } from './config.ts';
export type { HfActivation, HfConfig, HfModelType } from './config.ts';
export { expectedTensors, readHfWeights } from './weights.ts';
export type { RawTensor } from './weights.ts';
export { HfCausalLM } from './model.ts';
export type { LmForwardOptions, LmForwardResult, LmInput, LmIntervention } from './model.ts';
export { isHfFolder, loadHfConfig, loadHfModel } from './folder.ts';
export type { HfLoadOptions } from './folder.ts';
export { loadHfTokenizer } from './tokenizer.ts';
export type { HfTokenizer } from './tokenizer.ts';
export { checkSequences, encodeTexts, parseTokenIds, readTextLines, recordLmActivations } from './activations.ts';
export type { Pool } from './activations.ts';
