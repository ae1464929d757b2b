/**
 * UnsortedSegmentSum (the gradient of gather, so of every embedding lookup) as a one-hot matrix
 * product, for backends without the kernel (wasm): out[s] = sum over i with ids[i] = s of x[i].
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor } from './tensor-info.ts';

export function unsortedSegmentSumViaMatMul(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  const k = segmentIds.rank;
  const n = segmentIds.size;
  const rest = x.shape.slice(k);
  const width = rest.reduce((p, d) => p * d, 1);
  return tf.tidy(() => {
    const ids = tf.reshape(segmentIds.dtype === 'int32' ? segmentIds : tf.cast(segmentIds, 'int32'), [n, 1]);
    // equal against a range, not oneHot: ids outside [0, numSegments) then drop out, as in TensorFlow.
    const oneHot = tf.cast(tf.equal(ids, tf.range(0, numSegments, 1, 'int32').reshape([1, numSegments])), 'float32');
    const values = tf.reshape(x.dtype === 'float32' ? x : tf.cast(x, 'float32'), [n, width]);
    const out = tf.reshape(tf.matMul(oneHot, values, true, false), [numSegments, ...rest]);
    return x.dtype === 'float32' ? out : tf.cast(out, x.dtype);
  });
}

export function unsortedSegmentSumKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.UnsortedSegmentSum,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
      return tf.tidy(() =>
        unsortedSegmentSumViaMatMul(asTensor(inputs.x, 'x'), asTensor(inputs.segmentIds, 'segmentIds'), numSegments),
      );
    },
  };
}
