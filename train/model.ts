/**
 * The seed's conditional WGAN-GP, layer by layer, as plain tfjs ops over named variables.
 *
 * Why not tf.layers: the gradient penalty needs a second backprop through the critic, the trainer
 * splits batches across workers, and checkpoints must name every tensor. Plain functions over a
 * `Params` map make all three direct. Layout is NHWC inside tfjs; the exporter converts to NCHW.
 *
 * Tensor names and shapes here are the checkpoint's names and shapes (docs/checkpoint-format.md); the
 * generator's come from runtime/generator-contract.ts, which the exporter and the runtime share.
 */
import * as tf from '@tensorflow/tfjs';
import {
  LEAKY_SLOPE,
  baseSize,
  deconvLayers,
  generatorShapes,
  seedGeneratorArch,
  strideBlocks,
  type GeneratorArch,
} from '../runtime/generator-contract.ts';
import { conv2dTransposeWithBias } from './kernels/conv2d-backprop-input.ts';
import { leakyReluFast, leakyReluMasked } from './leaky-relu.ts';

export { LEAKY_SLOPE };

export interface ArchConfig extends GeneratorArch {
  /** Architecture tag: bump when the layer list changes. */
  name: 'cwgan-gp-mnist';
  /** Feature maps of every critic convolution (the seed: 64). */
  criticChannels: number;
}

/**
 * The seed's architecture sized to the data (generator-contract.ts): 28x28, 1 channel and 10
 * classes is exactly the seed's. Checkpoints written before colour existed have no `channels`:
 * `archOf` reads them as 1.
 */
export function defaultArch(numClasses = 10, imageSize = 28, channels = 1): ArchConfig {
  return { name: 'cwgan-gp-mnist', ...seedGeneratorArch(numClasses, imageSize, channels), criticChannels: 64 };
}

/** A checkpoint's architecture with the fields older checkpoints lack filled in. */
export function archOf(stored: Omit<ArchConfig, 'channels'> & { channels?: number }): ArchConfig {
  return { ...stored, channels: stored.channels ?? 1 };
}

// Variables keep tfjs's unique auto-names (several replicas may share a thread in tests); the map's
// keys are the checkpoint names.
export type Params = Record<string, tf.Variable>;

export { generatorShapes };

/** Name -> shape of every critic tensor (tfjs layouts): one stride-2 conv per generator block. */
export function criticShapes(a: ArchConfig): Record<string, number[]> {
  const c = a.criticChannels;
  const n = a.imageSize;
  const base = baseSize(n);
  const shapes: Record<string, number[]> = { 'critic.embedding': [a.numClasses, n * n] };
  criticConvs(a).forEach((layer, i) => {
    // The first conv sees the image's channels and the label's plane after them.
    shapes[`critic.${layer}.kernel`] = [4, 4, i === 0 ? a.channels + 1 : c, c];
    shapes[`critic.${layer}.bias`] = [c];
  });
  shapes['critic.dense.kernel'] = [base * base * c, 1];
  shapes['critic.dense.bias'] = [1];
  return shapes;
}

