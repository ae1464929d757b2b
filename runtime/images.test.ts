import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridLayout, renderGrid, renderImage, toByte, toGray8, type ImageBatch } from './images.ts';

function batch(count: number, size = 2, labels?: number[]): ImageBatch {
  const data = new Float32Array(count * size * size);
  for (let k = 0; k < count; k++)
    data.fill(-1 + (2 * k) / Math.max(1, count - 1), k * size * size, (k + 1) * size * size);
  return { data, count, channels: 1, height: size, width: size, labels };
}

test('toByte maps [-1, 1] to 0..255 and clamps', () => {
  assert.deepEqual([-1, 0, 1, -3, 2, -0.2].map(toByte), [0, 128, 255, 0, 255, 102]);
});

test('toGray8 takes one image of an NCHW batch', () => {
  const b = batch(3);
  assert.deepEqual(Array.from(toGray8(b, 1)), [128, 128, 128, 128]);
  assert.throws(() => toGray8(b, 3), /outside 0-2/);
});

test('grid layout: one row per label run, else square', () => {
  assert.deepEqual(
    gridLayout(
      80,
      Array.from({ length: 80 }, (_, i) => Math.floor(i / 8)),
    ),
    { cols: 8, rows: 10 },
  );
  assert.deepEqual(gridLayout(10, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), { cols: 4, rows: 3 });
  assert.deepEqual(gridLayout(3, [3, 3, 7]), { cols: 2, rows: 2 });
  assert.deepEqual(gridLayout(5, undefined, 10), { cols: 5, rows: 1 });
});

test('renderGrid places scaled images with padding, RGBA opaque', () => {
  const g = renderGrid(batch(2, 2), { cols: 2, pad: 1, scale: 2, padValue: 7 });
  assert.equal(g.width, 2 * 4 + 3);
  assert.equal(g.height, 4 + 2);
  assert.equal(g.data.length, g.width * g.height * 4);
  const px = (x: number, y: number) => Array.from(g.data.subarray((y * g.width + x) * 4, (y * g.width + x) * 4 + 4));
  assert.deepEqual(px(0, 0), [7, 7, 7, 255]);
  assert.deepEqual(px(1, 1), [0, 0, 0, 255]); // first image: -1
  assert.deepEqual(px(4, 4), [0, 0, 0, 255]);
  assert.deepEqual(px(6, 1), [255, 255, 255, 255]); // second image: +1
  const one = renderImage(batch(2, 2), 1);
  assert.equal(one.width, 2);
  assert.deepEqual(Array.from(one.data.subarray(0, 4)), [255, 255, 255, 255]);
});
