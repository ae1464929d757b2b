/** `cgan eval`: a generator's conditional accuracy and Frechet distance, next to real data's. */
import { Command, Option } from 'commander';
import { DEFAULT_MODEL, modelOrDefault } from './default-model.ts';
import { deviceNames, type Device } from '../runtime/devices.ts';
import { addReliabilityHelp } from './help.ts';
import { checkOutputs, writeOutput } from '../export/outputs.ts';
import { noVerifyOption } from './options.ts';
import { int } from './parse.ts';
import { loadTraining } from './training.ts';

interface Opts {
  samples: number;
  seed: number;
  device: Device;
  fallback?: boolean;
  backend: 'auto' | 'wasm' | 'cpu';
  classifier?: string;
  json?: string;
  data?: string;
  testLimit?: number;
  force?: boolean;
  verify: boolean;
}

const pct = (x: number) => (Number.isNaN(x) ? '  -  ' : `${(x * 100).toFixed(1).padStart(5)}`);

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description(
      "measure a generator: conditional accuracy and Frechet distance by the project's classifier, next to real data's",
    )
    .argument('[model]', `.onnx file written by \`cgan export\` (default ${DEFAULT_MODEL})`)
    .option(
      '--samples <n>',
      'samples to generate, a multiple of the class count (equal per class)',
      int('--samples', 1),
      10000,
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
    .option('--classifier <path>', 'classifier directory or .safetensors (default: the committed models/classifier)')
    .option('--json <file>', 'also write the numbers as JSON')
    .option('--data <dir>', 'IDX directory for the real images (default: bundled MNIST)')
    .addOption(
      new Option('--test-limit <n>', 'use only the first N test images (quick checks)')
        .argParser(int('--test-limit', 2))
        .hideHelp(),
    )
    .option('--force', 'let --json replace an existing .onnx or .safetensors')
    .action(async (modelArg: string | undefined, o: Opts) => {
      const model = modelOrDefault(modelArg);
      if (o.json) await checkOutputs([{ file: o.json, flag: '--json' }], { inputs: [model], force: o.force });
      const { selectBackend, evaluateGenerator, reportJson, displayPath } = await loadTraining('cgan eval');
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
        log: (l) => console.log(l),
      });
      const ref = r.reference;
      const g = r.generated;
      const n = r.model.numClasses;
      console.log(
        `model ${r.model.file} (step ${r.model.step ?? '?'}, weights ${r.model.weightsHash.slice(0, 12)}` +
          `${r.model.verified ? '' : ' not verified (--no-verify)'}); ` +
          `classifier ${displayPath(r.classifier.file)} (test accuracy ${r.classifier.testAccuracy ?? '?'})`,
      );
      console.log(
        `                        ${'all'.padStart(5)} ` +
          `${Array.from({ length: n }, (_, i) => String(i).padStart(5)).join(' ')}`,
      );
      console.log(
        `conditional accuracy %  ${pct(g.accuracy.overall)} ${g.accuracy.perClass.map(pct).join(' ')}   ` +
          `(${g.count} samples, ${g.perClass} per class, seed ${r.seed})`,
      );
      console.log(
        `samples read as         ${''.padStart(5)} ${g.predicted.map((x) => String(x).padStart(5)).join(' ')}   ` +
          `(how many samples the classifier put in each class)`,
      );
      console.log(
        `real test accuracy %    ${pct(ref.test.accuracy.overall)} ` +
          `${ref.test.accuracy.perClass.map(pct).join(' ')}   (${ref.test.count} test images)`,
      );
      console.log(
        `Frechet distance        ${g.fd.toFixed(2)}   (${g.count} samples vs ${ref.test.count} test images, ` +
          `${ref.test.stats.dim}-d classifier features)`,
      );
      console.log(
        `real reference          ${ref.real.fd.toFixed(2)}   (${ref.real.count} training images, ` +
          `${ref.real.source}, vs the same ${ref.test.count} test images)`,
      );
      console.log(
        `took ${r.seconds.total.toFixed(1)} s (generate ${r.seconds.generate.toFixed(1)} s on ${r.model.device}, ` +
          `classify ${r.seconds.classify.toFixed(1)} s, reference ${ref.seconds.toFixed(1)} s)`,
      );
      if (o.json) {
        await writeOutput(o.json, new TextEncoder().encode(JSON.stringify(reportJson(r), null, 2) + '\n'), '--json');
        console.log(`wrote ${o.json}`);
      }
    });
  addReliabilityHelp(cmd);
}
