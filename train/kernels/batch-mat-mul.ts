/**
 * BatchMatMul with transposed operands, on wasm: the stock kernel's transposed paths are 4-8x slower
 * than transposing explicitly and taking its plain path (measured on the dense layers' gradients,
 * [64,6272]x[256,6272]^T and [64,256]^T x [64,6272]). Untransposed calls go straight to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor } from './tensor-info.ts';

function swapLastTwo(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1], perm[t.rank - 2]];
  return tf.transpose(t, perm);
}

export function batchMatMulKernel(backendName: string, stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName,
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
    kernelFunc: (args) => {
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      if (!transposeA && !transposeB) return stock.kernelFunc(args);
      return tf.tidy(() => {
        const a = asTensor(args.inputs.a, 'a');
        const b = asTensor(args.inputs.b, 'b');
        // Re-enters this kernel with no transposes, so the stock plain path runs.
        return tf.matMul(transposeA ? swapLastTwo(a) : a, transposeB ? swapLastTwo(b) : b);
      });
    },
  };
}
