import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeModel, encodeModel, type Model } from '../export/onnx-schema.ts';
import { testOnnx } from '../test/test-checkpoint.ts';
import { readModelInfo } from './model-info.ts';

const good = await testOnnx();

function edit(f: (m: Model) => void): Uint8Array {
  const m = decodeModel(good);
  f(m);
  return encodeModel(m);
}

test('reads the exporter metadata', () => {
  const info = readModelInfo(good);
  assert.equal(info.numClasses, 10);
  assert.deepEqual(info.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(info.zDim, 16);
  assert.equal(info.imageSize, 28);
  assert.equal(info.precision, 'float32');
  assert.equal(info.opset, 17);
  assert.equal(info.step, 1500);
  assert.equal(info.dataset, 'mnist');
  assert.match(info.weightsHash, /^[0-9a-f]{64}$/);
  assert.equal(info.producer, 'cgan-onnx');
});

test('empty, corrupt and truncated files are named as such', () => {
  assert.throws(() => readModelInfo(new Uint8Array(0), 'x.onnx'), /x.onnx: the file is empty/);
  const junk = new Uint8Array(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) & 0xff;
  assert.throws(
    () => readModelInfo(junk, 'junk.onnx'),
    /junk.onnx: not (a valid ONNX file, or truncated|an ONNX model)/,
  );
  assert.throws(
    () => readModelInfo(good.subarray(0, Math.floor(good.length / 2)), 'half.onnx'),
    /half.onnx: not a valid ONNX file, or truncated/,
  );
  assert.throws(
    () => readModelInfo(good.subarray(0, good.length - 1), 'cut.onnx'),
    /cut.onnx: not a valid ONNX file, or truncated/,
  );
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  assert.throws(() => readModelInfo(png, 'a.png'), /a.png: not/);
});

test('an ONNX that is not a generator of this shape is refused with the reason', () => {
  assert.throws(
    () => readModelInfo(edit((m) => (m.metadata_props = m.metadata_props.filter((p) => p.key !== 'format')))),
    /not a cgan-onnx generator \(metadata "format" is null/,
  );
  assert.throws(
    () => readModelInfo(edit((m) => (m.metadata_props.find((p) => p.key === 'z_dim')!.value = '100'))),
    /input "z" must be float32 \[batch, 100\], it is \[batch, 16\]/,
  );
  assert.throws(
    () => readModelInfo(edit((m) => (m.graph.input[1].type!.tensor_type!.elem_type = 1))),
    /input "label" must be int64 \[batch\]/,
  );
  assert.throws(
    () => readModelInfo(edit((m) => (m.graph.input[0].name = 'noise'))),
    /input "z" must be float32 \[batch, 16\], there is none/,
  );
  assert.throws(
    () => readModelInfo(edit((m) => (m.graph.output[0].type!.tensor_type!.shape!.dim![1] = { dim_value: 3 }))),
    /output "image" must be float32 \[batch, 1, 28, 28\], it is \[batch, 3, 28, 28\]/,
  );
  assert.throws(
    () => readModelInfo(edit((m) => (m.metadata_props.find((p) => p.key === 'class_names')!.value = '["a"]'))),
    /"class_names" must be a JSON array of 10 strings/,
  );
  assert.throws(
    () => readModelInfo(edit((m) => (m.metadata_props.find((p) => p.key === 'num_classes')!.value = 'ten'))),
    /"num_classes" is "ten", expected a positive integer/,
  );
});
