/**
 * The seed's conditional WGAN-GP, layer by layer, as plain tfjs ops over named variables.
 *
 * Why not tf.layers: the gradient penalty needs a second backprop through the critic, the trainer
 * splits batches across workers, and checkpoints must name every tensor. Plain functions over a
 * `Params` map make all three direct. Layout is NHWC inside tfjs; the exporter converts to NCHW.
 *
 * Tensor names and shapes here are the checkpoint's names and shapes (docs/checkpoint-format.md).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dTransposeWithBias } from './kernels/conv2d-backprop-input.ts';
import { leakyReluFast, leakyReluMasked } from './leaky-relu.ts';

export const IMAGE_SIZE = 28;
export const LEAKY_SLOPE = 0.2;

export interface ArchConfig {
  /** Architecture tag: bump when the layer list changes. */
  name: 'cwgan-gp-mnist';
  numClasses: number;
  zDim: number;
  /** Size of the generator's label embedding (the seed: 128). */
  embedDim: number;
  imageSize: number;
  /** Feature maps in the generator's deconvolutions (the seed: 128) and critic's convs (64). */
  genChannels: number;
  criticChannels: number;
}

export function defaultArch(numClasses = 10): ArchConfig {
  return {
    name: 'cwgan-gp-mnist',
    numClasses,
    zDim: 128,
    embedDim: 128,
    imageSize: IMAGE_SIZE,
    genChannels: 128,
    criticChannels: 64,
  };
}

// Variables keep tfjs's unique auto-names (several replicas may share a thread in tests); the map's
// keys are the checkpoint names.
export type Params = Record<string, tf.Variable>;

/** Name -> shape of every generator tensor (tfjs layouts). */
export function generatorShapes(a: ArchConfig): Record<string, number[]> {
  const g = a.genChannels;
  const s = a.imageSize / 4; // two stride-2 upsamplings: 7 -> 14 -> 28
  return {
    'generator.embedding': [a.numClasses, a.embedDim],
    'generator.dense.kernel': [a.zDim + a.embedDim, s * s * g],
    'generator.dense.bias': [s * s * g],
    'generator.deconv1.kernel': [4, 4, g, g], // conv2dTranspose: [kh, kw, out, in]
    'generator.deconv1.bias': [g],
    'generator.deconv2.kernel': [4, 4, g, g],
    'generator.deconv2.bias': [g],
    'generator.conv.kernel': [3, 3, g, 1], // conv2d: [kh, kw, in, out]
    'generator.conv.bias': [1],
  };
}

/** Name -> shape of every critic tensor (tfjs layouts). */
export function criticShapes(a: ArchConfig): Record<string, number[]> {
  const c = a.criticChannels;
  const n = a.imageSize;
  return {
    'critic.embedding': [a.numClasses, n * n],
    'critic.conv1.kernel': [4, 4, 2, c],
    'critic.conv1.bias': [c],
    'critic.conv2.kernel': [4, 4, c, c],
    'critic.conv2.bias': [c],
    'critic.dense.kernel': [(n / 4) * (n / 4) * c, 1],
    'critic.dense.bias': [1],
  };
}

/**
 * The seed tfjs draws the k-th initial tensor from. Never 0: tfjs's random ops read a falsy seed as
 * "unseeded" and fall back to Math.random, which made `--seed 0` (the default) irreproducible and
 * let data-parallel replicas start from different weights.
 */
export function tensorSeed(seed: number, k: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
  return seed * 1000 + k + 1;
}

/**
 * Initial weights, drawn from tfjs's seeded initialisers so a run is reproducible from its seed.
 * Generator: every parameter N(0, 0.02), as the seed does. Critic: PyTorch's defaults (kaiming-uniform
 * with a=sqrt(5) for weights, which is U(-1/sqrt(fanIn), 1/sqrt(fanIn)), the same bound for biases;
 * N(0,1) for the embedding), since the seed leaves the critic at its framework defaults.
 */
export function initParams(a: ArchConfig, seed: number): Params {
  const params: Params = {};
  let k = 0;
  const next = () => tensorSeed(seed, k++);
  for (const [name, shape] of Object.entries(generatorShapes(a))) {
    params[name] = tf.variable(tf.randomNormal(shape, 0, 0.02, 'float32', next()), true);
  }
  const cShapes = criticShapes(a);
  for (const [name, shape] of Object.entries(cShapes)) {
    let init: tf.Tensor;
    if (name.endsWith('embedding')) init = tf.randomNormal(shape, 0, 1, 'float32', next());
    else {
      const kernel = cShapes[name.replace(/bias$/, 'kernel')];
      const fanIn = kernel.slice(0, -1).reduce((x, y) => x * y, 1);
      const bound = 1 / Math.sqrt(fanIn);
      init = tf.randomUniform(shape, -bound, bound, 'float32', next());
    }
    params[name] = tf.variable(init, true);
  }
  return params;
}

export function generatorParams(p: Params): tf.Variable[] {
  return Object.keys(p)
    .filter((n) => n.startsWith('generator.'))
    .map((n) => p[n]);
}
export function criticParams(p: Params): tf.Variable[] {
  return Object.keys(p)
    .filter((n) => n.startsWith('critic.'))
    .map((n) => p[n]);
}

type Weights = Record<string, tf.Tensor>;

export interface GeneratorOptions {
  /** No gradient will be taken (fakes for a critic step, samples): fuse biases into products. */
  inference?: boolean;
}

