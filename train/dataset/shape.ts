/**
 * The image size and channel count a dataset is decoded to, chosen from the data unless given
 * (docs/datasets.md, "Size and channels"):
 * - channels: 1 if every image is grayscale (alpha aside), else 3;
 * - size: the images' side when they all are one valid square size; otherwise the most common
 *   shorter side (ties: the larger), rounded to the nearest multiple of 4 and clamped to [16, 64].
 */
import { BadRequestError } from '../../runtime/errors.ts';
import {
  formatBytes,
  IMAGE_SIZE_STEP,
  MAX_DECODED_DATASET_BYTES,
  MAX_IMAGE_SIZE,
  MIN_IMAGE_SIZE,
} from '../../runtime/limits.ts';
import { plural } from './listing.ts';

/** What the header of one image says (sharp's metadata). */
export interface ImageHeader {
  width: number;
  height: number;
  /** Colour channels, alpha excluded: 1 gray, 3 colour (CMYK counts as colour). */
  colour: number;
  alpha: boolean;
}

/** Why `size` is not a side training takes, or undefined. */
export function sizeProblem(size: number): string | undefined {
  if (Number.isInteger(size) && size >= MIN_IMAGE_SIZE && size <= MAX_IMAGE_SIZE && size % IMAGE_SIZE_STEP === 0)
    return undefined;
  const range = `${IMAGE_SIZE_STEP} from ${MIN_IMAGE_SIZE} to ${MAX_IMAGE_SIZE}`;
  return `training takes square sides that are multiples of ${range}`;
}

/** --image-size and --channels checked: a bad value is the caller's mistake (exit 2). */
export function checkShapeOptions(o: { imageSize?: number; channels?: number }): void {
  if (o.imageSize !== undefined) {
    const p = sizeProblem(o.imageSize);
    if (p) throw new BadRequestError(`--image-size ${o.imageSize}: ${p} (e.g. 32 or 64)`);
  }
  if (o.channels !== undefined && o.channels !== 1 && o.channels !== 3)
    throw new BadRequestError(`--channels ${o.channels}: pass 1 (grayscale) or 3 (RGB)`);
}

export interface Shape {
  size: number;
  channels: 1 | 3;
  /** Sentences for the log on how they were chosen. */
  notes: string[];
}

/** The size and channels for images with these headers (at least one), given the options. */
export function chooseShape(headers: ImageHeader[], o: { imageSize?: number; channels?: number }): Shape {
  const notes: string[] = [];
  const gray = headers.every((h) => h.colour === 1);
  const channels = (o.channels ?? (gray ? 1 : 3)) as 1 | 3;
  if (o.channels === undefined) {
    const colour = headers.filter((h) => h.colour !== 1).length;
    notes.push(
      gray
        ? 'every image is grayscale: 1 channel'
        : `${colour} of ${headers.length} images are colour: 3 channels (RGB)`,
    );
  }
  const size = o.imageSize ?? autoSize(headers, notes);
  const resized = headers.filter((h) => h.width !== size || h.height !== size).length;
  if (resized)
    notes.push(
      `${plural(resized, 'image')} resized to ${size}x${size} (shorter side to ${size}, then the centre cropped)`,
    );
  const alpha = headers.filter((h) => h.alpha).length;
  if (alpha) notes.push(`${plural(alpha, 'image')} with an alpha channel: any transparency composited onto black`);
  return { size, channels, notes };
}

function autoSize(headers: ImageHeader[], notes: string[]): number {
  const counts = new Map<number, number>();
  for (const h of headers) {
    const side = Math.min(h.width, h.height);
    counts.set(side, (counts.get(side) ?? 0) + 1);
  }
  const [common, n] = [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0];
  const allSquare = headers.every((h) => h.width === h.height);
  if (counts.size === 1 && allSquare && !sizeProblem(common)) {
    notes.push(`every image is ${common}x${common}: size ${common}`);
    return common;
  }
  const rounded = Math.round(common / IMAGE_SIZE_STEP) * IMAGE_SIZE_STEP;
  const size = Math.min(MAX_IMAGE_SIZE, Math.max(MIN_IMAGE_SIZE, rounded));
  const kinds = counts.size === 1 ? `all ${common} pixels` : `${counts.size} sizes, most often ${common} (${n} images)`;
  notes.push(`shorter sides: ${kinds}: size ${size} (the most common, to a multiple of 4 in [16, 64])`);
  return size;
}

/** The decoded dataset must fit the memory limit: checked before a byte of it is allocated, and said. */
export function checkMemory(
  what: string,
  count: number,
  shape: Pick<Shape, 'size' | 'channels'>,
  log: (m: string) => void,
): void {
  const { size, channels } = shape;
  const bytes = count * size * size * channels;
  const sum = `${count} x ${size} x ${size} x ${channels} = ${formatBytes(bytes)}`;
  if (bytes > MAX_DECODED_DATASET_BYTES) {
    throw new BadRequestError(
      `${what} decoded would be ${sum}, over the limit of ${formatBytes(MAX_DECODED_DATASET_BYTES)}: ` +
        `pass a smaller --image-size, --channels 1, or --limit N`,
    );
  }
  log(`data: memory: ${sum} decoded (limit ${formatBytes(MAX_DECODED_DATASET_BYTES)})`);
}
