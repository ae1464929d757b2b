/** `cgan train`: the first pipeline stage (dataset -> checkpoint files). */
import { Command, InvalidArgumentError, Option } from 'commander';
import os from 'node:os';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BACKEND_REQUESTS } from '../train/backend-names.ts';
import { checkpointPath, runDir, type Hyper } from '../train/run-files.ts';
import { IMAGE_SIZE_STEP, MAX_IMAGE_SIZE, MAX_WORKERS_PER_CORE, MIN_IMAGE_SIZE } from '../runtime/limits.ts';
import { checkShapeOptions } from '../train/dataset/shape.ts';
import { UsageError } from './errors.ts';
import { addReliabilityHelp } from './help.ts';
import { recipeProblem } from '../train/recipe.ts';
import { DEFAULT_LR_FLOOR } from '../train/schedule.ts';
import { int, num } from './parse.ts';
import { loadTraining } from './training.ts';

/**
 * Hyperparameter presets. `fast` is the default: at equal minutes it was ahead of `wgan-gp` at every
 * point measured, one epoch of it draws mostly the right digits, and an hour of it meets the default model's bar
 * (docs/recipe-pilots.md).
 */
export const PRESETS = {
  // The wgan-gp preset's critic ratio and penalty, with the cheaper batch of 16 (a step costs ~0.36x
  // batch 64's here, quality per critic step was about the same up to ~5,000 steps, and at equal minutes
  // it was ahead of batch 32 at every point of an hour), a 4x higher peak rate (8e-4: at equal minutes
  // ahead of 3e-4 from 15 minutes on, and of 5e-4 in accuracy and Frechet distance at every point; two
  // seeds for 8e-4), Adam's first moment at 0 instead of 0.5 (with it an hour met the default model's
  // bar on 10,000 samples on two seeds, where 0.5 missed it on both: by 0.001 in accuracy and 0.03x in
  // Frechet distance on one, by 0.12x in distance on the other), the rate decayed linearly to 0.1x by
  // step 24,056 (a quiet hour on the 2-core development machine; set --decay-steps to a longer run's
  // length), a weight average short enough (0.995) not to lag an hour-long run, and class-balanced
  // batches (a batch of 16 holds each class 1.6 times on average, some not at all; balanced, the worst
  // class ended the hour 0.02-0.06 higher on two seeds).
  fast: {
    lr: 8e-4,
    beta1: 0,
    beta2: 0.9,
    eps: 1e-8,
    lambda: 10,
    nCritic: 5,
    batchSize: 16,
    emaDecay: 0.995,
    decaySteps: 24056,
    lrFloor: 0.1,
    balanced: true,
  },
  // Gulrajani et al. 2017's Adam betas; the seed's lr, lambda, critic steps and batch size. The default
  // until `fast`; the previous shipped model was trained with it (models/README.md).
  'wgan-gp': { lr: 2e-4, beta1: 0.5, beta2: 0.9, eps: 1e-8, lambda: 10, nCritic: 5, batchSize: 64, emaDecay: 0.999 },
  // The seed notebook's settings: PyTorch's default Adam betas. The weight average is kept too: it
  // never feeds back into training, and `cgan export --weights raw` ships the last iterate instead.
  seed: { lr: 2e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, lambda: 10, nCritic: 5, batchSize: 64, emaDecay: 0.999 },
} as const satisfies Record<string, Hyper>;

