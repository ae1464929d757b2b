/**
 * The micro-batcher: requests wait in one bounded FIFO queue and run together as one session run
 * of up to `maxBatch` images, as Triton's dynamic batcher does. A batch starts when the queue holds
 * `maxBatch` images or when its oldest request has waited `maxDelayMs`, and runs one at a time
 * (onnxruntime's cpu EP already spreads one run over every core). Each caller gets back the slice
 * of the batch's output that its own rows produced.
 *
 * `maxBatch: 1` turns batching off: one session run per request.
 *
 * One request never fails another: when a run of several requests fails, each is run again alone,
 * and only those that fail alone get an error (SoloFailure when others of the batch succeeded).
 */

/** Runs one batch: labels [n] and noise [n, zDim] in, images [n, plane] out. */
export type RunBatch = (labels: number[], noise: Float32Array) => Promise<Float32Array>;

export interface BatcherOptions {
  /** Most images in one session run (a single larger request still runs, alone). */
  maxBatch: number;
  /** How long the oldest queued request may wait for others before its batch starts. */
  maxDelayMs: number;
  /** Most images waiting; a request that does not fit is refused with QueueFullError. */
  maxQueue: number;
  zDim: number;
  /** Values per output image. */
  plane: number;
  /** Called after each run, for metrics. */
  onBatch?: (images: number, requests: number, ms: number) => void;
}

/** The queue cannot take the request now; try again later (HTTP 503 + Retry-After). */
export class QueueFullError extends Error {
  constructor(
    readonly queued: number,
    readonly limit: number,
  ) {
    super(`the queue is full (${queued} of ${limit} images waiting); retry shortly`);
    this.name = 'QueueFullError';
  }
}

/** The batcher is shutting down and takes no new work. */
export class ClosedError extends Error {
  constructor() {
    super('the server is shutting down');
    this.name = 'ClosedError';
  }
}

/**
 * The request failed when run alone, while other requests of the same batch succeeded: its own
 * input is what the model cannot handle (`cause` is the run's error), not the model.
 */
export class SoloFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(`this request failed when run alone, while the others batched with it ran: ${String(cause)}`);
    this.name = 'SoloFailure';
  }
}

interface Job {
  labels: number[];
  noise: Float32Array;
  queuedAt: number;
  resolve(images: Float32Array): void;
  reject(e: unknown): void;
  settled: boolean;
}

