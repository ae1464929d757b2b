/**
 * `cgan export`: checkpoint -> .onnx, then a parity check against the tfjs generator. The file is
 * written to a temporary name and renamed only once the check passes, so a failed export never
 * leaves a bad model behind under the requested name.
 */
import { BadFileError } from '../runtime/errors.ts';
import { checkOutputs, writeOutput } from './outputs.ts';
import { checkpointNote, firstNonFinite, readCheckpoint, checkpointPath } from '../train/checkpoint.ts';
import { EMA_PREFIX, hasWeightAverage } from '../train/ema.ts';
import { packageRootOf } from '../train/package-root.ts';
import { generatorTensorNames } from '../runtime/generator-contract.ts';
import { buildGeneratorOnnx, type WeightTensor } from './onnx-generator.ts';
import { checkParity, FP16_LIMIT, PARITY_LIMIT, type ParityReport } from './parity.ts';

export interface ExportOptions {
  out: string;
  /** Also write `<out>.fp16.onnx` with float16 weights. */
  fp16?: boolean;
  /**
   * Which generator weights to export: `ema` (the run's weight average, train/ema.ts) or `raw` (the
   * last training iterate). Default: `ema` when the checkpoint has it, else `raw`.
   */
  weights?: WeightChoice;
  /**
   * Replace existing files at `out` (and its .fp16.onnx); without it they are refused, also when
   * another process creates one while this export runs (the file is created exclusively).
   */
  force?: boolean;
  /** The flag that named `out`, for messages (`--triton` when the repository's model.onnx is the output). */
  flag?: string;
  /** Override the parity limit (tests). */
  limit?: number;
  log?: (line: string) => void;
}

export type WeightChoice = 'ema' | 'raw';

export interface ExportResult {
  file: string;
  /** The weights that were exported. */
  weights: WeightChoice;
  bytes: number;
  metadata: Record<string, string>;
  parity: ParityReport;
  fp16?: { file: string; bytes: number; parity: ParityReport };
}

export function packageVersion(): string {
  // The repository's from the sources, @cgan-onnx/train's once compiled into it (the same, released in lockstep).
  return packageRootOf(import.meta.url).version;
}

export function fp16Path(out: string): string {
  return out.endsWith('.onnx') ? `${out.slice(0, -'.onnx'.length)}.fp16.onnx` : `${out}.fp16.onnx`;
}

export function formatParity(p: ParityReport, label: string): string {
  const rows = p.rows.map((r) => `batch ${r.batch}: ${r.maxAbsDiff.toExponential(2)}`).join(', ');
  return (
    `${label} parity, tfjs ${p.reference} vs onnxruntime-node ${p.device}, ` +
    `max abs diff ${p.maxAbsDiff.toExponential(2)} (${rows}); limit ${p.limit.toExponential(0)}: ` +
    `${p.ok ? 'OK' : 'FAILED'}`
  );
}

export async function exportGenerator(run: string, opts: ExportOptions): Promise<ExportResult> {
  const log = opts.log ?? (() => {});
  // Before any work: never over the checkpoint itself, an existing model only with --force.
  const outputs = [
    { file: opts.out, flag: opts.flag ?? '--out' },
    ...(opts.fp16 ? [{ file: fp16Path(opts.out), flag: '--fp16 (writes)' }] : []),
  ];
  await checkOutputs(outputs, {
    inputs: [checkpointPath(run)],
    force: opts.force,
    anyExisting: true,
    createDirs: true,
  });
  const ckpt = await readCheckpoint(run);
  const note = checkpointNote(ckpt, checkpointPath(run));
  if (note) log(note);
  const { arch, dataset } = ckpt.config;
  const names = generatorTensorNames(arch);
  const hasEma = hasWeightAverage(ckpt.tensors, names);
  const choice: WeightChoice = opts.weights ?? (hasEma ? 'ema' : 'raw');
  if (choice === 'ema' && !hasEma) {
    throw new BadFileError(
      `${checkpointPath(run)} has no generator weight average (it was trained with --ema-decay 0, ` +
        `or by an older build): export it with --weights raw`,
    );
  }
  const prefix = choice === 'ema' ? EMA_PREFIX : '';
  const weights: Record<string, WeightTensor> = {};
  for (const name of names) {
    const t = ckpt.tensors[prefix + name];
    if (!t)
      throw new BadFileError(
        `${checkpointPath(run)} has no tensor ${name}: not a generator checkpoint of this project`,
      );
    if (!(t.data instanceof Float32Array))
      throw new BadFileError(`${checkpointPath(run)}: tensor ${name} is not float32`);
    weights[name] = { shape: t.shape, data: t.data };
  }
  // A NaN here is the run's (it diverged before this save), not the exporter's: say so before parity blames export.
  const bad = firstNonFinite(
    Object.fromEntries(Object.entries(weights).map(([k, t]) => [prefix + k, { dtype: 'F32' as const, ...t }])),
  );
  if (bad) {
    throw new BadFileError(
      `${checkpointPath(run)}: ${bad} is not finite: the run had diverged when this checkpoint was saved; ` +
        'export an earlier checkpoint (or --weights raw/ema, whichever is finite)',
    );
  }
  const classNames =
    dataset?.classNames?.length === arch.numClasses
      ? dataset.classNames
      : Array.from({ length: arch.numClasses }, (_, i) => String(i));
  const prov = {
    classNames,
    producerVersion: packageVersion(),
    step: ckpt.state?.step ?? null,
    dataset: dataset?.name ?? null,
    extra: {
      epoch: String(ckpt.state?.epoch ?? ''),
      generator_steps: String(ckpt.state?.generatorSteps ?? ''),
      seed: String(ckpt.config.seed ?? ''),
      weights: choice === 'ema' ? `ema (decay ${ckpt.config.hyper?.emaDecay})` : 'raw',
    },
  };

  const { bytes, metadata } = buildGeneratorOnnx(weights, arch, prov);
  const parity = await checkParity(bytes, weights, arch, { limit: opts.limit ?? PARITY_LIMIT });
  log(formatParity(parity, 'float32'));
  if (!parity.ok) {
    throw new Error(
      `export failed its parity check: the ONNX model differs from the tfjs generator by ` +
        `${parity.maxAbsDiff.toExponential(2)} (limit ${parity.limit.toExponential(0)}); ` +
        `nothing was written to ${opts.out}. ` +
        `This is a bug in the exporter: please report it with the checkpoint`,
    );
  }
  await writeOutput(opts.out, bytes, opts.flag ?? '--out', !opts.force);
  const result: ExportResult = { file: opts.out, weights: choice, bytes: bytes.length, metadata, parity };

  if (opts.fp16) {
    const half = buildGeneratorOnnx(weights, arch, prov, { fp16: true });
    const p16 = await checkParity(half.bytes, weights, arch, { limit: FP16_LIMIT });
    log(formatParity(p16, 'float16-weights'));
    const file = fp16Path(opts.out);
    if (!p16.ok)
      throw new Error(
        `the float16 variant differs from the tfjs generator by ${p16.maxAbsDiff.toExponential(2)} (limit ` +
          `${FP16_LIMIT}); ${file} was not written`,
      );
    await writeOutput(file, half.bytes, '--fp16', !opts.force);
    result.fp16 = { file, bytes: half.bytes.length, parity: p16 };
  }
  return result;
}
