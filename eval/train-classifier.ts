/**
 * Trains the evaluation classifier on a dataset (bundled MNIST by default, or any data the loader
 * takes), in the generator's [-1, 1] range, with Adam and softmax cross-entropy, on the images it
 * does not hold out; then measures it on the held-out ones and writes it with the split's
 * definition (eval/classifier.ts, eval/holdout.ts). Runs on whatever backend the caller selected.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadDataset, type Dataset } from '../train/data.ts';
import { BadRequestError } from '../runtime/errors.ts';
import { Rng } from '../runtime/random.ts';
import {
  classifierArchFor,
  classifierForward,
  classifierParamCount,
  initClassifier,
  saveClassifier,
  type Classifier,
  type ClassifierArch,
  type ClassifierWeights,
} from './classifier.ts';
import { DEFAULT_HOLDOUT, datasetDigest, holdoutSplit, type HoldoutDef } from './holdout.ts';
import { accuracy, type Accuracy } from './metrics.ts';
import { allOf, classifySubset, subsetBatch, subsetLabels, type Subset } from './real-data.ts';

export interface TrainClassifierOptions {
  out: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Multiplies the learning rate after each epoch. */
  lrDecay?: number;
  /** Seed of the weights and the shuffling. */
  seed?: number;
  /** Use only the first N images of the data (quick runs). */
  limit?: number;
  /** Data path (default: bundled MNIST). */
  dataDir?: string;
  /** The data, already decoded (tests; callers that loaded it): a held-out fraction is drawn from it. */
  data?: Dataset;
  /** Share of each class held out (default 0.1), or 'test': the data's own test split (default for bundled MNIST). */
  holdout?: number | 'test';
  /** Seed of the held-out split (default 0), apart from `seed` so retraining keeps the same held-out images. */
  splitSeed?: number;
  /** Decode the data at this size / channels (a generator trained with --image-size / --channels). */
  imageSize?: number;
  channels?: 1 | 3;
  arch?: ClassifierArch;
  /** tfjs backend name, recorded in the metadata. */
  backend?: string;
  log?: (line: string) => void;
}

export interface TrainClassifierResult {
  file: string;
  bytes: number;
  params: number;
  arch: ClassifierArch;
  /** Accuracy on the held-out images (a test split's, for bundled MNIST). */
  test: Accuracy;
  classNames: string[];
  split: HoldoutDef;
  trainCount: number;
  trainSeconds: number;
  epochs: number;
}

interface Sets {
  train: Subset;
  heldOut: Subset;
  split: HoldoutDef;
  numClasses: number;
  classNames: string[];
}

/** The training and held-out images, as the holdout option asks. */
async function loadSets(o: TrainClassifierOptions): Promise<Sets> {
  const holdout = o.holdout ?? (o.data || o.dataDir ? DEFAULT_HOLDOUT : 'test');
  const decode = { dir: o.dataDir, imageSize: o.imageSize, channels: o.channels, log: o.log };
  if (holdout === 'test') {
    if (o.data) throw new BadRequestError('--holdout test needs the data as a path with a test split');
    const train = await loadDataset({ ...decode, split: 'train', limit: o.limit });
    const test = await loadDataset({ ...decode, split: 'test', imageSize: train.size });
    const numClasses = Math.max(train.numClasses, test.numClasses);
    const classNames = numClasses === train.numClasses ? train.classNames : test.classNames;
    return { train: allOf(train), heldOut: allOf(test), split: { kind: 'test-split' }, numClasses, classNames };
  }
  const ds = o.data ?? (await loadDataset({ ...decode, split: 'train', limit: o.limit }));
  const count = Math.min(ds.count, o.limit ?? ds.count);
  const seed = o.splitSeed ?? 0;
  const parts = holdoutSplit({ count, labels: ds.labels, numClasses: ds.numClasses }, holdout, seed);
  const split: HoldoutDef = {
    kind: 'fraction',
    fraction: holdout,
    seed,
    count,
    heldOut: parts.heldOut.length,
    digest: datasetDigest(ds, count),
  };
  const sets = { train: { ds, idx: parts.train }, heldOut: { ds, idx: parts.heldOut } };
  return { ...sets, split, numClasses: ds.numClasses, classNames: ds.classNames };
}

