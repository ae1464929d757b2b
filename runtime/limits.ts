/**
 * What one call may ask for: each limit has this one home, read by the check, its message, the
 * CLI's --help and the README. Browser-safe (numbers only).
 */

/** Images one generate call may make (a 28x28 float32 image is 3 KiB: 100,000 of them are 314 MB). */
export const MAX_IMAGES_PER_REQUEST = 100_000;

/**
 * Pixels in one PNG grid `cgan generate --out` draws (cols x rows x scale^2, with padding): the RGBA
 * buffer is 4 bytes a pixel, so this bounds it at 256 MiB (e.g. 8192 x 8192), checked before any
 * image is generated.
 */
export const MAX_GRID_PIXELS = 64 * 1024 * 1024;

/**
 * Largest |z| a server request may send, as float32. N(0, 1) noise stays within 6; the bound keeps a
 * client's noise from overflowing float32 inside the model (the shipped generator first fails, with
 * NaN, near 3e38) and is far above any value a sampler or an interpolation produces.
 */
export const MAX_ABS_NOISE = 1000;

/** Largest .onnx accepted (the shipped generator is 8.7 MB; a generator of this architecture is never near this). */
export const MAX_MODEL_BYTES = 256 * 1024 * 1024;

/** Largest checkpoint read (the shipped run's is ~50 MB: weights, two Adam moments, the weight average). */
export const MAX_CHECKPOINT_BYTES = 1024 * 1024 * 1024;

/** Largest IDX dataset file read (MNIST's training images are 47 MB). */
export const MAX_DATASET_BYTES = 2 * 1024 * 1024 * 1024 - 1;

/** Data-parallel training workers per CPU core (each holds a full model copy and its optimiser state). */
export const MAX_WORKERS_PER_CORE = 1;

/** Human-readable sizes for the messages that name these limits. */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(n % 1024 ** 3 ? 1 : 0)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(n % 1024 ** 2 ? 1 : 0)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} bytes`;
}
