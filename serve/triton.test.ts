import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { testOnnx } from '../test/test-checkpoint.ts';
import { readModelInfo, readOnnxSummary } from '../runtime/model-info.ts';
import { parsePbtxt } from '../test/pbtxt.ts';
import { GPU_NOTE, modelConfigType, tritonConfig, writeTritonRepository } from './triton.ts';

let bytes: Uint8Array;
let dir: string;
before(async () => {
  bytes = await testOnnx();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cgan-triton-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

type Tensor = { name: string; data_type: string; dims: number[]; reshape?: { shape?: number[] } };

test('the repository holds the model and a config.pbtxt that parses against inference.ModelConfig', async () => {
  const r = await writeTritonRepository(dir, 'gen', bytes, { maxBatch: 64, maxDelayMs: 2.5, maxQueue: 100 });
  assert.equal(r.config, path.join(dir, 'gen', 'config.pbtxt'));
  assert.ok(
    (await fs.readFile(path.join(dir, 'gen', '1', 'model.onnx'))).equals(Buffer.from(bytes)),
    'model.onnx is the export, byte for byte',
  );

  const c = parsePbtxt(await fs.readFile(r.config, 'utf8'), modelConfigType());
  const info = readModelInfo(bytes);
  assert.equal(c.name, 'gen');
  assert.equal(c.platform, 'onnxruntime_onnx');
  assert.equal(c.max_batch_size, 64);
  // The batch dimension is left out; label, [batch] only, becomes [1] reshaped to [].
  const inputs = c.input as Tensor[];
  assert.deepEqual(
    inputs.map((i) => [i.name, i.data_type, i.dims]),
    [
      ['z', 'TYPE_FP32', [info.zDim]],
      ['label', 'TYPE_INT64', [1]],
    ],
  );
  assert.deepEqual(inputs[1].reshape, {});
  assert.equal(inputs[0].reshape, undefined);
  assert.deepEqual(
    (c.output as Tensor[]).map((o) => [o.name, o.data_type, o.dims]),
    [['image', 'TYPE_FP32', [1, info.imageSize, info.imageSize]]],
  );
  assert.deepEqual(c.dynamic_batching, {
    max_queue_delay_microseconds: 2500,
    default_queue_policy: { max_queue_size: 100 },
  });
  assert.deepEqual(c.instance_group, [{ kind: 'KIND_AUTO', count: 1 }]);
  // Every metadata_props entry, verbatim, quotes and all.
  const params = c.parameters as Record<string, { string_value: string }>;
  assert.deepEqual(
    Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.string_value])),
    readOnnxSummary(bytes).metadata,
  );
  assert.deepEqual(JSON.parse(params.class_names.string_value), info.classNames);
});

test('the commented GPU block is valid configuration once uncommented', () => {
  const text = GPU_NOTE.split('\n')
    .filter((l) => /^# [a-z_]+:? [[{]/.test(l))
    .map((l) => l.slice(2))
    .join('\n');
  const c = parsePbtxt(text, modelConfigType());
  assert.deepEqual(c.instance_group, [{ kind: 'KIND_GPU', count: 1 }]);
  assert.deepEqual(c.optimization, { execution_accelerators: { gpu_execution_accelerator: [{ name: 'cuda' }] } });
});

test('the parser holds files to the schema: unknown fields, bad enums and types fail', () => {
  const t = modelConfigType();
  assert.throws(
    () => parsePbtxt('name: "x"\nmax_batch: 4', t),
    /line 2: inference.ModelConfig has no field "max_batch"/,
  );
  assert.throws(
    () => parsePbtxt('instance_group { kind: KIND_TPU }', t),
    /KIND_TPU is not a value of inference.ModelInstanceGroup.Kind/,
  );
  assert.throws(() => parsePbtxt('max_batch_size: "8"', t), /got a string/);
  assert.throws(() => parsePbtxt('input { name: "z" dims: [ 1.5 ] }', t), /got 1.5/);
});

test('a name Triton cannot use, or an existing entry, is refused and nothing is replaced', async () => {
  const s = readOnnxSummary(bytes);
  assert.throws(() => tritonConfig('my model', s), /model name "my model" is not usable by Triton/);
  const before = await fs.readFile(path.join(dir, 'gen', 'config.pbtxt'), 'utf8');
  await assert.rejects(
    writeTritonRepository(dir, 'gen', bytes),
    /config.pbtxt exists: pass --force to replace it, or pick another --name/,
  );
  assert.equal(await fs.readFile(path.join(dir, 'gen', 'config.pbtxt'), 'utf8'), before);
  const other = await testOnnx(undefined, { seed: 8 });
  await assert.rejects(writeTritonRepository(dir, 'gen', other), /model.onnx exists and holds another model/);
  assert.ok(
    (await fs.readFile(path.join(dir, 'gen', '1', 'model.onnx'))).equals(Buffer.from(bytes)),
    'model.onnx is the export, byte for byte',
  );
});
