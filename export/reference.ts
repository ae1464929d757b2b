/**
 * The tfjs reference: train/model.ts's `generator` run on checkpoint weights, the ground truth the
 * ONNX graph is checked against. On the wasm backend with the trainer's kernels (train/backend.ts):
 * stock tfjs runs conv2dTranspose as a scalar loop on both cpu and wasm, ~20 s for a batch of 64
 * here; the trainer's sub-pixel replacement takes well under a second. Falls back to cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { generator, type ArchConfig } from '../train/model.ts';
import type { WeightTensor } from './onnx-generator.ts';

let ready: Promise<string> | null = null;

async function startBackend(): Promise<string> {
  // PROD silences tfjs's "install tfjs-node" banner, which would land in the middle of the report.
  tf.env().set('PROD', true);
  try {
    const { selectBackend } = await import('../train/backend.ts');
    return (await selectBackend('wasm')).tfBackend;
  } catch {
    await tf.setBackend('cpu');
    await tf.ready();
    return 'cpu';
  }
}

/** The tfjs backend the reference runs on ('wasm' or 'cpu'). */
export async function referenceBackend(): Promise<string> {
  ready ??= startBackend();
  return ready;
}

/** Images NCHW [count, C, S, S], as the ONNX graph gives them (tfjs draws NHWC). */
export async function referenceImages(
  weights: Record<string, WeightTensor>,
  arch: ArchConfig,
  noise: Float32Array,
  labels: ArrayLike<number>,
): Promise<Float32Array> {
  const backend = await referenceBackend();
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
  const count = labels.length;
  const out = tf.tidy(() => {
    const w: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(weights))
      if (name.startsWith('generator.')) w[name] = tf.tensor(t.data, t.shape, 'float32');
    const z = tf.tensor2d(noise, [count, arch.zDim]);
    const l = tf.tensor1d(Int32Array.from(labels), 'int32');
    const nhwc = generator(w, arch, z, l);
    return arch.channels === 1 ? nhwc : tf.transpose(nhwc, [0, 3, 1, 2]);
  });
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}
