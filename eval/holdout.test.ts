import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syntheticDataset } from '../test/synthetic-dataset.ts';
import { datasetDigest, holdoutSplit, readHoldout } from './holdout.ts';

const labelsOf = (counts: number[]) => Uint8Array.from(counts.flatMap((n, c) => Array(n).fill(c)));

test('the held-out split is stratified, disjoint, complete and seeded', () => {
  const counts = [100, 37, 5, 2, 1];
  const ds = { count: 145, labels: labelsOf(counts), numClasses: 5 };
  const s = holdoutSplit(ds, 0.1, 7);
  const per = (idx: Int32Array) => counts.map((_, c) => idx.filter((i) => ds.labels[i] === c).length);
  // round(0.1 n), at least 1 and never all: 10, 4, 1, 1; a class of one image stays in training.
  assert.deepEqual(per(s.heldOut), [10, 4, 1, 1, 0]);
  assert.deepEqual(per(s.train), [90, 33, 4, 1, 1]);
  const all = [...s.train, ...s.heldOut].sort((a, b) => a - b);
  assert.deepEqual(
    all,
    Array.from({ length: 145 }, (_, i) => i),
  );
  for (const idx of [s.train, s.heldOut])
    assert.ok(
      idx.every((v, i) => i === 0 || v > idx[i - 1]),
      'ascending',
    );
  assert.deepEqual(holdoutSplit(ds, 0.1, 7), s);
  assert.notDeepEqual(holdoutSplit(ds, 0.1, 8).heldOut, s.heldOut);
  // Halves round up (18.5 -> 19, 2.5 -> 3), and a class of two keeps one for training.
  assert.equal(holdoutSplit(ds, 0.5, 7).heldOut.length, 50 + 19 + 3 + 1);
  assert.throws(() => holdoutSplit(ds, 0, 1), /--holdout must be a fraction in \(0, 0\.5\], got 0/);
  assert.throws(() => holdoutSplit(ds, 0.7, 1), /got 0\.7/);
});

test('the digest names the images and their order, and a prefix when asked', () => {
  const ds = syntheticDataset({ perClass: 10 });
  const d = datasetDigest(ds);
  assert.match(d, /^[0-9a-f]{64}$/);
  assert.equal(datasetDigest(syntheticDataset({ perClass: 10 })), d);
  assert.notEqual(datasetDigest(ds, 29), d);
  const changed = syntheticDataset({ perClass: 10 });
  changed.pixels[5] ^= 1;
  assert.notEqual(datasetDigest(changed), d);
  const relabelled = syntheticDataset({ perClass: 10 });
  relabelled.labels[0] = (relabelled.labels[0] + 1) % 3;
  assert.notEqual(datasetDigest(relabelled), d);
});

test('a file without a split used the test split; a damaged one is refused', () => {
  assert.deepEqual(readHoldout({}, 'c.safetensors'), { kind: 'test-split' });
  const h = { kind: 'fraction', fraction: 0.1, seed: 0, count: 30, heldOut: 3, digest: 'ab' };
  assert.deepEqual(readHoldout({ holdout: JSON.stringify(h) }, 'c.safetensors'), h);
  assert.throws(() => readHoldout({ holdout: '{"kind":"fraction"}' }, 'c.safetensors'), /c\.safetensors: metadata/);
});
