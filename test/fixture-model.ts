/**
 * A randomly initialised generator exported to .onnx, for the browser tests and the benchmark.
 *
 * Weights are drawn with a fan-in scale (not the training init's N(0, 0.02)), so the images span
 * much of the tanh range and a parity check compares real values rather than numbers near zero.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildGeneratorOnnx, type GeneratorArch, type WeightTensor } from '../export/onnx-generator.ts';
import { DataType, IR_VERSION, OPSET, encodeModel } from '../export/onnx-schema.ts';
import { generatorWeights, seedGeneratorArch } from '../runtime/generator-contract.ts';
import { Rng } from '../runtime/random.ts';

export interface FixtureOptions {
  /** Default 32 (the real model has 128): keeps WebGPU-on-SwiftShader runs short. */
  genChannels?: number;
  seed?: number;
  /** Default 28 / 1 / 10: the seed's MNIST shape. */
  imageSize?: number;
  channels?: number;
  numClasses?: number;
  classNames?: string[];
}

export function fixtureArch(genChannels = 32, imageSize = 28, channels = 1, numClasses = 10): GeneratorArch {
  return { ...seedGeneratorArch(numClasses, imageSize, channels), genChannels };
}

export function fixtureModel(opts: FixtureOptions = {}): Uint8Array {
  const arch = fixtureArch(opts.genChannels, opts.imageSize, opts.channels, opts.numClasses);
  const rng = new Rng(opts.seed ?? 1);
  const g = arch.genChannels;
  const normal = (shape: number[], std: number): WeightTensor => {
    const data = rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)));
    for (let i = 0; i < data.length; i++) data[i] *= std;
    return { shape, data };
  };
  const fanIn = (k: number, c: number) => 1 / Math.sqrt(k * k * c);
  const std = (name: string): number => {
    if (name === 'generator.embedding') return 1;
    if (name === 'generator.dense.kernel') return 1 / Math.sqrt(arch.zDim + arch.embedDim);
    if (name.endsWith('.bias')) return 0.1;
    // conv2dTranspose with stride 2: each output sees a quarter of the 4x4 kernel.
    return name === 'generator.conv.kernel' ? fanIn(3, g) : fanIn(2, g);
  };
  const weights: Record<string, WeightTensor> = {};
  for (const t of generatorWeights(arch)) weights[t.name] = normal(t.shape, std(t.name));
  const classNames = opts.classNames ?? Array.from({ length: arch.numClasses }, (_, i) => String(i));
  return buildGeneratorOnnx(weights, arch, {
    classNames,
    producerVersion: '0.0.0-fixture',
    step: null,
    dataset: 'random-fixture',
  }).bytes;
}

export function writeFixtureModel(path: string, opts: FixtureOptions = {}): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, fixtureModel(opts));
  return path;
}

/** A valid ONNX model that is not a generator (one Identity node): a user's wrong file. */
export function notAGeneratorModel(): Uint8Array {
  const io = (name: string) => ({
    name,
    type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_value: 4 }] } } },
  });
  return encodeModel({
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: 'some-other-tool',
    producer_version: '1',
    graph: {
      name: 'identity',
      node: [{ op_type: 'Identity', input: ['x'], output: ['y'] }],
      initializer: [],
      input: [io('x')],
      output: [io('y')],
    },
    metadata_props: [],
  });
}
