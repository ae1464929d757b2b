/**
 * A resume's data against its checkpoint's (trainer.ts checkResumeData): another dataset, size,
 * channel count or class set is refused naming both; old checkpoints (no size) read as 28x28x1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestError } from '../runtime/errors.ts';
import type { Checkpoint, DatasetInfo } from './checkpoint.ts';
import type { Dataset } from './data.ts';
import { checkResumeData } from './trainer.ts';

const ds = (o: Partial<Dataset> = {}): Dataset => ({
  ...{ name: 'shapes', source: '/data/shapes', kind: 'folder', imagesFile: '/data/shapes', labelsFile: '' },
  ...{
    count: 90,
    size: 32,
    channels: 3,
    numClasses: 3,
    classNames: ['blue', 'green', 'red'],
    fingerprint: 'aa'.repeat(32),
  },
  pixels: new Uint8Array(0),
  labels: new Uint8Array(0),
  ...o,
});

const info = (d: Dataset): DatasetInfo => {
  const { pixels, labels, cache, ...rest } = d;
  return rest;
};
const ckpt = (dataset: DatasetInfo) => ({ config: { dataset } }) as unknown as Checkpoint;
const refused = (c: Checkpoint, d: Dataset, re: RegExp) =>
  assert.throws(
    () => checkResumeData(c, d),
    (e: Error) => e instanceof BadRequestError && re.test(e.message),
  );

test('the same data resumes; a changed file in the same folder is said, not refused', () => {
  const c = ckpt(info(ds()));
  checkResumeData(c, ds());
  const logs: string[] = [];
  checkResumeData(c, ds({ fingerprint: 'bb'.repeat(32) }), (m) => logs.push(m));
  assert.match(
    logs.join('\n'),
    /the data in \/data\/shapes changed since the checkpoint was written \(fingerprint aaaaaaaaaaaa -> bbbbbbbbbbbb\)/,
  );
  // The same data moved elsewhere (same fingerprint) resumes.
  checkResumeData(c, ds({ source: '/elsewhere/shapes', imagesFile: '/elsewhere/shapes' }));
});

test('another dataset, size, channel count or class set is refused, naming both', () => {
  const c = ckpt(info(ds()));
  refused(
    c,
    ds({ size: 64 }),
    /trained on 90 images of 3 classes at 32x32x3 \(\/data\/shapes\) but the data given has 90 of 3 at 64x64x3/,
  );
  refused(c, ds({ channels: 1 }), /at 32x32x1/);
  refused(c, ds({ count: 91 }), /has 91 of 3/);
  refused(
    c,
    ds({ classNames: ['blue', 'green', 'yellow'] }),
    /classes are \[blue, green, red\] but the data's are \[blue, green, yellow\]/,
  );
  refused(
    c,
    ds({ source: '/data/other', imagesFile: '/data/other', fingerprint: 'cc'.repeat(32) }),
    /trained on \/data\/shapes but --data \/data\/other holds other data \(fingerprint aaaaaaaaaaaa -> cccccccccccc\)/,
  );
});

test('a checkpoint from before image folders reads as 28x28x1 IDX', () => {
  const old = ckpt({
    ...{ name: 'mnist', imagesFile: '/x/train-images-idx3-ubyte', labelsFile: '/x/train-labels-idx1-ubyte' },
    ...{ count: 90, numClasses: 3, classNames: ['blue', 'green', 'red'] },
  });
  checkResumeData(old, ds({ size: 28, channels: 1 }));
  refused(old, ds(), /trained on 90 images of 3 classes at 28x28x1 \(\/x\/train-images-idx3-ubyte\)/);
});
