import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './backend.ts';
import { criticLoss, gradientPenalty } from './loss.ts';
import { criticParams, defaultArch, generator, initParams } from './model.ts';

await selectBackend('cpu');
const a = defaultArch();
const p = initParams(a, 5);
const n = 3;
const labels = tf.tensor1d([1, 4, 7], 'int32');
const real = tf.randomUniform([n, 28, 28, 1], -1, 1, 'float32', 11) as tf.Tensor4D;
const fake = tf.tidy(() => generator(p, a, tf.randomNormal([n, a.zDim], 0, 1, 'float32', 12), labels));
const alpha = tf.tensor4d([0.2, 0.5, 0.9], [n, 1, 1, 1]);
const xhat = tf.tidy(() => tf.add(tf.mul(alpha, real), tf.mul(tf.sub(1, alpha), fake))) as tf.Tensor4D;
const penalty = () => tf.mean(gradientPenalty(p, a, xhat, labels)) as tf.Scalar;

test("the penalty's gradient w.r.t. the critic's weights matches finite differences along it", () => {
  // Double backprop: the penalty is a function of dD/dx; its weight gradient needs a second pass.
  const vars = criticParams(p);
  const { value, grads } = tf.variableGrads(penalty, vars);
  // A bias of the last layer does not move dD/dx, so the penalty has no gradient for it.
  const g = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
  const norm = Math.sqrt(g.reduce((s, t) => s + tf.sum(tf.square(t)).dataSync()[0], 0));
  assert.ok(norm > 1e-3, `gradient norm ${norm}`);
  // Directional finite difference along d = g/|g|: (P(w + eps d) - P(w - eps d)) / 2eps ~ |g|.
  // dD/dx is piecewise constant in the leaky ReLUs' on/off pattern, so a random direction that
  // flips units jumps; along the gradient, with a small step, the pattern holds.
  const originals = vars.map((v) => v.clone());
  const at = (eps: number) => {
    vars.forEach((v, i) => v.assign(tf.tidy(() => tf.add(originals[i], tf.mul(g[i], eps / norm)))));
    return penalty().dataSync()[0];
  };
  const eps = 1e-3;
  const fd = (at(eps) - at(-eps)) / (2 * eps);
  vars.forEach((v, i) => v.assign(originals[i]));
  assert.ok(Math.abs(fd - norm) / norm < 0.02, `finite difference ${fd} vs analytic ${norm}`);
  tf.dispose([value, ...Object.values(grads), ...originals]);
});

test('the critic loss is D(fake) - D(real) + lambda * penalty, over the full batch', () => {
  const out: { real?: tf.Scalar; fake?: tf.Scalar; penalty?: tf.Scalar } = {};
  const loss = criticLoss(p, a, real, fake, labels, alpha, 10, n, out).dataSync()[0];
  const [sr, sf, sp] = [out.real!, out.fake!, out.penalty!].map((t) => t.dataSync()[0]);
  assert.ok(Math.abs(loss - (sf - sr + 10 * sp) / n) < 1e-5);
  assert.ok(Math.abs(sp / n - penalty().dataSync()[0]) < 1e-5);
  // A shard's loss is divided by the full batch: halves of a batch add up to the whole.
  const half = criticLoss(p, a, real, fake, labels, alpha, 10, 2 * n, {}).dataSync()[0];
  assert.ok(Math.abs(2 * half - loss) < 1e-5);
});
