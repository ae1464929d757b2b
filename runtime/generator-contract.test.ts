/**
 * The generator contract: the architecture each data shape gets, the seed's shapes exactly at
 * 28x28x1 with 10 classes, and the copies other modules hold (the ONNX schema's type codes, the v2
 * protocol's datatypes) checked against the one definition.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType, root } from '../export/onnx-schema.ts';
import {
  ONNX_TYPE,
  archProblem,
  baseSize,
  deconvLayers,
  generatorShapes,
  generatorWeights,
  imageShape,
  seedGeneratorArch,
  strideBlocks,
} from './generator-contract.ts';
import { V2_DATATYPES } from './v2-protocol.ts';

test('stride-2 blocks and base side for every allowed size', () => {
  const table = Object.fromEntries(
    Array.from({ length: 13 }, (_, i) => 16 + 4 * i).map((s) => [s, [strideBlocks(s), baseSize(s)]]),
  );
  assert.deepEqual(table, {
    16: [2, 4],
    20: [2, 5],
    24: [2, 6],
    28: [2, 7],
    32: [3, 4],
    36: [2, 9],
    40: [3, 5],
    44: [2, 11],
    48: [3, 6],
    52: [2, 13],
    56: [3, 7],
    60: [2, 15],
    64: [4, 4],
  });
  assert.deepEqual(deconvLayers(64), ['deconv1', 'deconv2', 'deconv3', 'deconv4']);
});

test("at 28x28x1 with 10 classes the weights are the seed notebook's, in the hash's order", () => {
  assert.deepEqual(generatorShapes(seedGeneratorArch()), {
    'generator.embedding': [10, 128],
    'generator.dense.kernel': [256, 6272],
    'generator.dense.bias': [6272],
    'generator.deconv1.kernel': [4, 4, 128, 128],
    'generator.deconv1.bias': [128],
    'generator.deconv2.kernel': [4, 4, 128, 128],
    'generator.deconv2.bias': [128],
    'generator.conv.kernel': [3, 3, 128, 1],
    'generator.conv.bias': [1],
  });
  const rgb = generatorWeights(seedGeneratorArch(5, 32, 3));
  assert.deepEqual(rgb.at(-2), {
    name: 'generator.conv.kernel',
    shape: [3, 3, 128, 3],
    onnx: 'conv.weight',
    onnxShape: [3, 128, 3, 3],
    layout: 'kernel',
  });
  assert.deepEqual(imageShape(32, 3), ['batch', 3, 32, 32]);
});

test('architectures outside the family are named', () => {
  assert.equal(archProblem(seedGeneratorArch(256, 64, 3)), null);
  assert.match(
    archProblem(seedGeneratorArch(10, 30, 1)) ?? '',
    /image size 30 is not supported: .*multiple of 4 from 16 to 64/,
  );
  assert.match(archProblem(seedGeneratorArch(10, 68, 1)) ?? '', /image size 68/);
  assert.match(archProblem(seedGeneratorArch(10, 32, 2)) ?? '', /channels must be 1 or 3, got 2/);
  assert.match(archProblem(seedGeneratorArch(1, 32, 3)) ?? '', /needs 2 to 256 classes, got 1/);
});

test("other modules' copies of the codes match the ONNX schema and the contract", () => {
  const schema = root.lookupEnum('onnx.TensorProto.DataType').values;
  for (const [name, code] of Object.entries(ONNX_TYPE)) assert.equal(schema[name], code, name);
  assert.equal(DataType, ONNX_TYPE);
  assert.deepEqual(V2_DATATYPES, { [ONNX_TYPE.FLOAT]: 'FP32', [ONNX_TYPE.INT64]: 'INT64' });
});
