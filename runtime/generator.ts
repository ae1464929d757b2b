/**
 * The platform-neutral generator: session setup over a device list, input checks, seeded noise,
 * batching. The Node and browser entries (node.ts, browser.ts) supply the onnxruntime module and
 * the platform's error explanations, as onnxruntime's js/common separates the interface from the
 * backends that implement it.
 */
import { candidates, type Device, type ExecutionProvider, type Platform, type RunsOn } from './devices.ts';
import type { Images } from './images.ts';
import { TENSOR } from './generator-contract.ts';
import { BadModelError, BadRequestError } from './errors.ts';
import { checkLabels, parseLabels } from './labels.ts';
import { readModel, type ModelInfo } from './model-info.ts';
import { abortable, checkDtype, throwIfAborted, type ModelDtype, type SourceOptions } from './model-source.ts';
import { noiseFromSeed } from './random.ts';
import { verifyWeights } from './weights-hash.ts';

/** The slice of onnxruntime (node or web) this module uses. */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}
export interface OrtSessionLike {
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}
export interface OrtLike {
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<OrtSessionLike> };
  Tensor: new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensorLike;
}

/** What an entry point brings. */
export interface Backend {
  platform: Platform;
  ort: OrtLike;
  /** Session options for one execution provider. */
  sessionOptions(ep: ExecutionProvider): object;
  /**
   * Says why an execution provider is surely absent (an Error, as `explain` would give), so a
   * failed attempt, and the native error log onnxruntime writes for it, can be skipped.
   */
  precheck?(ep: ExecutionProvider): Error | null;
  /** Rewrites a session-creation failure as an Error saying what is missing and how to get it. */
  explain(ep: ExecutionProvider, err: unknown): Error;
}

export interface LoadOptions extends SourceOptions {
  /**
   * Which file of the model: 'fp16' loads `x.fp16.onnx` for `x.onnx` (half the bytes; what
   * `cgan export --fp16` writes), 'fp32' the file as named. Bytes passed in are checked against it.
   */
  dtype?: ModelDtype;
  /** Default 'auto'. */
  device?: Device;
  /** Fall back to cpu (Node) / wasm (browser) when the device is absent, instead of failing. */
  fallback?: boolean;
  /**
   * Check the weights against the sha256 the exporter stored (default true): a damaged file is a
   * BadModelError instead of a model that draws garbage. False skips it (bench/verify-cost.ts).
   */
  verify?: boolean;
}

export interface GenerateRequest {
  /** One class index or class name per image, or a spec like "0-9", "3,3,7" or "Sneaker,Bag". */
  labels: ArrayLike<number> | readonly string[] | string;
  /** Exactly one of seed / noise. */
  seed?: number;
  /** [count, zDim], row-major. */
  noise?: Float32Array;
  /** Images per session run (default 256); results do not depend on it. */
  batchSize?: number;
  /**
   * Stops between session runs (a run already started finishes: onnxruntime cannot interrupt one)
   * and rejects with `signal.reason`.
   */
  signal?: AbortSignal;
}

export interface GeneratorInit {
  info: ModelInfo;
  device: RunsOn;
  requested: Device;
  fallback: { from: Device; reason: string } | null;
  session: OrtSessionLike;
  ort: OrtLike;
}

export const DEFAULT_BATCH = 256;

/** Creates a session on the first execution provider that works. */
export async function openSession(
  bytes: Uint8Array,
  backend: Backend,
  opts: LoadOptions,
  what: string,
): Promise<GeneratorInit> {
  const model = readModel(bytes, what); // bad files fail here, with a clear message, before onnxruntime sees them
  checkDtype(model.info, opts.dtype, what);
  if (opts.verify ?? true) await verifyWeights(model, what);
  throwIfAborted(opts.signal);
  const { info } = model;
  const requested = opts.device ?? 'auto';
  const eps = candidates(backend.platform, requested, opts.fallback ?? false);
  const failures: Error[] = [];
  for (const ep of eps) {
    const absent = backend.precheck?.(ep);
    if (absent) {
      failures.push(absent);
      continue;
    }
    try {
      // A session cannot be cancelled while it is created: an abort rejects now and releases it later.
      const creating = backend.ort.InferenceSession.create(bytes, backend.sessionOptions(ep));
      const session = await abortable(creating, opts.signal, (late) => void late.release().catch(() => {}));
      const fallback = failures.length
        ? { from: requested === 'auto' ? eps[0] : requested, reason: failures.map((f) => f.message).join('; ') }
        : null;
      return { info, device: ep, requested, fallback, session, ort: backend.ort };
    } catch (e) {
      throwIfAborted(opts.signal);
      failures.push(backend.explain(ep, e));
    }
  }
  if (failures.length === 1) throw failures[0];
  throw new Error(`no device worked for "${requested}": ${failures.map((f) => f.message).join('; ')}`);
}

