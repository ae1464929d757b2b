/**
 * What real images score, beside which `cgan eval` puts a generator's numbers. Two real sets,
 * both from the classifier's own split (eval/real-data.ts):
 *
 * - the held-out images (MNIST: the 10,000 test images): the classifier's accuracy on them, and the
 *   set every Frechet distance and manifold score is measured against;
 * - a class-balanced set of the classifier's training images, as many as the samples (the first
 *   N / classes of each class): its Frechet distance and manifold scores against the held-out
 *   images are what a perfect generator of the data would score, finite-sample bias included.
 *
 * A reference can be computed once and passed to several evaluations of the same sample count.
 */
import { BadRequestError } from '../runtime/errors.ts';
import { loadClassifier, type Classifier } from './classifier.ts';
import { featureStats, frechetDistance, type FeatureStats } from './frechet.ts';
import type { HoldoutDef } from './holdout.ts';
import { DEFAULT_K, knnRadii, manifoldScores, type ManifoldScores } from './manifold.ts';
import { accuracy, type Accuracy } from './metrics.ts';
import { points, type DotProducts, type Points } from './pairwise.ts';
import { classifySubset, loadRealSets, subsetLabels, type RealDataOptions, type Subset } from './real-data.ts';
import { tfDots } from './tf-dots.ts';

export interface Reference {
  /** The classifier's held-out images (or their first `testLimit`). */
  test: {
    count: number;
    accuracy: Accuracy;
    stats: FeatureStats;
    /** How to call them: 'test' (a test split, MNIST's t10k) or 'held-out' (a split of the data). */
    name: 'test' | 'held-out';
    /** Their features and k-NN radii, for the manifold scores (absent when those are off). */
    features?: Points;
    radii?: Float64Array;
  };
  /** Class-balanced training images, as many as the samples. */
  real: {
    count: number;
    perClass: number;
    accuracy: Accuracy;
    fd: number;
    source: string;
    manifold?: ManifoldScores;
  };
  /** The classifier's class names, in class order. */
  classNames: string[];
  split: HoldoutDef;
  /** Where the real images came from. */
  dataSource: string;
  /** Nearest neighbour of the manifold balls; null when the manifold scores are off. */
  k: number | null;
  seconds: number;
}

export interface ReferenceOptions {
  /** Use only the first N held-out images (tests). */
  testLimit?: number;
  /** Data path (default: the classifier's recorded one; bundled MNIST for the committed classifier). */
  dataDir?: string;
  /** The data, already loaded (tests). */
  data?: RealDataOptions['data'];
  /** Precision, recall, density and coverage (default true). */
  manifold?: boolean;
  /** Their nearest neighbour (default 3). */
  k?: number;
  /** The distance product (default: tfjs, on the selected backend). */
  dots?: DotProducts;
  log?: (line: string) => void;
}

/** Default samples: 10,000 rounded down to equal per class, capped by the smallest class's training images. */
export const DEFAULT_SAMPLES = 10000;

export function checkSamples(samples: number, numClasses: number): void {
  if (!Number.isInteger(samples) || samples < numClasses || samples % numClasses !== 0) {
    throw new BadRequestError(
      `--samples must be a positive multiple of the class count ${numClasses} (equal samples per class), ` +
        `got ${samples}; e.g. ${numClasses * Math.max(1, Math.floor(DEFAULT_SAMPLES / numClasses))}`,
    );
  }
  if (samples < 2 * numClasses)
    throw new BadRequestError(
      `--samples ${samples} is too few for a covariance per set; use at least ${2 * numClasses}`,
    );
}

export async function resolveClassifier(c: Classifier | string | undefined): Promise<Classifier> {
  return c === undefined ? loadClassifier() : typeof c === 'string' ? loadClassifier(c) : c;
}

