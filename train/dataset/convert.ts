/**
 * IDX images at another size or channel count (--image-size, --channels): each resized shorter side
 * first and centre-cropped (a no-op crop for square IDX images) and made gray or RGB, as a folder's
 * images are. Not cached: IDX files are raw already, and this pass is a few seconds for MNIST.
 */
import { createHash } from 'node:crypto';
import { convertRaw } from './decode.ts';
import { IN_FLIGHT } from './images.ts';
import { forEachLimit } from './parallel.ts';
import { startProgress } from './progress.ts';
import { checkMemory, type Shape } from './shape.ts';
import type { Dataset, Log } from './types.ts';

export async function convertDataset(ds: Dataset, to: Pick<Shape, 'size' | 'channels'>, log: Log): Promise<Dataset> {
  checkMemory(ds.imagesFile, ds.count, to, log);
  const from = ds.size * ds.size * ds.channels;
  const per = to.size * to.size * to.channels;
  const pixels = new Uint8Array(ds.count * per);
  const progress = startProgress('converting', ds.count, log);
  try {
    await forEachLimit(ds.count, IN_FLIGHT, async (i) => {
      const src = ds.pixels.subarray(i * from, (i + 1) * from);
      pixels.set(await convertRaw(src, ds, to), i * per);
      progress.tick();
    });
  } finally {
    progress.stop();
  }
  log(
    `data: ${ds.count} images converted from ${ds.size}x${ds.size}x${ds.channels} ` +
      `to ${to.size}x${to.size}x${to.channels}`,
  );
  const fingerprint = createHash('sha256').update(`${ds.fingerprint}\n${to.size}x${to.channels}`).digest('hex');
  return { ...ds, size: to.size, channels: to.channels, pixels, fingerprint };
}
