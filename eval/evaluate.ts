/**
 * `cgan eval`'s measurements. A generator is judged by an evaluation classifier trained on its data
 * (eval/classifier.ts; the committed one for MNIST), beside what real images score (eval/reference.ts):
 *
 * - conditional accuracy: the share of samples drawn for class c that the classifier reads as c,
 *   overall and per class (equal samples per class, seeded noise);
 * - Frechet distance between Gaussians of the classifier's penultimate features of the samples and
 *   of the held-out real images;
 * - precision, recall, density and coverage of the samples against the held-out images in the same
 *   features (eval/manifold.ts).
 */
import { BadFileError, BadRequestError } from '../runtime/errors.ts';
import type { Device } from '../runtime/devices.ts';
import { repeatLabels } from '../runtime/labels.ts';
import type { ModelInfo } from '../runtime/model-info.ts';
import { nodeRuntime } from '../export/node-runtime.ts';
import { classifyBatches, imageValues, nchwToNhwc, type Classifier } from './classifier.ts';
import { displayPath } from '../runtime/display-path.ts';
import { featureStats, frechetDistance } from './frechet.ts';
import { manifoldScores, type ManifoldScores } from './manifold.ts';
import { accuracy, type Accuracy } from './metrics.ts';
import { points, type DotProducts } from './pairwise.ts';
import {
  checkSamples,
  classNamesOf,
  computeReference,
  resolveClassifier,
  type Reference,
  type ReferenceOptions,
} from './reference.ts';
import { tfDots } from './tf-dots.ts';

export { computeReference, DEFAULT_SAMPLES, type Reference } from './reference.ts';
export { displayPath };

export interface EvalOptions extends Omit<ReferenceOptions, 'k'> {
  /** Samples to generate, a multiple of the class count (default: 10000 split equally, as the data allows). */
  samples?: number;
  seed?: number;
  device?: Device;
  fallback?: boolean;
  /** Check the weights against the sha256 stored at export (default true; the CLI's --no-verify). */
  verify?: boolean;
  /** Classifier, or its directory/file (default: the committed models/classifier). */
  classifier?: Classifier | string;
  /** A reference computed earlier with the same sample count (skips recomputing it). */
  reference?: Reference;
  /** Nearest neighbour of the manifold balls (default 3; a given reference's k wins). */
  k?: number;
  batchSize?: number;
}

/** The generated set's numbers. `predicted[c]`: samples read as class c (all in one class: mode collapse). */
export interface Generated {
  count: number;
  perClass: number;
  accuracy: Accuracy;
  fd: number;
  predicted: number[];
  manifold?: ManifoldScores;
}

export interface EvalReport {
  model: {
    file: string;
    weightsHash: string;
    /** Whether the weights were checked against weightsHash when loaded. */
    verified: boolean;
    step: number | null;
    dataset: string | null;
    device: string;
    numClasses: number;
    imageSize: number;
    channels: number;
  };
  classifier: { file: string; testAccuracy: number | null; dataset: string | null };
  seed: number;
  generated: Generated;
  reference: Reference;
  seconds: { generate: number; classify: number; total: number };
}

/** Shapes in messages: "28x28x1 images of 10 classes (0, 1, ..., 9)". */
function describe(size: number, channels: number, names: string[]): string {
  const shown = names.length <= 6 ? names.join(', ') : `${names.slice(0, 5).join(', ')}, ..., ${names.at(-1)}`;
  return `${size}x${size}x${channels} images of ${names.length} classes (${shown})`;
}

/** Refuses a classifier that cannot judge this generator, naming both. */
export function checkMatch(info: ModelInfo, c: Classifier, file: string): void {
  const names = classNamesOf(c);
  const channels = info.channels;
  const cfile = displayPath(c.file);
  const fix = 'train a classifier on the data the model was trained on (`cgan classifier train --data PATH --out DIR`)';
  const sameShape = info.imageSize === c.arch.imageSize && channels === c.arch.channels;
  const sameNames = info.classNames.length === names.length && info.classNames.every((n, i) => n === names[i]);
  if (!sameShape || !sameNames)
    throw new BadFileError(
      `${file} generates ${describe(info.imageSize, channels, info.classNames)} but the classifier ${cfile} ` +
        `takes ${describe(c.arch.imageSize, c.arch.channels, names)}; ${fix} and pass --classifier DIR`,
    );
  const cds = c.metadata.dataset ?? null;
  if (info.dataset && cds && info.dataset !== cds)
    throw new BadFileError(
      `${file} was trained on ${info.dataset} but the classifier ${cfile} on ${cds}; ${fix} and pass --classifier DIR`,
    );
}

