/**
 * `cgan eval` on data other than MNIST, without an RGB generator yet: an evaluation classifier trained on a
 * synthetic RGB dataset with a held-out split, its reference, and generated sets stood in for by images.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BadFileError } from '../runtime/errors.ts';
import { readModelInfo } from '../runtime/model-info.ts';
import { testOnnx } from '../test/test-checkpoint.ts';
import { syntheticDataset } from '../test/synthetic-dataset.ts';
import type { Dataset } from '../train/data.ts';
import { selectBackend } from '../train/backend.ts';
import { classifierArchFor, loadClassifier } from './classifier.ts';
import { checkMatch, computeReference, scoreSamples } from './evaluate.ts';
import { loadRealSets } from './real-data.ts';
import { trainClassifier } from './train-classifier.ts';

await selectBackend('auto');
const data = syntheticDataset({ size: 16, channels: 3, perClass: [60, 50, 40] });
const dir = mkdtempSync(path.join(os.tmpdir(), 'own-clf-'));
const logs: string[] = [];
const trained = await trainClassifier({
  out: dir,
  data,
  holdout: 0.2,
  epochs: 3,
  batchSize: 16,
  lr: 3e-3,
  lrDecay: 0.5,
  log: (l) => logs.push(l),
});
const classifier = await loadClassifier(dir);
const reference = await computeReference(classifier, undefined, { data });

/** Images of a dataset as a generator gives them: NCHW float32 in [-1, 1]. */
function asGenerated(ds: Dataset, idx: number[]) {
  const s = 16;
  const px = s * s;
  const out = new Float32Array(idx.length * 3 * px);
  idx.forEach((i, n) => {
    for (let p = 0; p < px; p++)
      for (let c = 0; c < 3; c++) out[(n * 3 + c) * px + p] = ds.pixels[(i * px + p) * 3 + c] / 127.5 - 1;
  });
  return { data: out, count: idx.length, channels: 3, height: s };
}

test('a classifier trained on RGB data holds out a stratified share and records the split', () => {
  assert.deepEqual(trained.arch, classifierArchFor(16, 3, 3));
  assert.deepEqual(trained.arch.convs, [16, 32]);
  assert.equal(trained.split.kind, 'fraction');
  assert.equal(trained.test.total, 12 + 10 + 8);
  assert.deepEqual(trained.test.counts, [12, 10, 8]);
  assert.equal(trained.trainCount, 150 - 30);
  for (const [c, a] of trained.test.perClass.entries())
    assert.ok(a >= 0.9, `${trained.classNames[c]}: held-out accuracy ${a}`);
  assert.match(logs[0], /training on 120 images of shapes \(shapes, 16x16x3, 3 classes\), holding out 30/);
  assert.deepEqual(classifier.arch, trained.arch);
  assert.equal(classifier.metadata.format_version, '2');
  assert.deepEqual(JSON.parse(classifier.metadata.class_names), ['red', 'green', 'blue']);
  const h = JSON.parse(classifier.metadata.holdout);
  assert.deepEqual(
    { ...h, digest: h.digest.length },
    {
      kind: 'fraction',
      fraction: 0.2,
      seed: 0,
      count: 150,
      heldOut: 30,
      digest: 64,
    },
  );
});

test('the reference: held-out images, as many training images per class as the smallest class allows', () => {
  assert.equal(reference.test.name, 'held-out');
  assert.equal(reference.test.count, 30);
  // Samples default to 10,000 split equally, capped by the smallest class's 32 training images.
  assert.equal(reference.real.perClass, 32);
  assert.equal(reference.real.count, 96);
  assert.ok(reference.test.accuracy.overall >= 0.9, `held-out accuracy ${reference.test.accuracy.overall}`);
  assert.equal(reference.k, 3);
  const m = reference.real.manifold;
  assert.ok(m && m.precision > 0.5 && m.recall > 0.5 && m.coverage > 0.5, JSON.stringify(m));
  assert.equal(reference.test.stats.dim, 128);
});

