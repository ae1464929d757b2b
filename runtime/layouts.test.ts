import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  denseColumnsToNchw,
  denseColumnsToNhwc,
  fromOnnxLayout,
  kernelFromOnnx,
  kernelToOnnx,
  fromFloat16Bits,
  permute,
  toFloat16Array,
  toFloat16Bits,
  toOnnxLayout,
} from './layouts.ts';
import { generatorWeights, seedGeneratorArch } from './generator-contract.ts';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

test('permute moves axes', () => {
  const { data, shape } = permute(iota(6), [2, 3], [1, 0]);
  assert.deepEqual(shape, [3, 2]);
  assert.deepEqual(Array.from(data), [0, 3, 1, 4, 2, 5]);
});

test('conv2d [kh,kw,in,out] -> [out,in,kh,kw]; conv2dTranspose [kh,kw,out,in] -> [in,out,kh,kw]', () => {
  const shape = [2, 3, 4, 5];
  const src = iota(120);
  const at = (kh: number, kw: number, a: number, b: number) => ((kh * 3 + kw) * 4 + a) * 5 + b;
  const c = kernelToOnnx(src, shape);
  assert.deepEqual(c.shape, [5, 4, 2, 3]);
  // element [out=4, in=1, kh=1, kw=2] comes from tfjs [kh=1, kw=2, in=1, out=4]
  assert.equal(c.data[((4 * 4 + 1) * 2 + 1) * 3 + 2], at(1, 2, 1, 4));
  const d = kernelToOnnx(src, shape);
  assert.deepEqual(d.shape, [5, 4, 2, 3]);
  // The same move as the generic permutation, and undone exactly.
  assert.deepEqual(Array.from(d.data), Array.from(permute(src, shape, [3, 2, 0, 1]).data));
  const back = kernelFromOnnx(d.data, d.shape);
  assert.deepEqual(back.shape, shape);
  assert.deepEqual(Array.from(back.data), Array.from(src));
  // element [in=3, out=2, kh=0, kw=1] comes from tfjs [kh=0, kw=1, out=2, in=3]
  assert.equal(d.data[((3 * 4 + 2) * 2 + 0) * 3 + 1], at(0, 1, 2, 3));
});

test('dense columns go from NHWC (h,w,c) to NCHW (c,h,w) order, row by row', () => {
  const s = 2;
  const c = 3;
  const rows = 2;
  const src = iota(rows * s * s * c);
  const out = denseColumnsToNchw(src, rows, s, c);
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < s; h++)
      for (let w = 0; w < s; w++)
        for (let ch = 0; ch < c; ch++) {
          assert.equal(out[r * 12 + (ch * s + h) * s + w], src[r * 12 + (h * s + w) * c + ch]);
        }
  }
  assert.deepEqual(Array.from(denseColumnsToNhwc(out, rows, s, c)), Array.from(src));
});

test('every generator weight of an RGB 32x32 architecture round-trips through its ONNX layout', () => {
  for (const t of generatorWeights({ ...seedGeneratorArch(5, 32, 3), genChannels: 6, zDim: 4, embedDim: 3 })) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    assert.equal(
      n,
      t.onnxShape.reduce((a, b) => a * b, 1),
      t.name,
    );
    const src = iota(n);
    const onnx = toOnnxLayout(t, src);
    if (t.layout !== 'same') assert.notDeepEqual(Array.from(onnx), Array.from(src), t.name);
    assert.deepEqual(Array.from(fromOnnxLayout(t, onnx)), Array.from(src), t.name);
  }
});

test('float16 rounding: exact values, ties to even, subnormals, overflow', () => {
  assert.equal(toFloat16Bits(1), 0x3c00);
  assert.equal(toFloat16Bits(-2), 0xc000);
  assert.equal(toFloat16Bits(65504), 0x7bff);
  assert.equal(toFloat16Bits(70000), 0x7c00);
  assert.equal(toFloat16Bits(2 ** -24), 0x0001);
  assert.equal(toFloat16Bits(2 ** -26), 0x0000);
  assert.equal(toFloat16Bits(1 + 2 ** -11), 0x3c00); // tie, rounds to even
  assert.equal(toFloat16Bits(1 + 3 * 2 ** -11), 0x3c02); // tie, rounds up to even
  assert.equal(toFloat16Bits(0.1), 0x2e66);
  const xs = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
  const h = toFloat16Array(xs);
  for (let i = 0; i < xs.length; i++)
    assert.ok(Math.abs(fromFloat16Bits(h[i]) - xs[i]) <= Math.abs(xs[i]) * 2 ** -11 + 1e-7);
});
