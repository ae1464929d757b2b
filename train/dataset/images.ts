/**
 * An image folder or zip to a Dataset: list it, find its classes, then either read the decoded cache
 * or decode every image (in parallel, with progress), check what came out, and write the cache.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { BadFileError } from '../../runtime/errors.ts';
import { formatBytes } from '../../runtime/limits.ts';
import { cacheFileFor, defaultCacheDir, readCache, writeCache, type CacheHeader, type ShapeRequest } from './cache.ts';
import { datasetJsonLayout } from './dataset-json.ts';
import { decodeImage, probeImage, skipReason } from './decode.ts';
import { limitCount } from './idx.ts';
import { checkClassCounts, DATASET_JSON, folderLayout, type Item, type Layout } from './layout.ts';
import { compareCodePoints, plural, type ImageSource, type Skip } from './listing.ts';
import { forEachLimit } from './parallel.ts';
import { startProgress } from './progress.ts';
import { checkMemory, chooseShape, type ImageHeader, type Shape } from './shape.ts';
import type { Dataset, LoadOptions, Log } from './types.ts';

/**
 * Images in flight at once: twice libuv's 4 threads (file reads and sharp's work both run there), so
 * one image's read overlaps another's decode; 8 beat 2 and 4 on the 2-core machine (docs/datasets.md).
 * At most 8 files (each at most MAX_IMAGE_FILE_BYTES) are held at a time.
 */
export const IN_FLIGHT = 8;

export async function loadImageSource(src: ImageSource, opts: LoadOptions): Promise<Dataset> {
  const log: Log = opts.log ?? (() => undefined);
  const { layout, items } = await select(src, opts, log);
  const key: CacheKey = {
    file: cacheFileFor(opts.cacheDir ?? defaultCacheDir(), nameOf(src), src.root, opts.limit),
    listingDigest: digestListing(src.kind, layout.classNames, items, opts.limit),
    vips: sharp.versions.vips,
    request: { imageSize: opts.imageSize, channels: opts.channels },
  };
  return (await fromCache(key, opts, src.root, log)) ?? (await decodeAndCache(src, layout, items, key, opts, log));
}

interface CacheKey {
  file: string;
  listingDigest: string;
  vips: string;
  request: ShapeRequest;
}

const nameOf = (src: ImageSource) => path.basename(src.root).replace(/\.zip$/i, '');

/** The layout, and the images --limit keeps; says what was found. */
async function select(src: ImageSource, opts: LoadOptions, log: Log) {
  const layout = await layoutOf(src);
  const names = layout.classNames;
  const count = limitCount(layout.items.length, opts.limit);
  const items = layout.items.slice(0, count);
  if (count < layout.items.length) {
    const per = names.map((_, c) => items.filter((it) => it.label === c).length);
    checkClassCounts(`${src.root} (the first ${count} images, --limit)`, names, per, 'image');
  }
  const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ');
  log(`data: ${src.root} (${src.kind}): ${names.length} classes (${shown}), ${count} images`);
  for (const n of layout.notes) log(`data: ${n}`);
  return { layout, items };
}

/** The dataset from its cache, with the decode's notes and skips said again; null when it must be decoded. */
async function fromCache(key: CacheKey, opts: LoadOptions, root: string, log: Log): Promise<Dataset | null> {
  const t0 = performance.now();
  const cached = await readCache(key.file, key);
  if (!cached.hit) {
    if (cached.damaged) log(`note: the dataset cache ${key.file} is damaged (${cached.damaged}): decoding again`);
    return null;
  }
  const { header } = cached;
  report(header.notes, header.skips, opts, root, log);
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  log(`data: read the decoded cache ${key.file} (${formatBytes(cached.bytes)}) in ${s} s`);
  const cache = { file: key.file, hit: true, bytes: cached.bytes };
  return { ...header.dataset, pixels: cached.pixels, labels: cached.labels, cache };
}

