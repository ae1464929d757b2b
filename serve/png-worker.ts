/**
 * The PNG route's worker thread: draws a grid and encodes it, so a large grid (pngjs's deflate is
 * synchronous) never blocks the server's event loop, and its RGBA buffer lives and dies here.
 * Protocol: `{id, batch, grid}` in, `{id, png}` or `{id, error}` out.
 */
import { parentPort } from 'node:worker_threads';
import { type GridOptions, type ImageBatch, renderGrid } from '../runtime/images.ts';
import { encodePng } from '../runtime/png.ts';

export interface PngJob {
  id: number;
  batch: ImageBatch;
  grid: GridOptions;
}
export type PngReply = { id: number; png: Uint8Array } | { id: number; error: string };

parentPort?.on('message', (job: PngJob) => {
  try {
    // A fresh buffer to transfer: pngjs's may be a view of a larger one.
    const png = new Uint8Array(encodePng(renderGrid(job.batch, job.grid)));
    parentPort?.postMessage({ id: job.id, png } satisfies PngReply, [png.buffer]);
  } catch (e) {
    parentPort?.postMessage({ id: job.id, error: (e as Error).message } satisfies PngReply);
  }
});