/** The critic's stride-2 convolutions: conv1..convK (the seed's conv1, conv2). */
function criticConvs(a: ArchConfig): string[] {
  return Array.from({ length: strideBlocks(a.imageSize) }, (_, i) => `conv${i + 1}`);
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

/** Generator: (z [B, zDim], labels int32 [B]) -> images [B, S, S, C] in [-1, 1]. */
export function generator(
  w: Weights,
  a: ArchConfig,
  z: tf.Tensor2D,
  labels: tf.Tensor1D,
  opts: GeneratorOptions = {},
): tf.Tensor4D {
  const b = z.shape[0];
  const s = baseSize(a.imageSize);
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
  deconvLayers(a.imageSize).forEach((layer, i) => {
    h = deconv(h, layer, s * 2 ** (i + 1));
  });
  return tf.tanh(
    tf.add(fewChannelConv(h, w['generator.conv.kernel'] as tf.Tensor4D), w['generator.conv.bias']),
  ) as tf.Tensor4D;
}

/**
 * A stride-1 'same' conv to FEW output channels (1 or 3), as a matrix product to one plane per
 * filter tap and output channel ([N, C] x [C, kh*kw*out]) and a fixed one-hot conv that adds each
 * plane at its tap's offset into its channel. XNNPACK runs the direct conv with so few output
 * channels at a few GFLOP/s; this is the same sum. With one output channel it is the seed
 * model's graph exactly, so MNIST runs train bit-identically to before colour existed.
 */
function fewChannelConv(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const [b, h, wd, c] = x.shape;
  const [kh, kw, , out] = kernel.shape;
  const taps = kh * kw;
  const planes = taps * out;
  const perTap =
    out === 1
      ? tf.transpose(tf.reshape(kernel, [taps, c])) // [C, taps]
      : tf.reshape(tf.transpose(tf.reshape(kernel, [taps, c, out]), [1, 0, 2]), [c, planes]); // [C, taps*out]
  const maps = tf.reshape(tf.matMul(tf.reshape(x, [b * h * wd, c]), perTap), [b, h, wd, planes]) as tf.Tensor4D;
  const place = new Float32Array(taps * planes * out);
  // Tap t = (i, j) of output channel o reads plane t*out + o only.
  for (let t = 0; t < taps; t++) for (let o = 0; o < out; o++) place[(t * planes + t * out + o) * out + o] = 1;
  return tf.conv2d(maps, tf.tensor4d(place, [kh, kw, planes, out]), 1, 'same');
}

/**
 * The label's part of the critic's first layer: the seed concatenates the label's S*S-d embedding
 * to the image as a second channel, and a convolution is linear in its input channels, so
 * conv1([x, emb]) = conv1_x(x) + conv1_emb(emb). Computing the label part once lets the real, fake
 * and interpolated batches share it, and the images skip the channel concat (slow on wasm), whose
 * gradient the penalty would otherwise take through both channels.
 */
export function criticLabelTerm(w: Weights, a: ArchConfig, labels: tf.Tensor1D): tf.Tensor4D {
  const b = labels.shape[0];
  const n = a.imageSize;
  const emb = tf.reshape(tf.gather(w['critic.embedding'], labels), [b, n, n, 1]) as tf.Tensor4D;
  // The label's plane is the input channel after the image's.
  const kernel = tf.slice(w['critic.conv1.kernel'], [0, 0, a.channels, 0], [-1, -1, 1, -1]) as tf.Tensor4D;
  return tf.add(tf.conv2d(emb, kernel, 2, 'same'), w['critic.conv1.bias']) as tf.Tensor4D;
}

/** Critic scores [B] of images [B, S, S, C] given their `criticLabelTerm` [B, S/2, S/2, F]. */
export function criticWithLabelTerm(w: Weights, a: ArchConfig, x: tf.Tensor4D, labelTerm: tf.Tensor4D): tf.Tensor1D {
  const b = x.shape[0];
  const kernel = tf.slice(w['critic.conv1.kernel'], [0, 0, 0, 0], [-1, -1, a.channels, -1]) as tf.Tensor4D;
  let h = leakyReluMasked(tf.add(tf.conv2d(x, kernel, 2, 'same'), labelTerm), LEAKY_SLOPE) as tf.Tensor4D;
  for (const layer of criticConvs(a).slice(1)) {
    h = leakyReluMasked(
      tf.add(tf.conv2d(h, w[`critic.${layer}.kernel`] as tf.Tensor4D, 2, 'same'), w[`critic.${layer}.bias`]),
      LEAKY_SLOPE,
    ) as tf.Tensor4D;
  }
  const flat = tf.reshape(h, [b, -1]);
  return tf.reshape(tf.add(tf.matMul(flat, w['critic.dense.kernel']), w['critic.dense.bias']), [b]) as tf.Tensor1D;
}

/** Critic: (images [B, S, S, C] in [-1, 1], labels int32 [B]) -> scores [B]. */
export function critic(w: Weights, a: ArchConfig, x: tf.Tensor4D, labels: tf.Tensor1D): tf.Tensor1D {
  return criticWithLabelTerm(w, a, x, criticLabelTerm(w, a, labels));
}
