/**
 * Checkpoints for tests and benchmarks, written in the real format (train/checkpoint.ts):
 * `init` = initParams (the training start: N(0, 0.02), outputs near 0), `trained` = weights pushed
 * off the init distribution (fan-in scaled with gain, non-zero biases) so every LeakyRelu and the
 * final tanh work in their nonlinear range, as a trained generator's do.
 */
import * as tf from '@tensorflow/tfjs';
import { writeCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import type { StoredTensor } from '../train/safetensors.ts';
import { defaultArch, generatorShapes, initParams, type ArchConfig } from '../train/model.ts';
import { Rng } from '../runtime/random.ts';

/** Per-layer gain over 1/sqrt(fan-in): ~30% of output pixels end up saturated (|v| > 0.9). */
const GAIN = 1.5;
export type TestWeights = 'init' | 'trained';

export function testTensors(kind: TestWeights, arch: ArchConfig, seed: number): Record<string, StoredTensor> {
  const out: Record<string, StoredTensor> = {};
  if (kind === 'init') {
    tf.env().set('PROD', true);
    const p = initParams(arch, seed);
    for (const [name, v] of Object.entries(p)) {
      if (name.startsWith('generator.'))
        out[name] = { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array };
      v.dispose();
    }
    return out;
  }
  const rng = new Rng(seed);
  for (const [name, shape] of Object.entries(generatorShapes(arch))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = rng.fillNormal(new Float32Array(n));
    let std: number;
    if (name.endsWith('embedding')) std = 1;
    else if (name.endsWith('bias')) std = 0.2;
    else {
      // fan-in per output: kernel rows (dense), kh*kw*in (conv), or kh*kw*in/stride^2 (deconv).
      const fanIn = name.includes('dense')
        ? shape[0]
        : name.includes('deconv')
          ? (shape[0] * shape[1] * shape[3]) / 4
          : shape[0] * shape[1] * shape[2];
      std = GAIN / Math.sqrt(fanIn);
    }
    for (let i = 0; i < n; i++) data[i] *= std;
    out[name] = { dtype: 'F32', shape, data };
  }
  return out;
}

export async function writeTestCheckpoint(
  dir: string,
  kind: TestWeights,
  seed = 7,
  arch: ArchConfig = defaultArch(),
  classNames: string[] = Array.from({ length: arch.numClasses }, (_, i) => String(i)),
): Promise<string> {
  const ckpt: Checkpoint = {
    config: {
      arch,
      hyper: { lr: 2e-4, beta1: 0.5, beta2: 0.9, eps: 1e-8, lambda: 10, nCritic: 5, batchSize: 64 },
      dataset: {
        name: 'mnist',
        imagesFile: 'train-images-idx3-ubyte',
        labelsFile: 'train-labels-idx1-ubyte',
        count: 60000,
        numClasses: arch.numClasses,
        classNames,
      },
      backend: 'cpu',
      workers: 1,
      seed,
    },
    state: {
      step: kind === 'init' ? 0 : 1500,
      generatorSteps: kind === 'init' ? 0 : 300,
      epoch: kind === 'init' ? 0 : 1,
      batchInEpoch: 0,
      epochRng: [1, 2, 3, 4],
      rng: [1, 2, 3, 4],
      adamT: { generator: 0, critic: 0 },
      wallSeconds: 0,
    },
    tensors: testTensors(kind, arch, seed),
  };
  return writeCheckpoint(dir, ckpt);
}

/** A narrow generator of the same shape (28x28, 10 classes; or as given) for fast unit tests. */
export function smallArch(numClasses = 10, imageSize = 28, channels = 1): ArchConfig {
  return { ...defaultArch(numClasses, imageSize, channels), zDim: 16, embedDim: 8, genChannels: 8 };
}

/** An exported .onnx (bytes) of `trained` test weights, built without tfjs. */
export async function testOnnx(
  arch: ArchConfig = smallArch(),
  opts: { fp16?: boolean; seed?: number } = {},
): Promise<Uint8Array> {
  const { buildGeneratorOnnx } = await import('../export/onnx-generator.ts');
  const t = testTensors('trained', arch, opts.seed ?? 7);
  const weights = Object.fromEntries(
    Object.entries(t).map(([k, v]) => [k, { shape: v.shape, data: v.data as Float32Array }]),
  );
  const prov = {
    classNames: Array.from({ length: arch.numClasses }, (_, i) => String(i)),
    producerVersion: 'test',
    step: 1500,
    dataset: 'mnist',
  };
  return buildGeneratorOnnx(weights, arch, prov, { fp16: opts.fp16 }).bytes;
}
