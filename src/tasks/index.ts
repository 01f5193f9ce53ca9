/**
 * Numeric tasks, the Count-Up-Down causal model, data sets and counterfactual pairs (spec: tasks.md).
 *
 * Tasks and vocabularies
 *   getTask(id, overrides?: Partial<TaskConfig>): Task            12 counting ids + 'arithmetic'; unknown id →
 *                                                                  InputError with "did you mean"
 *   Task { id, base, variant, config: {min_count, max_count, hold_outs, unk_p, mod?, round_to?, max_value?},
 *          vocab, demoTokens, responseToken, filler, trigger(c) }
 *   allowedCounts(task, includeHoldOuts = false): number[]         A = min..max minus hold-outs
 *   parseTaskId(id), TASK_IDS, DEFAULT_CONFIG, taskConfigJSON(task) (config.json `task_config`)
 *   new Vocab(list) / Vocab.fromList(configVocab)                  index = id (config.json `vocab`)
 *   vocab.ids(tokens): Int32Array  vocab.tokens(ids): string[]  vocab.id('T')  vocab.size  vocab.has(t)
 *
 * Causal model (step by step)
 *   modelOf(task): CausalModel   (cached; CountUpDown for counting tasks, ArithmeticModel for arithmetic,
 *                                 or the task's causalModel: withCausalModel(task, 'count-up-up' | 'count-up-incr' |
 *                                 'increment-up-up') → CountUpUp, CountUpIncr, IncrementUpUp (counting.ts))
 *   CausalModel {task, variables, fullKeys, matchKeys, countKey, initial, update, intervene, emit, isEligibleInput}
 *   model.initial(N) → state; model.update(state, x); model.intervene(state, {count: 4}); model.emit(state, rng)
 *   step(model, state, x, rng, intervention?)  traceStates(model, tokens, N): post-token states V_p
 *   continueFrom(model, state, rng): tokens until E inclusive     generate(model, N, rng)
 *
 * Trials and batches
 *   Trial { tokens: string[], taskMask: Uint8Array, count }       (token strings: tokenize per model vocab)
 *   sampleTrial(task, N, rng)  sampleCount(task, rng, includeHoldOuts?)
 *   sampleDataset(task, {n, seed, counts?, includeHoldOuts?}): Trial[]
 *   sampleCountSet(task, counts, perCount, seed): Trial[]          count-major
 *   makeTrainingData(task, seed, sizes?) → {train 1000, valid 500, holdOut 50×hold-outs, perCount 50×(1..20)}
 *   makeMasData(task, {seed, nTrain?, nValid?, holdOuts?}) → {task (unk_p 0, no hold-outs), train, valid}
 *   masTask(task): the same task with unk_p 0 and no hold-outs
 *   makeStimuli(seed, perCount = 15, taskId = 'multi-object'): Trial[]   RSA/CKA stimuli, count-major
 *   makeBatch(seqs, vocab, {steps?}): SequenceBatch {batch, steps, tokens, inputMask, labels, labelMask,
 *     labelValid, pad, lengths, counts}; all [B*T] row-major, T = max(L) − 1, right-padded with P;
 *     pad = 1 where the input token is P or E
 *   scoreTrials(predictions [B*T], batch) → {trialCorrect, trialAccuracy, tokenAccuracy, taskPositions,
 *     correctPositions, byCount}; mergeScores(parts)
 *
 * Counterfactual pairs (tasks.md §7)
 *   makeCounterfactualPairs({target: {task, trials}, source: {task, trials}, variable, sourceKeys?, mode?,
 *     n?, seed, stream?, objCount?, randomObjCounts?, clLookup?}): CounterfactualPair[]
 *   CounterfactualPair {targetIndex, sourceIndex, mode, variable, targetPos, sourcePos, keys, targetState,
 *     sourceState, intervened, counterfactual: Trial, cl: {seq, pos} | null}
 *   makeCounterfactualBatch(pairs, targetVocab, {steps?}): SequenceBatch + {mode, targetPos, sourcePos,
 *     sourceIndex, targetIndex, interventionMask [B*T], postMask [B*T], clSeq, clPos}
 *   pairStream(split, s, t, variable) → 'train/0->1/count' (the `stream` label; one generator per tuple)
 *   Value filters: sourceFilter / targetFilter {keep?: {var: values}, exclude?: {var: values}} (the
 *     reference's keep/excl_varb_vals), keep {source?, target?} predicates, accept(sourceState, targetState);
 *     invalid continuations (arithmetic results outside the vocabulary, P before E) are redrawn
 *   Low level: eligiblePositions(model, tokens, states?, filter?), variableKeys, intervenedState,
 *     indywiseCounterfactual / buildIndywise, stepwiseCounterfactual / buildStepwise, ClIndex, tryContinueFrom
 *
 * Decisions beyond the spec text
 *   - Draw order per pair: source index, then p_s, then p_t (stepwise: one p), then the random obj_count,
 *     then the continuation's demo tokens; the CL picks use a separate stream.
 *   - Stepwise null pairs draw p among the source's eligible positions that are also input positions of
 *     the target (p < L_t − 1); their task mask is zeroed on 0..p like every stepwise pair.
 *   - `-mod` post-intervention rule leaves count −1 (an ended sequence) alone.
 *   - `-square`: a response-phase count swapped back into the demo phase is squared again at `T`; such
 *     continuations can exceed continueFrom's 100,000-step limit and raise InputError.
 *   - Arithmetic follows the author's ArithmeticCmodel: state {target_ops, remops, cumu_val, op, operand,
 *     stage, next_arg}; the update fixes the next token before the intervention, no clamp; the r position
 *     is not eligible (see arithmetic.ts). `full` swaps all but target_ops; cross-task pairs name the
 *     source keys (`sourceKeys: ['count']`).
 */

export * from './vocab.ts';
export * from './task.ts';
export * from './causal.ts';
export * from './arithmetic.ts';
export * from './counting.ts';
export * from './sequences.ts';
export * from './datasets.ts';
export * from './counterfactual.ts';
