/**
 * The whole training path on a small model: generator forward, critic forward, gradient penalty by
 * double backprop, generator loss through the critic. wasm (with the replacement kernels) must give
 * the stock cpu backend's gradients, and the zero comparison gradients must make the penalty work.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  critic,
  criticParams,
  defaultArch,
  generator,
  generatorParams,
  initParams,
  type ArchConfig,
  type Params,
} from '../model.ts';
import { zeroGradientConfig } from './comparison-gradients.ts';
import { initBackends, relativeMaxDiff, seededValues } from '../../test/kernel-test-util.ts';

const arch: ArchConfig = { ...defaultArch(), zDim: 8, embedDim: 8, genChannels: 8, criticChannels: 4 };
const BATCH = 3;
let initial: Record<string, { shape: number[]; values: Float32Array }>;

before(async () => {
  await initBackends();
  await tf.setBackend('cpu');
  const p = initParams(arch, 7);
  initial = Object.fromEntries(
    Object.entries(p).map(([k, v]) => [k, { shape: v.shape, values: v.dataSync() as Float32Array }]),
  );
  tf.dispose(Object.values(p));
});

/** Fresh, unnamed variables with the initial values, created on the active backend. */
function freshParams(): Params {
  return Object.fromEntries(
    Object.entries(initial).map(([k, { shape, values }]) => [
      k,
      tf.tidy(() => tf.variable(tf.tensor(values, shape), true)),
    ]),
  ) as Params;
}

function batch() {
  return {
    z: tf.tensor2d(seededValues(BATCH * arch.zDim, 5), [BATCH, arch.zDim]),
    labels: tf.tensor1d([0, 3, 9], 'int32'),
    real: tf.tensor4d(seededValues(BATCH * 28 * 28, 9), [BATCH, 28, 28, 1]),
    eps: tf.tensor(
      seededValues(BATCH, 13).map((v) => (v + 1) / 2),
      [BATCH, 1, 1, 1],
    ),
  };
}

/** The lead's critic loss as sketched: D(fake) - D(real) + 10 * penalty, penalty by double backprop. */
function criticGrads(w: Params) {
  const { z, labels, real, eps } = batch();
  const fake = tf.tidy(() => generator(w, arch, z, labels));
  const xhat = tf.tidy(() => tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake)) as tf.Tensor4D);
  const penalty = () => {
    const g = tf.grad((x: tf.Tensor) => critic(w, arch, x as tf.Tensor4D, labels).sum())(xhat);
    const norm = g.square().sum([1, 2, 3]).add(1e-12).sqrt();
    return norm.sub(1).square().mean();
  };
  const out = tf.variableGrads(
    () =>
      critic(w, arch, fake, labels)
        .mean()
        .sub(critic(w, arch, real, labels).mean())
        .add(penalty().mul(10)) as tf.Scalar,
    criticParams(w),
  );
  tf.dispose([z, labels, real, eps, fake, xhat]);
  return out;
}

function generatorGrads(w: Params) {
  const { z, labels } = batch();
  const out = tf.variableGrads(
    () =>
      critic(w, arch, generator(w, arch, z, labels), labels)
        .mean()
        .neg() as tf.Scalar,
    generatorParams(w),
  );
  tf.dispose([z, labels]);
  return out;
}

async function run(backend: string, f: (w: Params) => { value: tf.Scalar; grads: tf.NamedTensorMap }) {
  await tf.setBackend(backend);
  const w = freshParams();
  const { value, grads } = f(w);
  // variableGrads keys grads by the variables' own (auto) names; map them back to the model's.
  const byName: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(w)) if (grads[v.name]) byName[k] = (await grads[v.name].data()) as Float32Array;
  const loss = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads), ...Object.values(w)]);
  return { loss, grads: byName };
}

/** `zero`: parameters whose gradient is zero by construction. */
function assertUsable(grads: Record<string, Float32Array>, names: string[], zero: string[] = []) {
  assert.deepEqual(Object.keys(grads).sort(), [...names].sort());
  for (const [k, g] of Object.entries(grads)) {
    assert.ok(g.every(Number.isFinite), `${k} has a non-finite gradient`);
    if (zero.includes(k))
      assert.ok(
        g.every((v) => Math.abs(v) < 1e-6),
        `${k} should have a zero gradient`,
      );
    else
      assert.ok(
        g.some((v) => v !== 0),
        `${k} has an all-zero gradient`,
      );
  }
}

describe('training path', () => {
  it("stock leakyRelu's double backprop fails without the Greater zero gradient (why it is registered)", async () => {
    await tf.setBackend('cpu');
    const w = tf.variable(tf.tensor1d([0.5, -1]));
    const x = tf.tensor1d([1, 2]);
    const penalty = () =>
      tf.sum(tf.square(tf.grad((v: tf.Tensor) => tf.sum(tf.leakyRelu(tf.mul(v, w), 0.2)))(x))) as tf.Scalar;
    tf.unregisterGradient(tf.Greater);
    try {
      assert.throws(() => tf.tidy(() => void tf.variableGrads(penalty, [w])), /Greater/);
    } finally {
      tf.registerGradient(zeroGradientConfig(tf.Greater));
      tf.dispose([w, x]);
    }
  });

  it("the critic's penalty needs no Greater gradient: its leaky ReLU masks are off the tape", async () => {
    // So the outer backward skips the zeros-only pass back through the critic's forward on x_hat.
    await tf.setBackend('cpu');
    tf.unregisterGradient(tf.Greater);
    try {
      tf.tidy(() => void criticGrads(freshParams()));
    } finally {
      tf.registerGradient(zeroGradientConfig(tf.Greater));
    }
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`critic step with gradient penalty gives finite, non-zero gradients on ${backend}`, async () => {
      const { loss, grads } = await run(backend, criticGrads);
      assert.ok(Number.isFinite(loss));
      // The last bias cancels in D(fake) - D(real) and does not touch the input gradient.
      assertUsable(
        grads,
        Object.keys(initial).filter((k) => k.startsWith('critic.')),
        ['critic.dense.bias'],
      );
    });
  }

  it('wasm with replacement kernels matches stock cpu: critic step with penalty', async () => {
    const cpu = await run('cpu', criticGrads);
    const tensorsBefore = tf.memory().numTensors;
    const wasm = await run('wasm', criticGrads);
    assert.equal(tf.memory().numTensors, tensorsBefore, 'a step on wasm leaked tensors');
    assert.ok(
      Math.abs(cpu.loss - wasm.loss) <= 1e-4 * Math.max(1, Math.abs(cpu.loss)),
      `loss ${cpu.loss} vs ${wasm.loss}`,
    );
    for (const k of Object.keys(cpu.grads)) {
      const d = relativeMaxDiff(wasm.grads[k], cpu.grads[k]);
      assert.ok(d <= 1e-3, `${k}: relative max diff ${d}`);
    }
  });

  it('wasm with replacement kernels matches stock cpu: generator step through the critic', async () => {
    const cpu = await run('cpu', generatorGrads);
    const wasm = await run('wasm', generatorGrads);
    assertUsable(
      wasm.grads,
      Object.keys(initial).filter((k) => k.startsWith('generator.')),
    );
    for (const k of Object.keys(cpu.grads)) {
      const d = relativeMaxDiff(wasm.grads[k], cpu.grads[k]);
      assert.ok(d <= 1e-3, `${k}: relative max diff ${d}`);
    }
  });
});
