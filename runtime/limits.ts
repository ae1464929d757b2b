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

/**
 * Square image sides a generator may have: multiples of IMAGE_SIZE_STEP from MIN_IMAGE_SIZE to
 * MAX_IMAGE_SIZE (MNIST's 28 is one). The generator doubles its feature maps' side at least twice
 * (runtime/generator-contract.ts), so the side must divide by 4.
 */
export const MIN_IMAGE_SIZE = 16;
export const MAX_IMAGE_SIZE = 64;
export const IMAGE_SIZE_STEP = 4;

/** Classes a dataset may have: labels are stored as one byte each. */
export const MAX_CLASSES = 256;

/** Usable images each class of an image folder needs (one to train on, one a held-out split can take). */
export const MIN_IMAGES_PER_CLASS = 2;

/**
 * Largest decoded dataset held in memory (count x size x size x channels bytes), checked before decoding:
 * 174,762 RGB images at 64x64, 2.7 million grayscale at 28x28.
 */
export const MAX_DECODED_DATASET_BYTES = 2 * 1024 * 1024 * 1024;

/** Largest image file read from a folder or a zip (a 64x64 PNG is a few KiB; a camera JPEG ~10 MiB). */
export const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Most pixels an image's header may claim (8192 x 8192): sharp refuses a larger one before decoding it
 * (`limitInputPixels`), so a 100,000 x 100,000 header costs nothing.
 */
export const MAX_SOURCE_IMAGE_PIXELS = 8192 * 8192;

/** Data-parallel training workers per CPU core (each holds a full model copy and its optimiser state). */
export const MAX_WORKERS_PER_CORE = 1;

/** Human-readable sizes for the messages that name these limits. */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(n % 1024 ** 3 ? 1 : 0)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(n % 1024 ** 2 ? 1 : 0)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} bytes`;
}
