/**
 * A held-out part of a dataset that has no test split (an image folder): the same fraction of every
 * class (at least one image of a class with two or more, never all of them), chosen by a seeded
 * shuffle, so the split is the same on every run and machine.
 */
import { createHash } from 'node:crypto';
import { BadRequestError } from '../../runtime/errors.ts';
import { Rng } from '../../runtime/random.ts';
import type { Dataset } from './types.ts';

/** Indices of the kept and the held-out examples, each ascending. */
export function holdoutIndices(
  labels: ArrayLike<number>,
  numClasses: number,
  fraction: number,
  seed: number,
): { train: Uint32Array; heldOut: Uint32Array } {
  if (!(fraction > 0 && fraction < 1))
    throw new BadRequestError(`held-out fraction must be in (0, 1), got ${fraction}`);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
  const rng = new Rng(seed);
  const out = new Uint8Array(labels.length);
  for (const members of byClass) {
    const k = members.length;
    const n = k < 2 ? 0 : Math.min(k - 1, Math.max(1, Math.round(k * fraction)));
    const perm = rng.permutation(k);
    for (let j = 0; j < n; j++) out[members[perm[j]]] = 1;
  }
  const heldOut = Uint32Array.from({ length: labels.length }, (_, i) => i).filter((i) => out[i]);
  const train = Uint32Array.from({ length: labels.length }, (_, i) => i).filter((i) => !out[i]);
  return { train, heldOut };
}

/** The examples `idx` of a dataset as a dataset of their own (pixels copied; its own fingerprint). */
export function subsetDataset(ds: Dataset, idx: ArrayLike<number>): Dataset {
  const per = ds.size * ds.size * ds.channels;
  const pixels = new Uint8Array(idx.length * per);
  const labels = new Uint8Array(idx.length);
  for (let j = 0; j < idx.length; j++) {
    pixels.set(ds.pixels.subarray(idx[j] * per, (idx[j] + 1) * per), j * per);
    labels[j] = ds.labels[idx[j]];
  }
  const h = createHash('sha256').update(`${ds.fingerprint}\nsubset`);
  h.update(Uint32Array.from(idx));
  return { ...ds, count: idx.length, pixels, labels, fingerprint: h.digest('hex'), cache: undefined };
}

/** A stratified split: `fraction` of each class held out, the rest to train on. */
export function holdoutSplit(ds: Dataset, fraction: number, seed: number): { train: Dataset; heldOut: Dataset } {
  const s = holdoutIndices(ds.labels, ds.numClasses, fraction, seed);
  return { train: subsetDataset(ds, s.train), heldOut: subsetDataset(ds, s.heldOut) };
}
