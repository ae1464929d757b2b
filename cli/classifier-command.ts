/** `cgan classifier train|test`: the MNIST classifier that `cgan eval` judges generators with. */
import { Command, Option } from 'commander';
import { int, num } from './parse.ts';
import { loadTraining } from './training.ts';

const backendOption = () =>
  new Option('--backend <name>', 'tfjs backend').choices(['auto', 'wasm', 'cpu']).default('auto');

export function register(program: Command): void {
  const cmd = program
    .command('classifier')
    .description('the classifier behind `cgan eval`: train it, or measure it on the test set');

  cmd
    .command('train')
    .description('train the classifier on the training set (bundled MNIST unless --data) and write its weights')
    .option('--out <dir>', 'directory for classifier.safetensors', 'models/classifier')
    .option('--epochs <n>', 'passes over the training set', int('--epochs', 1), 3)
    .option('--batch-size <n>', 'batch size', int('--batch-size', 1), 64)
    .option('--lr <x>', 'Adam learning rate of the first epoch', num('--lr', 1e-8, 1), 1e-3)
    .option('--lr-decay <x>', 'learning rate factor per epoch', num('--lr-decay', 0, 1), 0.3)
    .option('--seed <n>', 'weights and shuffling seed', int('--seed', 0), 0)
    .option('--limit <n>', 'use only the first N training images', int('--limit', 1))
    .option('--data <dir>', 'directory with IDX train-/t10k- image and label files')
    .addOption(backendOption())
    .action(
      async (o: {
        out: string;
        epochs: number;
        batchSize: number;
        lr: number;
        lrDecay: number;
        seed: number;
        limit?: number;
        data?: string;
        backend: 'auto' | 'wasm' | 'cpu';
      }) => {
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
          backend: sel.name,
          log: (l) => console.log(l),
        });
        console.log(
          `wrote ${r.file} (${(r.bytes / 1024).toFixed(0)} KiB, ${r.params} weights) ` +
            `after ${r.trainSeconds.toFixed(0)} s of training`,
        );
        console.log(
          `test accuracy ${(r.test.overall * 100).toFixed(2)}% (${r.test.total} images); ` +
            `per class ${r.test.perClass.map((a) => (a * 100).toFixed(1)).join(' ')}`,
        );
      },
    );

  cmd
    .command('test')
    .description('measure the classifier on the test set')
    .option(
      '--classifier <path>',
      'classifier directory or .safetensors file (default: the committed models/classifier)',
    )
    .option('--limit <n>', 'use only the first N test images', int('--limit', 1))
    .option('--data <dir>', 'directory with IDX t10k- image and label files')
    .addOption(backendOption())
    .action(async (o: { classifier?: string; limit?: number; data?: string; backend: 'auto' | 'wasm' | 'cpu' }) => {
      const { selectBackend, loadClassifier, classify, accuracy, displayPath, loadDataset, batchImages } =
        await loadTraining('cgan classifier test');
      await selectBackend(o.backend);
      const c = await loadClassifier(o.classifier);
      const ds = await loadDataset({ dir: o.data, split: 'test', limit: o.limit });
      const t0 = performance.now();
      const r = classify(
        c,
        batchImages(
          ds,
          Array.from({ length: ds.count }, (_, i) => i),
        ),
        ds.count,
      );
      const acc = accuracy(r.predictions, ds.labels, c.arch.numClasses);
      console.log(
        `${displayPath(c.file)}: test accuracy ${(acc.overall * 100).toFixed(2)}% on ${ds.count} images ` +
          `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
      console.log(`per class ${acc.perClass.map((a) => (a * 100).toFixed(1)).join(' ')}`);
    });
}