/** Generator: (z [B, zDim], labels int32 [B]) -> images [B, 28, 28, 1] in [-1, 1]. */
export function generator(
  w: Weights,
  a: ArchConfig,
  z: tf.Tensor2D,
  labels: tf.Tensor1D,
  opts: GeneratorOptions = {},
): tf.Tensor4D {
  const b = z.shape[0];
  const s = a.imageSize / 4;
  const g = a.genChannels;
  const emb = tf.gather(w['generator.embedding'], labels);
  // The seed concatenates [z, embedding] in that order; the dense kernel's rows follow it.
  const zc = tf.concat([z, emb], 1) as tf.Tensor2D;
  const dense = w['generator.dense.kernel'] as tf.Tensor2D;
  const x = opts.inference
    ? leakyReluFast(tf.fused.matMul({ a: zc, b: dense, bias: w['generator.dense.bias'] }), LEAKY_SLOPE)
    : leakyReluMasked(tf.add(tf.matMul(zc, dense), w['generator.dense.bias']), LEAKY_SLOPE);
  let h = tf.reshape(x, [b, s, s, g]) as tf.Tensor4D;
  // ConvTranspose(k4, s2, p1) doubles the size; tfjs 'same' pads 1 on each side here, as p1 does.
  const deconv = (input: tf.Tensor4D, layer: string, size: number): tf.Tensor4D => {
    const kernel = w[`generator.${layer}.kernel`] as tf.Tensor4D;
    const bias = w[`generator.${layer}.bias`] as tf.Tensor1D;
    const shape: [number, number, number, number] = [b, size, size, g];
    if (opts.inference)
      return leakyReluFast(conv2dTransposeWithBias(input, kernel, shape, 2, 'same', bias), LEAKY_SLOPE);
    return leakyReluMasked(
      tf.add(tf.conv2dTranspose(input, kernel, shape, 2, 'same'), bias),
      LEAKY_SLOPE,
    ) as tf.Tensor4D;
  };
  h = deconv(h, 'deconv1', 2 * s);
  h = deconv(h, 'deconv2', 4 * s);
  return tf.tanh(
    tf.add(singleChannelConv(h, w['generator.conv.kernel'] as tf.Tensor4D), w['generator.conv.bias']),
  ) as tf.Tensor4D;
}

/**
 * A stride-1 'same' conv to ONE output channel, as a matrix product to one plane per filter tap
 * ([N, C] x [C, kh*kw]) and a fixed one-hot conv that adds each plane at its tap's offset.
 * XNNPACK runs the direct conv with one output channel at a few GFLOP/s; this is the same sum.
 */
function singleChannelConv(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const [b, h, wd, c] = x.shape;
  const [kh, kw] = kernel.shape;
  const taps = kh * kw;
  const perTap = tf.transpose(tf.reshape(kernel, [taps, c])); // [C, taps]
  const planes = tf.reshape(tf.matMul(tf.reshape(x, [b * h * wd, c]), perTap), [b, h, wd, taps]) as tf.Tensor4D;
  const place = new Float32Array(taps * taps);
  for (let t = 0; t < taps; t++) place[t * taps + t] = 1; // tap t = (i, j) reads plane t only
  return tf.conv2d(planes, tf.tensor4d(place, [kh, kw, taps, 1]), 1, 'same');
}

/**
 * The label's part of the critic's first layer: the seed concatenates the label's 784-d embedding
 * to the image as a second channel, and a convolution is linear in its input channels, so
 * conv1([x, emb]) = conv1_x(x) + conv1_emb(emb). Computing the label part once lets the real, fake
 * and interpolated batches share it, and the images skip the channel concat (slow on wasm), whose
 * gradient the penalty would otherwise take through both channels.
 */
export function criticLabelTerm(w: Weights, a: ArchConfig, labels: tf.Tensor1D): tf.Tensor4D {
  const b = labels.shape[0];
  const n = a.imageSize;
  const emb = tf.reshape(tf.gather(w['critic.embedding'], labels), [b, n, n, 1]) as tf.Tensor4D;
  const kernel = tf.slice(w['critic.conv1.kernel'], [0, 0, 1, 0], [-1, -1, 1, -1]) as tf.Tensor4D;
  return tf.add(tf.conv2d(emb, kernel, 2, 'same'), w['critic.conv1.bias']) as tf.Tensor4D;
}

/** Critic scores [B] of images [B, 28, 28, 1] given their `criticLabelTerm` [B, 14, 14, C]. */
export function criticWithLabelTerm(w: Weights, a: ArchConfig, x: tf.Tensor4D, labelTerm: tf.Tensor4D): tf.Tensor1D {
  const b = x.shape[0];
  const kernel = tf.slice(w['critic.conv1.kernel'], [0, 0, 0, 0], [-1, -1, 1, -1]) as tf.Tensor4D;
  let h = leakyReluMasked(tf.add(tf.conv2d(x, kernel, 2, 'same'), labelTerm), LEAKY_SLOPE) as tf.Tensor4D;
  h = leakyReluMasked(
    tf.add(tf.conv2d(h, w['critic.conv2.kernel'] as tf.Tensor4D, 2, 'same'), w['critic.conv2.bias']),
    LEAKY_SLOPE,
  ) as tf.Tensor4D;
  const flat = tf.reshape(h, [b, -1]);
  return tf.reshape(tf.add(tf.matMul(flat, w['critic.dense.kernel']), w['critic.dense.bias']), [b]) as tf.Tensor1D;
}

/** Critic: (images [B, 28, 28, 1] in [-1, 1], labels int32 [B]) -> scores [B]. */
export function critic(w: Weights, a: ArchConfig, x: tf.Tensor4D, labels: tf.Tensor1D): tf.Tensor1D {
  return criticWithLabelTerm(w, a, x, criticLabelTerm(w, a, labels));
}
