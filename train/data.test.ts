import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { batchImages, loadDataset, type Dataset } from './data.ts';

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
function dataDir(images: Uint8Array, labels: Uint8Array, ext = ''): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cgan-data-'));
  writeFileSync(path.join(dir, `train-images-idx3-ubyte${ext}`), images);
  writeFileSync(path.join(dir, `train-labels-idx1-ubyte${ext}`), labels);
  return dir;
}

/** SHA-256 of what training reads: pixels, labels and class names. */
const digest = (ds: Dataset) =>
  createHash('sha256').update(ds.pixels).update(ds.labels).update(JSON.stringify(ds.classNames)).digest('hex');

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
  assert.deepEqual([ds.size, ds.channels, ds.kind, ds.name, ds.source], [28, 1, 'idx', 'mnist', '']);
  // The bytes the loader returned before image folders existed (train/data.ts at 8a952f0): npm start's
  // weights depend on them, so they must not move.
  assert.equal(digest(ds), '1bedcd51cd15de8655e0281ed51105cd977463a76b80ad2e6e054ded31d5ebb1');
  assert.equal(digest(test10k), '5de365e86cdc0ae8163bc679f5447d435ef7f47bd6bdab9e7513edca1a72b0fa');
});

test('a gzipped IDX pair (as Fashion-MNIST, KMNIST, EMNIST ship) reads as the plain one', async () => {
  const pixels = Uint8Array.from({ length: 3 * 16 * 16 }, (_, i) => i % 251);
  const [img, lbl] = [idxImages(3, 16, 16, pixels), idxLabels([0, 1, 1])];
  const plain = await loadDataset({ dir: dataDir(img, lbl) });
  const gz = await loadDataset({ dir: dataDir(gzipSync(img), gzipSync(lbl), '.gz') });
  assert.deepEqual(gz.pixels, plain.pixels);
  assert.equal(gz.size, 16);
  assert.equal(gz.fingerprint, plain.fingerprint, 'the fingerprint is of the content, not of the file names');
  await assert.rejects(
    loadDataset({ dir: dataDir(img.subarray(0, 10), gzipSync(lbl), '.gz') }),
    /idx3-ubyte\.gz: 10 bytes is too short for an IDX image header/,
  );
  await assert.rejects(
    loadDataset({ dir: dataDir(gzipSync(img).subarray(0, 30), gzipSync(lbl), '.gz') }),
    /not a valid gzip/,
  );
});

const FASHION = '/usr/share/datasets/fashion-mnist'; // Debian's dataset-fashion-mnist (gzipped IDX)
test("Debian's gzipped Fashion-MNIST loads with its class names", {
  skip: !existsSync(FASHION) && 'not installed',
}, async () => {
  const ds = await loadDataset({ dir: FASHION, limit: 1000 });
  assert.equal(ds.count, 1000);
  assert.equal(ds.classNames[7], 'Sneaker');
  assert.equal(ds.name, 'fashion-mnist');
  // Fashion-MNIST's first training label is 9 (Ankle boot).
  assert.equal(ds.labels[0], 9);
  assert.equal((await loadDataset({ dir: FASHION, split: 'test' })).count, 10000);
});

test('IDX: any valid square size as it is; --image-size and --channels convert', async () => {
  const dir = dataDir(idxImages(2, 32, 32, new Uint8Array(2 * 32 * 32).fill(200)), idxLabels([0, 1]));
  assert.equal((await loadDataset({ dir })).size, 32);
  const logs: string[] = [];
  const rgb = await loadDataset({ dir, imageSize: 16, channels: 3, log: (m) => logs.push(m) });
  assert.deepEqual([rgb.size, rgb.channels, rgb.pixels.length], [16, 3, 2 * 16 * 16 * 3]);
  assert.ok(
    rgb.pixels.every((p) => Math.abs(p - 200) <= 1),
    'a flat image stays flat, in every channel',
  );
  assert.match(logs.join('\n'), /2 images converted from 32x32x1 to 16x16x3/);
  const odd = dataDir(idxImages(2, 30, 30), idxLabels([0, 1]));
  await assert.rejects(
    loadDataset({ dir: odd }),
    /images are 30x30: .*multiples of 4.*; pass --image-size N to resize/,
  );
  assert.equal((await loadDataset({ dir: odd, imageSize: 28 })).size, 28);
  const x = batchImages(rgb, [1]);
  assert.equal(x.length, 16 * 16 * 3);
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
    loadDataset({ dir: dataDir(idxImages(2, 28, 20), idxLabels([0, 1])) }),
    /images are 28x20; training takes square images/,
  );
  await assert.rejects(loadDataset({ dir: '/nonexistent-cgan' }), /does not exist: pass --data DIR/);
  const empty = mkdtempSync(path.join(os.tmpdir(), 'cgan-empty-'));
  await assert.rejects(loadDataset({ dir: empty }), /no IDX pair \(train-images-idx3-ubyte\[\.gz\] and/);
});
