/**
 * Coordinator side of data-parallel training: N worker threads, each with a full Replica.
 *
 * A step splits the batch into contiguous shards, one per worker, sums the returned gradients
 * (each shard's loss is already divided by the full batch size, so the sum is the full-batch
 * gradient) and sends the sum back to every worker to apply. tfjs's wasm backend is single-threaded
 * in Node, so this is how training uses more than one core.
 */
import { Worker } from 'node:worker_threads';
import type { BackendRequest } from './backend.ts';
import type { Hyper } from './run-files.ts';
import type { ArchConfig } from './model.ts';
import type { CriticResult, CriticShard, GeneratorResult, GeneratorShard, Group } from './replica.ts';
import type { StoredTensor } from './safetensors.ts';
import type { Reply, Request } from './worker.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

class WorkerClient {
  private nextId = 0;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly worker: Worker;

  constructor() {
    // From the sources a worker needs tsx registered first (worker-bootstrap.js); compiled, it starts worker.js.
    const compiled = import.meta.url.endsWith('.js');
    this.worker = new Worker(new URL(compiled ? './worker.js' : './worker-bootstrap.js', import.meta.url));
    this.worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`training worker failed: ${m.error}`));
    });
    const failAll = (e: Error) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`training worker exited with code ${code}`)));
  }

  call<T>(req: DistributiveOmit<Request, 'id'>, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }
}

export interface CriticBatch {
  real: Float32Array;
  labels: Int32Array;
  z: Float32Array;
  alpha: Float32Array;
  /** The matching-aware critic's stand-ins for some fakes (train/mismatch.ts); absent: none. */
  mismatch?: { images: Float32Array; mask: Float32Array };
}

export interface CriticMetrics {
  realScore: number;
  fakeScore: number;
  penalty: number;
  numTensors: number[];
}

/** Splits n items into `parts` contiguous ranges as even as possible. */
export function shardRanges(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  const base = Math.floor(n / parts);
  let extra = n % parts;
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const len = base + (extra-- > 0 ? 1 : 0);
    out.push([start, start + len]);
    start += len;
  }
  return out.filter(([a, b]) => b > a);
}

function sumInto(acc: Float32Array, x: Float32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] += x[i];
}

function allFinite(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

export class NonFiniteError extends Error {}

const ONE_WORKER_BACKENDS = ['webgpu', 'tensorflow-gpu', 'tensorflow'];

export class WorkerPool {
  private constructor(
    private readonly clients: WorkerClient[],
    readonly backend: string,
    readonly notes: string[],
  ) {}

  static async start(
    n: number,
    arch: ArchConfig,
    hyper: Hyper,
    seed: number,
    backend: BackendRequest,
  ): Promise<WorkerPool> {
    const clients = [new WorkerClient()];
    try {
      // Every replica initialises from the same seed, so all start with identical weights.
      const init = (c: WorkerClient) =>
        c.call<{ backend: string; notes: string[] }>({ op: 'init', arch, hyper, seed, backend });
      const first = await init(clients[0]);
      // A GPU or native backend already uses the whole device: more replicas would only split each
      // batch into smaller kernels on it (and open one GPU device per worker).
      if (ONE_WORKER_BACKENDS.includes(first.backend) && n > 1) {
        first.notes.push(`${first.backend}: one worker (asked for ${n}; the backend uses the whole device)`);
        n = 1;
      }
      while (clients.length < n) clients.push(new WorkerClient());
      await Promise.all(clients.slice(1).map(init));
      return new WorkerPool(clients, first.backend, first.notes);
    } catch (e) {
      await Promise.all(clients.map((c) => c.worker.terminate()));
      throw e;
    }
  }

  get size(): number {
    return this.clients.length;
  }

  /** One critic update on the whole batch. Throws NonFiniteError (before applying) on NaN/Inf. */
  async criticStep(b: CriticBatch): Promise<CriticMetrics> {
    const n = b.labels.length;
    const px = b.real.length / n;
    const zd = b.z.length / n;
    const ranges = shardRanges(n, this.clients.length);
    const results = await Promise.all(
      ranges.map(([s, e], i) => {
        const shard: CriticShard = {
          real: b.real.slice(s * px, e * px),
          labels: b.labels.slice(s, e),
          z: b.z.slice(s * zd, e * zd),
          alpha: b.alpha.slice(s, e),
          ...(b.mismatch && {
            mismatch: { images: b.mismatch.images.slice(s * px, e * px), mask: b.mismatch.mask.slice(s, e) },
          }),
        };
        return this.clients[i].call<CriticResult>({ op: 'critic', shard, fullBatch: n });
      }),
    );
    const grads = results[0].grads;
    for (const r of results.slice(1)) sumInto(grads, r.grads);
    const metrics: CriticMetrics = {
      realScore: results.reduce((s, r) => s + r.real, 0) / n,
      fakeScore: results.reduce((s, r) => s + r.fake, 0) / n,
      penalty: results.reduce((s, r) => s + r.penalty, 0) / n,
      numTensors: results.map((r) => r.numTensors),
    };
    if (!allFinite(grads) || ![metrics.realScore, metrics.fakeScore, metrics.penalty].every(Number.isFinite)) {
      throw new NonFiniteError(
        `critic loss or gradient is not finite (real ${metrics.realScore}, fake ${metrics.fakeScore}, ` +
          `penalty ${metrics.penalty})`,
      );
    }
    await this.applyAll('critic', grads);
    return metrics;
  }

  /** One generator update on the whole batch; returns the mean critic score of the fakes. */
  async generatorStep(labels: Int32Array, z: Float32Array): Promise<{ score: number; numTensors: number[] }> {
    const n = labels.length;
    const zd = z.length / n;
    const ranges = shardRanges(n, this.clients.length);
    const results = await Promise.all(
      ranges.map(([s, e], i) => {
        const shard: GeneratorShard = { labels: labels.slice(s, e), z: z.slice(s * zd, e * zd) };
        return this.clients[i].call<GeneratorResult>({ op: 'generator', shard, fullBatch: n });
      }),
    );
    const grads = results[0].grads;
    for (const r of results.slice(1)) sumInto(grads, r.grads);
    const score = results.reduce((s, r) => s + r.score, 0) / n;
    if (!allFinite(grads) || !Number.isFinite(score))
      throw new NonFiniteError(`generator loss or gradient is not finite (score ${score})`);
    await this.applyAll('generator', grads);
    return { score, numTensors: results.map((r) => r.numTensors) };
  }

  private async applyAll(group: Group, grads: Float32Array): Promise<void> {
    await Promise.all(this.clients.map((c) => c.call({ op: 'apply', group, grads })));
  }

  /** Generator images (NHWC, [-1, 1]) from replica 0. */
  generate(z: Float32Array, labels: Int32Array): Promise<Float32Array> {
    return this.clients[0].call<Float32Array>({ op: 'generate', z, labels });
  }

  state(): Promise<{ tensors: Record<string, StoredTensor>; adamT: Record<Group, number> }> {
    return this.clients[0].call({ op: 'state' });
  }

  async load(tensors: Record<string, StoredTensor>, adamT: Record<Group, number>): Promise<void> {
    await Promise.all(this.clients.map((c) => c.call({ op: 'load', tensors, adamT })));
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.worker.terminate()));
  }
}
