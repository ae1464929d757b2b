/**
 * The seed's per-class sample figure: one column per class, one row per fixed noise vector, so
 * successive epochs show how the same noise turns into each digit. Drawn with the runtime's own grid
 * and PNG helpers, so training previews and `cgan generate` look the same.
 */
import { nhwcToNchw, renderGrid } from '../runtime/images.ts';
import { writePng } from '../runtime/png.ts';

/** `images`: NHWC [n, size, size, channels] in [-1, 1], as the tfjs generator draws them. */
export async function writeSampleGrid(
  file: string,
  images: Float32Array,
  labels: Int32Array,
  numClasses: number,
  size: number,
  channels: number,
): Promise<string> {
  const data = nhwcToNchw(images, labels.length, size, channels);
  const grid = renderGrid(
    { data, count: labels.length, channels, height: size, width: size, labels },
    { cols: numClasses, pad: 2, scale: 2 },
  );
  await writePng(file, grid);
  return file;
}
