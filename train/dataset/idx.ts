/**
 * IDX datasets (the MNIST file format: http://yann.lecun.com/exdb/mnist/): images `idx3-ubyte`
 * (magic 0x00000803, count, rows, cols, then uint8 pixels) and labels `idx1-ubyte` (magic
 * 0x00000801, count, then uint8 labels), plain or gzipped as Fashion-MNIST, KMNIST and EMNIST ship
 * them. They are already raw pixels, so they are read as they are, not cached.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { BadFileError, BadRequestError } from '../../runtime/errors.ts';
import { readFileChecked } from '../../runtime/files.ts';
import { formatBytes, MAX_DATASET_BYTES } from '../../runtime/limits.ts';
import { sizeProblem } from './shape.ts';
import type { Dataset, LoadOptions } from './types.ts';

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
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

export interface IdxPair {
  imagesFile: string;
  labelsFile: string;
}

/**
 * `<prefix>-images-idx3-ubyte` and `<prefix>-labels-idx1-ubyte` (train or t10k, `.gz` or not) in a
 * directory, or null when it holds no such pair.
 */
export function findIdxPair(dir: string, split: 'train' | 'test'): IdxPair | null {
  const files = readdirSync(dir).sort();
  const prefix = split === 'train' ? 'train' : 't10k';
  // The plain file first: someone who gunzipped the pair in place keeps both.
  const find = (kind: string) =>
    files.find((f) => f.startsWith(prefix) && new RegExp(`${kind}$`).test(f)) ??
    files.find((f) => f.startsWith(prefix) && new RegExp(`${kind}\\.gz$`).test(f));
  const img = find('images.idx3-ubyte');
  const lbl = find('labels.idx1-ubyte');
  return img && lbl ? { imagesFile: path.join(dir, img), labelsFile: path.join(dir, lbl) } : null;
}

/** Reads an IDX file, gunzipping it when it is gzip (by its magic bytes, whatever its name). */
async function readIdx(file: string, what: string): Promise<Uint8Array> {
  const buf = await readFileChecked(file, {
    what,
    maxBytes: MAX_DATASET_BYTES,
    limitName: 'the dataset file limit',
    error: BadFileError,
  });
  if (buf[0] !== 0x1f || buf[1] !== 0x8b) return buf;
  try {
    const out = await promisify(gunzip)(buf, { maxOutputLength: MAX_DATASET_BYTES });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE')
      throw new BadFileError(
        `${what} ${file} unpacks to more than the dataset file limit of ${formatBytes(MAX_DATASET_BYTES)}`,
      );
    throw new BadFileError(`${what} ${file} is not a valid gzip file (${err.message}); download it again`);
  }
}

/** Loads an IDX pair at its own size and channel count (1); the caller converts if asked to. */
export async function loadIdx(
  pair: IdxPair,
  opts: Pick<LoadOptions, 'limit'> & { name: string; source: string },
): Promise<Dataset> {
  const { imagesFile, labelsFile } = pair;
  const [imgBuf, lblBuf] = await Promise.all([
    readIdx(imagesFile, 'IDX image file'),
    readIdx(labelsFile, 'IDX label file'),
  ]);
  const images = parseImages(imgBuf, imagesFile);
  const labels = parseLabels(lblBuf, labelsFile);
  if (images.count !== labels.count) {
    throw new BadFileError(
      `${imagesFile} holds ${images.count} images but ${labelsFile} holds ${labels.count} labels: ` +
        `they must be a matching pair`,
    );
  }
  if (images.rows !== images.cols)
    throw new BadFileError(`${imagesFile}: images are ${images.rows}x${images.cols}; training takes square images`);
  const count = limitCount(images.count, opts.limit);
  const size = images.rows;
  const pixels = images.pixels.subarray(0, count * size * size);
  const lbl = labels.labels.subarray(0, count);
  let max = 0;
  for (const l of lbl) max = Math.max(max, l);
  const numClasses = max + 1;
  if (numClasses < 2)
    throw new BadFileError(`${labelsFile}: every label is 0; a conditional GAN needs at least 2 classes`);
  const fingerprint = createHash('sha256').update('idx\n').update(pixels).update(lbl).update(`${size},1`).digest('hex');
  return {
    name: opts.name,
    source: opts.source,
    kind: 'idx',
    imagesFile,
    labelsFile,
    count,
    size,
    channels: 1,
    pixels,
    labels: lbl,
    numClasses,
    classNames: idxClassNames(numClasses, opts.source),
    fingerprint,
  };
}

/** IDX files carry no names: digits, or Fashion-MNIST's when the folder's name says so. */
function idxClassNames(numClasses: number, source: string): string[] {
  if (/fashion/i.test(source) && numClasses === 10) return FASHION_CLASS_NAMES;
  return numClasses <= 10 ? DIGITS.slice(0, numClasses) : Array.from({ length: numClasses }, (_, i) => String(i));
}

/** The number of examples --limit leaves of `count`. */
export function limitCount(count: number, limit: number | undefined): number {
  if (limit === undefined) return count;
  if (!Number.isInteger(limit) || limit < 1)
    throw new BadRequestError(`limit must be a positive integer, got ${limit}`);
  return Math.min(count, limit);
}

/** Why IDX images of this side cannot be trained on as they are, with the fix, or undefined. */
export function idxSizeProblem(ds: Dataset): string | undefined {
  const p = sizeProblem(ds.size);
  return p && `${ds.imagesFile}: images are ${ds.size}x${ds.size}: ${p}; pass --image-size N to resize them`;
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
    const hint = magic === otherMagic ? k.other : '';
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