export class MicroBatcher {
  private readonly queue: Job[] = [];
  private queuedImages = 0;
  private running: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /** Draining: start batches at once instead of waiting out the delay, still taking requests. */
  private flushing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: RunBatch,
    readonly opts: BatcherOptions,
  ) {
    for (const k of ['maxBatch', 'maxQueue'] as const) {
      if (!Number.isInteger(opts[k]) || opts[k] < 1)
        throw new Error(`batcher: ${k} must be a positive integer, got ${opts[k]}`);
    }
    if (!(opts.maxDelayMs >= 0)) throw new Error(`batcher: maxDelayMs must be >= 0, got ${opts.maxDelayMs}`);
  }

  /** Images waiting (not yet running). */
  get depth(): number {
    return this.queuedImages;
  }

  /**
   * Queues one request. `signal` aborting (client gone, timeout) takes it off the queue if it has
   * not started, and rejects with the signal's reason either way.
   */
  submit(labels: number[], noise: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new ClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    const n = labels.length;
    if (noise.length !== n * this.opts.zDim)
      throw new Error(`batcher: ${n} labels need ${n * this.opts.zDim} noise values, got ${noise.length}`);
    if (this.queuedImages + n > this.opts.maxQueue)
      return Promise.reject(new QueueFullError(this.queuedImages, this.opts.maxQueue));
    return new Promise<Float32Array>((resolve, reject) => {
      const job: Job = { labels, noise, queuedAt: performance.now(), resolve, reject, settled: false };
      const onAbort = () => {
        const i = this.queue.indexOf(job);
        if (i >= 0) {
          this.queue.splice(i, 1);
          this.queuedImages -= n;
        }
        settle(job, () => reject(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      job.resolve = (v) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      job.reject = (e) => {
        signal?.removeEventListener('abort', onAbort);
        reject(e);
      };
      this.queue.push(job);
      this.queuedImages += n;
      this.schedule();
    });
  }

  /** Stops waiting out the delay (a shutdown is draining): what is queued, and what comes, runs at once. */
  flush(): void {
    this.flushing = true;
    this.schedule();
  }

  /** Rejects every request still queued with `e` (the drain ran out of time); running ones finish. */
  rejectQueued(e: unknown): void {
    for (const j of this.queue.splice(0)) settle(j, () => j.reject(e));
    this.queuedImages = 0;
  }

  /** Stops taking work; resolves once everything queued or running has finished. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length && !this.running) this.startBatch(); // no more will come: do not wait out the delay
    await this.idle();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    const waited = performance.now() - this.queue[0].queuedAt;
    if (this.queuedImages >= this.opts.maxBatch || waited >= this.opts.maxDelayMs || this.closed || this.flushing) {
      this.startBatch();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, this.opts.maxDelayMs - waited);
    }
  }

  private startBatch(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // FIFO: take whole requests while they fit; the first one always goes, even if larger.
    const jobs: Job[] = [];
    let n = 0;
    while (this.queue.length && (jobs.length === 0 || n + this.queue[0].labels.length <= this.opts.maxBatch)) {
      const j = this.queue.shift() as Job;
      jobs.push(j);
      n += j.labels.length;
    }
    this.queuedImages -= n;
    this.running = this.runBatch(jobs, n).finally(() => {
      this.running = null;
      if (this.queue.length) this.schedule();
      else for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  private async runBatch(jobs: Job[], n: number): Promise<void> {
    const { zDim, plane } = this.opts;
    const labels: number[] = [];
    const noise = new Float32Array(n * zDim);
    let row = 0;
    for (const j of jobs) {
      labels.push(...j.labels);
      noise.set(j.noise, row * zDim);
      row += j.labels.length;
    }
    const t0 = performance.now();
    let images: Float32Array;
    try {
      images = await this.runChecked(labels, noise, n);
    } catch (e) {
      if (jobs.length === 1) settle(jobs[0], () => jobs[0].reject(e));
      else await this.runAlone(jobs);
      return;
    }
    this.opts.onBatch?.(n, jobs.length, performance.now() - t0);
    row = 0;
    for (const j of jobs) {
      const k = j.labels.length;
      // A copy, so one caller's result does not keep the whole batch's buffer alive.
      const mine = images.slice(row * plane, (row + k) * plane);
      row += k;
      settle(j, () => j.resolve(mine));
    }
  }

  private async runChecked(labels: number[], noise: Float32Array, n: number): Promise<Float32Array> {
    const images = await this.run(labels, noise);
    if (images.length !== n * this.opts.plane)
      throw new Error(`the model returned ${images.length} values for ${n} images of ${this.opts.plane}`);
    return images;
  }

  /**
   * A batch failed: runs each request alone so that one request's input (noise that overflows the
   * model) fails that request only. If every one fails alone too, the model is at fault: each gets
   * the run's own error; otherwise the failing ones get SoloFailure.
   */
  private async runAlone(jobs: Job[]): Promise<void> {
    const results: ({ ok: true; images: Float32Array } | { ok: false; e: unknown })[] = [];
    for (const j of jobs) {
      if (j.settled) {
        results.push({ ok: false, e: null }); // its client left meanwhile: nothing to run it for
        continue;
      }
      const t0 = performance.now();
      try {
        results.push({ ok: true, images: await this.runChecked(j.labels, j.noise, j.labels.length) });
        this.opts.onBatch?.(j.labels.length, 1, performance.now() - t0);
      } catch (e) {
        results.push({ ok: false, e });
      }
    }
    const anyOk = results.some((r) => r.ok);
    jobs.forEach((j, i) => {
      const r = results[i];
      if (r.ok) settle(j, () => j.resolve(r.images));
      else settle(j, () => j.reject(anyOk ? new SoloFailure(r.e) : r.e));
    });
  }
}

function settle(job: Job, f: () => void): void {
  if (job.settled) return;
  job.settled = true;
  f();
}
