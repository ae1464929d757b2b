/**
 * Conv2DBackpropInput (conv2d's input gradient, and conv2dTranspose's forward pass) as stride^2
 * ordinary conv2d's, one per output phase ("sub-pixel"). The stock wasm kernel is a scalar loop;
 * these conv2d's run through XNNPACK, about 8x faster on the generator's deconvolutions.
 *
 * For input row h = s*i + p the filter rows that reach it are k = r + s*m with r = (p + top) mod s,
 * from dy row i + q - m where q = floor((p + top) / s). So phase p is a stride-1 correlation of dy
 * with the filter's rows r, r+s, ... flipped and with in/out channels swapped.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, assertChannelsLast, type ConvPad } from './tensor-info.ts';

type Shape4 = [number, number, number, number];

interface AxisPhase {
  /** First filter tap of this phase and how many taps (every s-th) it uses. */
  first: number;
  taps: number;
  /** Padding of dy before and after so that the stride-1 conv yields `count` outputs. */
  before: number;
  after: number;
}

function axisPhase(
  phase: number,
  stride: number,
  padBefore: number,
  kernel: number,
  dyLen: number,
  count: number,
): AxisPhase {
  const first = (phase + padBefore) % stride;
  const q = Math.floor((phase + padBefore) / stride);
  const taps = first < kernel ? Math.ceil((kernel - first) / stride) : 0;
  const before = taps - 1 - q;
  const after = count + taps - 1 - dyLen - before;
  return { first, taps, before, after };
}

/**
 * A bias added by every phase's conv (fused into it), for conv2dTranspose forward passes that need
 * no gradient: it saves an elementwise pass over the (large) result.
 */
export interface Epilogue {
  bias: tf.Tensor1D;
}

export function conv2dBackpropInputViaSubpixel(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: Shape4,
  strides: number | [number, number],
  pad: ConvPad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
  epilogue?: Epilogue,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight, outWidth } = info;
  const [batch, inH, inW, inC] = inputShape;
  const outC = filter.shape[3];
  if (dy.shape[0] !== batch || dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outC) {
    throw new Error(
      `Conv2DBackpropInput: dy shape ${dy.shape} does not match the forward output ` +
        `[${batch},${outHeight},${outWidth},${outC}].`,
    );
  }
  // Every phase is computed on a ceil(H/s) x ceil(W/s) grid; the interleaved result is cropped.
  const ch = Math.ceil(inH / sh);
  const cw = Math.ceil(inW / sw);
  // The filter is small: re-laying it out per phase in JS beats wasm's gather/stridedSlice loops.
  const filterValues = filter.dataSync() as Float32Array;
  return tf.tidy(() => {
    const rows: tf.Tensor4D[] = [];
    for (let ph = 0; ph < sh; ph++) {
      const rp = axisPhase(ph, sh, info.padInfo.top, kh, outHeight, ch);
      const cols: tf.Tensor4D[] = [];
      for (let pw = 0; pw < sw; pw++) {
        const cp = axisPhase(pw, sw, info.padInfo.left, kw, outWidth, cw);
        cols.push(phaseConv(dy, filterValues, filter.shape, rp, cp, sh, sw, [batch, ch, cw, inC], epilogue));
      }
      // [B, ch, cw, sw, C] -> columns interleaved
      rows.push(sw === 1 ? cols[0] : tf.reshape<tf.Rank.R4>(tf.stack(cols, 3), [batch, ch, cw * sw, inC]));
    }
    const full: tf.Tensor4D =
      sh === 1 ? rows[0] : tf.reshape<tf.Rank.R4>(tf.stack(rows, 2), [batch, ch * sh, cw * sw, inC]);
    return ch * sh === inH && cw * sw === inW ? full : tf.slice(full, [0, 0, 0, 0], [batch, inH, inW, inC]);
  });
}

