/**
 * Parity check, our side: evaluate runs/pytorch/gru-s{1,2} with evaluateTrials on the sequences in
 * runs/pytorch/parity.json (written by parity_torch.py) and compare loss and per-trial correctness.
 * Run from the repository root: node --import tsx scripts/pytorch/parity_mas.ts
 */
import { readFileSync } from 'node:fs';
import { loadModel, evaluateTrials } from '../../src/models/index.ts';
const ref = JSON.parse(readFileSync('runs/pytorch/parity.json', 'utf8'));
for (const s of ['1', '2']) {
  const m = loadModel(`runs/pytorch/gru-s${s}`);
  const trials = ref[s].trials.map((t: string[]) => { const ti = t.indexOf('T'); return { tokens: t, taskMask: t.map((_, i) => (i > ti ? 1 : 0)) }; });
  const r = evaluateTrials(m, trials);
  const same = r.trialCorrect.every((c: boolean, i: number) => c === ref[s].correct[i]);
  if (!same || Math.abs(ref[s].loss - r.loss) > 1e-5) process.exitCode = 1;
  console.log(`gru-s${s}: torch loss ${ref[s].loss.toFixed(7)} mas loss ${r.loss.toFixed(7)} |diff| ${Math.abs(ref[s].loss - r.loss).toExponential(2)}; correct torch ${ref[s].correct.filter(Boolean).length}/500 mas ${r.trialCorrect.filter(Boolean).length}/500; per-trial identical: ${same}`);
}
