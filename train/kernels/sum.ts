/**
 * Sum over leading axes (every bias gradient: dy [B, H, W, C] summed to [C]) as ones[1, N] x [N, C].
 * The stock wasm Sum first transposes the reduced axes innermost, which costs about 40x more than
 * the matrix product at [64, 28, 28, 128]. Any other reduction goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, wrapStock } from './tensor-info.ts';

/** Number of leading axes reduced, or 0 when the reduction is not over a leading block. */
export function leadingReduction(shape: number[], axis: number | number[]): number {
  const axes = tf.util.parseAxisParam(axis, shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < shape.length && axes.every((a, i) => a === i);
  return leading ? axes.length : 0;
}

export function sumLeadingAxes(x: tf.Tensor, k: number, keepDims: boolean): tf.Tensor {
  const rest = x.shape.slice(k);
  const n = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
  const c = rest.reduce((p, d) => p * d, 1);
  return tf.tidy(() => {
    const out = tf.matMul(tf.ones([1, n]), tf.reshape(x, [n, c]));
    return tf.reshape(out, keepDims ? [...Array(k).fill(1), ...rest] : rest);
  });
}

export function sumKernel(backendName: string, stock: tf.KernelConfig): tf.KernelConfig {
  return wrapStock(tf.Sum, backendName, stock, (args) => {
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const x = args.inputs.x;
    const k = x != null && x.dtype === 'float32' ? leadingReduction(x.shape, axis) : 0;
    if (k === 0) return null;
    return tf.tidy(() => sumLeadingAxes(asTensor(x, 'x'), k, Boolean(keepDims)));
  });
}
