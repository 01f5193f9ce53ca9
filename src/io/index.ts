/** File formats and run folders: one import point for the rest of the library. */
export { ensureDir, readBytes, readJson, readText, writeFileAtomic, writeJsonAtomic } from './atomic.ts';
export type { FileData, WriteJsonOptions } from './atomic.ts';
export { reviveNonFinite, stableStringify, toJson } from './json.ts';
export type { NonFinitePolicy, ToJsonOptions } from './json.ts';
export { decodeNpy, encodeNpy, readNpy, writeNpy } from './npy.ts';
export type { NpyArray, NpyData, NpyDType, NpyWritable } from './npy.ts';
export { encodeNpz, openNpz, readNpz, writeNpz } from './npz.ts';
export type { NpzArchive, NpzInput } from './npz.ts';
export {
  SAFETENSORS_FORMAT,
  encodeSafetensors,
  inspectSafetensors,
  readSafetensors,
  readSafetensorsExact,
  writeSafetensors,
} from './safetensors.ts';
export type { SafetensorsFile, SafetensorsInput, SafetensorsTensor, ReadSafetensorsOptions } from './safetensors.ts';
export { parseCsv, readCsv } from './csv.ts';
export type { CsvMatrix, CsvOptions } from './csv.ts';
export { MATRIX_EXTENSIONS, readMatrix } from './matrix.ts';
export type { DataMatrix, ReadMatrixOptions } from './matrix.ts';
export { CsvWriter, JsonlWriter, filterJsonl, readJsonl } from './metrics.ts';
export type { LogWriterOptions } from './metrics.ts';
export { configHash, hasCheckpoint, loadCheckpoint, openRunDir, saveCheckpoint } from './runs.ts';
export type { Checkpoint, CheckpointTensor, OpenRunOptions, RunDir, SaveCheckpointOptions } from './runs.ts';
export { parseAlignRecord, readAlignRecord, recordIia } from './run-record.ts';
export type { AlignRunRecord, VariableMatrices } from './run-record.ts';
