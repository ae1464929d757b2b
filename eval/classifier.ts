/**
 * The evaluation classifier: the judge of `cgan eval`. A small CNN in plain tfjs ops over named
 * weights (so one forward serves training, accuracy and the feature-space metrics):
 *
 *   x [B,S,S,C] in [-1,1] -> (conv KxK -> ReLU -> maxpool 2) per stage -> flatten
 *   -> dense (ReLU; the penultimate features) -> dense -> logits
 *
 * Two families, chosen by `classifierArchFor` from the data: at 28x28 the MNIST classifier (two
 * 5x5 'valid' stages of 16 and 32, the committed models/classifier), elsewhere 3x3 'same' stages
 * of 16, 32, 64, 64 channels until the map is at most 7 wide (16 -> 4, 32 -> 4, 64 -> 4).
 *
 * Stored as one safetensors file (train/safetensors.ts): the weights as F32 tensors, and as
 * metadata the format tag, the architecture (JSON), the dataset, the held-out split and the
 * accuracy measured on it. Format: docs/eval.md.
 */
import { promises as fs } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodeSafetensors, readSafetensorsFile, type StoredTensor } from '../train/safetensors.ts';
import { BadFileError, BadRequestError } from '../runtime/errors.ts';
import { Rng } from '../runtime/random.ts';
import { packageRootOf } from '../train/package-root.ts';

export const CLASSIFIER_FORMAT = 'cgan-onnx.classifier';
/** 2 adds channels, padding and any number of stages to the architecture; 1 (MNIST only) still loads. */
export const CLASSIFIER_VERSION = '2';
const READABLE_VERSIONS = ['1', '2'];
export const CLASSIFIER_FILE = 'classifier.safetensors';
/**
 * Where the committed weights live, relative to the package root: the repository from the sources, the training
 * package (@cgan-onnx/train, which ships a copy) once compiled into it.
 */
export const DEFAULT_CLASSIFIER_DIR = pathToFileURL(
  path.join(packageRootOf(import.meta.url).dir, 'models/classifier/'),
);

export interface ClassifierArch {
  /** Side of the square input. */
  imageSize: number;
  /** 1 (gray) or 3 (RGB), the input's last axis. */
  channels: number;
  numClasses: number;
  kernel: number;
  /** 'valid': the MNIST classifier's convolutions; 'same': the family for every other size. */
  padding: 'valid' | 'same';
  /** Output channels of each conv + ReLU + maxpool-2 stage. */
  convs: number[];
  /** Width of the penultimate layer: the feature dimension of the Frechet distance and the manifolds. */
  hidden: number;
}

export const MIN_SIZE = 16;
export const MAX_SIZE = 64;
export const MAX_CLASSES = 256;

/** The committed MNIST classifier's architecture. */
export function defaultClassifierArch(): ClassifierArch {
  return { imageSize: 28, channels: 1, numClasses: 10, kernel: 5, padding: 'valid', convs: [16, 32], hidden: 128 };
}

/** The architecture for square images of `size` x `size` x `channels` in `numClasses` classes. */
export function classifierArchFor(size: number, channels: number, numClasses: number): ClassifierArch {
  if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE)
    throw new BadRequestError(`the classifier takes images of ${MIN_SIZE} to ${MAX_SIZE} pixels a side, got ${size}`);
  if (channels !== 1 && channels !== 3)
    throw new BadRequestError(`the classifier takes 1 (gray) or 3 (RGB) channels, got ${channels}`);
  if (!Number.isInteger(numClasses) || numClasses < 2 || numClasses > MAX_CLASSES)
    throw new BadRequestError(`the classifier takes 2 to ${MAX_CLASSES} classes, got ${numClasses}`);
  if (size === 28) return { ...defaultClassifierArch(), channels, numClasses };
  const convs: number[] = [];
  for (let side = size; side > 7; side = Math.floor(side / 2)) convs.push(Math.min(16 << convs.length, 64));
  return { imageSize: size, channels, numClasses, kernel: 3, padding: 'same', convs, hidden: 128 };
}

/** The architecture from a file's "arch" JSON; version 1 files name two stages conv1/conv2 and have 1 channel. */
export function parseArch(json: string): ClassifierArch {
  const a = JSON.parse(json) as Partial<ClassifierArch> & { conv1?: number; conv2?: number };
  const d = defaultClassifierArch();
  const convs = a.convs ?? [a.conv1 ?? d.convs[0], a.conv2 ?? d.convs[1]];
  return {
    imageSize: a.imageSize ?? d.imageSize,
    channels: a.channels ?? 1,
    numClasses: a.numClasses ?? d.numClasses,
    kernel: a.kernel ?? d.kernel,
    padding: a.padding ?? 'valid',
    convs,
    hidden: a.hidden ?? d.hidden,
  };
}