function checkNoise(noise: unknown, count: number, zDim: number): Float32Array {
  if (!(noise instanceof Float32Array))
    throw new BadRequestError('noise must be a Float32Array of [count, zDim] values');
  if (noise.length !== count * zDim) {
    throw new BadRequestError(`noise has ${noise.length} values; ${count} images x zDim ${zDim} need ${count * zDim}`);
  }
  for (let i = 0; i < noise.length; i++) {
    if (!Number.isFinite(noise[i])) {
      throw new BadRequestError(
        `noise value ${i} (image ${Math.floor(i / zDim)}, dim ${i % zDim}) is ${noise[i]}; noise must be finite`,
      );
    }
  }
  return noise;
}

/** Index of the first NaN or infinity, or -1. */
function firstNonFinite(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}

export class GeneratorBase {
  /** Model description from the .onnx metadata. */
  readonly info: ModelInfo;
  /** The execution provider that runs the model ('remote': a v2 server, runtime/remote.ts). */
  readonly device: RunsOn;
  readonly requested: Device;
  /** Set when the requested device was absent and an opted-in (or auto) fallback ran instead. */
  readonly fallback: { from: Device; reason: string } | null;
  private readonly session: OrtSessionLike;
  private readonly ort: OrtLike;
  private released: Promise<void> | null = null;

  /** Use the entry points' `Generator.load`. */
  constructor(init: GeneratorInit) {
    this.info = init.info;
    this.device = init.device;
    this.requested = init.requested;
    this.fallback = init.fallback;
    this.session = init.session;
    this.ort = init.ort;
  }

  /**
   * Labels from a spec string ("0-9", "Sneaker,Bag": runtime/labels.ts), a list of class indices or
   * a list of class names, checked against the model's classes.
   */
  labels(spec: ArrayLike<number> | readonly string[] | string): number[] {
    const names = this.info.classNames;
    return typeof spec === 'string' ? parseLabels(spec, names) : checkLabels(spec, names);
  }

  async generate(req: GenerateRequest): Promise<Images> {
    if (this.released) throw new Error('generate: this generator was disposed; load the model again');
    throwIfAborted(req.signal);
    const { zDim, imageSize, channels } = this.info;
    const labels = this.labels(req.labels);
    const count = labels.length;
    if ((req.seed === undefined) === (req.noise === undefined))
      throw new BadRequestError('generate: pass exactly one of seed or noise');
    let noise: Float32Array;
    if (req.noise !== undefined) noise = checkNoise(req.noise, count, zDim);
    else {
      const seed = req.seed as number;
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
        throw new BadRequestError(`seed must be an integer in [0, 4294967295], got ${seed}`);
      noise = noiseFromSeed(seed, count, zDim); // drawn once for the whole request: chunking cannot change it
    }
    const batch = req.batchSize ?? DEFAULT_BATCH;
    if (!Number.isInteger(batch) || batch < 1)
      throw new BadRequestError(`batchSize must be a positive integer, got ${batch}`);

    const plane = channels * imageSize * imageSize; // one image's values, NCHW
    const data = new Float32Array(count * plane);
    const t0 = performance.now();
    for (let start = 0; start < count; start += batch) {
      throwIfAborted(req.signal);
      if (this.released) throw new Error('generate: the generator was disposed while generating');
      const n = Math.min(batch, count - start);
      const z = new this.ort.Tensor('float32', noise.subarray(start * zDim, (start + n) * zDim), [n, zDim]);
      const lab = new this.ort.Tensor(
        'int64',
        BigInt64Array.from(labels.slice(start, start + n), (v) => BigInt(v)),
        [n],
      );
      const out = await this.session.run({ [TENSOR.z]: z, [TENSOR.label]: lab });
      const image = out[TENSOR.image];
      const want = [n, channels, imageSize, imageSize];
      if (!image || image.dims.join() !== want.join()) {
        throw new Error(
          `the model returned ${image ? `image [${image.dims}]` : 'no "image" output'}, expected [${want}]`,
        );
      }
      const values = image.data as Float32Array;
      const bad = firstNonFinite(values);
      if (bad >= 0) {
        throw new BadModelError(
          `the model output ${values[bad]} for image ${start + Math.floor(bad / plane)} (outputs must be finite, ` +
            `in [-1, 1]): ` +
            `its weights are damaged; copy or export the model again`,
        );
      }
      data.set(values, start * plane);
      z.dispose?.();
      lab.dispose?.();
      image.dispose?.();
    }
    const ms = performance.now() - t0;
    return {
      data,
      count,
      channels,
      height: imageSize,
      width: imageSize,
      labels: Int32Array.from(labels),
      noise,
      device: this.device,
      ms,
    };
  }

  /** Releases the session; calling it again (or concurrently) waits for the same release. */
  dispose(): Promise<void> {
    this.released ??= this.session.release();
    return this.released;
  }

  /** True once `dispose()` was called. */
  get disposed(): boolean {
    return this.released !== null;
  }
}
