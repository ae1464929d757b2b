/**
 * PNG files in Node (pngjs): apart from node.ts so that training, which writes sample grids, never
 * loads onnxruntime. node.ts re-exports both.
 */
import { promises as fs } from 'node:fs';
import { PNG } from 'pngjs';
import { asRGBA, type AnyImages, type GridOptions, type RGBAImage } from './images.ts';

/** A PNG of images (drawn as a grid, `opts`: renderGrid's) or of an RGBA image. */
export function encodePng(img: AnyImages | RGBAImage, opts?: GridOptions): Buffer {
  const rgba = asRGBA(img, opts);
  const png = new PNG({ width: rgba.width, height: rgba.height });
  png.data = Buffer.from(rgba.data.buffer, rgba.data.byteOffset, rgba.data.byteLength);
  return PNG.sync.write(png);
}

export async function writePng(file: string, img: AnyImages | RGBAImage, opts?: GridOptions): Promise<void> {
  await fs.writeFile(file, encodePng(img, opts));
}