export async function trainClassifier(o: TrainClassifierOptions): Promise<TrainClassifierResult> {
  const log = o.log ?? (() => {});
  const sets = await loadSets(o);
  const ds = sets.train.ds;
  const { size, channels } = ds;
  const arch = o.arch ?? classifierArchFor(size, channels, sets.numClasses);
  const where = o.dataDir ?? (o.data ? ds.name : 'bundled');
  log(
    `training on ${sets.train.idx.length} images of ${ds.name} (${where}, ${size}x${size}x${channels}, ` +
      `${sets.numClasses} classes), holding out ${sets.heldOut.idx.length} ` +
      `(${sets.split.kind === 'test-split' ? 'the test split' : `${sets.split.fraction} of each class`}); ` +
      `${classifierParamCount(arch)} weights`,
  );
  const fit = await fitClassifier(arch, sets.train, o, log);
  const c: Classifier = { arch, weights: fit.weights, metadata: {}, file: '' };
  const acc = accuracy(classifySubset(c, sets.heldOut).predictions, subsetLabels(sets.heldOut), arch.numClasses);
  const heldName = sets.split.kind === 'test-split' ? 'test' : 'held-out';
  log(`${heldName} accuracy ${(acc.overall * 100).toFixed(2)}% on ${sets.heldOut.idx.length} images`);
  const classNames = sets.classNames.concat(
    Array.from({ length: arch.numClasses - sets.classNames.length }, (_, i) => String(sets.classNames.length + i)),
  );
  const saved = await saveClassifier(o.out, arch, fit.weights, {
    dataset: ds.name,
    class_names: JSON.stringify(classNames),
    // Absolute, so eval finds the data from any working directory; the digest says whether it changed.
    ...(o.dataDir ? { data_source: path.resolve(o.dataDir) } : {}),
    ...(ds.fingerprint ? { data_fingerprint: ds.fingerprint } : {}),
    holdout: JSON.stringify(sets.split),
    input_range: '[-1, 1]',
    trained_on: `${sets.train.idx.length} training images, ${fit.describe}`,
    train_seconds: fit.seconds.toFixed(0),
    backend: o.backend ?? tf.getBackend(),
    tfjs_version: tf.version.tfjs,
    // "test" is the held-out set, whichever kind: eval reads these two.
    test_accuracy: acc.overall.toFixed(4),
    test_count: String(sets.heldOut.idx.length),
    test_per_class: JSON.stringify(acc.perClass.map((x) => (Number.isNaN(x) ? null : Number(x.toFixed(4))))),
    created: new Date().toISOString(),
  });
  tf.dispose(Object.values(fit.weights));
  return {
    ...saved,
    params: classifierParamCount(arch),
    arch,
    test: acc,
    classNames,
    split: sets.split,
    trainCount: sets.train.idx.length,
    trainSeconds: fit.seconds,
    epochs: fit.epochs,
  };
}

/** Adam on softmax cross-entropy over the training subset, the learning rate decayed per epoch. */
async function fitClassifier(
  arch: ClassifierArch,
  train: Subset,
  o: TrainClassifierOptions,
  log: (line: string) => void,
): Promise<{ weights: ClassifierWeights; seconds: number; epochs: number; describe: string }> {
  const epochs = o.epochs ?? 3;
  const batchSize = Math.min(o.batchSize ?? 64, train.idx.length);
  const lr0 = o.lr ?? 1e-3;
  const lrDecay = o.lrDecay ?? 0.3;
  const seed = o.seed ?? 0;
  const init = initClassifier(arch, seed);
  const vars: Record<string, tf.Variable> = {};
  for (const [k, t] of Object.entries(init)) vars[k] = tf.variable(t, true, `classifier.${k}`);
  tf.dispose(Object.values(init));
  const optimizer = tf.train.adam(lr0);
  const rng = new Rng(seed);
  const t0 = performance.now();
  const batches = Math.floor(train.idx.length / batchSize);
  const { imageSize: s, channels } = arch;
  for (let epoch = 0; epoch < epochs; epoch++) {
    // AdamOptimizer reads learningRate on every step; the field is public in JS, protected in its types.
    (optimizer as unknown as { learningRate: number }).learningRate = lr0 * lrDecay ** epoch;
    const perm = rng.permutation(train.idx.length);
    const shuffled: Subset = { ds: train.ds, idx: Int32Array.from(perm, (p) => train.idx[p]) };
    let lossSum = 0;
    let seen = 0;
    let tLog = performance.now();
    for (let b = 0; b < batches; b++) {
      const x = tf.tensor4d(subsetBatch(shuffled, b * batchSize, batchSize), [batchSize, s, s, channels]);
      const labels = subsetLabels({ ds: train.ds, idx: shuffled.idx.subarray(b * batchSize, (b + 1) * batchSize) });
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), arch.numClasses);
      const loss = optimizer.minimize(
        () =>
          tf.losses.softmaxCrossEntropy(y, classifierForward(arch, vars as ClassifierWeights, x).logits) as tf.Scalar,
        true,
      ) as tf.Scalar;
      lossSum += (await loss.data())[0];
      seen++;
      tf.dispose([x, y, loss]);
      if (performance.now() - tLog > 30_000 || b === batches - 1) {
        const sec = (performance.now() - t0) / 1000;
        const done = epoch * batches + b + 1;
        log(
          `epoch ${epoch + 1}/${epochs} batch ${b + 1}/${batches}: loss ${(lossSum / seen).toFixed(4)}, ` +
            `${((done * batchSize) / sec).toFixed(0)} img/s, ${sec.toFixed(0)} s, ` +
            `~${((sec / done) * (epochs * batches - done)).toFixed(0)} s left`,
        );
        lossSum = 0;
        seen = 0;
        tLog = performance.now();
      }
    }
  }
  optimizer.dispose();
  return {
    weights: vars as ClassifierWeights,
    seconds: (performance.now() - t0) / 1000,
    epochs,
    describe: `${epochs} epochs, batch ${batchSize}, Adam lr ${lr0} x${lrDecay} per epoch, seed ${seed}`,
  };
}