export type PresetName = keyof typeof PRESETS;
/** What `cgan train` runs when no --preset is given. */
export const DEFAULT_PRESET: PresetName = 'fast';
const D: Hyper = PRESETS[DEFAULT_PRESET];

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('train the conditional WGAN-GP (bundled MNIST unless --data is given)')
    .option('--epochs <n>', 'stop after N completed epochs (total, counting resumed ones)', int('--epochs', 1))
    .option('--steps <n>', 'stop after N critic steps (total)', int('--steps', 1))
    .option('--out <dir>', 'run directory: checkpoint, metrics.jsonl, samples/, curves')
    .option('--resume <dir>', 'continue the run in DIR (or a checkpoint.safetensors) where it stopped')
    .option('--continue', 'continue the run in --out if it has a checkpoint, else start it (for scripts)')
    .option(
      '--data <path>',
      'a folder with one subfolder of images per class (PNG, JPEG, WebP, ...), a .zip of one, or a directory ' +
        'with an IDX pair train-images-idx3-ubyte[.gz] / train-labels-idx1-ubyte[.gz] (docs/datasets.md)',
    )
    .option(
      '--image-size <n>',
      `side to decode images to: a multiple of ${IMAGE_SIZE_STEP} from ${MIN_IMAGE_SIZE} to ${MAX_IMAGE_SIZE} ` +
        '(default: from the data)',
      int('--image-size', 1),
    )
    .option(
      '--channels <n>',
      '1 (grayscale) or 3 (RGB) (default: 1 if every image is grayscale, else 3)',
      (v: string): number => {
        if (v !== '1' && v !== '3')
          throw new InvalidArgumentError(`--channels must be 1 or 3, got ${JSON.stringify(v)}`);
        return Number(v);
      },
    )
    .option('--strict', 'an image that cannot be decoded is an error (default: skipped and named)')
    .option('--limit <n>', 'use only the first N training examples', int('--limit', 1))
    .addOption(new Option('--backend <name>', 'tfjs backend').choices([...BACKEND_REQUESTS]).default('auto'))
    .option(
      '--workers <n>',
      'data-parallel worker threads (default: one per core; 1 on tensorflow and webgpu)',
      int('--workers', 1),
    )
    .addOption(
      new Option('--preset <name>', 'hyperparameter preset').choices(Object.keys(PRESETS)).default(DEFAULT_PRESET),
    )
    .option('--batch-size <n>', `batch size (default ${D.batchSize})`, int('--batch-size', 2))
    .option('--lr <x>', `Adam learning rate (default ${D.lr})`, num('--lr', 1e-8, 1))
    .option(
      '--beta1 <x>',
      `Adam beta1 (default ${D.beta1}; preset seed: ${PRESETS.seed.beta1})`,
      num('--beta1', 0, 0.999999),
    )
    .option(
      '--beta2 <x>',
      `Adam beta2 (default ${D.beta2}; preset seed: ${PRESETS.seed.beta2})`,
      num('--beta2', 0, 0.999999),
    )
    .option('--lambda <x>', `gradient penalty weight (default ${D.lambda})`, num('--lambda', 0, 1e6))
    .option('--n-critic <n>', `critic steps per generator step (default ${D.nCritic})`, int('--n-critic', 1))
    .option('--lr-generator <x>', "the generator's Adam learning rate (default: --lr)", num('--lr-generator', 1e-8, 1))
    .option('--lr-critic <x>', "the critic's Adam learning rate (default: --lr)", num('--lr-critic', 1e-8, 1))
    .option('--warmup-steps <n>', 'raise both rates linearly over the first N critic steps', int('--warmup-steps', 0))
    .option(
      '--decay-steps <n>',
      "decay both rates linearly from the warm-up's end to --lr-floor at critic step N " +
        `(default ${D.decaySteps ?? 0}; 0: no decay)`,
      int('--decay-steps', 0),
    )
    .option(
      '--lr-floor <x>',
      `the decay's final rate, a fraction of the peak (default ${D.lrFloor ?? DEFAULT_LR_FLOOR})`,
      num('--lr-floor', 0, 1),
    )
    .option('--balanced', `every batch holds each class equally often (default: ${D.balanced ? 'on' : 'off'})`)
    .option('--no-balanced', 'draw batches from a plain shuffle instead')
    .option(
      '--ema-decay <x>',
      `decay of the generator weight average that export ships (default ${D.emaDecay}; 0: off)`,
      num('--ema-decay', 0, 0.999999),
    )
    .option(
      '--mismatch <fraction>',
      "fraction of each batch's fakes the critic sees as real images of another class under the " +
        "batch's labels (a matching-aware critic, docs/training.md; default 0: off)",
      num('--mismatch', 0, 0.9),
    )
    .option('--seed <n>', 'random seed (weights, shuffling, noise)', int('--seed', 0), 0)
    .option('--save-every <n>', 'also checkpoint every N critic steps', int('--save-every', 1))
    .action(async (o) => {
      const { train, ProgressReporter } = await loadTraining('cgan train');
      const preset = PRESETS[o.preset as keyof typeof PRESETS];
      // Only what the user typed overrides the preset (and, on resume, the checkpoint's values).
      const overrides: Partial<Hyper> = {
        ...(o.lr !== undefined && { lr: o.lr }),
        ...(o.beta1 !== undefined && { beta1: o.beta1 }),
        ...(o.beta2 !== undefined && { beta2: o.beta2 }),
        ...(o.lambda !== undefined && { lambda: o.lambda }),
        ...(o.nCritic !== undefined && { nCritic: o.nCritic }),
        ...(o.batchSize !== undefined && { batchSize: o.batchSize }),
        ...(o.emaDecay !== undefined && { emaDecay: o.emaDecay }),
        ...(o.lrGenerator !== undefined && { lrGenerator: o.lrGenerator }),
        ...(o.lrCritic !== undefined && { lrCritic: o.lrCritic }),
        ...(o.warmupSteps !== undefined && { warmupSteps: o.warmupSteps }),
        ...(o.decaySteps !== undefined && { decaySteps: o.decaySteps }),
        ...(o.lrFloor !== undefined && { lrFloor: o.lrFloor }),
        ...(o.balanced !== undefined && { balanced: o.balanced === true }),
        ...(o.mismatch !== undefined && { mismatch: o.mismatch }),
      };
      // Checked here, before the trainer loads: a bad size is the command line's mistake (exit 2).
      checkShapeOptions({ imageSize: o.imageSize, channels: o.channels });
      const hyper: Hyper = { ...preset, ...overrides };
      const problem = recipeProblem(hyper);
      if (problem) throw new UsageError(problem);
      // --resume RUN/checkpoint.safetensors continues in RUN, as --resume RUN does.
      const out: string =
        o.out ??
        (o.resume && runDir(o.resume)) ??
        path.join('runs', new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19));
      if (o.continue && !o.resume && existsSync(checkpointPath(out))) o.resume = out;
      const train_ = program.commands.find((c) => c.name() === 'train')!;
      if (o.resume && ['seed', 'preset'].some((k) => train_.getOptionValueSource(k) === 'cli')) {
        console.warn(
          'note: a resumed run keeps the seed and preset stored in its checkpoint; --seed/--preset are ignored',
        );
      }
      const maxWorkers = os.availableParallelism() * MAX_WORKERS_PER_CORE;
      if (o.workers !== undefined && o.workers > maxWorkers) {
        throw new UsageError(
          `--workers ${o.workers} is more than this machine allows: ` +
            `at most ${maxWorkers} (${MAX_WORKERS_PER_CORE} per core, ` +
            `${os.availableParallelism()} cores); each worker holds a full copy of the model, ` +
            `so more only costs memory`,
        );
      }
      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = () => {
        interrupts += 1;
        if (interrupts > 1) process.exit(130);
        console.error('\nstopping after this step and writing a checkpoint (Ctrl-C again to quit without saving)');
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const progress = new ProgressReporter();
      try {
        const oneDevice = ['tensorflow', 'webgpu'].includes(o.backend);
        const workers = o.workers ?? (oneDevice ? 1 : Math.min(os.availableParallelism(), 8));
        const r = await train({
          out,
          resume: o.resume,
          dataDir: o.data,
          limit: o.limit,
          imageSize: o.imageSize,
          channels: o.channels,
          strict: o.strict === true,
          epochs: o.epochs,
          steps: o.steps,
          backend: o.backend,
          workers,
          hyper,
          hyperOverrides: overrides,
          seed: o.seed,
          saveEvery: o.saveEvery,
          signal: controller.signal,
          log: (m) => progress.log(m),
          onStep: (rec, info) => progress.update(rec, info),
        });
        progress.stop();
        const mean = r.stepSeconds.length ? r.stepSeconds.reduce((a, b) => a + b, 0) / r.stepSeconds.length : 0;
        console.log(
          `${r.stoppedBy === 'interrupted' ? 'interrupted' : 'done'} at step ${r.state.step} ` +
            `(epoch ${r.state.epoch}); ${(mean * 1000).toFixed(0)} ms per critic step on ${r.backend}\n` +
            `checkpoint: ${r.checkpoint}\nmetrics:    ${path.join(out, 'metrics.jsonl')}\n` +
            `samples:    ${path.join(out, 'samples')}\ncurves:     ${path.join(out, 'curves.png')}\n` +
            `next:       npx cgan export ${out} --out models/${path.basename(out)}.onnx`,
        );
        if (r.stoppedBy === 'interrupted') process.exitCode = 130;
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  addReliabilityHelp(cmd);
}
