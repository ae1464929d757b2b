/**
 * The project's MNIST classifier: the judge of `cgan eval`. A small CNN in plain tfjs ops over
 * named weights (so one forward serves training, accuracy and the Frechet features):
 *
 *   x [B,28,28,1] in [-1,1] -> conv 5x5 (valid) -> ReLU -> maxpool 2 -> conv 5x5 (valid) -> ReLU
 *   -> maxpool 2 -> flatten -> dense (ReLU; the penultimate features) -> dense -> logits
 *
 * Stored as one safetensors file (train/safetensors.ts): the weights as F32 tensors, and as
 * metadata the format tag, the architecture (JSON), the dataset and the measured test accuracy.
 * Format: docs/eval.md.
 */
import { promises as fs } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodeSafetensors, readSafetensorsFile, type StoredTensor } from '../train/safetensors.ts';
import { Rng } from '../runtime/random.ts';
import { packageRootOf } from '../train/package-root.ts';

export const CLASSIFIER_FORMAT = 'cgan-onnx.classifier';
export const CLASSIFIER_VERSION = '1';
export const CLASSIFIER_FILE = 'classifier.safetensors';
/**
 * Where the committed weights live, relative to the package root: the repository from the sources, the training
 * package (@cgan-onnx/train, which ships a copy) once compiled into it.
 */
export const DEFAULT_CLASSIFIER_DIR = pathToFileURL(
  path.join(packageRootOf(import.meta.url).dir, 'models/classifier/'),
);

export interface ClassifierArch {
  imageSize: number;
  numClasses: number;
  kernel: number;
  conv1: number;
  conv2: number;
  /** Width of the penultimate layer: the Frechet distance's feature dimension. */
  hidden: number;
}

export function defaultClassifierArch(): ClassifierArch {
  return { imageSize: 28, numClasses: 10, kernel: 5, conv1: 16, conv2: 32, hidden: 128 };
}

/** Side of the feature map after the two conv (valid) + pool stages. */
function finalSide(a: ClassifierArch): number {
  const s1 = Math.floor((a.imageSize - a.kernel + 1) / 2);
  const s2 = Math.floor((s1 - a.kernel + 1) / 2);
  if (s2 < 1)
    throw new Error(
      `classifier: image size ${a.imageSize} is too small for two ${a.kernel}x${a.kernel} conv + pool stages`,
    );
  return s2;
}

export function classifierShapes(a: ClassifierArch): Record<string, number[]> {
  const flat = finalSide(a) ** 2 * a.conv2;
  return {
    'conv1.kernel': [a.kernel, a.kernel, 1, a.conv1],
    'conv1.bias': [a.conv1],
    'conv2.kernel': [a.kernel, a.kernel, a.conv1, a.conv2],
    'conv2.bias': [a.conv2],
    'dense1.kernel': [flat, a.hidden],
    'dense1.bias': [a.hidden],
    'dense2.kernel': [a.hidden, a.numClasses],
    'dense2.bias': [a.numClasses],
  };
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
  w: ClassifierWeights,
  x: tf.Tensor4D,
): { features: tf.Tensor2D; logits: tf.Tensor2D } {
  return tf.tidy(() => {
    let h = tf.relu(tf.add(tf.conv2d(x, w['conv1.kernel'] as tf.Tensor4D, 1, 'valid'), w['conv1.bias'])) as tf.Tensor4D;
    h = tf.maxPool(h, 2, 2, 'valid');
    h = tf.relu(tf.add(tf.conv2d(h, w['conv2.kernel'] as tf.Tensor4D, 1, 'valid'), w['conv2.bias'])) as tf.Tensor4D;
    h = tf.maxPool(h, 2, 2, 'valid');
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
  /** Every metadata entry of the file (dataset, test accuracy, how it was trained). */
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

/**
 * Runs the classifier over `count` NHWC (equivalently NCHW with one channel) images in [-1, 1],
 * `batch` at a time so the conv activations stay small.
 */
export function classify(c: Classifier, images: Float32Array, count: number, batch = 500): Classified {
  const px = c.arch.imageSize * c.arch.imageSize;
  if (images.length !== count * px)
    throw new Error(
      `classify: ${images.length} values are not ${count} images of ${c.arch.imageSize}x${c.arch.imageSize}x1`,
    );
  const predictions = new Int32Array(count);
  const features = new Float32Array(count * c.arch.hidden);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const x = tf.tensor4d(images.subarray(start * px, (start + n) * px), [n, c.arch.imageSize, c.arch.imageSize, 1]);
    const { features: f, logits } = classifierForward(c.weights, x);
    const am = tf.argMax(logits, 1);
    predictions.set(am.dataSync() as Int32Array, start);
    features.set(f.dataSync() as Float32Array, start * c.arch.hidden);
    tf.dispose([x, f, logits, am]);
  }
  return { count, predictions, features, dim: c.arch.hidden };
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
  const file = resolveFile(given);
  const st = await readSafetensorsFile(
    file,
    (f) => `classifier weights ${f} do not exist; train them with \`cgan classifier train --out ${path.dirname(f)}\``,
  );
  if (st.metadata.format !== CLASSIFIER_FORMAT) {
    throw new Error(
      `${file} is not classifier weights (metadata format is ${JSON.stringify(st.metadata.format ?? null)}, ` +
        `expected ${CLASSIFIER_FORMAT}); train them with \`cgan classifier train\``,
    );
  }
  if (st.metadata.format_version !== CLASSIFIER_VERSION)
    throw new Error(
      `${file}: classifier format version ${st.metadata.format_version}, this program reads ${CLASSIFIER_VERSION}`,
    );
  let arch: ClassifierArch;
  try {
    arch = { ...defaultClassifierArch(), ...JSON.parse(st.metadata.arch) };
  } catch {
    throw new Error(`${file}: metadata "arch" is not valid JSON (corrupt file)`);
  }
  const weights: ClassifierWeights = {};
  for (const [name, shape] of Object.entries(classifierShapes(arch))) {
    const t = st.tensors[name];
    if (!t) {
      tf.dispose(Object.values(weights));
      throw new Error(`${file}: tensor ${name} is missing (corrupt or foreign file)`);
    }
    if (t.dtype !== 'F32' || JSON.stringify(t.shape) !== JSON.stringify(shape)) {
      tf.dispose(Object.values(weights));
      throw new Error(
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
