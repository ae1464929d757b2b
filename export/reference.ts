/**
 * The tfjs reference: train/model.ts's `generator` run on checkpoint weights, the ground truth the
 * ONNX graph is checked against. tfjs cpu backend: exact float32 and always present.
 */
import * as tf from '@tensorflow/tfjs';
import { generator, type ArchConfig } from '../train/model.ts';
import type { WeightTensor } from './onnx-generator.ts';

let ready: Promise<void> | null = null;

async function useCpuBackend(): Promise<void> {
  // PROD silences tfjs's "install tfjs-node" banner, which would land in the middle of the report.
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
}

/** Images NCHW [count, 1, S, S] (one channel: the same bytes as tfjs's NHWC output). */
export async function referenceImages(weights: Record<string, WeightTensor>, arch: ArchConfig, noise: Float32Array, labels: ArrayLike<number>): Promise<Float32Array> {
  ready ??= useCpuBackend();
  await ready;
  const count = labels.length;
  const out = tf.tidy(() => {
    const w: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(weights)) if (name.startsWith('generator.')) w[name] = tf.tensor(t.data, t.shape, 'float32');
    const z = tf.tensor2d(noise, [count, arch.zDim]);
    const l = tf.tensor1d(Int32Array.from(labels), 'int32');
    return generator(w, arch, z, l);
  });
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}
