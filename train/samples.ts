/**
 * The seed's per-class sample figure: one column per class, one row per fixed noise vector, so
 * successive epochs show how the same noise turns into each digit. Drawn with the runtime's own grid
 * and PNG helpers, so training previews and `cgan generate` look the same.
 */
import { renderGrid } from '../runtime/images.ts';
import { writePng } from '../runtime/png.ts';

/** `images`: NHWC [n, size, size, 1] in [-1, 1] (for one channel, the same bytes as NCHW). */
export async function writeSampleGrid(
  file: string,
  images: Float32Array,
  labels: Int32Array,
  noise: Float32Array,
  numClasses: number,
  size: number,
): Promise<string> {
  const grid = renderGrid(
    { data: images, count: labels.length, channels: 1, height: size, width: size, labels, noise, device: 'cpu', ms: 0 },
    { cols: numClasses, pad: 2, scale: 2 },
  );
  await writePng(file, grid);
  return file;
}
