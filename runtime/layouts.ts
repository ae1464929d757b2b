/**
 * tfjs (NHWC) <-> ONNX (NCHW) weight layouts, both ways, and float16 packing: the exporter goes
 * one way, the weights hash (which is taken in the checkpoint's layout) the other. Browser-safe.
 * Conversions follow docs/checkpoint-format.md ("To PyTorch (NCHW)").
 */
import type { GeneratorWeight } from './generator-contract.ts';

/** Generic axis permutation of a dense row-major array. */
export function permute(data: Float32Array, shape: number[], perm: number[]): { data: Float32Array; shape: number[] } {
  const n = shape.length;
  if (perm.length !== n) throw new Error(`internal: perm ${perm} does not match rank ${n}`);
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(n);
  let s = 1;
  for (let i = n - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  if (s !== data.length) throw new Error(`internal: shape ${shape} has ${s} elements, data has ${data.length}`);
  const strideOfOut = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(n).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < n; k++) src += idx[k] * strideOfOut[k];
    out[o] = data[src];
    for (let k = n - 1; k >= 0; k--) {
      if (++idx[k] < outShape[k]) break;
      idx[k] = 0;
    }
  }
  return { data: out, shape: outShape };
}

export type WeightValues = Float32Array | Uint16Array;

function like<T extends WeightValues>(data: T, n: number): T {
  return new (data.constructor as new (n: number) => T)(n);
}

/**
 * A 4-d kernel [kh, kw, a, b] -> [b, a, kh, kw]: conv2d [kh, kw, in, out] to Conv's W [out, in, kh,
 * kw], and conv2dTranspose [kh, kw, out, in] to ConvTranspose's W [in, out, kh, kw]. Plain loops, not
 * `permute`: the runtime undoes this on every load (weights-hash.ts), over a million values.
 */
export function kernelToOnnx<T extends WeightValues>(data: T, shape: number[]): { data: T; shape: number[] } {
  const [kh, kw, a, b] = shape;
  const out = like(data, data.length);
  let i = 0;
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let p = 0; p < a; p++) for (let q = 0; q < b; q++) out[((q * a + p) * kh + y) * kw + x] = data[i++];
  return { data: out, shape: [b, a, kh, kw] };
}

/** The inverse of `kernelToOnnx`: ONNX [b, a, kh, kw] -> [kh, kw, a, b]. */
export function kernelFromOnnx<T extends WeightValues>(data: T, onnxShape: number[]): { data: T; shape: number[] } {
  const [b, a, kh, kw] = onnxShape;
  const out = like(data, data.length);
  let o = 0;
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let p = 0; p < a; p++) for (let q = 0; q < b; q++) out[o++] = data[((q * a + p) * kh + y) * kw + x];
  return { data: out, shape: [kh, kw, a, b] };
}

/**
 * Reorders the dense layer's output columns from NHWC `(h*s + w)*c + ch` to NCHW `(ch*s + h)*s + w`,
 * so Reshape to [B, c, s, s] gives NCHW directly and the graph needs no Transpose.
 * `data` is [rows, s*s*c] (the kernel) or [s*s*c] (the bias: rows = 1).
 */
export function denseColumnsToNchw<T extends WeightValues>(data: T, rows: number, s: number, c: number): T {
  return denseColumns(data, rows, s, c, true);
}

/** The inverse of `denseColumnsToNchw`. */
export function denseColumnsToNhwc<T extends WeightValues>(data: T, rows: number, s: number, c: number): T {
  return denseColumns(data, rows, s, c, false);
}

function denseColumns<T extends WeightValues>(data: T, rows: number, s: number, c: number, toNchw: boolean): T {
  const cols = s * s * c;
  if (data.length !== rows * cols)
    throw new Error(`internal: dense has ${data.length} values, expected ${rows}x${cols}`);
  const out = like(data, data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let h = 0; h < s; h++) {
      for (let w = 0; w < s; w++) {
        for (let ch = 0; ch < c; ch++) {
          const nhwc = base + (h * s + w) * c + ch;
          const nchw = base + (ch * s + h) * s + w;
          if (toNchw) out[nchw] = data[nhwc];
          else out[nhwc] = data[nchw];
        }
      }
    }
  }
  return out;
}

/** A generator weight's values in its ONNX layout (generator-contract.ts says which). */
export function toOnnxLayout<T extends WeightValues>(t: GeneratorWeight, data: T): T {
  return relayout(t, data, true);
}

/** A generator weight's values back in the checkpoint's layout, from the ONNX graph's. */
export function fromOnnxLayout<T extends WeightValues>(t: GeneratorWeight, data: T): T {
  return relayout(t, data, false);
}

function relayout<T extends WeightValues>(t: GeneratorWeight, data: T, toOnnx: boolean): T {
  if (t.layout === 'same') return data;
  if (t.layout === 'kernel') return (toOnnx ? kernelToOnnx(data, t.shape) : kernelFromOnnx(data, t.onnxShape)).data;
  // The dense kernel is [rows, s*s*g], its bias [s*s*g].
  const rows = t.shape.length === 2 ? t.shape[0] : 1;
  const [s, g] = t.map ?? [0, 0];
  return toOnnx ? denseColumnsToNchw(data, rows, s, g) : denseColumnsToNhwc(data, rows, s, g);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE float32 -> float16 bits, round to nearest even; overflow to Inf, subnormals kept. */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is correct rounding
  return sign | h;
}

export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toFloat16Array(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = toFloat16Bits(data[i]);
  return out;
}
