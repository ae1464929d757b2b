import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdoutIndices, holdoutSplit } from './holdout.ts';
import type { Dataset } from './types.ts';

test('the held-out split is stratified, deterministic, and leaves every class in both parts', () => {
  // Class 0: 10 examples, class 1: 3, class 2: 2.
  const labels = [0, 0, 1, 0, 0, 2, 0, 0, 1, 0, 0, 0, 2, 1, 0];
  const a = holdoutIndices(labels, 3, 0.2, 7);
  const count = (idx: Uint32Array, c: number) => Array.from(idx).filter((i) => labels[i] === c).length;
  assert.deepEqual(
    [0, 1, 2].map((c) => count(a.heldOut, c)),
    [2, 1, 1],
  ); // round(10 * 0.2), at least 1
  assert.deepEqual(
    [0, 1, 2].map((c) => count(a.train, c)),
    [8, 2, 1],
  );
  assert.equal(a.train.length + a.heldOut.length, labels.length);
  assert.equal(new Set([...a.train, ...a.heldOut]).size, labels.length);
  assert.deepEqual(holdoutIndices(labels, 3, 0.2, 7), a, 'same seed, same split');
  assert.notDeepEqual(holdoutIndices(labels, 3, 0.2, 8).heldOut, a.heldOut, 'another seed, another split');
  assert.throws(() => holdoutIndices(labels, 3, 1, 0), /fraction must be in \(0, 1\)/);
});

test('holdoutSplit copies pixels and labels of each part', () => {
  const ds: Dataset = {
    ...{ name: 't', source: '/t', kind: 'folder', imagesFile: '/t', labelsFile: '', size: 1, channels: 3 },
    ...{ count: 4, numClasses: 2, classNames: ['a', 'b'], fingerprint: 'f' },
    pixels: Uint8Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]),
    labels: Uint8Array.from([0, 1, 0, 1]),
  };
  const { train, heldOut } = holdoutSplit(ds, 0.5, 1);
  assert.equal(train.count + heldOut.count, 4);
  for (const part of [train, heldOut]) {
    assert.deepEqual(Array.from(part.labels).sort(), [0, 1]);
    for (let i = 0; i < part.count; i++) assert.equal(part.pixels[i * 3] % 2, part.labels[i]);
    assert.notEqual(part.fingerprint, ds.fingerprint);
  }
});