/** Side of the feature map after the conv + pool stages. */
function finalSide(a: ClassifierArch): number {
  let s = a.imageSize;
  for (const _ of a.convs) s = Math.floor((a.padding === 'valid' ? s - a.kernel + 1 : s) / 2);
  if (s < 1)
    throw new Error(
      `classifier: image size ${a.imageSize} is too small for ${a.convs.length} ${a.kernel}x${a.kernel} ` +
        'conv + pool stages',
    );
  return s;
}

export function classifierShapes(a: ClassifierArch): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  let cin = a.channels;
  a.convs.forEach((cout, i) => {
    shapes[`conv${i + 1}.kernel`] = [a.kernel, a.kernel, cin, cout];
    shapes[`conv${i + 1}.bias`] = [cout];
    cin = cout;
  });
  shapes['dense1.kernel'] = [finalSide(a) ** 2 * cin, a.hidden];
  shapes['dense1.bias'] = [a.hidden];
  shapes['dense2.kernel'] = [a.hidden, a.numClasses];
  shapes['dense2.bias'] = [a.numClasses];
  return shapes;
}

export type ClassifierWeights = Record<string, tf.Tensor>;

/** He-normal kernels (ReLU nets), zero biases, from a seed. */
export function initClassifier(a: ClassifierArch, seed: number): ClassifierWeights {
  const rng = new Rng(seed);
  const out: ClassifierWeights = {};
  for (const [name, shape] of Object.entries(classifierShapes(a))) {
    const n = shape.reduce((x, y) => x * y, 1);
    if (name.endsWith('bias')) {
      out[name] = tf.zeros(shape);
      continue;
    }
    const fanIn = shape.slice(0, -1).reduce((x, y) => x * y, 1);
    const std = Math.sqrt(2 / fanIn);
    out[name] = tf.tensor(
      rng.fillNormal(new Float32Array(n)).map((v) => v * std),
      shape,
    );
  }
  return out;
}

/** Penultimate features [B, hidden] and logits [B, numClasses] for NHWC images in [-1, 1]. */
export function classifierForward(
  a: ClassifierArch,
  w: ClassifierWeights,
  x: tf.Tensor4D,
): { features: tf.Tensor2D; logits: tf.Tensor2D } {
  return tf.tidy(() => {
    let h = x;
    for (let i = 1; i <= a.convs.length; i++) {
      const conv = tf.conv2d(h, w[`conv${i}.kernel`] as tf.Tensor4D, 1, a.padding);
      h = tf.maxPool(tf.relu(tf.add(conv, w[`conv${i}.bias`])) as tf.Tensor4D, 2, 2, 'valid');
    }
    const flat = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
    const features = tf.relu(
      tf.add(tf.matMul(flat, w['dense1.kernel'] as tf.Tensor2D), w['dense1.bias']),
    ) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(features, w['dense2.kernel'] as tf.Tensor2D), w['dense2.bias']) as tf.Tensor2D;
    return { features, logits };
  });
}

export interface Classifier {
  arch: ClassifierArch;
  weights: ClassifierWeights;
  /** Every metadata entry of the file (dataset, class names, held-out split and accuracy, how it was trained). */
  metadata: Record<string, string>;
  file: string;
}

export interface Classified {
  count: number;
  /** argmax class per image. */
  predictions: Int32Array;
  /** [count, hidden] row-major. */
  features: Float32Array;
  dim: number;
}

/** Values in one input image. */
export function imageValues(a: ClassifierArch): number {
  return a.imageSize * a.imageSize * a.channels;
}

/**
 * Runs the classifier over `count` images that `batchAt(start, n)` hands over `batch` at a time as
 * NHWC floats in [-1, 1], so neither the conv activations nor a float copy of a whole dataset pile up.
 */
export function classifyBatches(
  c: Classifier,
  count: number,
  batchAt: (start: number, n: number) => Float32Array,
  batch = 500,
): Classified {
  const { imageSize: s, channels, hidden } = c.arch;
  const predictions = new Int32Array(count);
  const features = new Float32Array(count * hidden);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const x = tf.tensor4d(batchAt(start, n), [n, s, s, channels]);
    const { features: f, logits } = classifierForward(c.arch, c.weights, x);
    const am = tf.argMax(logits, 1);
    predictions.set(am.dataSync() as Int32Array, start);
    features.set(f.dataSync() as Float32Array, start * hidden);
    tf.dispose([x, f, logits, am]);
  }
  return { count, predictions, features, dim: hidden };
}

