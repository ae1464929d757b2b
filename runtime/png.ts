/**
 * PNG files in Node (pngjs): apart from node.ts so that training, which writes sample grids, never
 * loads onnxruntime. node.ts re-exports both.
 */
import { promises as fs } from 'node:fs';
import { PNG } from 'pngjs';
import type { RGBAImage } from './images.ts';

export function encodePng(img: RGBAImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png);
}

export async function writePng(file: string, img: RGBAImage): Promise<void> {
  await fs.writeFile(file, encodePng(img));
}
