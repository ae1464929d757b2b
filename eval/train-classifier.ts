/**
 * Trains the evaluation classifier on an IDX training set (bundled MNIST by default), in the
 * generator's [-1, 1] range, with Adam and softmax cross-entropy; then measures it on the test set
 * and writes it (eval/classifier.ts). Runs on whatever backend the caller selected (wasm here).
 */
import * as tf from '@tensorflow/tfjs';
import { batchImages, loadDataset } from '../train/data.ts';
import { Rng } from '../runtime/random.ts';
import {
  classify,
  classifierForward,
  classifierParamCount,
  defaultClassifierArch,
  initClassifier,
  saveClassifier,
  type Classifier,
  type ClassifierArch,
  type ClassifierWeights,
} from './classifier.ts';
import { accuracy, type Accuracy } from './metrics.ts';

export interface TrainClassifierOptions {
  out: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Multiplies the learning rate after each epoch. */
  lrDecay?: number;
  seed?: number;
  /** Use only the first N training images (quick runs). */
  limit?: number;
  /** IDX directory (default: bundled MNIST). */
  dataDir?: string;
  arch?: ClassifierArch;
  /** tfjs backend name, recorded in the metadata. */
  backend?: string;
  log?: (line: string) => void;
}

export interface TrainClassifierResult {
  file: string;
  bytes: number;
  params: number;
  test: Accuracy;
  trainSeconds: number;
  epochs: number;
}

export async function trainClassifier(o: TrainClassifierOptions): Promise<TrainClassifierResult> {
  const log = o.log ?? (() => {});
  const epochs = o.epochs ?? 3;
  const batchSize = o.batchSize ?? 64;
  const lr0 = o.lr ?? 1e-3;
  const lrDecay = o.lrDecay ?? 0.3;
  const seed = o.seed ?? 0;
  const arch = o.arch ?? defaultClassifierArch();

  const train = await loadDataset({ dir: o.dataDir, split: 'train', limit: o.limit });
  const test = await loadDataset({ dir: o.dataDir, split: 'test' });
  if (train.numClasses > arch.numClasses || test.numClasses > arch.numClasses) {
    throw new Error(
      `dataset has ${Math.max(train.numClasses, test.numClasses)} classes but the classifier has ${arch.numClasses}`,
    );
  }
  log(
    `training on ${train.count} images of ${train.name} (${o.dataDir ?? 'bundled'}), ` +
      `${classifierParamCount(arch)} weights, ${epochs} epochs of batch ${batchSize}, ` +
      `Adam lr ${lr0} x${lrDecay} per epoch`,
  );

  const init = initClassifier(arch, seed);
  const vars: Record<string, tf.Variable> = {};
  for (const [k, t] of Object.entries(init)) vars[k] = tf.variable(t, true, `classifier.${k}`);
  tf.dispose(Object.values(init));
  const optimizer = tf.train.adam(lr0);
  const rng = new Rng(seed);
  const t0 = performance.now();
  const batches = Math.floor(train.count / batchSize);
  for (let epoch = 0; epoch < epochs; epoch++) {
    // AdamOptimizer reads learningRate on every step; the field is public in JS, protected in its types.
    (optimizer as unknown as { learningRate: number }).learningRate = lr0 * lrDecay ** epoch;
    const perm = rng.permutation(train.count);
    let lossSum = 0;
    let seen = 0;
    let tLog = performance.now();
    for (let b = 0; b < batches; b++) {
      const idx = perm.subarray(b * batchSize, (b + 1) * batchSize);
      const x = tf.tensor4d(batchImages(train, idx), [batchSize, train.size, train.size, train.channels]);
      const y = tf.oneHot(
        tf.tensor1d(
          Array.from(idx, (i) => train.labels[i]),
          'int32',
        ),
        arch.numClasses,
      );
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, classifierForward(vars as ClassifierWeights, x).logits) as tf.Scalar,
        true,
      );
      lossSum += (await loss!.data())[0];
      seen++;
      tf.dispose([x, y, loss!]);
      if (performance.now() - tLog > 30_000 || b === batches - 1) {
        const s = (performance.now() - t0) / 1000;
        const done = epoch * batches + b + 1;
        log(
          `epoch ${epoch + 1}/${epochs} batch ${b + 1}/${batches}: loss ${(lossSum / seen).toFixed(4)}, ` +
            `${((done * batchSize) / s).toFixed(0)} img/s, ${s.toFixed(0)} s, ` +
            `~${((s / done) * (epochs * batches - done)).toFixed(0)} s left`,
        );
        lossSum = 0;
        seen = 0;
        tLog = performance.now();
      }
    }
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  optimizer.dispose();

  const c: Classifier = { arch, weights: vars as ClassifierWeights, metadata: {}, file: '' };
  const all = Array.from({ length: test.count }, (_, i) => i);
  const r = classify(c, batchImages(test, all), test.count);
  const acc = accuracy(r.predictions, test.labels, arch.numClasses);
  log(`test accuracy ${(acc.overall * 100).toFixed(2)}% on ${test.count} images`);
  const saved = await saveClassifier(o.out, arch, vars as ClassifierWeights, {
    dataset: train.name,
    class_names: JSON.stringify(
      train.classNames.concat(
        Array.from({ length: arch.numClasses - train.classNames.length }, (_, i) =>
          String(train.classNames.length + i),
        ),
      ),
    ),
    input_range: '[-1, 1]',
    trained_on:
      `${train.count} training images, ${epochs} epochs, batch ${batchSize}, ` +
      `Adam lr ${lr0} x${lrDecay} per epoch, seed ${seed}`,
    train_seconds: trainSeconds.toFixed(0),
    backend: o.backend ?? tf.getBackend(),
    tfjs_version: tf.version.tfjs,
    test_accuracy: acc.overall.toFixed(4),
    test_count: String(test.count),
    created: new Date().toISOString(),
  });
  tf.dispose(Object.values(vars));
  return { ...saved, params: classifierParamCount(arch), test: acc, trainSeconds, epochs };
}
