import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../train/backend.ts';
import { batchImages, loadDataset } from '../train/data.ts';
import {
  classify,
  classifierParamCount,
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
  const arch = { ...defaultClassifierArch(), conv1: 4, conv2: 8, hidden: 16 };
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
