/**
 * The real images behind an evaluation classifier: those it was trained on and those it held out,
 * found again from the split its file records (eval/holdout.ts), decoded at the classifier's size
 * and channels, and checked to be the same images.
 */
import { existsSync } from 'node:fs';
import { loadDataset, type Dataset } from '../train/data.ts';
import { BadFileError, BadRequestError } from '../runtime/errors.ts';
import { classifyBatches, type Classified, type Classifier } from './classifier.ts';
import { datasetDigest, holdoutSplit, readHoldout, type HoldoutDef } from './holdout.ts';
import { displayPath } from '../runtime/display-path.ts';

/** Some images of a dataset, by index. */
export interface Subset {
  ds: Dataset;
  idx: Int32Array;
}

export interface RealSets {
  train: Subset;
  heldOut: Subset;
  split: HoldoutDef;
  /** How messages name the held-out images: 'test' (a test split) or 'held-out'. */
  heldOutName: 'test' | 'held-out';
  /** Where the data came from, for messages. */
  source: string;
}

export interface RealDataOptions {
  /** Data path (default: the classifier's recorded data_source; bundled MNIST for a test-split classifier). */
  dataDir?: string;
  /** The data itself, already loaded (tests; a classifier with a fractional split only). */
  data?: Dataset;
  /** Keep only the first N held-out images (quick checks). */
  heldOutLimit?: number;
  log?: (line: string) => void;
}

export function allOf(ds: Dataset, count = ds.count): Subset {
  return { ds, idx: Int32Array.from({ length: count }, (_, i) => i) };
}

export function subsetLabels(s: Subset): Int32Array {
  return Int32Array.from(s.idx, (i) => s.ds.labels[i]);
}

/** Images start..start+n of a subset as NHWC float32 in [-1, 1] (the generator's tanh range). */
export function subsetBatch(s: Subset, start: number, n: number): Float32Array {
  const { size, channels } = s.ds;
  const px = size * size * channels;
  const out = new Float32Array(n * px);
  for (let b = 0; b < n; b++) {
    const src = s.idx[start + b] * px;
    for (let j = 0; j < px; j++) out[b * px + j] = s.ds.pixels[src + j] / 127.5 - 1;
  }
  return out;
}

export function classifySubset(c: Classifier, s: Subset): Classified {
  return classifyBatches(c, s.idx.length, (start, n) => subsetBatch(s, start, n));
}

/** Refuses data whose images the classifier cannot take. */
export function checkDataShape(ds: Dataset, c: Classifier, source: string): void {
  const { size, channels } = ds;
  const a = c.arch;
  if (size !== a.imageSize || channels !== a.channels)
    throw new BadFileError(
      `${source} holds ${size}x${size}x${channels} images but the classifier ${displayPath(c.file)} takes ` +
        `${a.imageSize}x${a.imageSize}x${a.channels}; train a classifier on this data ` +
        `(\`cgan classifier train --data ${source}\`)`,
    );
  let max = 0;
  for (const l of ds.labels) max = Math.max(max, l);
  if (max >= a.numClasses)
    throw new BadFileError(
      `${source} has label ${max} but the classifier ${displayPath(c.file)} knows ${a.numClasses} classes`,
    );
}

export async function loadRealSets(c: Classifier, o: RealDataOptions = {}): Promise<RealSets> {
  const split = readHoldout(c.metadata, c.file);
  const shape = { imageSize: c.arch.imageSize, channels: c.arch.channels as 1 | 3, log: o.log };
  if (split.kind === 'test-split') {
    if (o.data) throw new BadRequestError('a classifier measured on a test split needs the data as a path');
    const source = o.dataDir ?? 'bundled MNIST';
    const [train, test] = await Promise.all(
      (['train', 'test'] as const).map((s) => loadDataset({ ...shape, dir: o.dataDir, split: s })),
    );
    for (const ds of [train, test]) checkDataShape(ds, c, source);
    const heldOut = allOf(test, Math.min(test.count, o.heldOutLimit ?? test.count));
    return { train: allOf(train), heldOut, split, heldOutName: 'test', source };
  }
  const dir = o.dataDir ?? c.metadata.data_source;
  if (!o.data && !dir)
    throw new BadRequestError(
      `${displayPath(c.file)} records no data path: pass --data with the data it was trained on`,
    );
  const source = o.data ? o.data.name : (dir as string);
  if (!o.data && !o.dataDir && !existsSync(source))
    throw new BadFileError(
      `${displayPath(c.file)} was trained on ${source}, which is not there now: pass --data with that data`,
    );
  const ds = o.data ?? (await loadDataset({ ...shape, dir, split: 'train' }));
  checkDataShape(ds, c, source);
  const digest = ds.count >= split.count ? datasetDigest(ds, split.count) : '(too few images)';
  if (digest !== split.digest)
    throw new BadFileError(
      `${source} is not the data the classifier ${displayPath(c.file)} held images out of: it recorded ` +
        `${split.count} images with digest ${split.digest.slice(0, 12)}, this data has ${ds.count} ` +
        `(digest ${digest.slice(0, 12)}); pass the --data it was trained on, or train a classifier on this ` +
        `data (\`cgan classifier train --data ${source}\`)`,
    );
  const parts = holdoutSplit(
    { count: split.count, labels: ds.labels, numClasses: c.arch.numClasses },
    split.fraction,
    split.seed,
  );
  const heldOut = { ds, idx: parts.heldOut.subarray(0, o.heldOutLimit ?? parts.heldOut.length) };
  return { train: { ds, idx: parts.train }, heldOut, split, heldOutName: 'held-out', source };
}
