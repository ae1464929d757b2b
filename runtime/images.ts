/** Image conversion: model output (float NCHW in [-1, 1], gray or RGB) -> 8-bit gray, RGBA, grids. */
import type { RunsOn } from './devices.ts';
import { runLength } from './labels.ts';

/** A batch as the model produced it: NCHW float32, values in [-1, 1]. */
export interface ImageBatch {
  data: Float32Array;
  count: number;
  /** 1 (gray) or 3 (RGB): the model's `info.channels`. */
  channels: number;
  height: number;
  width: number;
  /** One label per image, when known (grids use it to put one label per row). */
  labels?: ArrayLike<number>;
}

/** A generator's output (`Generator.generate`): the batch plus how it was made. */
export interface Images extends ImageBatch {
  labels: Int32Array;
  /** The noise that was fed, [count, zDim]. */
  noise: Float32Array;
  /** The execution provider that ran ('remote': a server did). */
  device: RunsOn;
  /** Wall time of the session runs. */
  ms: number;
}

/** Anything the image helpers take. */
export type AnyImages = ImageBatch | Images;

/** RGBA, 8 bits per channel, opaque: the shape of the DOM's ImageData. */
export interface RGBAImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface GridOptions {
  /** Images per row. Default: the run length when labels come in equal runs, else ceil(sqrt(count)). */
  cols?: number;
  /** Pixels between images and around the grid (default 2). */
  pad?: number;
  /** Integer upscaling, nearest neighbour (default 1). */
  scale?: number;
  /** Gray level of the padding, 0-255 (default 64). */
  padValue?: number;
}

/** Images are drawn as a grid (`renderGrid`); an RGBA image is returned as it is. */
export function asRGBA(img: AnyImages | RGBAImage, opts?: GridOptions): RGBAImage {
  return 'count' in img ? renderGrid(img, opts) : img;
}

/** Pixel value of a model output: [-1, 1] -> 0..255, rounded, clamped. */
export function toByte(v: number): number {
  const p = Math.round((v + 1) * 127.5);
  return p < 0 ? 0 : p > 255 ? 255 : p;
}

function checkIndex(images: AnyImages, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= images.count)
    throw new RangeError(`image index ${index} is outside 0-${images.count - 1}`);
}

/** One gray image as 8-bit values, row-major (an RGB image is refused: use `renderImage`). */
export function toGray8(images: AnyImages, index: number): Uint8ClampedArray {
  checkIndex(images, index);
  if (images.channels !== 1)
    throw new RangeError(`toGray8: these images have ${images.channels} channels; use renderImage for RGBA`);
  const n = images.height * images.width;
  const out = new Uint8ClampedArray(n);
  const base = index * n;
  for (let i = 0; i < n; i++) out[i] = toByte(images.data[base + i]);
  return out;
}

/** One image, gray or RGB, as opaque RGBA (the DOM's ImageData shape), upscaled by `scale`. */
export function renderImage(images: AnyImages, index: number, scale = 1): RGBAImage {
  checkIndex(images, index);
  const size = images.channels * images.height * images.width;
  const one = { ...images, data: images.data.subarray(index * size, (index + 1) * size), count: 1, labels: undefined };
  return renderGrid(one, { cols: 1, pad: 0, scale });
}

/** NHWC (tfjs's layout) -> NCHW (the model's output layout); one channel is returned as it is. */
export function nhwcToNchw(data: Float32Array, count: number, size: number, channels: number): Float32Array {
  if (channels === 1) return data;
  const plane = size * size;
  const out = new Float32Array(data.length);
  for (let n = 0; n < count; n++) {
    const base = n * plane * channels;
    for (let p = 0; p < plane; p++)
      for (let c = 0; c < channels; c++) out[base + c * plane + p] = data[base + p * channels + c];
  }
  return out;
}

export function gridLayout(count: number, labels?: ArrayLike<number>, cols?: number): { cols: number; rows: number } {
  let c = cols ?? (labels && runLength(labels)) ?? Math.ceil(Math.sqrt(count));
  if (labels && cols === undefined && c === 1) c = Math.ceil(Math.sqrt(count)); // all labels distinct: a square
  c = Math.max(1, Math.min(c, count));
  return { cols: c, rows: Math.ceil(count / c) };
}

export function renderGrid(images: AnyImages, opts: GridOptions = {}): RGBAImage {
  if (images.channels !== 1 && images.channels !== 3)
    throw new RangeError(`images must have 1 or 3 channels, these have ${images.channels}`);
  const pad = opts.pad ?? 2;
  const scale = opts.scale ?? 1;
  const padValue = opts.padValue ?? 64;
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`scale must be a positive integer, got ${scale}`);
  const { cols, rows } = gridLayout(images.count, images.labels, opts.cols);
  const h = images.height * scale;
  const w = images.width * scale;
  const width = cols * w + (cols + 1) * pad;
  const height = rows * h + (rows + 1) * pad;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = data[i + 1] = data[i + 2] = padValue;
    data[i + 3] = 255;
  }
  const plane = images.height * images.width;
  const rgb = images.channels === 3;
  for (let k = 0; k < images.count; k++) {
    const x0 = pad + (k % cols) * (w + pad);
    const y0 = pad + Math.floor(k / cols) * (h + pad);
    const base = k * images.channels * plane;
    for (let y = 0; y < h; y++) {
      const srcRow = base + Math.floor(y / scale) * images.width;
      let o = ((y0 + y) * width + x0) * 4;
      for (let x = 0; x < w; x++, o += 4) {
        const src = srcRow + Math.floor(x / scale);
        if (rgb) {
          // NCHW: channel c of this pixel is `plane` values further on per channel.
          data[o] = toByte(images.data[src]);
          data[o + 1] = toByte(images.data[src + plane]);
          data[o + 2] = toByte(images.data[src + 2 * plane]);
        } else data[o] = data[o + 1] = data[o + 2] = toByte(images.data[src]);
      }
    }
  }
  return { width, height, data };
}
