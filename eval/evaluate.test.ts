import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../train/backend.ts';
import { testOnnx } from '../test/test-checkpoint.ts';
import { loadClassifier } from './classifier.ts';
import { computeReference, evaluateGenerator, reportJson } from './evaluate.ts';

await selectBackend('auto');
const classifier = await loadClassifier();
const dir = mkdtempSync(path.join(os.tmpdir(), 'eval-'));
const modelFile = path.join(dir, 'random.onnx');
writeFileSync(modelFile, await testOnnx());
// Small counts keep this file fast; the numbers' meaning is the same at 10000.
const SAMPLES = 200;
const reference = await computeReference(classifier, SAMPLES, { testLimit: 1000 });

test('real data: high test accuracy and a small reference distance', () => {
  assert.equal(reference.test.count, 1000);
  assert.ok(reference.test.accuracy.overall > 0.97, String(reference.test.accuracy.overall));
  assert.equal(reference.real.count, SAMPLES);
  assert.deepEqual(reference.real.accuracy.counts, Array(10).fill(20));
  assert.ok(reference.real.fd >= 0 && Number.isFinite(reference.real.fd));
});

test('a random generator scores near chance and far from the real data', async () => {
  const r = await evaluateGenerator(modelFile, { samples: SAMPLES, seed: 1, device: 'cpu', classifier, reference });
  assert.equal(r.generated.count, SAMPLES);
  assert.equal(r.generated.perClass, 20);
  assert.deepEqual(r.generated.accuracy.counts, Array(10).fill(20));
  assert.equal(
    r.generated.predicted.reduce((a, b) => a + b, 0),
    SAMPLES,
  );
  assert.ok(r.generated.accuracy.overall < 0.3, `accuracy ${r.generated.accuracy.overall}`);
  assert.ok(r.generated.fd > 5 * reference.real.fd, `fd ${r.generated.fd} vs real ${reference.real.fd}`);
  const j = JSON.parse(JSON.stringify(reportJson(r))) as {
    generated: { frechetDistance: number; conditionalAccuracy: { perClass: number[] } };
    reference: { frechetDistance: number };
  };
  assert.equal(j.generated.frechetDistance, r.generated.fd);
  assert.equal(j.generated.conditionalAccuracy.perClass.length, 10);
  assert.equal(j.reference.frechetDistance, reference.real.fd);
  // Same seed, same samples: the same numbers.
  const again = await evaluateGenerator(modelFile, { samples: SAMPLES, seed: 1, device: 'cpu', classifier, reference });
  assert.equal(again.generated.fd, r.generated.fd);
});

test('bad inputs give errors that say what to do', async () => {
  await assert.rejects(
    evaluateGenerator(path.join(dir, 'missing.onnx'), { classifier, reference }),
    /missing\.onnx does not exist; export one with `cgan export/,
  );
  await assert.rejects(
    evaluateGenerator(modelFile, { samples: 205, classifier, reference }),
    /--samples must be a positive multiple of the class count 10.*got 205/,
  );
  await assert.rejects(
    evaluateGenerator(modelFile, { samples: 0, classifier, reference }),
    /--samples must be a positive multiple/,
  );
  await assert.rejects(
    evaluateGenerator(modelFile, { samples: 100, classifier, reference }),
    /computed for 200 samples, not 100/,
  );
  const notOnnx = path.join(dir, 'x.onnx');
  writeFileSync(notOnnx, 'hello');
  await assert.rejects(evaluateGenerator(notOnnx, { classifier, reference }), /x\.onnx/);
});
