/**
 * The pieces of the training procedure that are pure bookkeeping (models.md §7): the learning-rate
 * schedule, the best-checkpoint rule and the stopping rules. Kept free of tensors so they are easy
 * to test and to restore from a checkpoint.
 */

/** lr(k) = lr_max · min(k/warmup, (warmup/k)^0.25), k = 1, 2, … the optimizer step, floored at 1e-10. */
export function learningRate(k: number, lrMax = 5e-4, warmup = 100): number {
  if (k < 1) throw new RangeError(`learningRate: step must be ≥ 1, got ${k}`);
  return Math.max(1e-10, lrMax * Math.min(k / warmup, Math.pow(warmup / k, 0.25)));
}

/** Settings of the selection and stopping rules. */
export interface StopRules {
  /** Validations without val trial accuracy exceeding its best by more than `minDelta` before stopping (300). */
  patience: number;
  /** Improvement threshold for the patience counter (5e-5). */
  minDelta: number;
  /** Stop after this many consecutive validations at trial accuracy 1.0 (0 = off). */
  solvedPatience: number;
  /**
   * Which accuracies must be 1.0 for the quick stop: 'train+val' (the spec's `solvedPatience`, default)
   * or 'val' (validation only: train accuracy is measured with dropout and, for transformers,
   * teacher-forced, so it can stay below 1.0 on a solved task).
   */
  solvedOn?: 'train+val' | 'val';
}

/** The state of the selection and stopping rules; plain JSON, stored in checkpoints. */
export interface SelectionState {
  bestTrain: number;
  bestVal: number;
  bestEpoch: number | null;
  /** Best val trial accuracy for the patience counter. */
  plateauBest: number;
  plateauCount: number;
  solvedCount: number;
}

/** The initial selection state (nothing seen yet). */
export function initialSelection(): SelectionState {
  return { bestTrain: -Infinity, bestVal: -Infinity, bestEpoch: null, plateauBest: -Infinity, plateauCount: 0, solvedCount: 0 };
}

/** What one validation decided. */
export interface SelectionDecision {
  /** This checkpoint is the new "best". */
  isBest: boolean;
  /** Training should stop now, and why. */
  stop: null | 'plateau' | 'solved';
}

/**
 * Apply one validation to the selection state (returns the new state; the input is not modified).
 * Best rule: if train trial acc ≥ bestTrain − 0.001, bestTrain ← train acc; if in addition val trial
 * acc ≥ bestVal, bestVal ← val acc and this checkpoint is best. Plateau: stop when val trial acc has
 * not exceeded its best by more than minDelta for `patience` consecutive validations. Solved: stop
 * after `solvedPatience` consecutive validations with train and val trial accuracy both 1.0 (or val
 * alone with `solvedOn: 'val'`).
 */
export function updateSelection(s: SelectionState, epoch: number, trainAcc: number, valAcc: number, rules: StopRules): [SelectionState, SelectionDecision] {
  const n = { ...s };
  let isBest = false;
  if (trainAcc >= s.bestTrain - 0.001) {
    n.bestTrain = Math.max(trainAcc, s.bestTrain);
    // The spec says "update best_train"; we never let it decrease, which is the only reading under
    // which the −0.001 tolerance is stable.
    if (valAcc >= s.bestVal) {
      n.bestVal = valAcc;
      n.bestEpoch = epoch;
      isBest = true;
    }
  }
  if (valAcc > s.plateauBest + (s.plateauBest === -Infinity ? 0 : rules.minDelta)) {
    n.plateauBest = valAcc;
    n.plateauCount = 0;
  } else {
    n.plateauBest = Math.max(s.plateauBest, valAcc);
    n.plateauCount = s.plateauCount + 1;
  }
  const solved = valAcc === 1 && (rules.solvedOn === 'val' || trainAcc === 1);
  n.solvedCount = solved ? s.solvedCount + 1 : 0;
  let stop: SelectionDecision['stop'] = null;
  if (rules.solvedPatience > 0 && n.solvedCount >= rules.solvedPatience) stop = 'solved';
  else if (n.plateauCount >= rules.patience) stop = 'plateau';
  return [n, { isBest, stop }];
}