export function classNamesOf(c: Classifier): string[] {
  try {
    const names = JSON.parse(c.metadata.class_names ?? 'null');
    if (Array.isArray(names) && names.length === c.arch.numClasses) return names.map(String);
  } catch {}
  return Array.from({ length: c.arch.numClasses }, (_, i) => String(i));
}

/** Training images per class in the subset. */
function classCounts(s: Subset, numClasses: number): number[] {
  const n = new Array<number>(numClasses).fill(0);
  for (const i of s.idx) n[s.ds.labels[i]]++;
  return n;
}

/** The first `perClass` images of each class of the subset, in its order, grouped by class. */
function balanced(s: Subset, numClasses: number, perClass: number, names: string[]): Subset {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (const i of s.idx) {
    const l = s.ds.labels[i];
    if (byClass[l].length < perClass) byClass[l].push(i);
  }
  const short = byClass.findIndex((ix) => ix.length < perClass);
  if (short >= 0)
    throw new BadRequestError(
      `the training images hold only ${byClass[short].length} of class ${names[short]}; a reference of ` +
        `${perClass} per class needs more: use --samples ${numClasses * byClass[short].length} or fewer`,
    );
  return { ds: s.ds, idx: Int32Array.from(byClass.flat()) };
}

export async function computeReference(
  classifier: Classifier | string | undefined,
  samples: number | undefined,
  o: ReferenceOptions = {},
): Promise<Reference> {
  const c = await resolveClassifier(classifier);
  const nc = c.arch.numClasses;
  const names = classNamesOf(c);
  const t0 = performance.now();
  const sets = await loadRealSets(c, { dataDir: o.dataDir, data: o.data, heldOutLimit: o.testLimit, log: o.log });
  const n = samples ?? nc * Math.min(Math.floor(DEFAULT_SAMPLES / nc), ...classCounts(sets.train, nc));
  checkSamples(n, nc);
  const perClass = n / nc;
  const rt = classifySubset(c, sets.heldOut);
  const testStats = featureStats(rt.features, rt.dim);
  const realSet = balanced(sets.train, nc, perClass, names);
  const rr = classifySubset(c, realSet);
  let k = o.manifold === false ? null : (o.k ?? DEFAULT_K);
  const heldOut = sets.heldOut.idx.length;
  if (k !== null && heldOut <= k) {
    // A ball through the k-th neighbour needs more than k points: a tiny folder's held-out set has not.
    o.log?.(
      `note: precision, recall, density and coverage skipped: ${heldOut} held-out images are too few for ` +
        `k = ${k} (they need more than k; use more images or a larger --holdout when training the classifier)`,
    );
    k = null;
  }
  const test: Reference['test'] = {
    count: sets.heldOut.idx.length,
    accuracy: accuracy(rt.predictions, subsetLabels(sets.heldOut), nc),
    stats: testStats,
    name: sets.heldOutName,
  };
  let manifold: ManifoldScores | undefined;
  if (k !== null) {
    const dots = o.dots ?? tfDots;
    test.features = points(rt.features, rt.dim);
    test.radii = knnRadii(test.features, k, { dots });
    manifold = manifoldScores(test.features, points(rr.features, rr.dim), { k, realRadii: test.radii, dots });
  }
  const ref: Reference = {
    test,
    real: {
      count: realSet.idx.length,
      perClass,
      accuracy: accuracy(rr.predictions, subsetLabels(realSet), nc),
      fd: frechetDistance(featureStats(rr.features, rr.dim), testStats),
      source: `the first ${perClass} training images of each class`,
      manifold,
    },
    classNames: names,
    split: sets.split,
    dataSource: sets.source,
    k,
    seconds: (performance.now() - t0) / 1000,
  };
  o.log?.(
    `reference: ${test.count} ${test.name} images and ${realSet.idx.length} training images of ${sets.source} ` +
      `classified${k === null ? '' : ', manifolds measured,'} in ${ref.seconds.toFixed(1)} s`,
  );
  return ref;
}
