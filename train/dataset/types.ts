/** The decoded dataset every stage trains and measures on, and what `loadDataset` takes. */

export interface Dataset {
  /** 'mnist' for the bundled data, else the base name of the path given (without .zip). */
  name: string;
  /** Absolute path given to --data; '' for the bundled MNIST. */
  source: string;
  kind: 'idx' | 'folder' | 'zip';
  /** IDX: the image file; a folder or zip: the source path. */
  imagesFile: string;
  /** IDX: the label file; a folder or zip: its dataset.json, or ''. */
  labelsFile: string;
  count: number;
  /** Side of the square images. */
  size: number;
  channels: 1 | 3;
  /** count x size x size x channels bytes, row-major HWC (channels interleaved), 0 = black. */
  pixels: Uint8Array;
  /** Class index per image. */
  labels: Uint8Array;
  numClasses: number;
  classNames: string[];
  /**
   * Hex digest of the sources (IDX: their bytes; a folder or zip: every image's path, size and
   * modification time, and the labels) and of the size and channels they were decoded to.
   */
  fingerprint: string;
  /** Where the decoded copy of a folder or zip lives, and whether this load read it (hit) or decoded. */
  cache?: { file: string; hit: boolean; bytes: number };
}

export type Log = (msg: string) => void;

export interface LoadOptions {
  /**
   * What --data names: a directory with an IDX pair (plain or .gz), a folder of class subfolders (or
   * with a dataset.json), or a .zip of either of the latter; default: the bundled MNIST.
   */
  dir?: string;
  /** 'test': the IDX t10k- pair; an image folder has none (see holdoutSplit). */
  split?: 'train' | 'test';
  /** Use only the first N examples (IDX: file order; a folder: class-interleaved order). */
  limit?: number;
  /** Side to resize to; default: chosen from the data (docs/datasets.md). */
  imageSize?: number;
  /** 1 (grayscale) or 3 (RGB); default: 1 if every image is grayscale, else 3. */
  channels?: number;
  /** An image that cannot be used is an error instead of a named skip. */
  strict?: boolean;
  /** Where decoded folders are cached; default $CGAN_CACHE_DIR, $XDG_CACHE_HOME/cgan-onnx/datasets, ~/.cache/... */
  cacheDir?: string;
  /** Hears what was chosen, skipped and cached (and decoding progress). Default: silent. */
  log?: Log;
}
