/**
 * The evaluation classifier's held-out real images: what its accuracy is measured on and what
 * `cgan eval` compares generated images with. Bundled MNIST keeps its own test split (t10k), so the
 * shipped model's documented numbers stay reproducible; other data gets a seeded split stratified
 * by class, whose definition (fraction, seed, image count and a digest of the decoded images) the
 * classifier file stores, so eval draws the same held-out images later, or refuses changed data.
 */
import { createHash } from 'node:crypto';
import { holdoutIndices, type Dataset } from '../train/data.ts';
import { BadFileError, BadRequestError } from '../runtime/errors.ts';

export type HoldoutDef =
  | { kind: 'test-split' }
  | {
      kind: 'fraction';
      fraction: number;
      seed: number;
      /** Images the split was drawn from: the first `count` of the data. */
      count: number;
      heldOut: number;
      /** sha256 of the first `count` decoded images and labels (datasetDigest). */
      digest: string;
    };

export const DEFAULT_HOLDOUT = 0.1;
export const MAX_HOLDOUT = 0.5;

/**
 * Indices of the held-out and training images, ascending: the data module's stratified split
 * (train/dataset/holdout.ts), with the fraction bounded for an evaluation set.
 */
export function holdoutSplit(
  ds: Pick<Dataset, 'count' | 'labels' | 'numClasses'>,
  fraction: number,
  seed: number,
): { train: Int32Array; heldOut: Int32Array } {
  if (!(fraction > 0 && fraction <= MAX_HOLDOUT))
    throw new BadRequestError(`--holdout must be a fraction in (0, ${MAX_HOLDOUT}], got ${fraction}`);
  const s = holdoutIndices(ds.labels.subarray(0, ds.count), ds.numClasses, fraction, seed);
  return { train: Int32Array.from(s.train), heldOut: Int32Array.from(s.heldOut) };
}

/** sha256 (hex) of the shape, labels and pixels of the first `count` images: the same images in the same order. */
export function datasetDigest(ds: Dataset, count = ds.count): string {
  const { size, channels } = ds;
  const px = size * size * channels;
  const h = createHash('sha256');
  h.update(`${count}x${size}x${size}x${channels}\n`);
  h.update(ds.labels.subarray(0, count));
  h.update(ds.pixels.subarray(0, count * px));
  return h.digest('hex');
}

/** The split a classifier file records; files without one (the committed MNIST classifier) used the test split. */
export function readHoldout(metadata: Record<string, string>, file: string): HoldoutDef {
  if (!metadata.holdout) return { kind: 'test-split' };
  try {
    const h = JSON.parse(metadata.holdout) as HoldoutDef;
    if (h.kind === 'test-split') return h;
    if (h.kind === 'fraction' && [h.fraction, h.seed, h.count, h.heldOut].every(Number.isFinite) && h.digest) return h;
  } catch {}
  throw new BadFileError(`${file}: metadata "holdout" is not a held-out split definition (corrupt file)`);
}
