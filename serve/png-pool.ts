/**
 * PNG encoding for the server, off its event loop: one worker thread (serve/png-worker.ts) takes
 * grids one at a time. Memory is bounded by pixels: a grid reserves its pixels before its images
 * are generated, and a reservation that would pass `maxPendingPixels` is refused (the server's
 * 503), so however many clients ask, at most that many pixels wait and one RGBA grid exists.
 */
import { Worker } from 'node:worker_threads';
import type { GridOptions, ImageBatch } from '../runtime/images.ts';
import type { PngJob, PngReply } from './png-worker.ts';

/** Too many pixels are waiting to be encoded; retry shortly (HTTP 503). */
export class PngBusyError extends Error {
  constructor(pending: number, limit: number) {
    super(`the PNG encoder is busy (${pending} of ${limit} pixels waiting); retry shortly`);
    this.name = 'PngBusyError';
  }
}

export class PngPool {
  private worker: Worker | null = null;
  private nextId = 0;
  private pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  private reserved = 0;

  constructor(readonly maxPendingPixels: number) {}

  /** Holds `pixels` of the budget until `release` (call it in a finally); throws PngBusyError when full. */
  reserve(pixels: number): () => void {
    if (this.reserved > 0 && this.reserved + pixels > this.maxPendingPixels)
      throw new PngBusyError(this.reserved, this.maxPendingPixels);
    this.reserved += pixels;
    let done = false;
    return () => {
      if (!done) this.reserved -= pixels;
      done = true;
    };
  }

  /** Draws and encodes a grid in the worker. The batch's data may be transferred: do not use it after. */
  encode(batch: ImageBatch, grid: GridOptions): Promise<Uint8Array> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const d = batch.data;
      const own = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? d : d.slice();
      const job: PngJob = { id, batch: { ...batch, data: own }, grid };
      w.postMessage(job, [own.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // From the sources the worker needs tsx registered first; compiled, it starts png-worker.js.
    const compiled = import.meta.url.endsWith('.js');
    const w = new Worker(new URL(compiled ? './png-worker.js' : './png-worker-bootstrap.js', import.meta.url));
    w.unref(); // an idle encoder must not keep the process alive
    w.on('message', (m: PngReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('png' in m) p.resolve(m.png);
      else p.reject(new Error(`PNG encoding failed: ${m.error}`));
    });
    const failAll = (e: Error) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      if (this.worker === w) this.worker = null; // the next request starts a fresh one
    };
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`the PNG worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }
}
