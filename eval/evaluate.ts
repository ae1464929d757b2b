/**
 * `cgan eval`'s measurements. A generator is judged by the project's classifier (eval/classifier.ts):
 *
 * - conditional accuracy: the share of samples drawn for label c that the classifier reads as c,
 *   overall and per class (equal samples per class, seeded noise);
 * - Frechet distance between the Gaussians of the classifier's penultimate features of the
 *   samples and of the real test set.
 *
 * The reference is what real data scores: the classifier's accuracy on the test set, and the
 * Frechet distance of a class-balanced subset of the training set of the same size as the samples
 * (what a perfect generator of the training distribution would give, finite-sample bias included).
 * A reference can be computed once and passed to several evaluations of the same sample count.
 */
import { batchImages, loadDataset, type Dataset } from '../train/data.ts';
import type { Device } from '../runtime/devices.ts';
import { repeatLabels } from '../runtime/labels.ts';
import { nodeRuntime } from '../export/node-runtime.ts';
import { classify, loadClassifier, type Classifier } from './classifier.ts';
import { featureStats, frechetDistance, type FeatureStats } from './frechet.ts';
import { displayPath } from './display-path.ts';
import { accuracy, type Accuracy } from './metrics.ts';

export { displayPath };

export interface Reference {
  /** The real test set (or its first `testCount` images). */
  test: { count: number; accuracy: Accuracy; stats: FeatureStats };
  /** Class-balanced training images, as many as the samples. */
  real: { count: number; perClass: number; accuracy: Accuracy; fd: number; source: string };
  seconds: number;
}

export interface EvalOptions {
  /** Samples to generate, a multiple of the class count (default 10000). */
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
  /** Use only the first N test images (tests). */
  testLimit?: number;
  /** IDX directory (default: bundled MNIST). */
  dataDir?: string;
  batchSize?: number;
  log?: (line: string) => void;
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
  };
  classifier: { file: string; testAccuracy: number | null; dataset: string | null };
  seed: number;
  /** `predicted[c]`: samples the classifier read as class c (all in one class: mode collapse). */
  generated: { count: number; perClass: number; accuracy: Accuracy; fd: number; predicted: number[] };
  reference: Reference;
  seconds: { generate: number; classify: number; total: number };
}

export const DEFAULT_SAMPLES = 10000;

async function resolveClassifier(c: Classifier | string | undefined): Promise<Classifier> {
  return c === undefined ? loadClassifier() : typeof c === 'string' ? loadClassifier(c) : c;
}

function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The first `perClass` training images of each class, in file order, grouped by class. */
function balancedIndices(ds: Dataset, numClasses: number, perClass: number): number[] {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < ds.count; i++) {
    const l = ds.labels[i];
    if (byClass[l].length < perClass) byClass[l].push(i);
  }
  const short = byClass.findIndex((ix) => ix.length < perClass);
  if (short >= 0)
    throw new Error(
      `the training set has only ${byClass[short].length} images of class ${short}; ` +
        `a reference of ${perClass} per class needs more: use fewer --samples`,
    );
  return byClass.flat();
}

export async function computeReference(
  classifier: Classifier | string | undefined,
  samples: number,
  o: Pick<EvalOptions, 'testLimit' | 'dataDir' | 'log'> = {},
): Promise<Reference> {
  const c = await resolveClassifier(classifier);
  const nc = c.arch.numClasses;
  checkSamples(samples, nc);
  const t0 = performance.now();
  const test = await loadDataset({ dir: o.dataDir, split: 'test', limit: o.testLimit });
  const rt = classify(c, batchImages(test, allIndices(test.count)), test.count);
  const testStats = featureStats(rt.features, rt.dim);
  const train = await loadDataset({ dir: o.dataDir, split: 'train' });
  const perClass = samples / nc;
  const idx = balancedIndices(train, nc, perClass);
  const rr = classify(c, batchImages(train, idx), idx.length);
  const ref: Reference = {
    test: { count: test.count, accuracy: accuracy(rt.predictions, test.labels, nc), stats: testStats },
    real: {
      count: idx.length,
      perClass,
      accuracy: accuracy(
        rr.predictions,
        Array.from(idx, (i) => train.labels[i]),
        nc,
      ),
      fd: frechetDistance(featureStats(rr.features, rr.dim), testStats),
      source: `the first ${perClass} training images of each class`,
    },
    seconds: (performance.now() - t0) / 1000,
  };
  o.log?.(
    `reference: ${test.count} test images and ${idx.length} training images classified in ${ref.seconds.toFixed(1)} s`,
  );
  return ref;
}