/** `classifyBatches` over `count` NHWC images in one array (one channel: NCHW is the same layout). */
export function classify(c: Classifier, images: Float32Array, count: number, batch = 500): Classified {
  const px = imageValues(c.arch);
  if (images.length !== count * px) {
    const { imageSize: s, channels } = c.arch;
    throw new Error(`classify: ${images.length} values are not ${count} images of ${s}x${s}x${channels}`);
  }
  return classifyBatches(c, count, (start, n) => images.subarray(start * px, (start + n) * px), batch);
}

/** A generator's NCHW images [count, C, S, S] as the classifier's NHWC; one channel needs no copy. */
export function nchwToNhwc(data: Float32Array, count: number, channels: number, size: number): Float32Array {
  if (channels === 1) return data;
  const px = size * size;
  const out = new Float32Array(count * channels * px);
  for (let n = 0; n < count; n++) {
    const base = n * channels * px;
    for (let ch = 0; ch < channels; ch++)
      for (let p = 0; p < px; p++) out[base + p * channels + ch] = data[base + ch * px + p];
  }
  return out;
}

export function disposeClassifier(c: Classifier): void {
  tf.dispose(Object.values(c.weights));
}

function resolveFile(dirOrFile: string): string {
  return dirOrFile.endsWith('.safetensors') ? dirOrFile : path.join(dirOrFile, CLASSIFIER_FILE);
}

export async function saveClassifier(
  dirOrFile: string,
  arch: ClassifierArch,
  weights: ClassifierWeights,
  metadata: Record<string, string>,
): Promise<{ file: string; bytes: number }> {
  const file = resolveFile(dirOrFile);
  const tensors: Record<string, StoredTensor> = {};
  for (const name of Object.keys(classifierShapes(arch))) {
    const t = weights[name];
    tensors[name] = { dtype: 'F32', shape: t.shape, data: (await t.data()) as Float32Array };
  }
  const bytes = encodeSafetensors({
    tensors,
    metadata: {
      ...metadata,
      format: CLASSIFIER_FORMAT,
      format_version: CLASSIFIER_VERSION,
      arch: JSON.stringify(arch),
    },
  });
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, bytes);
  return { file, bytes: bytes.length };
}

/** Loads classifier weights (a directory holding classifier.safetensors, or the file itself). */
export async function loadClassifier(dirOrFile: string | URL = DEFAULT_CLASSIFIER_DIR): Promise<Classifier> {
  const given = typeof dirOrFile === 'string' ? dirOrFile : decodeURIComponent(dirOrFile.pathname);
  // A file that is not .safetensors (a model .onnx, say) is the wrong file, not a directory to train into.
  if (!given.endsWith('.safetensors') && (await fs.stat(given).catch(() => null))?.isFile()) {
    throw new BadFileError(
      `${given} is a file, not classifier weights: give a classifier .safetensors written by ` +
        '`cgan classifier train`, or its directory (default: the committed models/classifier)',
    );
  }
  const file = resolveFile(given);
  const st = await readSafetensorsFile(
    file,
    (f) => `classifier weights ${f} do not exist; train them with \`cgan classifier train --out ${path.dirname(f)}\``,
  );
  if (st.metadata.format !== CLASSIFIER_FORMAT) {
    throw new BadFileError(
      `${file} is not classifier weights (metadata format is ${JSON.stringify(st.metadata.format ?? null)}, ` +
        `expected ${CLASSIFIER_FORMAT}); train them with \`cgan classifier train\``,
    );
  }
  if (!READABLE_VERSIONS.includes(st.metadata.format_version))
    throw new BadFileError(
      `${file}: classifier format version ${st.metadata.format_version}, this program reads ` +
        `${READABLE_VERSIONS.join(' and ')}`,
    );
  let arch: ClassifierArch;
  try {
    arch = parseArch(st.metadata.arch);
  } catch {
    throw new BadFileError(`${file}: metadata "arch" is not valid JSON (corrupt file)`);
  }
  const weights: ClassifierWeights = {};
  for (const [name, shape] of Object.entries(classifierShapes(arch))) {
    const t = st.tensors[name];
    if (!t) {
      tf.dispose(Object.values(weights));
      throw new BadFileError(`${file}: tensor ${name} is missing (corrupt or foreign file)`);
    }
    if (t.dtype !== 'F32' || JSON.stringify(t.shape) !== JSON.stringify(shape)) {
      tf.dispose(Object.values(weights));
      throw new BadFileError(
        `${file}: tensor ${name} is ${t.dtype} ${JSON.stringify(t.shape)}, ` +
          `the architecture needs F32 ${JSON.stringify(shape)}`,
      );
    }
    weights[name] = tf.tensor(t.data as Float32Array, shape);
  }
  return { arch, weights, metadata: st.metadata, file };
}

/** Number of weights. */
export function classifierParamCount(a: ClassifierArch): number {
  return Object.values(classifierShapes(a)).reduce((s, shape) => s + shape.reduce((x, y) => x * y, 1), 0);
}
