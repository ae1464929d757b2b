/**
 * Test helper: a small labelled dataset built in memory, in the shape train/data.ts's Dataset has
 * after issue 32 (size, channels, HWC pixels), with today's rows/cols too so either type reads it.
 * Class c is a filled square of colour COLOURS[c] (gray: a brightness per class) at a random place on a dark,
 * noisy background, so a classifier separates the classes in a few steps.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Dataset } from '../train/data.ts';
import { Rng } from '../runtime/random.ts';

const COLOURS: [number, number, number][] = [
  [230, 40, 40],
  [40, 220, 60],
  [50, 70, 240],
  [230, 220, 40],
  [200, 50, 220],
];
export const COLOUR_NAMES = ['red', 'green', 'blue', 'yellow', 'magenta'];

export interface SyntheticOptions {
  size?: number;
  channels?: 1 | 3;
  /** Images per class (default 40), or one count per class. */
  perClass?: number | number[];
  numClasses?: number;
  seed?: number;
  name?: string;
}

export function syntheticDataset(o: SyntheticOptions = {}): Dataset {
  const size = o.size ?? 16;
  const channels = o.channels ?? 3;
  const numClasses = o.numClasses ?? 3;
  const counts = Array.isArray(o.perClass) ? o.perClass : Array(numClasses).fill(o.perClass ?? 40);
  const count = counts.reduce((a, b) => a + b, 0);
  const rng = new Rng(o.seed ?? 1);
  const px = size * size * channels;
  const pixels = new Uint8Array(count * px);
  const labels = new Uint8Array(count);
  let n = 0;
  // Interleaved classes, as a shuffled folder would not be: the split must not rely on order.
  const left = [...counts];
  while (n < count) {
    for (let c = 0; c < numClasses; c++) {
      if (left[c] === 0) continue;
      left[c]--;
      labels[n] = c;
      drawSquare(pixels.subarray(n * px, (n + 1) * px), size, channels, c / Math.max(1, numClasses - 1), rng, c);
      n++;
    }
  }
  const ds = {
    name: o.name ?? 'shapes',
    source: '(memory)',
    kind: 'folder',
    imagesFile: '',
    labelsFile: '',
    count,
    size,
    rows: size,
    cols: size,
    channels,
    pixels,
    labels,
    numClasses,
    classNames: COLOUR_NAMES.slice(0, numClasses),
    fingerprint: `synthetic-${o.seed ?? 1}`,
  };
  return ds as unknown as Dataset;
}

/** `shade` in [0, 1]: the class's place among the classes, its brightness when gray. */
function drawSquare(img: Uint8Array, size: number, channels: number, shade: number, rng: Rng, c: number): void {
  const colour = COLOURS[c % COLOURS.length];
  const side = Math.floor(size / 2);
  const x0 = rng.int(size - side + 1);
  const y0 = rng.int(size - side + 1);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
      for (let ch = 0; ch < channels; ch++) {
        const v = inside ? (channels === 1 ? 60 + Math.round(180 * shade) : colour[ch]) : 20;
        img[(y * size + x) * channels + ch] = Math.max(0, Math.min(255, v + rng.int(31) - 15));
      }
    }
  }
}

/** Writes a gray dataset as an uncompressed IDX training pair in `dir` (what today's loader reads). */
export function writeIdx(dir: string, ds: Dataset, size: number): void {
  const images = new Uint8Array(16 + ds.count * size * size);
  const v = new DataView(images.buffer);
  for (const [i, x] of [0x803, ds.count, size, size].entries()) v.setUint32(4 * i, x);
  images.set(ds.pixels.subarray(0, ds.count * size * size), 16);
  const labels = new Uint8Array(8 + ds.count);
  const l = new DataView(labels.buffer);
  l.setUint32(0, 0x801);
  l.setUint32(4, ds.count);
  labels.set(ds.labels.subarray(0, ds.count), 8);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), images);
  writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), labels);
}
