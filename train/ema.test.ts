import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { effectiveDecay, WeightAverage } from './ema.ts';

test('the weight average starts at the weights and moves by (1 - decay) toward them each update', () => {
  const w = tf.variable(tf.tensor1d([1, 2, 3]));
  const avg = new WeightAverage(0.9, new Map([['w', w]]));
  assert.deepEqual(Array.from(avg.avg.get('w')!.dataSync()), [1, 2, 3]);
  w.assign(tf.tensor1d([11, 2, -7]));
  avg.update(1000); // past the warm-up: decay 0.9
  const got = Array.from(avg.avg.get('w')!.dataSync());
  [2, 2, 2].forEach((want, i) => assert.ok(Math.abs(got[i] - want) < 1e-6, `${got}`));
  avg.update(1001);
  assert.ok(Math.abs(avg.avg.get('w')!.dataSync()[0] - (0.9 * 2 + 0.1 * 11)) < 1e-6);
  avg.reset();
  assert.deepEqual(Array.from(avg.avg.get('w')!.dataSync()), [11, 2, -7]);
  avg.dispose();
  w.dispose();
});

test('the decay warms up over the first generator steps, so a short run averages recent weights', () => {
  assert.ok(Math.abs(effectiveDecay(0.999, 1) - 2 / 11) < 1e-12);
  assert.ok(Math.abs(effectiveDecay(0.999, 187) - 188 / 197) < 1e-12); // one epoch: horizon ~20 steps
  assert.equal(effectiveDecay(0.999, 100_000), 0.999);
  assert.equal(effectiveDecay(0.5, 20), 0.5); // (21 / 30) > 0.5: the set decay
});

test('a decay outside (0, 1) is refused', () => {
  const w = tf.variable(tf.zeros([2]));
  assert.throws(() => new WeightAverage(1, new Map([['w', w]])), /EMA decay must be in \(0, 1\), got 1/);
  w.dispose();
});
