import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackends, relativeMaxDiff, seededValues } from '../test/kernel-test-util.ts';
import { leakyReluMasked } from './leaky-relu.ts';
import { critic, defaultArch, generator, initParams, LEAKY_SLOPE, type Params } from './model.ts';

const a = { ...defaultArch(), genChannels: 16, criticChannels: 8 };
const labels = () => tf.tensor1d([0, 3, 9], 'int32');
let p: Params;

before(async () => {
  await initBackends();
  await tf.setBackend('wasm');
  p = initParams(a, 3);
});

test('the inference generator (fused biases, fast leaky ReLU) computes the training graph', () => {
  const z = tf.tensor2d(seededValues(3 * a.zDim, 4), [3, a.zDim]);
  const [plain, fast] = [generator(p, a, z, labels()), generator(p, a, z, labels(), { inference: true })];
  assert.ok(relativeMaxDiff(fast.dataSync(), plain.dataSync()) < 1e-5);
});

test("the critic's split first layer equals the seed's conv over [image, label embedding] channels", () => {
  const x = tf.tensor4d(seededValues(3 * 784, 8), [3, 28, 28, 1]);
  const emb = tf.reshape(tf.gather(p['critic.embedding'], labels()), [3, 28, 28, 1]);
  const lrelu = (t: tf.Tensor) => tf.leakyRelu(t, LEAKY_SLOPE);
  let h = lrelu(
    tf.add(
      tf.conv2d(tf.concat([x, emb], 3) as tf.Tensor4D, p['critic.conv1.kernel'] as tf.Tensor4D, 2, 'same'),
      p['critic.conv1.bias'],
    ),
  );
  h = lrelu(
    tf.add(tf.conv2d(h as tf.Tensor4D, p['critic.conv2.kernel'] as tf.Tensor4D, 2, 'same'), p['critic.conv2.bias']),
  );
  const seed = tf.add(tf.matMul(tf.reshape(h, [3, -1]), p['critic.dense.kernel']), p['critic.dense.bias']);
  assert.ok(relativeMaxDiff(critic(p, a, x, labels()).dataSync(), seed.dataSync()) < 1e-5);
});

test("leakyReluMasked has leakyRelu's values, gradient and second-order gradient", () => {
  const x = tf.tensor1d([-2, -0.5, 0, 0.5, 3]);
  const w = tf.variable(tf.tensor1d([1.5, -1, 2, 0.5, -3]));
  for (const f of [(t: tf.Tensor) => tf.leakyRelu(t, 0.2), (t: tf.Tensor) => leakyReluMasked(t, 0.2)]) {
    assert.deepEqual([...f(x).dataSync()], [-0.4000000059604645, -0.10000000149011612, 0, 0.5, 3]);
  }
  const penalty = (f: (t: tf.Tensor) => tf.Tensor) => () =>
    tf.sum(tf.square(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(tf.mul(v, w)), w)))(x))) as tf.Scalar;
  const stock = tf.variableGrads(
    penalty((t) => tf.leakyRelu(t, 0.2)),
    [w],
  );
  const masked = tf.variableGrads(
    penalty((t) => leakyReluMasked(t, 0.2)),
    [w],
  );
  assert.deepEqual([...masked.grads[w.name].dataSync()], [...stock.grads[w.name].dataSync()]);
  assert.equal(masked.value.dataSync()[0], stock.value.dataSync()[0]);
});

test('initial weights are a function of the seed alone, seed 0 included (tfjs reads seed 0 as unseeded)', () => {
  for (const seed of [0, 1]) {
    const [x, y] = [initParams(a, seed), initParams(a, seed)];
    for (const name of Object.keys(x)) {
      assert.deepEqual(x[name].dataSync(), y[name].dataSync(), `${name} differs between two inits at seed ${seed}`);
    }
  }
  const [s0, s1] = [initParams(a, 0), initParams(a, 1)];
  assert.notDeepEqual(s0['generator.embedding'].dataSync(), s1['generator.embedding'].dataSync());
});