function checkSamples(samples: number, numClasses: number): void {
  if (!Number.isInteger(samples) || samples < numClasses || samples % numClasses !== 0) {
    throw new Error(
      `--samples must be a positive multiple of the class count ${numClasses} (equal samples per class), ` +
        `got ${samples}; e.g. ${numClasses * 1000}`,
    );
  }
  if (samples < 2 * numClasses)
    throw new Error(`--samples ${samples} is too few for a covariance per set; use at least ${2 * numClasses}`);
}

/** Evaluates an exported generator (.onnx path or bytes). */
export async function evaluateGenerator(model: string | Uint8Array, o: EvalOptions = {}): Promise<EvalReport> {
  const t0 = performance.now();
  const samples = o.samples ?? DEFAULT_SAMPLES;
  const seed = o.seed ?? 0;
  const c = await resolveClassifier(o.classifier);
  const verify = o.verify ?? true;
  const { Generator } = await nodeRuntime();
  const g = await Generator.load(model, { device: o.device ?? 'auto', fallback: o.fallback, verify });
  try {
    const info = g.info;
    const file = typeof model === 'string' ? model : '(bytes)';
    if (info.numClasses !== c.arch.numClasses)
      throw new Error(
        `${file} generates ${info.numClasses} classes but the classifier knows ${c.arch.numClasses}; ` +
          `pass --classifier trained on the generator's dataset`,
      );
    if (info.imageSize !== c.arch.imageSize)
      throw new Error(
        `${file} generates ${info.imageSize}x${info.imageSize} images but the classifier takes ` +
          `${c.arch.imageSize}x${c.arch.imageSize}`,
      );
    const cds = c.metadata.dataset ?? null;
    if (info.dataset && cds && info.dataset !== cds) {
      throw new Error(
        `${file} was trained on ${info.dataset} but the classifier on ${cds}; ` +
          `train a classifier on it (\`cgan classifier train --data DIR --out DIR\`) and pass --classifier DIR`,
      );
    }
    checkSamples(samples, info.numClasses);
    if (o.reference && o.reference.real.count !== samples) {
      throw new Error(
        `the reference given was computed for ${o.reference.real.count} samples, not ${samples}; ` +
          `compute it with the same count`,
      );
    }
    const reference = o.reference ?? (await computeReference(c, samples, o));

    const perClass = samples / info.numClasses;
    const labels = repeatLabels(allIndices(info.numClasses), perClass);
    const images = await g.generate({ labels, seed, batchSize: o.batchSize });
    const tGen = images.ms / 1000;
    o.log?.(`generated ${images.count} samples on ${images.device} in ${tGen.toFixed(1)} s`);
    // NCHW with one channel has the same memory layout as the classifier's NHWC.
    const t1 = performance.now();
    const r = classify(c, images.data, images.count);
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
      },
      classifier: {
        file: c.file,
        testAccuracy: c.metadata.test_accuracy ? Number(c.metadata.test_accuracy) : null,
        dataset: cds,
      },
      seed,
      generated: {
        count: images.count,
        perClass,
        accuracy: accuracy(r.predictions, labels, info.numClasses),
        fd: frechetDistance(featureStats(r.features, r.dim), reference.test.stats),
        predicted: histogram(r.predictions, info.numClasses),
      },
      reference,
      seconds: { generate: tGen, classify: tCls, total: (performance.now() - t0) / 1000 },
    };
  } finally {
    await g.dispose();
  }
}

function histogram(predictions: Int32Array, numClasses: number): number[] {
  const h = new Array<number>(numClasses).fill(0);
  for (const p of predictions) h[p]++;
  return h;
}

/** The report as plain JSON numbers (no feature statistics; NaN as null). */
export function reportJson(r: EvalReport): object {
  const acc = (a: Accuracy) => ({
    overall: a.overall,
    perClass: a.perClass.map((x) => (Number.isNaN(x) ? null : x)),
    counts: a.counts,
  });
  return {
    model: { ...r.model, file: displayPath(r.model.file) },
    classifier: { ...r.classifier, file: displayPath(r.classifier.file) },
    seed: r.seed,
    generated: {
      count: r.generated.count,
      perClass: r.generated.perClass,
      conditionalAccuracy: acc(r.generated.accuracy),
      frechetDistance: r.generated.fd,
      predictedCounts: r.generated.predicted,
      frechetAgainst: `${r.reference.test.count} test images`,
    },
    reference: {
      testAccuracy: { count: r.reference.test.count, ...acc(r.reference.test.accuracy) },
      frechetDistance: r.reference.real.fd,
      frechetSet: {
        count: r.reference.real.count,
        source: r.reference.real.source,
        accuracy: r.reference.real.accuracy.overall,
      },
      frechetAgainst: `${r.reference.test.count} test images`,
    },
    featureDim: r.reference.test.stats.dim,
    seconds: r.seconds,
    date: new Date().toISOString(),
  };
}
