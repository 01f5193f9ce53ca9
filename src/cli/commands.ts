/**
 * The registry of `mas` subcommands; each lives in its own module under commands/ and is imported only
 * when it runs, so `mas --help` and `mas --version` load none of them (nor vega, nor the backends).
 */
import type { Command } from './command.ts';

/** A subcommand as `mas --help` lists it; `load` imports its module. */
export interface CommandEntry {
  /** The word after `mas`. */
  name: string;
  /** One line for `mas --help` (the same as the loaded command's `summary`; a test checks). */
  summary: string;
  /** Import the command's module. */
  load(): Promise<Command>;
}

/** Every subcommand, in the order `mas --help` lists them. */
export const commands: CommandEntry[] = [
  { name: 'selfcheck', summary: 'print the numeric backend in use and a quick GEMM timing', load: async () => (await import('./commands/selfcheck.ts')).selfcheck },
  {
    name: 'similarity',
    summary: 'correlative similarity (CKA, RSA, CCA, Procrustes, kNN, …) between two representations',
    load: async () => (await import('./commands/similarity.ts')).similarityCommand,
  },
  { name: 'train', summary: 'train a GRU/LSTM/transformer on a task from a seed (resumable)', load: async () => (await import('./commands/train.ts')).trainCommand },
  { name: 'eval', summary: 'trial and token accuracy of a model folder, by count and on hold-outs', load: async () => (await import('./commands/eval.ts')).evalCommand },
  {
    name: 'activations',
    summary: 'hooked vectors of a model on given sequences (teacher-forced) to .npy',
    load: async () => (await import('./commands/activations.ts')).activationsCommand,
  },
  {
    name: 'demo',
    summary: 'the default experiment end to end: train, align, compare, report.html (npm start)',
    load: async () => (await import('./commands/demo.ts')).demoCommand,
  },
  {
    name: 'reproduce',
    summary: "run one of the paper's comparisons (seeds, k sweep, stitching, CLMAS, …); --list",
    load: async () => (await import('./commands/reproduce.ts')).reproduceCommand,
  },
  {
    name: 'report',
    summary: 'render run folders (models, alignments, similarity) into one self-contained HTML report',
    load: async () => (await import('./commands/report.ts')).reportCommand,
  },
  {
    name: 'compare',
    summary: 'RSA/CKA (any similarity measure) between trained models on the reference stimuli',
    load: async () => (await import('./commands/compare.ts')).compareCommand,
  },
  {
    name: 'align',
    summary: 'Model Alignment Search (MAS, DAS, stitching, CLMAS) between model folders',
    load: async () => (await import('./commands/align.ts')).alignCommand,
  },
  {
    name: 'sae',
    summary: 'train a sparse autoencoder on activations (mas sae train) and encode with it (mas sae encode)',
    load: async () => (await import('./commands/sae.ts')).saeCommand,
  },
  {
    name: 'iia',
    summary: 'score a fitted alignment (mas align run) on fresh counterfactual pairs',
    load: async () => (await import('./commands/iia.ts')).iiaCommand,
  },
  {
    name: 'sweep',
    summary: 'run a grid of train/align/compare jobs from a spec, locally or on Slurm; status',
    load: async () => (await import('./commands/sweep.ts')).sweepCommand,
  },
  {
    name: 'align-lm',
    summary: 'MAS between Hugging Face language models on counterfactual JSONL rows',
    load: async () => (await import('./commands/align-lm.ts')).alignLmCommand,
  },
];
