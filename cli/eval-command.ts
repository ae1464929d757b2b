/** `cgan eval`: a generator's conditional accuracy, Frechet distance and manifold scores, next to real data's. */
import { Command, Option } from 'commander';
import { DEFAULT_MODEL, modelOrDefault } from './default-model.ts';
import { deviceNames, type Device } from '../runtime/devices.ts';
import { addReliabilityHelp } from './help.ts';
import { checkOutputs, writeOutput } from '../export/outputs.ts';
import { noVerifyOption } from './options.ts';
import { int } from './parse.ts';
import { loadTraining } from './training.ts';

interface Opts {
  samples?: number;
  seed: number;
  device: Device;
  fallback?: boolean;
  backend: 'auto' | 'wasm' | 'cpu';
  classifier?: string;
  json?: string;
  data?: string;
  testLimit?: number;
  k: number;
  manifold: boolean;
  force?: boolean;
  verify: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description(
      'measure a generator by an evaluation classifier trained on its data: conditional accuracy, Frechet ' +
        'distance, precision / recall and density / coverage, each next to what real images score',
    )
    .argument('[model]', `.onnx file written by \`cgan export\` (default ${DEFAULT_MODEL})`)
    .option(
      '--samples <n>',
      'samples to generate, a multiple of the class count (default 10000 split equally, fewer when the ' +
        'smallest class has fewer training images)',
      int('--samples', 1),
    )
    .option('--seed <n>', 'noise seed', int('--seed', 0, 0xffffffff), 0)
    .addOption(
      new Option('--device <name>', 'onnxruntime execution provider for the generator')
        .choices(deviceNames('node'))
        .default('auto'),
    )
    .option('--fallback', 'run on cpu if the device is not available, instead of failing')
    .addOption(noVerifyOption())
    .addOption(
      new Option('--backend <name>', 'tfjs backend for the classifier')
        .choices(['auto', 'wasm', 'cpu'])
        .default('auto'),
    )
    .option(
      '--classifier <path>',
      'classifier directory or .safetensors from `cgan classifier train` (default: the committed MNIST one)',
    )
    .option('--json <file>', 'also write the numbers as JSON')
    .option(
      '--data <path>',
      'the data the classifier was trained on (default: the path it recorded; bundled MNIST for the committed one)',
    )
    .option('--k <n>', 'nearest neighbour that sizes the manifold balls', int('--k', 1, 100), 3)
    .option('--no-manifold', 'skip precision, recall, density and coverage')
    .addOption(
      new Option('--test-limit <n>', 'use only the first N held-out images (quick checks)')
        .argParser(int('--test-limit', 2))
        .hideHelp(),
    )
    .option('--force', 'let --json replace an existing .onnx or .safetensors')
    .action(async (modelArg: string | undefined, o: Opts) => {
      const model = modelOrDefault(modelArg);
      if (o.json) await checkOutputs([{ file: o.json, flag: '--json' }], { inputs: [model], force: o.force });
      const { selectBackend, evaluateGenerator, reportJson } = await loadTraining('cgan eval');
      const { printReport } = await import('./eval-output.ts');
      await selectBackend(o.backend);
      const r = await evaluateGenerator(model, {
        samples: o.samples,
        seed: o.seed,
        device: o.device,
        fallback: o.fallback,
        verify: o.verify,
        classifier: o.classifier,
        dataDir: o.data,
        testLimit: o.testLimit,
        k: o.k,
        manifold: o.manifold,
        log: (l) => console.log(l),
      });
      printReport(r);
      if (o.json) {
        await writeOutput(o.json, new TextEncoder().encode(JSON.stringify(reportJson(r), null, 2) + '\n'), '--json');
        console.log(`wrote ${o.json}`);
      }
    });
  addReliabilityHelp(cmd);
}
