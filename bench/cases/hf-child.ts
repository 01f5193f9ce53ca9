/**
 * Child process of the `hf-forward` bench case (peak RSS must be this process's own):
 *   make DIR   write a random GPT-2-small-shaped folder (124M parameters, F32) to DIR
 *   run DIR T  load DIR, then time forward passes over T tokens; print one JSON line
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeSafetensors } from '../../src/io/safetensors.ts';
import { loadHfModel } from '../../src/models/hf/folder.ts';
import { parseHfConfig } from '../../src/models/hf/config.ts';
import { expectedTensors } from '../../src/models/hf/weights.ts';
import { noGrad } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

/** GPT-2 small (openai-community/gpt2) shape. */
export const GPT2_SMALL = { model_type: 'gpt2', vocab_size: 50257, n_embd: 768, n_layer: 12, n_head: 12, n_positions: 1024, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new' };

const [mode, dir, steps] = process.argv.slice(2);
if (mode === 'make') {
  fs.mkdirSync(dir, { recursive: true });
  const cfg = parseHfConfig(GPT2_SMALL, 'config.json');
  const rng = new Rng(0);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let n = 0;
  for (const [name, shape] of expectedTensors(cfg)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const isNorm = /ln_\d\.weight|ln_f\.weight/.test(name);
    for (let i = 0; i < size; i++) data[i] = isNorm ? 1 : 0.04 * (rng.uniform() - 0.5);
    tensors.set(`transformer.${name}`, { shape, data });
    n += size;
  }
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(GPT2_SMALL));
  console.log(JSON.stringify({ parameters: n }));
} else if (mode === 'run') {
  const T = Number(steps);
  const t0 = performance.now();
  const model = loadHfModel(dir);
  const loadMs = performance.now() - t0;
  const tokens = new Int32Array(T);
  const rng = new Rng(1);
  for (let i = 0; i < T; i++) tokens[i] = Math.floor(rng.uniform() * 50257);
  const times: number[] = [];
  for (let r = 0; r < 4; r++) {
    const s = performance.now();
    noGrad(() => model.forward({ tokens, batch: 1, steps: T }));
    if (r > 0) times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const rss = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ median_ms: times[1], load_ms: loadMs, peak_rss_bytes: rss }));
} else {
  console.error('usage: hf-child.ts make DIR | run DIR T');
  process.exit(2);
}
