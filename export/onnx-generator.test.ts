import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType, decodeModel } from './onnx-schema.ts';
import { readFileSync } from 'node:fs';
import { smallArch, testOnnx } from '../test/test-checkpoint.ts';
import { fixtureModel } from '../test/fixture-model.ts';
import { readModel } from '../runtime/model-info.ts';
import { checkpointTensors } from '../runtime/weights-hash.ts';
import { fromFloat16Bits } from '../runtime/layouts.ts';
import { buildGeneratorOnnx } from './onnx-generator.ts';

test('graph: the op list, explicit pads, no auto_pad, no Transpose, opset 17', async () => {
  const m = decodeModel(await testOnnx());
  assert.equal(m.ir_version, 8);
  assert.deepEqual(
    m.opset_import.map((o) => o.version),
    [17],
  );
  assert.deepEqual(
    m.graph.node.map((n) => n.op_type),
    [
      'Gather',
      'Concat',
      'Gemm',
      'LeakyRelu',
      'Reshape',
      'ConvTranspose',
      'LeakyRelu',
      'ConvTranspose',
      'LeakyRelu',
      'Conv',
      'Tanh',
    ],
  );
  for (const n of m.graph.node) {
    const attrs = Object.fromEntries((n.attribute ?? []).map((a) => [a.name, a]));
    assert.ok(!('auto_pad' in attrs), `${n.name} has auto_pad`);
    if (n.op_type === 'ConvTranspose') {
      assert.deepEqual(attrs.pads.ints, [1, 1, 1, 1]);
      assert.deepEqual(attrs.strides.ints, [2, 2]);
      assert.deepEqual(attrs.kernel_shape.ints, [4, 4]);
    }
    if (n.op_type === 'Conv') assert.deepEqual(attrs.pads.ints, [1, 1, 1, 1]);
    if (n.op_type === 'LeakyRelu') assert.ok(Math.abs(attrs.alpha.f! - 0.2) < 1e-7);
  }
  const sig = (v: (typeof m.graph.input)[number]) => [
    v.name,
    v.type!.tensor_type!.elem_type,
    v.type!.tensor_type!.shape!.dim!.map((d) => d.dim_param || d.dim_value),
  ];
  assert.deepEqual(m.graph.input.map(sig), [
    ['z', DataType.FLOAT, ['batch', 16]],
    ['label', DataType.INT64, ['batch']],
  ]);
  assert.deepEqual(m.graph.output.map(sig), [['image', DataType.FLOAT, ['batch', 1, 28, 28]]]);
  const init = Object.fromEntries(m.graph.initializer.map((t) => [t.name, t.dims]));
  assert.deepEqual(init['deconv1.weight'], [8, 8, 4, 4]);
  assert.deepEqual(init['conv.weight'], [1, 8, 3, 3]);
  assert.deepEqual(init['dense.weight'], [16 + 8, 7 * 7 * 8]);
});

test('metadata_props: classes, z size, producer, checkpoint step and dataset, weights hash', async () => {
  const m = decodeModel(await testOnnx());
  const md = Object.fromEntries(m.metadata_props.map((p) => [p.key, p.value]));
  assert.equal(md.format, 'cgan-onnx.generator');
  assert.equal(md.num_classes, '10');
  assert.equal(md.class_names, JSON.stringify(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']));
  assert.equal(md.z_dim, '16');
  assert.equal(md.producer, 'cgan-onnx');
  assert.equal(md['checkpoint.step'], '1500');
  assert.equal(md['checkpoint.dataset'], 'mnist');
  assert.match(md.weights_sha256, /^[0-9a-f]{64}$/);
  assert.equal(md.weights_dtype, 'float32');
});

test('--fp16: float16 initializers with a Cast each, same weights hash, half the bytes', async () => {
  const full = await testOnnx(smallArch());
  const half = await testOnnx(smallArch(), { fp16: true });
  const m = decodeModel(half);
  const floats = m.graph.initializer.filter((t) => t.data_type !== DataType.INT64);
  assert.ok(floats.every((t) => t.data_type === DataType.FLOAT16));
  assert.equal(m.graph.node.filter((n) => n.op_type === 'Cast').length, floats.length);
  const md = (x: Uint8Array) => Object.fromEntries(decodeModel(x).metadata_props.map((p) => [p.key, p.value]));
  assert.equal(md(half).weights_dtype, 'float16');
  assert.equal(md(half).weights_sha256, md(full).weights_sha256);
  assert.ok(half.length < full.length * 0.55);
});

test('the shipped models rebuild byte for byte from their own weights: the seed shape is unchanged', async () => {
  for (const [file, fp16] of [
    ['models/mnist-cwgan.onnx', false],
    ['models/mnist-cwgan.fp16.onnx', true],
  ] as const) {
    const bytes = new Uint8Array(readFileSync(file));
    const model = readModel(bytes, file);
    const m = model.info.metadata;
    // The float16 file's weights are already rounded: rounding them again changes nothing.
    const tensors = checkpointTensors(model, file);
    const weights = Object.fromEntries(
      Object.entries(tensors).map(([k, t]) => [
        k,
        {
          shape: t.shape,
          data: t.data instanceof Uint16Array ? Float32Array.from(t.data, fromFloat16Bits) : t.data,
        },
      ]),
    );
    const extra = Object.fromEntries(
      Object.entries(m)
        .filter(([k]) => k.startsWith('checkpoint.') && k !== 'checkpoint.step' && k !== 'checkpoint.dataset')
        .map(([k, v]) => [k.slice('checkpoint.'.length), v]),
    );
    const rebuilt = buildGeneratorOnnx(
      weights,
      model.info.arch,
      {
        classNames: model.info.classNames,
        producerVersion: m.producer_version,
        step: model.info.step,
        dataset: model.info.dataset,
        extra,
      },
      { fp16 },
    );
    let out = Buffer.from(rebuilt.bytes);
    if (fp16) {
      // The float16 file also stores the float32 weights' hash, which its rounded values cannot give back.
      out = Buffer.from(out.toString('latin1').replace(rebuilt.metadata.weights_sha256, m.weights_sha256), 'latin1');
    } else assert.equal(rebuilt.metadata.weights_sha256, m.weights_sha256);
    assert.ok(out.equals(Buffer.from(bytes)), `${file} did not rebuild byte for byte`);
  }
});

test('an RGB 64x64 generator: four transposed convolutions, a 3-channel output, channels in metadata', () => {
  const m = decodeModel(fixtureModel({ imageSize: 64, channels: 3, numClasses: 3, genChannels: 4 }));
  assert.deepEqual(
    m.graph.node.filter((n) => n.op_type === 'ConvTranspose').map((n) => n.name),
    ['deconv1', 'deconv2', 'deconv3', 'deconv4'],
  );
  const dims = m.graph.output[0].type!.tensor_type!.shape!.dim!.map((d) => d.dim_value ?? d.dim_param);
  assert.deepEqual(dims, ['batch', 3, 64, 64]);
  const meta = Object.fromEntries(m.metadata_props.map((p) => [p.key, p.value]));
  assert.equal(meta.channels, '3');
  assert.equal(meta.image_size, '64');
  const reshape = m.graph.initializer.find((t) => t.name === 'reshape.shape')!;
  assert.deepEqual(Array.from(new BigInt64Array(new Uint8Array(reshape.raw_data!).buffer)), [-1n, 4n, 4n, 4n]);
});
