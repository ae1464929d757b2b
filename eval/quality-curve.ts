/**
 * Time to quality: follows a training run and, each time its checkpoint has advanced by
 * `--every` critic steps, exports it and measures it with `cgan eval`'s metrics, appending one line
 * per measurement to `RUN/quality.jsonl`, then redraws `RUN/quality.svg/png` (accuracy and Frechet
 * distance against steps and training hours). Runs that keep a generator weight average are
 * measured twice per point: the average (what export ships) and the last iterate. Run it beside `cgan train`:
 *
 *   node --import tsx eval/quality-curve.ts runs/mnist-default [--every 1000] [--samples 2000] [--once]
 *
 * It reads the checkpoint through its file format only (the trainer renames new checkpoints into
 * place atomically, so a read never sees half a file).
 */
import { Command } from 'commander';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportGenerator, type WeightChoice } from '../export/export.ts';
import { generatorTensorNames } from '../runtime/generator-contract.ts';
import { hasWeightAverage } from '../train/ema.ts';
import { selectBackend } from '../train/backend.ts';
import { writeChart } from '../train/chart.ts';
import { readCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { loadClassifier } from './classifier.ts';
import { computeReference, evaluateGenerator, type Reference } from './evaluate.ts';

export interface QualityPoint {
  step: number;
  epoch: number;
  /** Training seconds at that checkpoint (across resumes). */
  seconds: number;
  samples: number;
  accuracy: number;
  perClass: number[];
  fd: number;
  referenceFd: number;
  /** Which generator weights were measured (absent in points recorded before averaging existed: raw). */
  weights?: WeightChoice;
}

export async function readQuality(file: string): Promise<QualityPoint[]> {
  if (!existsSync(file)) return [];
  return (await fs.readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as QualityPoint);
}

/** The bar the default model is held to (models/README.md), drawn as flat lines on the accuracy panels. */
export const QUALITY_BAR = { accuracy: 0.97, worstClass: 0.93 };

/**
 * Accuracy (top) and Frechet distance (bottom), each against critic steps (left) and training
 * hours (right), with the bar and 2x the real-data reference as flat lines.
 */
export function qualitySpec(points: QualityPoint[], title: string): object {
  // Label lines by weights only when the curve holds both kinds.
  const both = new Set(points.map((p) => p.weights ?? 'raw')).size > 1;
  const tag = (p: QualityPoint) => (both ? ` (${p.weights === 'ema' ? 'weight average' : 'last iterate'})` : '');
  const rows = points.flatMap((p) => {
    const at = { step: p.step, hours: p.seconds / 3600 };
    const refs =
      p.weights === 'ema'
        ? []
        : [
            { ...at, metric: `bar: accuracy ${QUALITY_BAR.accuracy}`, value: QUALITY_BAR.accuracy, panel: 'accuracy' },
            {
              ...at,
              metric: `bar: every class ${QUALITY_BAR.worstClass}`,
              value: QUALITY_BAR.worstClass,
              panel: 'accuracy',
            },
            { ...at, metric: '2x real-data reference', value: 2 * p.referenceFd, panel: 'fd' },
          ];
    return [
      { ...at, metric: `conditional accuracy${tag(p)}`, value: p.accuracy, panel: 'accuracy' },
      { ...at, metric: `worst class accuracy${tag(p)}`, value: Math.min(...p.perClass), panel: 'accuracy' },
      { ...at, metric: `Frechet distance${tag(p)}`, value: p.fd, panel: 'fd' },
      ...refs,
    ];
  });
  const panel = (name: string, x: 'step' | 'hours', yTitle: string, scale: object) => ({
    width: 420,
    height: 220,
    transform: [{ filter: `datum.panel === '${name}'` }],
    mark: { type: 'line', point: { size: 16 } },
    encoding: {
      x: { field: x, type: 'quantitative', title: x === 'step' ? 'critic steps' : 'training hours' },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale },
      color: { field: 'metric', type: 'nominal', legend: { orient: 'right', title: null, labelLimit: 0 } },
      // Targets and references dashed, measurements solid.
      strokeDash: {
        condition: { test: "indexof(datum.metric, 'bar:') === 0 || indexof(datum.metric, '2x') === 0", value: [5, 4] },
        value: [1, 0],
      },
    },
  });
  // One colour scale (and legend) per row, shared by its steps and hours panels.
  const row = (name: string, yTitle: string, scale: object) => ({
    hconcat: [panel(name, 'step', yTitle, scale), panel(name, 'hours', yTitle, scale)],
    resolve: { scale: { color: 'shared' } },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${title} (${points[0]?.samples ?? '?'} samples per point)`,
    data: { values: rows },
    vconcat: [
      row('accuracy', 'share read as its label', { domain: [0, 1] }),
      row('fd', 'Frechet distance (log)', { type: 'log' }),
    ],
    resolve: { scale: { color: 'independent' } },
    config: { font: 'DejaVu Sans' },
  };
}

async function drawQuality(dir: string, points: QualityPoint[]): Promise<void> {
  await writeChart(qualitySpec(points, `Time to quality: ${path.basename(path.resolve(dir))}`), dir, 'quality');
}

/** Measures one weight kind of `file`, whose decoded contents `ck` supply the step and time. */
export async function measure(
  file: string,
  ck: Checkpoint,
  weights: WeightChoice,
  samples: number,
  reference: Reference,
  classifier: Awaited<ReturnType<typeof loadClassifier>>,
): Promise<QualityPoint> {
  const tmp = path.join(os.tmpdir(), `cgan-quality-${process.pid}.onnx`);
  // The export's own parity check runs too: a curve point is only taken from a verified model.
  await exportGenerator(file, { out: tmp, weights, log: () => undefined });
  const r = await evaluateGenerator(tmp, { samples, classifier, reference, log: () => undefined });
  await fs.rm(tmp, { force: true });
  return {
    step: ck.state.step,
    epoch: ck.state.epoch + ck.state.batchInEpoch / Math.floor(ck.config.dataset.count / ck.config.hyper.batchSize),
    seconds: ck.state.wallSeconds,
    samples,
    accuracy: r.generated.accuracy.overall,
    perClass: r.generated.accuracy.perClass,
    fd: r.generated.fd,
    referenceFd: reference.real.fd,
    weights,
  };
}

async function main(): Promise<void> {
  const o = new Command('quality-curve')
    .argument('<run>', 'run directory written by `cgan train --out`')
    .option('--every <steps>', 'measure when the checkpoint has advanced this many critic steps', '1000')
    .option('--samples <n>', 'samples per measurement (multiple of 10)', '2000')
    .option('--once', 'measure the current checkpoint and exit')
    .parse();
  const [run] = o.args;
  const opts = o.opts<{ every: string; samples: string; once?: boolean }>();
  const samples = Number(opts.samples);
  const file = path.join(run, 'quality.jsonl');
  await selectBackend('auto');
  const classifier = await loadClassifier();
  const reference = await computeReference(classifier, samples);
  let last = (await readQuality(file)).at(-1)?.step ?? -Infinity;
  for (;;) {
    const step = existsSync(path.join(run, 'checkpoint.safetensors')) ? (await readCheckpoint(run)).state.step : -1;
    if (step >= 0 && (opts.once || step - last >= Number(opts.every))) {
      // Both the weight average (what export ships) and the last iterate, when the run keeps an average.
      // A snapshot, so both measurements see the same step while the trainer keeps saving.
      const snapshot = path.join(os.tmpdir(), `cgan-quality-${process.pid}.safetensors`);
      await fs.copyFile(path.join(run, 'checkpoint.safetensors'), snapshot);
      const ck = await readCheckpoint(snapshot);
      const kinds: WeightChoice[] = hasWeightAverage(ck.tensors, generatorTensorNames(ck.config.arch))
        ? ['ema', 'raw']
        : ['raw'];
      for (const weights of kinds) {
        const p = await measure(snapshot, ck, weights, samples, reference, classifier);
        await fs.appendFile(file, JSON.stringify(p) + '\n');
        last = p.step;
        console.log(
          `step ${p.step} (${(p.seconds / 3600).toFixed(2)} h), ${weights}: accuracy ${p.accuracy.toFixed(3)}, ` +
            `worst class ${Math.min(...p.perClass).toFixed(3)}, ` +
            `Frechet ${p.fd.toFixed(1)} (2x reference ${(2 * p.referenceFd).toFixed(1)})`,
        );
      }
      await fs.rm(snapshot, { force: true });
      await drawQuality(run, await readQuality(file));
    }
    if (opts.once) return;
    await new Promise((r) => setTimeout(r, 60_000));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
