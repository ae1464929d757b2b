import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../runtime/random.ts';
import { selectBackend } from './backend.ts';
import type { Hyper } from './checkpoint.ts';
import { mismatchImages, mismatchRows } from './mismatch.ts';
import { defaultArch } from './model.ts';
import { Replica } from './replica.ts';

test('fraction 1: every row gets the nearest following row with another label', () => {
  const labels = [3, 3, 5, 3, 7, 7];
  assert.deepEqual([...mismatchRows(labels, 1, new Rng(1))], [2, 2, 3, 4, 0, 0]);
});

test('a row whose label every row shares keeps its fake', () => {
  assert.deepEqual([...mismatchRows([4, 4, 4], 1, new Rng(1))], [-1, -1, -1]);
});

test('the chosen share is the fraction, and the choice is a function of the RNG state', () => {
  const labels = Array.from({ length: 20000 }, (_, i) => i % 10);
  const rows = mismatchRows(labels, 0.25, new Rng(7));
  const chosen = rows.filter((j) => j >= 0).length / rows.length;
  // Binomial standard error at n = 20,000: 0.003; 0.01 is over three of them.
  assert.ok(Math.abs(chosen - 0.25) < 0.01, `chose ${chosen}`);
  rows.forEach((j, i) => assert.ok(j < 0 || labels[j] !== labels[i], `row ${i} paired with ${j}, same label`));
  assert.deepEqual(mismatchRows(labels, 0.25, new Rng(7)), rows);
  assert.notDeepEqual(mismatchRows(labels, 0.25, new Rng(8)), rows);
});

test('the stand-ins are the partner rows, with a mask of the rows replaced', () => {
  const real = Float32Array.from({ length: 3 * 4 }, (_, i) => i);
  const { images, mask } = mismatchImages(real, Int32Array.from([2, -1, 0]));
  assert.deepEqual([...mask], [1, 0, 1]);
  assert.deepEqual([...images], [8, 9, 10, 11, 0, 0, 0, 0, 0, 1, 2, 3]);
});

test("the critic step scores the stand-ins in the fakes' place", async () => {
  await selectBackend('wasm');
  const arch = defaultArch();
  const hyper: Hyper = { lr: 1e-4, beta1: 0, beta2: 0.9, eps: 1e-8, lambda: 10, nCritic: 5, batchSize: 4 };
  const replica = new Replica(arch, hyper, 3);
  const n = 4;
  const rng = new Rng(2);
  // Mostly-white images, far from the untrained generator's near-zero output, so the two score apart.
  const real = Float32Array.from({ length: n * 784 }, () => 0.5 + rng.uniform() * 0.5);
  const shard = {
    real,
    labels: Int32Array.from([0, 1, 2, 3]),
    z: rng.fillNormal(new Float32Array(n * arch.zDim)),
    alpha: Float32Array.from([0.1, 0.4, 0.6, 0.9]),
  };
  const plain = await replica.criticStep(shard, n);
  // Every fake replaced by the row's own real image: the "fake" sum is the real sum.
  const all = await replica.criticStep({ ...shard, mismatch: { images: real, mask: new Float32Array(n).fill(1) } }, n);
  assert.ok(Math.abs(plain.fake - plain.real) > 1e-3, `fakes and reals score apart (${plain.fake}, ${plain.real})`);
  assert.ok(Math.abs(all.fake - all.real) < 1e-4 * Math.max(1, Math.abs(all.real)), `${all.fake} vs ${all.real}`);
  assert.ok(Math.abs(all.real - plain.real) < 1e-5, 'the real images are scored as before');
  // A zero mask leaves the step as it was.
  const none = await replica.criticStep({ ...shard, mismatch: { images: real, mask: new Float32Array(n) } }, n);
  assert.ok(Math.abs(none.fake - plain.fake) < 1e-5, `${none.fake} vs ${plain.fake}`);
});
