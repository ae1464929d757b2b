/**
 * The decoded copy of an image folder or zip, so that only the first run decodes. One file per
 * source (and --limit): `CGANDS1\n`, a uint32 (little-endian) header length, the JSON header, then
 * the pixels (count x size x size x channels) and the labels (count), uncompressed. The header's
 * listing digest covers every image's path, size and modification time (or CRC-32 in a zip); a
 * folder that changed no longer matches and is decoded again. Written to a temporary file and renamed,
 * so a crash leaves the old cache or the new one; a damaged one (its SHA-256 disagrees) is rebuilt.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileDurably } from '../../runtime/files.ts';
import type { Skip } from './listing.ts';
import type { Dataset } from './types.ts';

const MAGIC = 'CGANDS1\n';
const PREFIX = MAGIC.length + 4;

/** What decoding was asked for: a value, or undefined for "chosen from the data". */
export interface ShapeRequest {
  imageSize?: number;
  channels?: number;
}

export interface CacheHeader {
  /** Digest of the listing (paths, sizes, times, labels, class names, --limit). */
  listingDigest: string;
  /** libvips' version: another may decode or resize differently. */
  vips: string;
  request: ShapeRequest;
  dataset: Omit<Dataset, 'pixels' | 'labels' | 'cache'>;
  /** Log lines of the decode (size chosen, alpha, resizes, ignored files), said again on a hit. */
  notes: string[];
  skips: Skip[];
  /** SHA-256 of the pixels then the labels. */
  sha256?: string;
}

export type CacheRead =
  | { hit: true; header: CacheHeader; pixels: Uint8Array; labels: Uint8Array; bytes: number }
  | { hit: false; damaged?: string };

/** $CGAN_CACHE_DIR, else $XDG_CACHE_HOME/cgan-onnx/datasets, else ~/.cache/cgan-onnx/datasets. */
export function defaultCacheDir(): string {
  if (process.env.CGAN_CACHE_DIR) return path.resolve(process.env.CGAN_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'cgan-onnx', 'datasets');
}

/** The cache file of a source: its name for people, a digest of its path and --limit for uniqueness. */
export function cacheFileFor(dir: string, name: string, source: string, limit: number | undefined): string {
  const key = createHash('sha256')
    .update(`${source}\0${limit ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  return path.join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60)}-${key}.cgands`);
}

/** Does a cache decoded for `had` serve a request for `want`? A given value must equal what was decoded. */
function serves(h: CacheHeader, want: ShapeRequest): boolean {
  const ok = (w: number | undefined, asked: number | undefined, got: number) =>
    w === undefined ? asked === undefined : w === got;
  return (
    ok(want.imageSize, h.request.imageSize, h.dataset.size) && ok(want.channels, h.request.channels, h.dataset.channels)
  );
}

export async function readCache(
  file: string,
  want: { listingDigest: string; vips: string; request: ShapeRequest },
): Promise<CacheRead> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return { hit: false };
  }
  try {
    const size = (await handle.stat()).size;
    const head = await readExactly(handle, 0, Math.min(PREFIX, size));
    if (head.length < PREFIX || Buffer.from(head.subarray(0, MAGIC.length)).toString('latin1') !== MAGIC)
      return { hit: false, damaged: 'not a dataset cache file' };
    const hlen = new DataView(head.buffer, head.byteOffset).getUint32(MAGIC.length, true);
    if (PREFIX + hlen > size) return { hit: false, damaged: 'truncated header' };
    const header = JSON.parse(Buffer.from(await readExactly(handle, PREFIX, hlen)).toString('utf8')) as CacheHeader;
    const d = header.dataset;
    if (header.listingDigest !== want.listingDigest || header.vips !== want.vips || !serves(header, want.request))
      return { hit: false };
    const npx = d.count * d.size * d.size * d.channels;
    if (size !== PREFIX + hlen + npx + d.count) return { hit: false, damaged: `${size} bytes, not the header's` };
    const pixels = await readExactly(handle, PREFIX + hlen, npx);
    const labels = await readExactly(handle, PREFIX + hlen + npx, d.count);
    if (digest(pixels, labels) !== header.sha256) return { hit: false, damaged: 'its checksum does not match' };
    return { hit: true, header, pixels, labels, bytes: size };
  } catch (e) {
    return { hit: false, damaged: (e as Error).message };
  } finally {
    await handle.close();
  }
}

/** Writes the cache atomically; returns its size, or throws (the caller says so and goes on). */
export async function writeCache(
  file: string,
  header: CacheHeader,
  pixels: Uint8Array,
  labels: Uint8Array,
): Promise<number> {
  const json = Buffer.from(JSON.stringify({ ...header, sha256: digest(pixels, labels) }), 'utf8');
  const head = Buffer.alloc(PREFIX);
  head.write(MAGIC, 'latin1');
  head.writeUInt32LE(json.length, MAGIC.length);
  await writeFileDurably(file, [head, json, pixels, labels]);
  return PREFIX + json.length + pixels.length + labels.length;
}

function digest(pixels: Uint8Array, labels: Uint8Array): string {
  return createHash('sha256').update(pixels).update(labels).digest('hex');
}

/** `length` bytes at `position`, in reads of at most 1 GiB (one read call is capped near 2 GiB). */
async function readExactly(handle: fs.FileHandle, position: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, Math.min(length - done, 1 << 30), position + done);
    if (bytesRead === 0) throw new Error('truncated');
    done += bytesRead;
  }
  return out;
}
