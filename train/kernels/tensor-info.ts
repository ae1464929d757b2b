/** Helpers shared by the replacement kernels (kernels written in terms of other tfjs ops). */
import * as tf from '@tensorflow/tfjs';

/**
 * Kernel inputs arrive as TensorInfo; the engine hands over the op's Tensor objects, but a kernel
 * called from elsewhere may get bare infos. Wrapping one adds a reference that the caller's tidy
 * releases, so the input's own lifetime is untouched.
 */
export function asTensor<R extends tf.Rank>(info: tf.TensorInfo | undefined, name = 'input'): tf.Tensor<R> {
  if (info == null) throw new Error(`replacement kernel called without its ${name} tensor`);
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}

/** The NHWC-only kernels refuse NCHW plainly instead of computing garbage. */
export function assertChannelsLast(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} replacement handles NHWC only (got ${dataFormat}); transpose to NHWC before the op.`);
  }
}

export type ConvPad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

/**
 * A kernel that takes over the cases `replace` handles (it returns null for the others, which go
 * to the stock kernel it displaces, with the stock setup and teardown).
 */
export function wrapStock(
  kernelName: string,
  backendName: string,
  stock: tf.KernelConfig,
  replace: (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo | null,
): tf.KernelConfig {
  return {
    kernelName,
    backendName,
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
    kernelFunc: (args) => replace(args) ?? stock.kernelFunc(args),
  };
}
