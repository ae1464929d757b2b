/** `cgan classifier train|test`: the evaluation classifier that `cgan eval` judges generators with. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { int, num } from './parse.ts';
import { loadTraining, type Training } from './training.ts';

type Accuracy = ReturnType<Training['accuracy']>;

const backendOption = () =>
  new Option('--backend <name>', 'tfjs backend').choices(['auto', 'wasm', 'cpu']).default('auto');

/** `--holdout`: a fraction in (0, 0.5], or "test" for the data's own test split. */
function holdout(v: string): number | 'test' {
  if (v === 'test') return v;
  const n = Number(v);
  if (v.trim() === '' || !(n > 0 && n <= 0.5))
    throw new InvalidArgumentError(`--holdout must be a fraction in (0, 0.5] or "test", got ${JSON.stringify(v)}`);
  return n;
}

/** Per-class accuracy by name: one line for a few short names, else the worst classes first. */
export function perClassLines(acc: Accuracy, names: string[]): string[] {
  const p = (x: number) => (Number.isNaN(x) ? '-' : (x * 100).toFixed(1));
  if (names.length <= 12 && names.every((n) => n.length <= 5))
    return [`per class ${names.map((n, i) => (n === String(i) ? '' : `${n} `) + p(acc.perClass[i])).join(' ')}`];
  const order = names.map((_, i) => i).sort((a, b) => acc.perClass[a] - acc.perClass[b]);
  const shown = order.slice(0, 40).map((c) => `  ${names[c]}: ${p(acc.perClass[c])}% of ${acc.counts[c]}`);
  const more = order.length > 40 ? [`  ... ${order.length - 40} more classes, all above these`] : [];
  return ['per class, worst first:', ...shown, ...more];
}

interface TrainOpts {
  out: string;
  epochs: number;
  batchSize: number;
  lr: number;
  lrDecay: number;
  seed: number;
  limit?: number;
  data?: string;
  holdout?: number | 'test';
  splitSeed: number;
  imageSize?: number;
  channels?: 1 | 3;
  backend: 'auto' | 'wasm' | 'cpu';
}

async function train(o: TrainOpts): Promise<void> {
  const { selectBackend, trainClassifier } = await loadTraining('cgan classifier train');
  const sel = await selectBackend(o.backend);
  console.log(`backend: ${sel.name}`);
  const r = await trainClassifier({
    out: o.out,
    epochs: o.epochs,
    batchSize: o.batchSize,
    lr: o.lr,
    lrDecay: o.lrDecay,
    seed: o.seed,
    limit: o.limit,
    dataDir: o.data,
    holdout: o.holdout,
    splitSeed: o.splitSeed,
    imageSize: o.imageSize,
    channels: o.channels,
    backend: sel.name,
    log: (l) => console.log(l),
  });
  console.log(
    `wrote ${r.file} (${(r.bytes / 1024).toFixed(0)} KiB, ${r.params} weights) ` +
      `after ${r.trainSeconds.toFixed(0)} s of training`,
  );
  const what =
    r.split.kind === 'test-split'
      ? 'test accuracy'
      : `held-out accuracy (${r.split.fraction} of each class, split seed ${r.split.seed})`;
  console.log(`${what} ${(r.test.overall * 100).toFixed(2)}% (${r.test.total} images)`);
  for (const line of perClassLines(r.test, r.classNames)) console.log(line);
}

export function register(program: Command): void {
  const cmd = program
    .command('classifier')
    .description('the classifier behind `cgan eval`: train it, or measure it on its held-out images');

  cmd
    .command('train')
    .description(
      'train the classifier on a dataset (bundled MNIST unless --data), holding some images out, and write its weights',
    )
    .option('--out <dir>', 'directory for classifier.safetensors', 'models/classifier')
    .option('--epochs <n>', 'passes over the training images', int('--epochs', 1), 3)
    .option('--batch-size <n>', 'batch size', int('--batch-size', 1), 64)
    .option('--lr <x>', 'Adam learning rate of the first epoch', num('--lr', 1e-8, 1), 1e-3)
    .option('--lr-decay <x>', 'learning rate factor per epoch', num('--lr-decay', 0, 1), 0.3)
    .option('--seed <n>', 'weights and shuffling seed', int('--seed', 0), 0)
    .option('--limit <n>', 'use only the first N images of the data', int('--limit', 1))
    .option('--data <path>', 'the dataset the generator was trained on (as `cgan train --data` takes it)')
    .option(
      '--holdout <f>',
      'share of each class held out for measuring (default 0.1), or "test": the data\'s own test split ' +
        '(the default for bundled MNIST)',
      holdout,
    )
    .option('--split-seed <n>', 'seed of the held-out split', int('--split-seed', 0, 0xffffffff), 0)
    .option('--image-size <n>', 'decode the data at this size, as the generator was', int('--image-size', 16, 64))
    .addOption(
      new Option('--channels <n>', 'decode the data gray (1) or RGB (3), as the generator was')
        .choices(['1', '3'])
        .argParser((v) => Number(v) as 1 | 3),
    )
    .addOption(backendOption())
    .action(train);

  cmd
    .command('test')
    .description('measure the classifier on its held-out images (MNIST: the test set)')
    .option(
      '--classifier <path>',
      'classifier directory or .safetensors file (default: the committed models/classifier)',
    )
    .option('--limit <n>', 'use only the first N held-out images', int('--limit', 1))
    .option('--data <path>', 'the data it was trained on (default: the path it recorded; bundled MNIST)')
    .addOption(backendOption())
    .action(async (o: { classifier?: string; limit?: number; data?: string; backend: 'auto' | 'wasm' | 'cpu' }) => {
      const {
        selectBackend,
        loadClassifier,
        classifySubset,
        loadRealSets,
        subsetLabels,
        classNamesOf,
        accuracy,
        displayPath,
      } = await loadTraining('cgan classifier test');
      await selectBackend(o.backend);
      const c = await loadClassifier(o.classifier);
      const sets = await loadRealSets(c, { dataDir: o.data, heldOutLimit: o.limit });
      const t0 = performance.now();
      const r = classifySubset(c, sets.heldOut);
      const acc = accuracy(r.predictions, subsetLabels(sets.heldOut), c.arch.numClasses);
      console.log(
        `${displayPath(c.file)}: ${sets.heldOutName} accuracy ${(acc.overall * 100).toFixed(2)}% on ` +
          `${acc.total} images of ${sets.source} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
      for (const line of perClassLines(acc, classNamesOf(c))) console.log(line);
    });
}
