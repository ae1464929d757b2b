/**
 * `cgan noise`: writes the noise file `cgan generate --noise FILE` reads. The format is raw little-endian float32,
 * [images, zDim], row-major, no header (runtime/node.ts readNoiseFile); the values are the ones `--seed` draws
 * (runtime/random.ts noiseFromSeed), so `noise --seed S` then `generate --noise` gives `generate --seed S`'s images,
 * and a file edited or written by any other program works the same way.
 */
import type { Command } from 'commander';
import { MAX_IMAGES_PER_REQUEST } from '../runtime/limits.ts';
import { checkOutputs, writeOutput } from '../export/outputs.ts';
import { DEFAULT_MODEL, modelOrDefault } from './default-model.ts';
import { addReliabilityHelp } from './help.ts';
import { int } from './parse.ts';

/** Float32 little-endian bytes, whatever this machine's byte order. */
export function encodeNoise(noise: Float32Array): Uint8Array {
  const out = new Uint8Array(noise.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < noise.length; i++) view.setFloat32(i * 4, noise[i], true);
  return out;
}

export function register(program: Command): void {
  const cmd = program
    .command('noise')
    .description('write a noise file for `cgan generate --noise` (raw float32 little-endian, [images, zDim])')
    .argument('[model]', `the .onnx whose z size to use (default ${DEFAULT_MODEL})`)
    .requiredOption('--out <file>', 'the file to write')
    .option(
      '--count <n>',
      'images (rows): labels x count of the generate it is for',
      int('--count', 1, MAX_IMAGES_PER_REQUEST),
      1,
    )
    .option('--seed <n>', 'draw the values `cgan generate --seed N` draws', int('--seed', 0, 0xffffffff), 0)
    .option('--z-dim <n>', "the noise size, instead of reading it from a model's metadata", int('--z-dim', 1, 65536))
    .option('--force', 'replace an existing .onnx or .safetensors at --out')
    .action(
      async (
        modelArg: string | undefined,
        o: { out: string; count: number; seed: number; zDim?: number; force?: boolean },
      ) => {
        const { noiseFromSeed } = await import('../runtime/random.ts');
        let zDim = o.zDim;
        if (zDim === undefined) {
          const model = modelOrDefault(modelArg);
          const { readModelFile } = await import('../runtime/files.ts');
          const { readModelInfo } = await import('../runtime/model-info.ts');
          zDim = readModelInfo(await readModelFile(model), model).zDim;
        }
        await checkOutputs([{ file: o.out, flag: '--out' }], { inputs: modelArg ? [modelArg] : [], force: o.force });
        await writeOutput(o.out, encodeNoise(noiseFromSeed(o.seed, o.count, zDim)), '--out');
        console.log(
          `wrote ${o.out}: float32 little-endian [${o.count}, ${zDim}], seed ${o.seed} (${o.count * zDim * 4} bytes)`,
        );
      },
    );
  addReliabilityHelp(cmd, ['exit', 'outputs']);
}