async function decodeAndCache(
  src: ImageSource,
  layout: Layout & { labelsFile: string },
  items: Item[],
  key: CacheKey,
  opts: LoadOptions,
  log: Log,
): Promise<Dataset> {
  const t0 = performance.now();
  const d = await decodeAll(src, items, opts, log);
  report([], d.skips, opts, src.root, log); // decodeAll said its notes as it went
  const names = layout.classNames;
  const usable = names.map(() => 0);
  for (const l of d.labels) usable[l] += 1;
  checkClassCounts(src.root, names, usable, 'usable image');
  const fingerprint = createHash('sha256').update(`${key.listingDigest}\n${d.size}x${d.channels}`).digest('hex');
  const { root, kind } = src;
  const dataset: Omit<Dataset, 'pixels' | 'labels'> = {
    ...{ name: nameOf(src), source: root, kind, imagesFile: root, labelsFile: layout.labelsFile },
    ...{ count: d.labels.length, size: d.size, channels: d.channels, numClasses: names.length, classNames: names },
    fingerprint,
  };
  const secs = (performance.now() - t0) / 1000;
  log(`data: decoded ${items.length} images in ${secs.toFixed(1)} s (${Math.round(items.length / secs)} images/s)`);
  const { listingDigest, vips, request } = key;
  const header: CacheHeader = { listingDigest, vips, request, dataset, notes: d.notes, skips: d.skips };
  let cache: Dataset['cache'];
  try {
    const bytes = await writeCache(key.file, header, d.pixels, d.labels);
    cache = { file: key.file, hit: false, bytes };
    log(`data: wrote the decoded cache ${key.file} (${formatBytes(bytes)}); later runs read it instead`);
  } catch (e) {
    log(`note: could not write the dataset cache ${key.file} (${(e as Error).message}); the next run decodes again`);
  }
  return { ...dataset, pixels: d.pixels, labels: d.labels, cache };
}

async function layoutOf(src: ImageSource): Promise<Layout & { labelsFile: string }> {
  if (!src.listing.files.some((f) => f.rel === DATASET_JSON))
    return { ...folderLayout(src.root, src.listing), labelsFile: '' };
  let text: string;
  try {
    text = Buffer.from(await src.read(DATASET_JSON)).toString('utf8');
  } catch (e) {
    throw new BadFileError(`${src.root}/${DATASET_JSON}: cannot read it (${skipReason(e)})`);
  }
  return { ...datasetJsonLayout(src.root, src.listing, text), labelsFile: `${src.root}/${DATASET_JSON}` };
}

/** Digest of what was listed: a file added, removed, changed or relabelled changes it. */
function digestListing(kind: string, names: string[], items: Item[], limit: number | undefined): string {
  const h = createHash('sha256').update(JSON.stringify({ v: 1, kind, names, limit: limit ?? null }));
  for (const it of items) h.update(`\n${it.label}\t${it.size}\t${it.version}\t${it.rel}`);
  return h.digest('hex');
}

/** The notes, the skipped files in one line, and --strict's error when any were skipped. */
function report(notes: string[], skips: Skip[], opts: LoadOptions, root: string, log: Log): void {
  for (const n of notes) log(`data: ${n}`);
  if (!skips.length) return;
  refuseIfStrict(skips, opts, root);
  log(
    `data: skipped ${plural(skips.length, 'file')} that could not be used: ${skipList(skips)} ` +
      '(--strict makes this an error)',
  );
}

/** The skipped files in path order (they fail in whatever order the parallel decode finishes them). */
function skipList(skips: Skip[]): string {
  const list = [...skips]
    .sort((a, b) => compareCodePoints(a.file, b.file))
    .slice(0, 10)
    .map((s) => `${s.file} (${s.reason})`);
  if (skips.length > 10) list.push(`and ${skips.length - 10} more`);
  return list.join('; ');
}

function refuseIfStrict(skips: Skip[], opts: LoadOptions, root: string): void {
  if (!opts.strict || !skips.length) return;
  throw new BadFileError(
    `${plural(skips.length, 'file')} in ${root} cannot be used (--strict): ${skipList(skips)}; ` +
      `fix or remove them, or drop --strict to skip them`,
  );
}

interface Decoded extends Shape {
  pixels: Uint8Array;
  labels: Uint8Array;
  skips: Skip[];
}