/** Filter indices first + s*(taps-1), ..., first + s, first. */
function descendingTaps(p: AxisPhase, stride: number): number[] {
  return Array.from({ length: p.taps }, (_, m) => p.first + stride * (p.taps - 1 - m));
}

/** This phase's taps of a [kh, kw, in, out] filter, flipped, as [taps_h, taps_w, out, in]. */
export function phaseFilter(values: Float32Array, shape: Shape4, rowTaps: number[], colTaps: number[]): tf.Tensor4D {
  const [, kw, inC, outC] = shape;
  const out = new Float32Array(rowTaps.length * colTaps.length * outC * inC);
  let k = 0;
  for (const r of rowTaps) {
    for (const c of colTaps) {
      const base = (r * kw + c) * inC * outC;
      for (let o = 0; o < outC; o++) {
        for (let i = 0; i < inC; i++) out[k++] = values[base + i * outC + o];
      }
    }
  }
  return tf.tensor4d(out, [rowTaps.length, colTaps.length, outC, inC]);
}

function phaseConv(
  dy: tf.Tensor4D,
  filterValues: Float32Array,
  filterShape: Shape4,
  rp: AxisPhase,
  cp: AxisPhase,
  sh: number,
  sw: number,
  outShape: Shape4,
  epilogue?: Epilogue,
): tf.Tensor4D {
  const zeros = () => (epilogue ? tf.add(tf.zeros(outShape), epilogue.bias) : tf.zeros(outShape)) as tf.Tensor4D;
  if (rp.taps === 0 || cp.taps === 0) return zeros();
  const [, dyH, dyW] = dy.shape;
  // Negative padding: those dy rows only reach input rows outside [0, H), so they are cropped.
  const r0 = Math.max(-rp.before, 0);
  const c0 = Math.max(-cp.before, 0);
  const rows = dyH - r0 + Math.min(rp.after, 0);
  const cols = dyW - c0 + Math.min(cp.after, 0);
  if (rows <= 0 || cols <= 0) return zeros();
  const d =
    r0 === 0 && c0 === 0 && rows === dyH && cols === dyW ? dy : tf.slice(dy, [0, r0, c0, 0], [-1, rows, cols, -1]);
  const f = phaseFilter(filterValues, filterShape, descendingTaps(rp, sh), descendingTaps(cp, sw));
  const padding: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [Math.max(rp.before, 0), Math.max(rp.after, 0)],
    [Math.max(cp.before, 0), Math.max(cp.after, 0)],
    [0, 0],
  ];
  if (!epilogue) return tf.conv2d(d, f, 1, padding);
  return tf.fused.conv2d({ x: d, filter: f, strides: 1, pad: padding, bias: epilogue.bias });
}

/**
 * conv2dTranspose(x, filter) + bias with the bias fused into the sub-pixel convs. Its ops are not
 * differentiable as one unit: use it only where no gradient is taken.
 */
export function conv2dTransposeWithBias(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  outputShape: Shape4,
  strides: number | [number, number],
  pad: ConvPad,
  bias: tf.Tensor1D,
): tf.Tensor4D {
  // The sub-pixel form lays the filter out on the CPU (dataSync), which webgpu cannot do
  // synchronously; its own Conv2DBackpropInput is a GPU kernel and needs no help.
  if (tf.getBackend() === 'webgpu') {
    return tf.tidy(() => tf.add(tf.conv2dTranspose(x, filter, outputShape, strides, pad), bias));
  }
  return tf.tidy(() => conv2dBackpropInputViaSubpixel(x, filter, outputShape, strides, pad, undefined, { bias }));
}

export function conv2dBackpropInputKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      assertChannelsLast('Conv2DBackpropInput', a.dataFormat);
      return tf.tidy(() =>
        conv2dBackpropInputViaSubpixel(
          asTensor(inputs.dy, 'dy'),
          asTensor(inputs.filter, 'filter'),
          a.inputShape,
          a.strides,
          a.pad,
          a.dimRoundingMode,
        ),
      );
    },
  };
}
