import { MAX_GRID_PIXELS } from '../runtime/limits.ts';

/** The serving defaults, shared by `cgan serve`, the Triton repository writer and the docs. */
export const SERVE_DEFAULTS = {
  port: 8000,
  host: '127.0.0.1',
  /** Images per session run; Triton's max_batch_size. */
  maxBatch: 256,
  /** How long a request may wait for others to join its batch; Triton's max_queue_delay_microseconds / 1000. */
  maxDelayMs: 5,
  /** Images waiting before new requests get 503; Triton's max_queue_size (which counts requests). */
  maxQueue: 1024,
  /** Images in one request. */
  maxImages: 256,
  /** Request bodies: 256 images of 128 noise values as JSON text fit several times over. */
  maxBodyBytes: 4 * 1024 * 1024,
  /** From arrival to answer; past it the request gets 504 (and leaves the queue if it is still there). */
  timeoutMs: 30_000,
  /** After SIGTERM, how long the requests already received may take to be answered; the rest get 503. */
  drainTimeoutMs: 30_000,
  /** Pixels in one /v1/png answer (cols x rows x scale^2 with padding): 2048 x 2048, a 16 MiB RGBA buffer. */
  maxPngPixels: 4 * 1024 * 1024,
  /** The model version the v2 routes serve (a Triton repository's version directory). */
  version: '1',
} as const;

/**
 * The range of each numeric option, checked at start-up (`cgan serve` exits 2 outside it). The upper
 * bounds keep every value meaningful: a timeout past 2^31 - 1 ms would fire at once in Node's
 * timers (every request a 504), a queue or body far past memory would only fail later.
 */
export const SERVE_BOUNDS = {
  port: [0, 65535],
  maxBatch: [1, 65536],
  maxDelayMs: [0, 10_000],
  maxQueue: [1, 1_048_576],
  maxImages: [1, 65536],
  maxBodyBytes: [1024, 256 * 1024 * 1024],
  timeoutMs: [1, 3_600_000],
  drainTimeoutMs: [0, 3_600_000],
  maxPngPixels: [1024, MAX_GRID_PIXELS],
} as const satisfies Record<string, readonly [number, number]>;

export type ServeLimits = { [K in Exclude<keyof typeof SERVE_BOUNDS, 'port'>]: number };

/**
 * What is wrong with a set of server limits: a value outside SERVE_BOUNDS, or a combination that
 * can never work. Empty when they are usable. `flag` names an option for the message.
 */
export function serveLimitProblems(o: ServeLimits, flag: (k: keyof ServeLimits) => string = (k) => k): string[] {
  const out: string[] = [];
  for (const k of Object.keys(SERVE_BOUNDS) as (keyof typeof SERVE_BOUNDS)[]) {
    if (k === 'port') continue;
    const [lo, hi] = SERVE_BOUNDS[k];
    const v = o[k];
    const integer = k !== 'maxDelayMs';
    if (!(typeof v === 'number' && v >= lo && v <= hi && (!integer || Number.isInteger(v))))
      out.push(`${flag(k)} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${v}`);
  }
  if (out.length) return out;
  if (o.maxQueue < o.maxImages)
    out.push(
      `${flag('maxQueue')} ${o.maxQueue} is below ${flag('maxImages')} ${o.maxImages}: a request of ` +
        `${o.maxImages} images could never be queued; raise ${flag('maxQueue')} or lower ${flag('maxImages')}`,
    );
  if (o.maxDelayMs >= o.timeoutMs)
    out.push(
      `${flag('maxDelayMs')} ${o.maxDelayMs} is not below ${flag('timeoutMs')} ${o.timeoutMs}: a request ` +
        `alone in the queue would time out while waiting for others`,
    );
  return out;
}

/** Model names as Triton accepts them in a repository (a directory name) and in a URL path segment. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The served name of a model file: its file name without `.onnx` (`mnist-cwgan.fp16.onnx` stays distinct). */
export function modelNameOf(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.onnx$/i, '');
}