test('samples like the data score like the real reference; a collapsed set does not', () => {
  const fresh = syntheticDataset({ size: 16, channels: 3, perClass: 32, seed: 9 });
  const byClass = [0, 1, 2].flatMap((c) =>
    Array.from({ length: fresh.count }, (_, i) => i).filter((i) => fresh.labels[i] === c),
  );
  const labels = byClass.map((i) => fresh.labels[i]);
  const good = scoreSamples(classifier, reference, asGenerated(fresh, byClass), labels);
  assert.ok(good.accuracy.overall >= 0.9, `accuracy ${good.accuracy.overall}`);
  assert.ok(good.fd < 3 * reference.real.fd + 1, `fd ${good.fd} vs real ${reference.real.fd}`);
  const gm = good.manifold!;
  const rm = reference.real.manifold!;
  assert.ok(Math.abs(gm.recall - rm.recall) < 0.25, `recall ${gm.recall} vs real ${rm.recall}`);
  // Every sample the same red square: a third right, all read as red, nothing of the data's spread.
  const collapsed = scoreSamples(
    classifier,
    reference,
    asGenerated(
      fresh,
      byClass.map(() => byClass[0]),
    ),
    labels,
  );
  assert.ok(Math.abs(collapsed.accuracy.overall - 1 / 3) < 0.01, `accuracy ${collapsed.accuracy.overall}`);
  assert.deepEqual(collapsed.predicted, [96, 0, 0]);
  assert.ok(collapsed.fd > 5 * good.fd, `fd ${collapsed.fd} vs ${good.fd}`);
  assert.ok(collapsed.manifold!.precision >= 0.9, `precision ${collapsed.manifold!.precision}`);
  assert.ok(collapsed.manifold!.recall <= 0.1, `recall ${collapsed.manifold!.recall}`);
  assert.ok(collapsed.manifold!.coverage <= 0.1, `coverage ${collapsed.manifold!.coverage}`);
});

test('changed data, another size or gray images are refused, naming both', async () => {
  const changed = syntheticDataset({ size: 16, channels: 3, perClass: [60, 50, 40] });
  changed.pixels[100] ^= 4;
  await assert.rejects(
    loadRealSets(classifier, { data: changed }),
    (e: Error) =>
      e instanceof BadFileError &&
      /shapes is not the data the classifier .* held images out of: it recorded 150 images with digest/.test(
        e.message,
      ) &&
      /[0-9a-f]{12}, this data has 150 \(digest [0-9a-f]{12}\); pass the --data it was trained on/.test(e.message),
  );
  const same = await loadRealSets(classifier, { data });
  const moved = { ...classifier, metadata: { ...classifier.metadata, data_source: '/nonexistent/pets' } };
  await assert.rejects(loadRealSets(moved), /was trained on \/nonexistent\/pets, which is not there now: pass --data/);
  const unrecorded = { ...classifier, metadata: { ...classifier.metadata, data_source: '' } };
  await assert.rejects(loadRealSets(unrecorded), /records no data path: pass --data with the data it was trained on/);
  assert.deepEqual(Array.from(same.heldOut.idx).length, 30);
  await assert.rejects(
    loadRealSets(classifier, { data: syntheticDataset({ size: 20, channels: 3, perClass: [60, 50, 40] }) }),
    /shapes holds 20x20x3 images but the classifier .* takes 16x16x3; train a classifier on this data/,
  );
  await assert.rejects(
    loadRealSets(classifier, { data: syntheticDataset({ size: 16, channels: 1, perClass: [60, 50, 40] }) }),
    /holds 16x16x1 images but the classifier .* takes 16x16x3/,
  );
});

test('a generator the classifier cannot judge is refused, naming both', async () => {
  const info = readModelInfo(await testOnnx(), 'mnist.onnx');
  assert.throws(
    () => checkMatch(info, classifier, 'mnist.onnx'),
    (e: Error) =>
      e instanceof BadFileError &&
      e.message.includes(
        'mnist.onnx generates 28x28x1 images of 10 classes (0, 1, 2, 3, 4, ..., 9) but the classifier',
      ) &&
      e.message.includes('takes 16x16x3 images of 3 classes (red, green, blue); train a classifier on the data'),
  );
});
