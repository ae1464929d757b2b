/**
 * Sum over leading axes (every bias gradient: dy [B, H, W, C] summed to [C]). The stock wasm Sum
 * first transposes the reduced axes innermost, which costs about 40x more than summing in place.
 * On wasm the sum reads the input where it lies in the wasm heap and adds each column's rows in
 * order in float32: the same additions, in the same order, as the 1-row matrix product
 * ones[1, N] x [N, C] this kernel ran before (whose results it reproduces bit for bit), without that
 * product's cost: XNNPACK packs its right operand as weights on every call, about 20 ns a value
 * (50-80 ms for a [32768, 128] gradient, against under 10 ms summed here). Elsewhere (a backend
 * that keeps no heap) the matrix product remains. Any other reduction goes to the stock kernel.
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

/**
 * Column sums of x viewed as [n, c] into out [c]: each column's rows added in order, in float32,
 * from 0 (what XNNPACK's one-row product computes). Eight columns at a time in locals, which V8
 * keeps in registers: about 5x faster than accumulating in `out` directly.
 */
export function columnSums(x: Float32Array, n: number, c: number, out: Float32Array): void {
  const f = Math.fround;
  const end = n * c;
  let j = 0;
  for (; j + 8 <= c; j += 8) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let a4 = 0;
    let a5 = 0;
    let a6 = 0;
    let a7 = 0;
    for (let o = j; o < end; o += c) {
      a0 = f(a0 + x[o]);
      a1 = f(a1 + x[o + 1]);
      a2 = f(a2 + x[o + 2]);
      a3 = f(a3 + x[o + 3]);
      a4 = f(a4 + x[o + 4]);
      a5 = f(a5 + x[o + 5]);
      a6 = f(a6 + x[o + 6]);
      a7 = f(a7 + x[o + 7]);
    }
    out[j] = a0;
    out[j + 1] = a1;
    out[j + 2] = a2;
    out[j + 3] = a3;
    out[j + 4] = a4;
    out[j + 5] = a5;
    out[j + 6] = a6;
    out[j + 7] = a7;
  }
  for (; j < c; j++) {
    let a = 0;
    for (let o = j; o < end; o += c) a = f(a + x[o]);
    out[j] = a;
  }
}

/** What this kernel needs of tfjs's wasm backend (public methods of its BackendWasm). */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
}

function isHeapBackend(b: unknown): b is HeapBackend {
  const o = b as Partial<HeapBackend> | null;
  return typeof o?.makeOutput === 'function' && typeof o.typedArrayFromHeap === 'function';
}

export function sumKernel(backendName: string, stock: tf.KernelConfig): tf.KernelConfig {
  return wrapStock(tf.Sum, backendName, stock, (args) => {
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const x = args.inputs.x;
    const k = x != null && x.dtype === 'float32' ? leadingReduction(x.shape, axis) : 0;
    if (k === 0 || x == null) return null;
    const backend = args.backend;
    if (!isHeapBackend(backend)) return tf.tidy(() => sumLeadingAxes(asTensor(x, 'x'), k, Boolean(keepDims)));
    const rest = x.shape.slice(k);
    const n = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
    const c = rest.reduce((p, d) => p * d, 1);
    // Allocate first: growing the heap detaches views taken before.
    const out = backend.makeOutput(keepDims ? [...Array(k).fill(1), ...rest] : rest, 'float32');
    columnSums(backend.typedArrayFromHeap(x) as Float32Array, n, c, backend.typedArrayFromHeap(out) as Float32Array);
    return out;
  });
}
