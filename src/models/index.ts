/**
 * Sequence models (models.md): GRU, LSTM and pre-LN rotary Transformer behind one SequenceModel
 * interface, model folders, initialization, training, evaluation and activation recording.
 */
export { ARCHS, MODEL_FORMAT, defaultConfig, defaultTaskConfig, parseConfig, validateConfig, configToJson, parameterShapes, parameterCount, hookPoints, hookWidthOf, resolveHookPoint } from './config.ts';
export type { Arch, ModelConfig, RnnConfig, TransformerConfig, TaskConfig, HookPoint, DefaultConfigOptions } from './config.ts';
export type { SequenceModel, ModelInput, ForwardOptions, ForwardResult, Intervention } from './model.ts';
export { argmaxRows, padMask, freeRunMask } from './model.ts';
export { RnnModel } from './rnn.ts';
export { TransformerModel } from './transformer.ts';
export { buildModel, createModel, loadModel, loadConfig, saveModel, setTrainable, checkParameters } from './folder.ts';
export type { LoadOptions } from './folder.ts';
export { initParameters } from './init.ts';
export { learningRate, initialSelection, updateSelection } from './schedule.ts';
export type { StopRules, SelectionState, SelectionDecision } from './schedule.ts';
export { trainModel, trainingTask, metricsCsv } from './train.ts';
export type { TrainOptions, TrainResult, MetricRow } from './train.ts';
export { evaluateTrials, evaluateModel, modelVocab } from './evaluate.ts';
export type { EvalResult, EvalOptions, EvaluateModelOptions, ModelEvalReport } from './evaluate.ts';
export { recordActivations, parseSequencesJson } from './activations.ts';
