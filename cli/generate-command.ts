/** `cgan generate`: images from an exported .onnx, as a PNG grid and/or raw float32 NCHW. */
import { Command, Option } from 'commander';
import { MAX_GRID_PIXELS, MAX_IMAGES_PER_REQUEST } from '../runtime/limits.ts';
import { DEFAULT_MODEL, modelOrDefault } from './default-model.ts';
import { deviceNames, type Device } from '../runtime/devices.ts';
import { MODEL_DTYPES, withDtype, type ModelDtype } from '../runtime/model-source.ts';
import { UsageError } from './errors.ts';
import { addReliabilityHelp } from './help.ts';
import { STDOUT, checkOutputs, writeOutput } from '../export/outputs.ts';
import { noVerifyOption } from './options.ts';
import { int } from './parse.ts';
import { gridLayout } from '../runtime/images.ts';

interface Opts {
  labels: string;
  count: number;
  seed?: number;
  noise?: string;
  out?: string;
  raw?: string;
  device: Device;
  dtype?: ModelDtype;
  fallback?: boolean;
  cols?: number;
  scale: number;
  batchSize?: number;
  force?: boolean;
  verify: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('generate')
    .description('generate images with an exported generator')
    .argument('[model]', `.onnx file written by \`cgan export\` (default ${DEFAULT_MODEL})`)
    .requiredOption(
      '--labels <spec>',
      'class names, indices and ranges, e.g. "0-9", "3,3,7" or "Sneaker,Bag" (`cgan info` lists the names; ' +
        'quote a name that holds a comma: \'"T-shirt, top",Bag\')',
    )
    .option('--count <n>', 'images per label (grid: one row per label)', int('--count', 1, MAX_IMAGES_PER_REQUEST), 1)
    .option(
      '--seed <n>',
      'noise seed (default 0); the same seed gives the same noise in Node and the browser',
      int('--seed', 0, 0xffffffff),
    )
    .option('--noise <file>', 'raw little-endian float32 noise [images, zDim] instead of a seed')
    .option('--out <file>', 'write a PNG grid (- for standard output)')
    .option(
      '--raw <file>',
      'write the images as raw little-endian float32 NCHW, exactly as the model output them (- for standard output)',
    )
    .addOption(new Option('--device <name>', 'execution provider').choices(deviceNames('node')).default('auto'))
    .addOption(
      new Option(
        '--dtype <type>',
        "fp16: the model's float16 file (m.onnx -> m.fp16.onnx, `cgan export --fp16`)",
      ).choices(MODEL_DTYPES),
    )
    .option('--fallback', 'run on cpu if the device is not available, instead of failing')
    .option('--cols <n>', 'grid columns (default: --count, or a square)', int('--cols', 1))
    .option('--scale <n>', 'grid upscaling factor', int('--scale', 1, 64), 1)
    .option('--batch-size <n>', 'images per session run', int('--batch-size', 1))
    .option('--force', 'replace an existing .onnx or .safetensors at --out/--raw')
    .addOption(noVerifyOption())
    .action(async (modelArg: string | undefined, o: Opts) => {
      const model = withDtype(modelOrDefault(modelArg), o.dtype);
      if (!o.out && !o.raw) throw new UsageError('nothing to write: pass --out FILE.png and/or --raw FILE.bin');
      if (o.noise !== undefined && o.seed !== undefined)
        throw new UsageError('pass either --seed or --noise, not both');
      if (o.out && o.raw && o.out === o.raw)
        throw new UsageError(`--out and --raw name the same file ${o.out}: give two paths`);
      // With an output on standard output, the messages go to standard error.
      const say = o.out === STDOUT || o.raw === STDOUT ? console.error : console.log;
      const outputs = [
        ...(o.out ? [{ file: o.out, flag: '--out' }] : []),
        ...(o.raw ? [{ file: o.raw, flag: '--raw' }] : []),
      ];
      await checkOutputs(outputs, {
        inputs: [model, ...(o.noise ? [o.noise] : [])],
        force: o.force,
        stdoutAllowed: ['--out', '--raw'],
      });
      const rt = await import('../runtime/node.ts');
      const { readModelFile } = await import('../runtime/files.ts');
      const bytes = await readModelFile(model);
      // Check everything the user typed before creating a session.
      const info = rt.readModelInfo(bytes, model);
      const labels = rt.repeatLabels(rt.parseLabels(o.labels, info.classNames), o.count);
      const cols = o.cols ?? (o.count > 1 ? o.count : undefined);
      if (o.out) checkGridSize(labels, cols, o.scale, info.imageSize);
      const noise = o.noise !== undefined ? await rt.readNoiseFile(o.noise, labels.length, info.zDim) : undefined;
      const seed = noise ? undefined : (o.seed ?? 0);

      const g = await rt.Generator.load(bytes, {
        device: o.device,
        fallback: o.fallback,
        verify: o.verify,
        dtype: o.dtype,
        what: model,
      });
      if (g.fallback && o.device === 'auto')
        console.error(
          `note: device auto runs on ${g.device}: ${g.fallback.from} is not available ` +
            `(--device ${g.fallback.from} says why)`,
        );
      else if (g.fallback)
        console.error(`note: ${g.fallback.from} is not available, running on ${g.device}: ${g.fallback.reason}`);
      try {
        const images = await g.generate({ labels, noise, seed, batchSize: o.batchSize });
        const src = noise ? `noise ${o.noise}` : `seed ${seed}`;
        say(
          `generated ${images.count} images (${o.labels} x ${o.count}, ${src}) ` +
            `on ${images.device} in ${images.ms.toFixed(0)} ms`,
        );
        if (o.raw) {
          await writeOutput(o.raw, rt.encodeRawImages(images), '--raw');
          say(`wrote ${o.raw}: float32 [${images.count}, 1, ${images.height}, ${images.width}]`);
        }
        if (o.out) {
          const grid = rt.renderGrid(images, { cols, scale: o.scale });
          await writeOutput(o.out, rt.encodePng(grid), '--out');
          say(`wrote ${o.out}: ${grid.width}x${grid.height} PNG`);
        }
      } finally {
        await g.dispose();
      }
    });
  addReliabilityHelp(cmd);
}

/**
 * The PNG grid's size, known before any image is made (gridLayout and renderGrid's padding of 2):
 * a grid over MAX_GRID_PIXELS is refused (exit 2) instead of generating every image first and
 * then failing to allocate it.
 */
export function checkGridSize(labels: number[], cols: number | undefined, scale: number, imageSize: number): void {
  const pad = 2;
  const g = gridLayout(labels.length, labels, cols);
  const width = g.cols * imageSize * scale + (g.cols + 1) * pad;
  const height = g.rows * imageSize * scale + (g.rows + 1) * pad;
  if (width * height <= MAX_GRID_PIXELS) return;
  const mp = (n: number) => `${(n / 1e6).toFixed(1)} megapixels`;
  throw new UsageError(
    `--out: the grid would be ${width}x${height} pixels (${mp(width * height)}); a PNG grid may have at most ` +
      `${mp(MAX_GRID_PIXELS)}: lower --scale or --count, choose --cols, or write --raw instead`,
  );
}
