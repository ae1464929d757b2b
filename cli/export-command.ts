/** `cgan export`: checkpoint -> .onnx, with a parity report against the tfjs generator. */
import { Command, Option } from 'commander';
import { addReliabilityHelp } from './help.ts';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { MODEL_NAME, SERVE_DEFAULTS, modelNameOf } from '../serve/defaults.ts';
import { BadFileError, RefusedError } from '../runtime/errors.ts';
import { UsageError } from './errors.ts';
import { int } from './parse.ts';
import { loadTraining } from './training.ts';

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description('export the generator of a training run to ONNX; checks it against tfjs and fails if they differ')
    .argument(
      '<run>',
      'run directory written by `cgan train --out DIR`, or its checkpoint.safetensors; ' +
        'or an exported .onnx with --triton (no training package needed)',
    )
    .option('--out <file>', 'the .onnx file to write (may be left out with --triton)')
    .option('--triton <dir>', 'also write a Triton model repository: DIR/NAME/config.pbtxt, DIR/NAME/1/model.onnx')
    .option('--name <name>', 'model name in the Triton repository (default: the --out file name, else the run name)')
    .option('--max-batch <n>', "Triton's max_batch_size", int('--max-batch', 1, 65536), SERVE_DEFAULTS.maxBatch)
    .option('--fp16', 'also write <out>.fp16.onnx with float16 weights (inputs, outputs and compute stay float32)')
    .addOption(
      new Option(
        '--weights <which>',
        "generator weights: the run's weight average (ema) or the last iterate (raw); " +
          'default ema when the checkpoint has it',
      ).choices(['ema', 'raw']),
    )
    .option('--force', 'replace existing files at --out (and its .fp16.onnx), or an existing Triton entry')
    .action(async (run: string, o: ExportOpts) => {
      const triton = o.triton ? await tritonTarget(run, o) : null;
      if (run.endsWith('.onnx')) return tritonFromOnnx(run, o, triton);
      if (!o.out && !triton) throw new UsageError('nothing to write: pass --out FILE.onnx and/or --triton DIR');
      const { exportGenerator } = await loadTraining('cgan export RUN');
      const t0 = performance.now();
      const out = o.out ?? (triton as { model: string }).model;
      const r = await exportGenerator(run, {
        out,
        fp16: o.fp16,
        weights: o.weights,
        force: o.force,
        flag: o.out ? '--out' : '--triton',
        log: (l) => console.log(l),
      });
      const m = r.metadata;
      console.log(
        `wrote ${r.file} (${(r.bytes / 1e6).toFixed(2)} MB): ${m.num_classes} classes, z ${m.z_dim}, ` +
          `step ${m['checkpoint.step'] || '?'}, ${m['checkpoint.weights']} weights, ` +
          `sha256 ${m.weights_sha256.slice(0, 16)}...`,
      );
      if (r.fp16)
        console.log(
          `wrote ${r.fp16.file} (${(r.fp16.bytes / 1e6).toFixed(2)} MB), float16 weights, ` +
            `max abs diff ${r.fp16.parity.maxAbsDiff.toExponential(2)}`,
        );
      if (triton && o.triton) {
        const { readFile } = await import('node:fs/promises');
        const { writeTritonRepository } = await import('../serve/triton.ts');
        const t = await writeTritonRepository(o.triton, triton.name, await readFile(r.file), {
          maxBatch: o.maxBatch,
          force: o.force,
        });
        const files = [t.config, t.model].map((f) => path.relative(o.triton as string, f)).join(', ');
        console.log(`wrote Triton model repository ${o.triton}: ${files}`);
      }
      console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    });
  addReliabilityHelp(cmd, ['exit', 'outputs']);
}

/**
 * `cgan export MODEL.onnx --triton DIR`: an already exported model into a Triton repository. Inference work, so it
 * runs without the training package: the model is checked (a generator of ours, weights hash) and copied.
 */
async function tritonFromOnnx(model: string, o: ExportOpts, triton: { name: string } | null): Promise<void> {
  if (!triton || !o.triton)
    throw new UsageError(`${model} is already an .onnx: pass --triton DIR to put it in a Triton repository`);
  for (const flag of ['out', 'fp16', 'weights'] as const) {
    if (o[flag] !== undefined) throw new UsageError(`--${flag} applies to exporting a training run, not to an .onnx`);
  }
  const { readModelFile } = await import('../runtime/files.ts');
  const { readModel } = await import('../runtime/model-info.ts');
  const { verifyWeights } = await import('../runtime/weights-hash.ts');
  const { writeTritonRepository } = await import('../serve/triton.ts');
  const bytes = await readModelFile(model);
  await verifyWeights(readModel(bytes, model), model);
  const t = await writeTritonRepository(o.triton, triton.name, bytes, { maxBatch: o.maxBatch, force: o.force });
  const files = [t.config, t.model].map((f) => path.relative(o.triton as string, f)).join(', ');
  console.log(`wrote Triton model repository ${o.triton}: ${files}`);
}

interface ExportOpts {
  out?: string;
  fp16?: boolean;
  weights?: 'ema' | 'raw';
  triton?: string;
  name?: string;
  maxBatch: number;
  force?: boolean;
}

/** The Triton entry's name and paths, checked before the (slow) export runs. */
async function tritonTarget(run: string, o: ExportOpts) {
  const { tritonPaths } = await import('../serve/triton.ts');
  const runDir = run.endsWith('.safetensors') ? path.dirname(path.resolve(run)) : path.resolve(run);
  const fromOnnx = run.endsWith('.onnx') ? modelNameOf(run) : undefined;
  const name = o.name ?? (o.out ? modelNameOf(o.out) : (fromOnnx ?? path.basename(runDir)));
  if (!MODEL_NAME.test(name)) {
    throw new UsageError(`model name "${name}" is not usable by Triton: pass --name with letters, digits, _ . or -`);
  }
  const dir = o.triton as string;
  if (dir === '-') throw new UsageError('--triton -: a Triton repository is a directory; give its path');
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new BadFileError(`--triton ${dir} is a file, not a directory; give the model repository's directory`);
  const paths = tritonPaths(dir, name);
  for (const f of [paths.config, paths.model]) {
    if (existsSync(f) && !o.force) {
      throw new RefusedError(`${f} exists: pass --force to replace it, or pick another --name or --triton`);
    }
  }
  return { name, ...paths };
}
