/** Every benchmark case, by name. Add a case by importing its module and listing it here. */
import type { BenchCase } from '../harness.ts';

export const cases: BenchCase[] = [];
import { attentionFwdBwd } from './attention.ts';
cases.push(attentionFwdBwd);
import { gruTrainStep, lstmTrainStep } from './rnn.ts';
cases.push(gruTrainStep, lstmTrainStep);
import { decoderFwdBwd, orthMaps } from './orthogonal.ts';
cases.push(orthMaps, decoderFwdBwd);
import { linalgCases } from './linalg.ts';
cases.push(...linalgCases);
import { similarityCases } from './similarity.ts';
cases.push(...similarityCases);
import { transformerTrainStepCase } from './models.ts';
cases.push(transformerTrainStepCase);
import { masStep } from './mas.ts';
cases.push(masStep);
import { wasmVsNative } from './wasm.ts';
cases.push(wasmVsNative);
import { hfForward } from './hf.ts';
cases.push(hfForward);
