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
  return { name: 'cwgan-gp-mnist', numClasses, zDim: 128, embedDim: 128, imageSize: IMAGE_SIZE, genChannels: 128, criticChannels: 64 };
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
 * Initial weights, drawn from tfjs's seeded initialisers so a run is reproducible from its seed.
 * Generator: every parameter N(0, 0.02), as the seed does. Critic: PyTorch's defaults (kaiming-uniform
 * with a=sqrt(5) for weights, which is U(-1/sqrt(fanIn), 1/sqrt(fanIn)), the same bound for biases;
 * N(0,1) for the embedding), since the seed leaves the critic at its framework defaults.
 */
export function initParams(a: ArchConfig, seed: number): Params {
  const params: Params = {};
  let k = 0;
  const next = () => seed * 1000 + k++;
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
  return Object.keys(p).filter((n) => n.startsWith('generator.')).map((n) => p[n]);
}
export function criticParams(p: Params): tf.Variable[] {
  return Object.keys(p).filter((n) => n.startsWith('critic.')).map((n) => p[n]);
}

type Weights = Record<string, tf.Tensor>;

/** Generator: (z [B, zDim], labels int32 [B]) -> images [B, 28, 28, 1] in [-1, 1]. */
export function generator(w: Weights, a: ArchConfig, z: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor4D {
  const b = z.shape[0];
  const s = a.imageSize / 4;
  const g = a.genChannels;
  const emb = tf.gather(w['generator.embedding'], labels);
  // The seed concatenates [z, embedding] in that order; the dense kernel's rows follow it.
  let x: tf.Tensor = tf.concat([z, emb], 1);
  x = tf.leakyRelu(tf.add(tf.matMul(x, w['generator.dense.kernel']), w['generator.dense.bias']), LEAKY_SLOPE);
  let h = tf.reshape(x, [b, s, s, g]) as tf.Tensor4D;
  // ConvTranspose(k4, s2, p1) doubles the size; tfjs 'same' pads 1 on each side here, as p1 does.
  h = tf.leakyRelu(
    tf.add(tf.conv2dTranspose(h, w['generator.deconv1.kernel'] as tf.Tensor4D, [b, 2 * s, 2 * s, g], 2, 'same'), w['generator.deconv1.bias']),
    LEAKY_SLOPE,
  ) as tf.Tensor4D;
  h = tf.leakyRelu(
    tf.add(tf.conv2dTranspose(h, w['generator.deconv2.kernel'] as tf.Tensor4D, [b, 4 * s, 4 * s, g], 2, 'same'), w['generator.deconv2.bias']),
    LEAKY_SLOPE,
  ) as tf.Tensor4D;
  h = tf.add(tf.conv2d(h, w['generator.conv.kernel'] as tf.Tensor4D, 1, 'same'), w['generator.conv.bias']) as tf.Tensor4D;
  return tf.tanh(h);
}

/** Critic: (images [B, 28, 28, 1] in [-1, 1], labels int32 [B]) -> scores [B]. */
export function critic(w: Weights, a: ArchConfig, x: tf.Tensor4D, labels: tf.Tensor1D): tf.Tensor1D {
  const b = x.shape[0];
  const n = a.imageSize;
  // The label's 784-d embedding is the image's second channel.
  const emb = tf.reshape(tf.gather(w['critic.embedding'], labels), [b, n, n, 1]);
  let h = tf.concat([x, emb], 3) as tf.Tensor4D;
  h = tf.leakyRelu(tf.add(tf.conv2d(h, w['critic.conv1.kernel'] as tf.Tensor4D, 2, 'same'), w['critic.conv1.bias']), LEAKY_SLOPE) as tf.Tensor4D;
  h = tf.leakyRelu(tf.add(tf.conv2d(h, w['critic.conv2.kernel'] as tf.Tensor4D, 2, 'same'), w['critic.conv2.bias']), LEAKY_SLOPE) as tf.Tensor4D;
  const flat = tf.reshape(h, [b, -1]);
  return tf.reshape(tf.add(tf.matMul(flat, w['critic.dense.kernel']), w['critic.dense.bias']), [b]) as tf.Tensor1D;
}
