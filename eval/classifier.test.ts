import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../train/backend.ts';
import { batchImages, loadDataset } from '../train/data.ts';
import {
  classifierArchFor,
  classifierShapes,
  classify,
  classifierParamCount,
  nchwToNhwc,
  parseArch,
  defaultClassifierArch,
  disposeClassifier,
  initClassifier,
  loadClassifier,
  saveClassifier,
} from './classifier.ts';
import { accuracy } from './metrics.ts';

await selectBackend('auto');

test('the committed classifier reads >= 98.5% of 2000 test images right, and is small', async () => {
  const c = await loadClassifier();
  const ds = await loadDataset({ split: 'test', limit: 2000 });
  const r = classify(
    c,
    batchImages(
      ds,
      Array.from({ length: ds.count }, (_, i) => i),
    ),
    ds.count,
  );
  const acc = accuracy(r.predictions, ds.labels, c.arch.numClasses);
  assert.ok(acc.overall >= 0.985, `accuracy ${acc.overall}`);
  for (const [k, a] of acc.perClass.entries()) assert.ok(a >= 0.95, `class ${k}: ${a}`);
  assert.equal(r.dim, 128);
  assert.equal(r.features.length, 2000 * 128);
  assert.ok(classifierParamCount(c.arch) * 4 < 512 * 1024);
  assert.ok(Number(c.metadata.test_accuracy) >= 0.985, `metadata test_accuracy ${c.metadata.test_accuracy}`);
  assert.equal(c.metadata.dataset, 'mnist');
  disposeClassifier(c);
});

test('save/load round trip keeps the weights and the architecture', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clf-'));
  const arch = { ...defaultClassifierArch(), convs: [4, 8], hidden: 16 };
  const w = initClassifier(arch, 3);
  const { file } = await saveClassifier(dir, arch, w, { dataset: 'mnist' });
  const c = await loadClassifier(dir);
  assert.equal(c.file, file);
  assert.deepEqual(c.arch, arch);
  for (const [k, t] of Object.entries(w))
    assert.deepEqual(Array.from(c.weights[k].dataSync()), Array.from(t.dataSync()), k);
  tf.dispose(Object.values(w));
  disposeClassifier(c);
});

test('missing or foreign weights give errors that name the fix', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clf-'));
  await assert.rejects(loadClassifier(dir), /do not exist; train them with `cgan classifier train/);
  const f = path.join(dir, 'x.safetensors');
  const header = new TextEncoder().encode(JSON.stringify({ __metadata__: { format: 'cgan-onnx.checkpoint' } }));
  const bytes = new Uint8Array(8 + header.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(header, 8);
  writeFileSync(f, bytes);
  await assert.rejects(loadClassifier(f), /is not classifier weights/);
});

test('the architecture follows the data: MNIST at 28, 3x3 same-padded stages down to 4-7 pixels elsewhere', () => {
  assert.deepEqual(classifierArchFor(28, 1, 10), defaultClassifierArch());
  assert.deepEqual(classifierArchFor(28, 3, 47), { ...defaultClassifierArch(), channels: 3, numClasses: 47 });
  const conv = (s: number) => classifierArchFor(s, 3, 5).convs;
  assert.deepEqual(
    [conv(16), conv(20), conv(32), conv(40), conv(64)],
    [
      [16, 32],
      [16, 32],
      [16, 32, 64],
      [16, 32, 64],
      [16, 32, 64, 64],
    ],
  );
  const a = classifierArchFor(64, 3, 256);
  assert.deepEqual(classifierShapes(a)['conv1.kernel'], [3, 3, 3, 16]);
  assert.deepEqual(classifierShapes(a)['dense1.kernel'], [4 * 4 * 64, 128]);
  assert.deepEqual(classifierShapes(a)['dense2.kernel'], [128, 256]);
  assert.ok(classifierParamCount(a) < 250_000, `${classifierParamCount(a)} weights`);
  assert.throws(() => classifierArchFor(12, 1, 10), /16 to 64 pixels a side, got 12/);
  assert.throws(() => classifierArchFor(32, 2, 10), /1 \(gray\) or 3 \(RGB\) channels, got 2/);
  assert.throws(() => classifierArchFor(32, 3, 1), /2 to 256 classes, got 1/);
  assert.throws(() => classifierArchFor(32, 3, 257), /got 257/);
});

test('version 1 files (two named stages, no channels) read as the MNIST architecture', () => {
  const v1 = '{"imageSize":28,"numClasses":10,"kernel":5,"conv1":16,"conv2":32,"hidden":128}';
  assert.deepEqual(parseArch(v1), defaultClassifierArch());
  assert.deepEqual(parseArch(JSON.stringify(classifierArchFor(48, 3, 7))), classifierArchFor(48, 3, 7));
});

test('RGB and gray inputs of every family give features and logits of the right shapes', () => {
  for (const [s, ch] of [
    [16, 1],
    [28, 3],
    [64, 3],
  ]) {
    const arch = classifierArchFor(s, ch, 4);
    const c = { arch, weights: initClassifier(arch, 1), metadata: {}, file: '' };
    const images = new Float32Array(3 * s * s * ch).map((_, i) => Math.sin(i));
    const r = classify(c, images, 3, 2);
    assert.equal(r.features.length, 3 * 128);
    assert.ok(r.predictions.every((p) => p >= 0 && p < 4));
    assert.throws(() => classify(c, images.subarray(1), 3), new RegExp(`not 3 images of ${s}x${s}x${ch}`));
    disposeClassifier(c);
  }
});

test('NCHW to NHWC moves each channel value to its pixel; one channel is left as it is', () => {
  // Two 2x2 RGB images, value = 100 n + 10 c + p.
  const nchw = Float32Array.from({ length: 24 }, (_, i) => {
    const [n, c, p] = [Math.floor(i / 12), Math.floor(i / 4) % 3, i % 4];
    return 100 * n + 10 * c + p;
  });
  const nhwc = nchwToNhwc(nchw, 2, 3, 2);
  assert.deepEqual(Array.from(nhwc.subarray(0, 6)), [0, 10, 20, 1, 11, 21]);
  assert.deepEqual(Array.from(nhwc.subarray(21)), [103, 113, 123]);
  const gray = new Float32Array(8);
  assert.equal(nchwToNhwc(gray, 2, 1, 2), gray);
});

test('a file of a newer format version is refused', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clf-'));
  const arch = classifierArchFor(16, 1, 2);
  const w = initClassifier(arch, 3);
  const { file } = await saveClassifier(dir, arch, w, {});
  tf.dispose(Object.values(w));
  const bytes = readFileSync(file);
  writeFileSync(
    file,
    Buffer.from(bytes.toString('latin1').replace('"format_version":"2"', '"format_version":"3"'), 'latin1'),
  );
  await assert.rejects(loadClassifier(dir), /classifier format version 3, this program reads 1 and 2/);
});
