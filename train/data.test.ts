import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { batchImages, loadDataset } from './data.ts';

function idxImages(count: number, rows: number, cols: number, pixels?: Uint8Array): Uint8Array {
  const b = new Uint8Array(16 + count * rows * cols);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x803);
  v.setUint32(4, count);
  v.setUint32(8, rows);
  v.setUint32(12, cols);
  if (pixels) b.set(pixels, 16);
  return b;
}
function idxLabels(labels: number[]): Uint8Array {
  const b = new Uint8Array(8 + labels.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x801);
  v.setUint32(4, labels.length);
  b.set(labels, 8);
  return b;
}
function dataDir(images: Uint8Array, labels: Uint8Array): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cgan-data-'));
  writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), images);
  writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), labels);
  return dir;
}

test('bundled MNIST is the real 60k training set with 10 classes', async () => {
  const ds = await loadDataset();
  assert.equal(ds.count, 60000);
  assert.equal(ds.numClasses, 10);
  assert.equal(ds.pixels.length, 60000 * 784);
  // The first MNIST training label is a 5, and digits are drawn in white (255) on black (0).
  assert.equal(ds.labels[0], 5);
  assert.equal(Math.max(...ds.pixels.subarray(0, 784)), 255);
  const test10k = await loadDataset({ split: 'test' });
  assert.equal(test10k.count, 10000);
  assert.equal(test10k.labels[0], 7);
});

test('--limit and batchImages scale pixels to [-1, 1]', async () => {
  const ds = await loadDataset({ limit: 100 });
  assert.equal(ds.count, 100);
  const x = batchImages(ds, [0, 1]);
  assert.equal(x.length, 2 * 784);
  assert.equal(Math.min(...x), -1);
  assert.equal(Math.max(...x), 1);
  assert.equal(x[784 + 300], Math.fround(ds.pixels[784 + 300] / 127.5 - 1));
});

test('a custom IDX pair loads and its class count comes from the labels', async () => {
  const dir = dataDir(idxImages(4, 28, 28), idxLabels([0, 2, 1, 2]));
  const ds = await loadDataset({ dir });
  assert.equal(ds.count, 4);
  assert.equal(ds.numClasses, 3);
});

test('bad data is refused with the file and the problem named', async () => {
  const wrongMagic = idxImages(2, 28, 28);
  wrongMagic[3] = 0x01;
  await assert.rejects(
    loadDataset({ dir: dataDir(wrongMagic, idxLabels([0, 1])) }),
    /train-images-idx3-ubyte: wrong magic 0x00000801, expected 0x00000803 .*label file/,
  );
  await assert.rejects(
    loadDataset({ dir: dataDir(idxImages(3, 28, 28).subarray(0, 1000), idxLabels([0, 1, 1])) }),
    /train-images-idx3-ubyte: truncated: header promises 3 images/,
  );
  await assert.rejects(
    loadDataset({ dir: dataDir(idxImages(3, 28, 28), idxLabels([0, 1])) }),
    /holds 3 images but .*holds 2 labels/,
  );
  await assert.rejects(
    loadDataset({ dir: dataDir(idxImages(2, 32, 32), idxLabels([0, 1])) }),
    /images are 32x32, but the model takes 28x28/,
  );
  await assert.rejects(
    loadDataset({
      dir: dataDir(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), idxLabels([0])),
    }),
    /gzip: gunzip it first/,
  );
  await assert.rejects(loadDataset({ dir: '/nonexistent-cgan' }), /does not exist: pass --data DIR/);
  const empty = mkdtempSync(path.join(os.tmpdir(), 'cgan-empty-'));
  await assert.rejects(loadDataset({ dir: empty }), /has no train-images-idx3-ubyte \/ train-labels-idx1-ubyte pair/);
});
