import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { WeightAverage } from './ema.ts';

test('the weight average starts at the weights and moves by (1 - decay) toward them each update', () => {
  const w = tf.variable(tf.tensor1d([1, 2, 3]));
  const avg = new WeightAverage(0.9, new Map([['w', w]]));
  assert.deepEqual(Array.from(avg.avg.get('w')!.dataSync()), [1, 2, 3]);
  w.assign(tf.tensor1d([11, 2, -7]));
  avg.update();
  const got = Array.from(avg.avg.get('w')!.dataSync());
  [2, 2, 2].forEach((want, i) => assert.ok(Math.abs(got[i] - want) < 1e-6, `${got}`));
  avg.update();
  assert.ok(Math.abs(avg.avg.get('w')!.dataSync()[0] - (0.9 * 2 + 0.1 * 11)) < 1e-6);
  avg.reset();
  assert.deepEqual(Array.from(avg.avg.get('w')!.dataSync()), [11, 2, -7]);
  avg.dispose();
  w.dispose();
});

test('a decay outside (0, 1) is refused', () => {
  const w = tf.variable(tf.zeros([2]));
  assert.throws(() => new WeightAverage(1, new Map([['w', w]])), /EMA decay must be in \(0, 1\), got 1/);
  w.dispose();
});
