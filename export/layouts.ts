/**
 * tfjs (NHWC) -> ONNX (NCHW) weight layouts, and float16 packing.
 * Conversions follow docs/checkpoint-format.md ("To PyTorch (NCHW)").
 */

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

/** conv2d [kh, kw, in, out] -> Conv W [out, in, kh, kw]. */
export function convKernelToOnnx(data: Float32Array, shape: number[]) {
  return permute(data, shape, [3, 2, 0, 1]);
}

/** conv2dTranspose [kh, kw, out, in] -> ConvTranspose W [in, out, kh, kw]. */
export function deconvKernelToOnnx(data: Float32Array, shape: number[]) {
  return permute(data, shape, [3, 2, 0, 1]);
}

/**
 * Reorders the dense layer's output columns from NHWC `(h*s + w)*c + ch` to NCHW `(ch*s + h)*s + w`,
 * so Reshape to [B, c, s, s] gives NCHW directly and the graph needs no Transpose.
 * `data` is [rows, s*s*c] (the kernel) or [s*s*c] (the bias: rows = 1).
 */
export function denseColumnsToNchw(data: Float32Array, rows: number, s: number, c: number): Float32Array {
  const cols = s * s * c;
  if (data.length !== rows * cols)
    throw new Error(`internal: dense has ${data.length} values, expected ${rows}x${cols}`);
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let h = 0; h < s; h++) {
      for (let w = 0; w < s; w++) {
        for (let ch = 0; ch < c; ch++) {
          out[base + (ch * s + h) * s + w] = data[base + (h * s + w) * c + ch];
        }
      }
    }
  }
  return out;
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
