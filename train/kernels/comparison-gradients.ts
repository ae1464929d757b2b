/**
 * Zero gradients for comparison ops. leakyRelu's gradient is where(greater(x, 0), dy, alpha * dy);
 * a second backprop (the gradient penalty: tf.grad inside tf.variableGrads) walks back through that
 * `greater`, and tfjs registers no gradient for it, so it fails on every backend. A comparison is
 * piecewise constant, so zero is its gradient almost everywhere.
 */
import * as tf from '@tensorflow/tfjs';

export const ZERO_GRADIENT_KERNELS = [tf.Greater, tf.Less, tf.LessEqual, tf.Equal, tf.NotEqual] as const;

export function zeroGradientConfig(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, saved) => {
      const [a, b] = saved;
      return { a: () => tf.zeros(a.shape, 'float32'), b: () => tf.zeros(b.shape, 'float32') };
    },
  };
}

/**
 * Registers the zero gradients that are missing; leaves any existing gradient alone. Returns the kernels it
 * registered.
 */
export function registerComparisonGradients(): string[] {
  const added: string[] = [];
  for (const name of ZERO_GRADIENT_KERNELS) {
    if (tf.getGradient(name) != null) continue;
    tf.registerGradient(zeroGradientConfig(name));
    added.push(name);
  }
  return added;
}
