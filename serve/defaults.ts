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
  /** The model version the v2 routes serve (a Triton repository's version directory). */
  version: '1',
} as const;

/** Model names as Triton accepts them in a repository (a directory name) and in a URL path segment. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The served name of a model file: its file name without `.onnx` (`mnist-cwgan.fp16.onnx` stays distinct). */
export function modelNameOf(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.onnx$/i, '');
}
