/** `mas align-lm`: Model Alignment Search between two Hugging Face language models (or one with itself). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { ensureDir, writeJsonAtomic } from '../../io/atomic.ts';
import { writeSafetensors } from '../../io/safetensors.ts';
import { bootstrapCi } from '../../align/iia.ts';
import { labelsFromSource, lmCorrect, parseLmCounterfactuals, trainLmMas } from '../../align/lm.ts';
import { loadHfConfig, loadHfModel } from '../../models/hf/folder.ts';
import { loadHfTokenizer } from '../../models/hf/tokenizer.ts';
import { Rng } from '../../util/rng.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas align-lm --source DIR [--target DIR] --data ROWS.jsonl --layer POINT --k K
                    [--mode indywise|stepwise] [--labels given|source] [--label-tokens N]
                    [--valid-fraction 0.2] [--steps 1000] [--batch 32] [--lr 0.01] [--seed 0] --out DIR

Learns one orthogonal map per model (one shared map when --target is omitted or equals --source)
so that swapping the first K aligned dimensions of the source's vector at POINT into the target's
makes the target produce the label (see docs/language-models.md).

ROWS.jsonl: one JSON object per line with "base", "source" (text, encoded with each model's
tokenizer.json, special tokens included, or token-id arrays), "base_position", "source_position"
(token indices; negative counts from the end, -1 = last) and "label" (the expected continuation of
base: text without special tokens, or ids). The target runs teacher-forced on base + label; IIA is
the fraction of rows whose every label token is the argmax.

--mode indywise swaps one position; stepwise swaps base_position+j ← source_position+j for every j.
--labels source replaces each label by the source model's own greedy continuation of "source"
(--label-tokens N tokens; the author's protocol). The rows are shuffled (seeded) and split into
training and validation rows.

Writes DIR/result.json (IIA with a 95% bootstrap CI, the validation curve, settings) and
DIR/maps.safetensors (the maps' realized matrices: source.F, target.F, each [d, K]).

options:
  --source DIR         source model folder
  --target DIR         target model folder (default: the source)
  --data FILE          counterfactual rows (JSONL)
  --layer POINT        embedding | layer.N | final
  --k K                aligned dimensions (1 … d)
  --mode MODE          indywise (default) | stepwise
  --labels L           given (default) | source
  --label-tokens N     label length with --labels source (default 1)
  --valid-fraction F   share of rows held out for validation (default 0.2)
  --steps N            optimizer steps at most (default 1000)
  --batch N            rows per step (default 32)
  --lr X               Adam learning rate (default 0.01)
  --seed S             seed of the split, the map initialization and the batches (default 0)
  --out DIR            output folder`;

function num(name: string, v: string | undefined, dflt: number, ok: (x: number) => boolean, what: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!ok(n)) throw new InputError(`--${name} must be ${what}, got '${v}'`);
  return n;
}
const posInt = (x: number): boolean => Number.isInteger(x) && x >= 1;

export const alignLmCommand: Command = {
  name: 'align-lm',
  summary: 'MAS between Hugging Face language models on counterfactual JSONL rows',
  help: HELP,
  async run(args) {
    const { values: o } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        source: { type: 'string' }, target: { type: 'string' }, data: { type: 'string' }, layer: { type: 'string' }, k: { type: 'string' },
        mode: { type: 'string' }, labels: { type: 'string' }, 'label-tokens': { type: 'string' }, 'valid-fraction': { type: 'string' },
        steps: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
      },
    });
    for (const key of ['source', 'data', 'layer', 'k', 'out'] as const) if (o[key] === undefined) throw new InputError(`align-lm: --${key} is required (see mas align-lm --help)`);
    const mode = o.mode ?? 'indywise';
    if (mode !== 'indywise' && mode !== 'stepwise') throw new InputError(`align-lm: --mode must be indywise or stepwise, got '${mode}'`);
    const labels = o.labels ?? 'given';
    if (labels !== 'given' && labels !== 'source') throw new InputError(`align-lm: --labels must be given or source, got '${labels}'`);
    const k = num('k', o.k, 0, posInt, 'a positive integer');
    const labelTokens = num('label-tokens', o['label-tokens'], 1, posInt, 'a positive integer');
    const vf = num('valid-fraction', o['valid-fraction'], 0.2, (x) => x > 0 && x < 1, 'in (0, 1)');
    const steps = num('steps', o.steps, 1000, (x) => Number.isInteger(x) && x >= 0, 'an integer ≥ 0');
    const batch = num('batch', o.batch, 32, posInt, 'a positive integer');
    const lr = num('lr', o.lr, 0.01, (x) => x > 0 && Number.isFinite(x), 'a positive number');
    const seed = num('seed', o.seed, 0, Number.isSafeInteger, 'an integer');
    const srcDir = o.source as string;
    const trgDir = o.target ?? srcDir;
    loadHfConfig(srcDir);
    loadHfConfig(trgDir);
    const tokOf = (dir: string) => (fs.existsSync(path.join(dir, 'tokenizer.json')) ? loadHfTokenizer(dir) : null);
    if (!fs.existsSync(o.data as string)) throw new InputError(`align-lm: cannot read ${o.data}: no such file`);
    let rows = parseLmCounterfactuals(fs.readFileSync(o.data as string, 'utf8'), o.data as string, tokOf(trgDir), tokOf(srcDir));
    if (rows.length < 2) throw new InputError(`align-lm: needs at least 2 rows (training and validation), got ${rows.length}`);
    const source = loadHfModel(srcDir);
    const target = trgDir === srcDir ? source : loadHfModel(trgDir);
    const layer = target.resolveHook(o.layer as string);
    if (labels === 'source') rows = labelsFromSource(source, rows, labelTokens);
    const order = rows.map((_, i) => i);
    new Rng(seed).shuffle(order);
    const nValid = Math.min(rows.length - 1, Math.max(1, Math.round(rows.length * vf)));
    const valid = order.slice(0, nValid).map((i) => rows[i]);
    const train = order.slice(nValid).map((i) => rows[i]);
    const r = trainLmMas(target, source, train, valid, { layer, k, mode, steps, batch, lr, seed });
    const correct = lmCorrect(target, source, layer, valid, r.targetMap, r.sourceMap, k, mode);
    const ci = bootstrapCi(correct, seed);
    const out = o.out as string;
    ensureDir(out);
    const F = (m: typeof r.sourceMap) => {
      const t = m.realize().F;
      return { shape: [...t.shape], data: Float32Array.from(t.data) };
    };
    writeSafetensors(path.join(out, 'maps.safetensors'), { 'source.F': F(r.sourceMap), 'target.F': F(r.targetMap) }, { format: 'mas-lm-maps/1' });
    writeJsonAtomic(path.join(out, 'result.json'), {
      format: 'mas-lm-align/1', source: srcDir, target: trgDir, layer, k, mode, labels, label_tokens: labels === 'source' ? labelTokens : null,
      rows: { train: train.length, valid: valid.length }, iia: r.iia, iia_ci: ci, best_iia: r.bestIia, steps: r.steps, curve: r.curve,
      settings: { batch, lr, seed, valid_fraction: vf, max_steps: steps, map: 'orthogonal (expm)' },
    });
    console.log(`IIA ${r.iia.toFixed(4)} [${ci[0].toFixed(4)}, ${ci[1].toFixed(4)}] on ${valid.length} validation rows after ${r.steps} steps (${layer}, k = ${k}, ${mode}); wrote ${out}/result.json`);
    return 0;
  },
};