/**
 * Headers first when the size or channels are to be chosen from the data (reading a header costs
 * little), then every image decoded; the notes are said as soon as they are known.
 */
async function decodeAll(src: ImageSource, items: Item[], opts: LoadOptions, log: Log): Promise<Decoded> {
  const skips: Skip[] = [...src.listing.skips];
  const fail = (i: number, e: unknown) => skips.push({ file: items[i].rel, reason: skipReason(e) });
  const headers: (ImageHeader | undefined)[] = new Array(items.length);
  const given = opts.imageSize !== undefined && opts.channels !== undefined;
  let keep = items.map((_, i) => i);
  if (!given) {
    await pass(
      'reading image headers',
      items.length,
      log,
      async (i) => {
        headers[i] = await probeImage(await src.read(items[i].rel));
      },
      fail,
    );
    refuseIfStrict(skips, opts, src.root);
    keep = keep.filter((i) => headers[i]);
  }
  if (keep.length === 0) throw noneUsable(src.root, items.length, skips);
  const shape: Shape = given
    ? { size: opts.imageSize!, channels: opts.channels as 1 | 3, notes: [] }
    : chooseShape(
        keep.map((i) => headers[i]!),
        opts,
      );
  for (const n of shape.notes) log(`data: ${n}`);
  checkMemory(src.root, keep.length, shape, log);
  const out = await decodeKept(src, items, keep, shape, headers, fail, log);
  if (out.labels.length === 0) throw noneUsable(src.root, items.length, skips);
  if (given) {
    // With both given, the notes (resizes, alpha) come from the headers decoding read.
    shape.notes = chooseShape(
      keep.filter((i) => headers[i]).map((i) => headers[i]!),
      opts,
    ).notes;
    for (const n of shape.notes) log(`data: ${n}`);
  }
  return { ...shape, ...out, skips: skips.sort((a, b) => compareCodePoints(a.file, b.file)) };
}

/** Decodes items `keep` into one array (failures squeezed out, in place), noting each one's header. */
async function decodeKept(
  src: ImageSource,
  items: Item[],
  keep: number[],
  shape: Shape,
  headers: (ImageHeader | undefined)[],
  fail: (i: number, e: unknown) => void,
  log: Log,
): Promise<{ pixels: Uint8Array; labels: Uint8Array }> {
  const per = shape.size * shape.size * shape.channels;
  const pixels = new Uint8Array(keep.length * per);
  const ok = new Uint8Array(keep.length);
  await pass(
    'decoding',
    keep.length,
    log,
    async (j) => {
      headers[keep[j]] = undefined;
      const r = await decodeImage(await src.read(items[keep[j]].rel), shape);
      pixels.set(r.data, j * per);
      headers[keep[j]] = r.header;
      ok[j] = 1;
    },
    (j, e) => fail(keep[j], e),
  );
  const labels = new Uint8Array(keep.length);
  let w = 0;
  for (let j = 0; j < keep.length; j++) {
    if (!ok[j]) continue;
    if (w !== j) pixels.copyWithin(w * per, j * per, (j + 1) * per);
    labels[w++] = items[keep[j]].label;
  }
  return { pixels: pixels.subarray(0, w * per), labels: labels.subarray(0, w) };
}

/** Runs `fn` over [0, n) with bounded concurrency and progress; an item that throws goes to `fail`. */
async function pass(
  label: string,
  n: number,
  log: Log,
  fn: (i: number) => Promise<void>,
  fail: (i: number, e: unknown) => void,
): Promise<void> {
  const progress = startProgress(label, n, log);
  try {
    await forEachLimit(n, IN_FLIGHT, async (i) => {
      await fn(i).catch((e) => fail(i, e));
      progress.tick();
    });
  } finally {
    progress.stop();
  }
}

function noneUsable(root: string, n: number, skips: Skip[]): BadFileError {
  const s = [...skips].sort((a, b) => compareCodePoints(a.file, b.file))[0];
  const first = s ? `: ${s.file} (${s.reason})${skips.length > 1 ? ', ...' : ''}` : '';
  return new BadFileError(
    `none of the ${n} images in ${root} could be decoded${first}; are they images (PNG, JPEG, WebP)?`,
  );
}
