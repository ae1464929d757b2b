import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel } from '../export/onnx-schema.ts';
import { testOnnx } from '../test/test-checkpoint.ts';
import { runCgan } from '../test/run-cgan.ts';

const root = mkdtempSync(join(tmpdir(), 'cgan-eval-cli-'));

async function cgan(args: string[]): Promise<{ code: number; out: string }> {
  const r = await runCgan(args, { cwd: root });
  return { code: r.code, out: r.stdout + r.stderr };
}

test('`cgan eval` prints accuracy and Frechet distance with their counts, and writes --json', async () => {
  const model = join(root, 'random.onnx');
  writeFileSync(model, await testOnnx());
  const json = join(root, 'eval.json');
  const r = await cgan(['eval', model, '--samples', '100', '--test-limit', '500', '--device', 'cpu', '--json', json]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /conditional accuracy %.*\(100 samples, 10 per class, seed 0\)/);
  assert.match(r.out, /real test accuracy %.*\(500 test images\)/);
  assert.match(r.out, /Frechet distance +\d+\.\d+ +\(100 samples vs 500 test images, 128-d classifier features\)/);
  assert.match(r.out, /real reference +\d+\.\d+ +\(100 training images/);
  const j = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(j.generated.count, 100);
  assert.ok(j.generated.conditionalAccuracy.overall < 0.3);
  assert.ok(j.generated.frechetDistance > j.reference.frechetDistance);
  assert.equal(j.reference.testAccuracy.count, 500);
});

test('`cgan eval` errors: bad --samples', async () => {
  const r = await cgan(['eval', 'm.onnx', '--samples', 'ten']);
  assert.equal(r.code, 2);
  assert.match(r.out, /--samples must be an integer/);
});

test('`cgan eval` refuses a model whose weights hash does not match (exit 3); --no-verify evaluates it', async () => {
  const m = decodeModel(await testOnnx());
  // Sound weights under a stored hash that is not theirs: refused as damaged weights are, yet still runnable.
  m.metadata_props.find((p) => p.key === 'weights_sha256')!.value = '0'.repeat(64);
  const model = join(root, 'wrong-hash.onnx');
  writeFileSync(model, encodeModel(m));
  const args = ['eval', model, '--samples', '20', '--test-limit', '50', '--device', 'cpu'];
  const refused = await cgan(args);
  assert.equal(refused.code, 3, refused.out);
  assert.match(refused.out, /wrong-hash\.onnx: its weights do not match the weights_sha256 stored at export \(0{12}\./);
  assert.match(refused.out, /the file is damaged; copy or export it again \(to load it anyway, .*--no-verify\)/);
  assert.doesNotMatch(refused.out, /conditional accuracy/);
  const r = await cgan([...args, '--no-verify']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /weights 000000000000 not verified \(--no-verify\)\);/);
  assert.match(r.out, /conditional accuracy %.*\(20 samples, 2 per class, seed 0\)/);
});

test('`cgan classifier train --data` holds images out; `cgan eval --classifier` measures against them', async () => {
  const { syntheticDataset, writeIdx } = await import('../test/synthetic-dataset.ts');
  // Named "mnist" like the test model's dataset: 10 gray classes the loader names 0-9.
  const data = join(root, 'own', 'mnist');
  writeIdx(data, syntheticDataset({ size: 28, channels: 1, numClasses: 10, perClass: 30 }), 28);
  const clf = join(root, 'own', 'clf');
  const t = await cgan(['classifier', 'train', '--data', data, '--holdout', '0.2', '--epochs', '1', '--out', clf]);
  assert.equal(t.code, 0, t.out);
  assert.match(t.out, /training on 240 images of mnist .*28x28x1, 10 classes\), holding out 60 \(0\.2 of each class\)/);
  assert.match(t.out, /held-out accuracy \(0\.2 of each class, split seed 0\) \d+\.\d+% \(60 images\)/);
  const model = join(root, 'random.onnx');
  writeFileSync(model, await testOnnx());
  const json = join(root, 'own', 'eval.json');
  // No --data: the classifier recorded where its data is. 24 training images per class cap the samples at 240.
  const r = await cgan(['eval', model, '--classifier', clf, '--device', 'cpu', '--json', json]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /\(240 samples, 24 per class, seed 0\)/);
  assert.match(r.out, /real held-out accuracy % .*\(60 held-out images\)/);
  assert.match(r.out, /Frechet distance +\d+\.\d+ +\(240 samples vs 60 held-out images, 128-d classifier features\)/);
  assert.match(r.out, /manifold scores, k = 3 +samples +real +\(240 samples and 240 training images/);
  for (const m of ['precision', 'recall', 'density', 'coverage'])
    assert.match(r.out, new RegExp(`\\n${m} +\\d\\.\\d{3} +\\d\\.\\d{3}`));
  const j = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(j.reference.heldOut.kind, 'fraction');
  assert.equal(j.reference.heldOut.count, 60);
  assert.equal(j.generated.manifold.k, 3);
  assert.ok(j.reference.manifold.recall > j.generated.manifold.recall, JSON.stringify(j.generated.manifold));
  assert.deepEqual(Object.keys(j.generated.conditionalAccuracy.byName), [
    '0',
    '1',
    '2',
    '3',
    '4',
    '5',
    '6',
    '7',
    '8',
    '9',
  ]);
  const unchecked = await cgan(['eval', model, '--classifier', clf, '--device', 'cpu', '--no-manifold', '--k', '5']);
  assert.equal(unchecked.code, 0, unchecked.out);
  assert.doesNotMatch(unchecked.out, /manifold scores/);
});

test('`cgan eval` refuses a classifier of other images or classes (exit 3), naming both', async () => {
  const { classifierArchFor, initClassifier, saveClassifier } = await import('../eval/classifier.ts');
  const arch = classifierArchFor(32, 3, 3);
  const clf = join(root, 'rgb-clf');
  await saveClassifier(clf, arch, initClassifier(arch, 0), { dataset: 'pets', class_names: '["cat","dog","fox"]' });
  const model = join(root, 'random.onnx');
  writeFileSync(model, await testOnnx());
  const r = await cgan(['eval', model, '--classifier', clf, '--device', 'cpu']);
  assert.equal(r.code, 3, r.out);
  assert.match(
    r.out,
    /random\.onnx generates 28x28x1 images of 10 classes \(0, 1, 2, 3, 4, \.\.\., 9\) but the classifier/,
  );
  assert.match(r.out, /rgb-clf\/classifier\.safetensors takes 32x32x3 images of 3 classes \(cat, dog, fox\)/);
  const k = await cgan(['classifier', 'train', '--holdout', '0.9']);
  assert.equal(k.code, 2, k.out);
  assert.match(k.out, /--holdout must be a fraction in \(0, 0\.5\] or "test", got "0\.9"/);
});
