/**
 * Leaky ReLU whose gradient is dy * mask, with the mask (1 where x > 0, else the slope) made in the
 * forward pass and kept off the tape.
 *
 * Why: tfjs's own gradient builds the mask with greater(x, 0) inside the backward pass. Under a
 * double backprop (the gradient penalty) that puts the critic's forward pass on x_hat on the outer
 * tape's path, so the outer backward runs a whole backward pass of the critic that only carries
 * zeros (greater's gradient). A mask made inside a custom gradient's forward is not recorded, so
 * that pass is pruned; the gradient is also one multiply instead of greater + multiply + select.
 * Same values: dy * 1 and dy * slope are exactly what where(x > 0, dy, dy * slope) picks, and the
 * forward value is x * mask (see leakyReluFast for why not wasm's LeakyRelu).
 */
import * as tf from '@tensorflow/tfjs';

export function leakyReluMasked<T extends tf.Tensor>(x: T, slope: number): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const mask = tf.step(input, slope);
    save([mask]);
    return { value: tf.mul(input, mask), gradFunc: (dy: tf.Tensor, [m]: tf.Tensor[]) => tf.mul(dy, m) };
  });
  return op(x) as T;
}

/**
 * Leaky ReLU as x * step(x, slope), for passes without gradient. wasm's LeakyRelu kernel (also the
 * one fused into its convs) is a slow loop: about 2x the time of these two SIMD passes together.
 * The values are leakyRelu's own: x * 1 or x * slope.
 */
export function leakyReluFast<T extends tf.Tensor>(x: T, slope: number): T {
  return tf.tidy(() => tf.mul(x, tf.step(x, slope))) as T;
}