/** Scores generated NCHW images (`labels`: the class each was drawn for) against a reference. */
export function scoreSamples(
  c: Classifier,
  reference: Reference,
  images: { data: Float32Array; count: number; channels: number; height: number },
  labels: ArrayLike<number>,
  o: { manifold?: boolean; dots?: DotProducts } = {},
): Generated {
  const nc = c.arch.numClasses;
  const px = imageValues(c.arch);
  if (images.count !== labels.length || images.data.length !== images.count * px)
    throw new Error(
      `scoreSamples: ${images.count} images of ${images.data.length / images.count} values, ` +
        `${labels.length} labels; the classifier takes ${px} values an image`,
    );
  const r = classifyBatches(c, images.count, (start, n) =>
    nchwToNhwc(images.data.subarray(start * px, (start + n) * px), n, images.channels, images.height),
  );
  const predicted = new Array<number>(nc).fill(0);
  for (const p of r.predictions) predicted[p]++;
  const t = reference.test;
  const manifold =
    o.manifold !== false && t.features && t.radii && reference.k !== null
      ? manifoldScores(t.features, points(r.features, r.dim), {
          k: reference.k,
          realRadii: t.radii,
          dots: o.dots ?? tfDots,
        })
      : undefined;
  return {
    count: images.count,
    perClass: images.count / nc,
    accuracy: accuracy(r.predictions, labels, nc),
    fd: frechetDistance(featureStats(r.features, r.dim), t.stats),
    predicted,
    manifold,
  };
}

/** Evaluates an exported generator (.onnx path or bytes). */
export async function evaluateGenerator(model: string | Uint8Array, o: EvalOptions = {}): Promise<EvalReport> {
  const t0 = performance.now();
  const seed = o.seed ?? 0;
  const c = await resolveClassifier(o.classifier);
  const verify = o.verify ?? true;
  const { Generator } = await nodeRuntime();
  const g = await Generator.load(model, { device: o.device ?? 'auto', fallback: o.fallback, verify });
  try {
    const info = g.info;
    const file = typeof model === 'string' ? model : '(bytes)';
    checkMatch(info, c, file);
    if (o.samples !== undefined) checkSamples(o.samples, info.numClasses);
    if (o.reference && o.samples !== undefined && o.reference.real.count !== o.samples) {
      throw new BadRequestError(
        `the reference given was computed for ${o.reference.real.count} samples, not ${o.samples}; ` +
          `compute it with the same count`,
      );
    }
    const reference = o.reference ?? (await computeReference(c, o.samples, o));
    const labels = repeatLabels(
      Array.from({ length: info.numClasses }, (_, i) => i),
      reference.real.perClass,
    );
    const images = await g.generate({ labels, seed, batchSize: o.batchSize });
    const tGen = images.ms / 1000;
    o.log?.(`generated ${images.count} samples on ${images.device} in ${tGen.toFixed(1)} s`);
    const t1 = performance.now();
    const generated = scoreSamples(c, reference, images, labels, o);
    const tCls = (performance.now() - t1) / 1000;
    return {
      model: {
        file,
        weightsHash: info.weightsHash,
        verified: verify,
        step: info.step,
        dataset: info.dataset,
        device: images.device,
        numClasses: info.numClasses,
        imageSize: info.imageSize,
        channels: info.channels,
      },
      classifier: {
        file: c.file,
        testAccuracy: c.metadata.test_accuracy ? Number(c.metadata.test_accuracy) : null,
        dataset: c.metadata.dataset ?? null,
      },
      seed,
      generated,
      reference,
      seconds: { generate: tGen, classify: tCls, total: (performance.now() - t0) / 1000 },
    };
  } finally {
    await g.dispose();
  }
}

export { reportJson } from './report.ts';
