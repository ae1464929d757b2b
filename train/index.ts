/**
 * @cgan-onnx/train: what `cgan train`, `cgan export RUN`, `cgan eval` and `cgan classifier` run, with the
 * packages only they need (TensorFlow.js, Dawn, the bundled MNIST, the chart renderer). The CLI (cgan-onnx)
 * loads this entry on demand (cli/training.ts), so an inference install never holds them; the entry is an
 * internal interface between the two packages, released in lockstep (same version).
 */
import { createRequire } from 'node:module';

export { train } from './trainer.ts';
export { ProgressReporter } from './progress.ts';
export { TRAINING_BACKENDS, probeBackend, selectBackend } from './backend.ts';
export { adapterName } from './webgpu.ts';
export { batchImages, loadDataset } from './data.ts';
export { exportGenerator } from '../export/export.ts';
export { useNodeRuntime } from '../export/node-runtime.ts';
export { evaluateGenerator, reportJson } from '../eval/evaluate.ts';
export { displayPath } from '../runtime/display-path.ts';
export { classify, loadClassifier } from '../eval/classifier.ts';
export { classifySubset, loadRealSets, subsetLabels } from '../eval/real-data.ts';
export { classNamesOf } from '../eval/reference.ts';
export { trainClassifier } from '../eval/train-classifier.ts';
export { accuracy } from '../eval/metrics.ts';

/** This package's version: the CLI refuses a training package of another version (they share this entry). */
export const VERSION: string = (createRequire(import.meta.url)('@cgan-onnx/train/package.json') as { version: string })
  .version;
