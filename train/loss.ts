/**
 * WGAN-GP losses (Gulrajani et al. 2017) for the conditional model.
 *
 * Critic: D(fake) - D(real) + lambda * (||dD/dx(x_hat)||_2 - 1)^2, with x_hat = a*real + (1-a)*fake
 * and a ~ U(0,1) per sample. Both real and fake are in [-1, 1] here. The seed's notebook
 * interpolates its real images in [0, 1] with fakes in [-1, 1], so its penalty is taken at points off
 * the segment between the two distributions; we interpolate in the same range (docs/training.md).
 * The penalty's gradient w.r.t. the critic's weights is a second backprop: tf.grad runs inside
 * tf.variableGrads, whose tape records the inner gradient's ops.
 *
 * Losses are sums divided by the FULL batch size, so gradients of shards computed on different
 * workers add up to the full batch's gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { critic, criticLabelTerm, criticWithLabelTerm, generator, type ArchConfig } from './model.ts';

type Weights = Record<string, tf.Tensor>;

export interface CriticBatch {
  real: tf.Tensor4D;
  labels: tf.Tensor1D;
  z: tf.Tensor2D;
  /** Interpolation weights [B, 1, 1, 1]. */
  alpha: tf.Tensor4D;
}

/** Per-sample gradient penalty (||grad||_2 - 1)^2 at x_hat. */
export function gradientPenalty(w: Weights, a: ArchConfig, xhat: tf.Tensor4D, labels: tf.Tensor1D): tf.Tensor1D {
  return penaltyWithLabelTerm(w, a, xhat, criticLabelTerm(w, a, labels));
}

function penaltyWithLabelTerm(w: Weights, a: ArchConfig, xhat: tf.Tensor4D, labelTerm: tf.Tensor4D): tf.Tensor1D {
  const g = tf.grad((x: tf.Tensor) => tf.sum(criticWithLabelTerm(w, a, x as tf.Tensor4D, labelTerm)))(xhat);
  // The epsilon keeps sqrt's gradient finite where a gradient is exactly zero.
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(g), [1, 2, 3]), 1e-12));
  return tf.square(tf.sub(norm, 1)) as tf.Tensor1D;
}

export interface CriticSums {
  /** Sums over this shard (divide by the full batch for means). */
  real: tf.Scalar;
  fake: tf.Scalar;
  penalty: tf.Scalar;
}

/**
 * Critic loss for one shard. `fake` must come from the generator without gradient (the critic
 * update does not touch the generator). Returns the loss and, through `out`, kept sums for metrics.
 */
export function criticLoss(
  w: Weights,
  a: ArchConfig,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  labels: tf.Tensor1D,
  alpha: tf.Tensor4D,
  lambda: number,
  fullBatch: number,
  out: Partial<CriticSums>,
): tf.Scalar {
  // Real and fake go through the critic as one batch: half the ops, each on twice the data.
  const labelTerm = criticLabelTerm(w, a, labels);
  const scores = criticWithLabelTerm(w, a, tf.concat([real, fake], 0), tf.concat([labelTerm, labelTerm], 0));
  const [sReal, sFake] = tf.unstack(tf.sum(tf.reshape(scores, [2, -1]), 1)) as tf.Scalar[];
  const xhat = tf.add(tf.mul(alpha, real), tf.mul(tf.sub(1, alpha), fake)) as tf.Tensor4D;
  const gp = penaltyWithLabelTerm(w, a, xhat, labelTerm);
  const sGp = tf.sum(gp) as tf.Scalar;
  out.real = tf.keep(sReal);
  out.fake = tf.keep(sFake);
  out.penalty = tf.keep(sGp);
  return tf.div(tf.add(tf.sub(sFake, sReal), tf.mul(sGp, lambda)), fullBatch) as tf.Scalar;
}

/** Generator loss for one shard: -D(G(z, c), c), summed and divided by the full batch. */
export function generatorLoss(
  w: Weights,
  a: ArchConfig,
  z: tf.Tensor2D,
  labels: tf.Tensor1D,
  fullBatch: number,
  out: { score?: tf.Scalar },
): tf.Scalar {
  const s = tf.sum(critic(w, a, generator(w, a, z, labels), labels)) as tf.Scalar;
  out.score = tf.keep(s);
  return tf.div(tf.neg(s), fullBatch) as tf.Scalar;
}
