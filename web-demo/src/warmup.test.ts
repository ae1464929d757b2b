import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { warmupModel } from './warmup.ts';

test('the warm-up model is a valid ONNX Identity that onnxruntime runs', async () => {
  const bytes = warmupModel();
  assert.equal(bytes.length, 69);
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ x: new ort.Tensor('float32', new Float32Array([2.5]), [1]) });
  assert.deepEqual([...(out.y.data as Float32Array)], [2.5]);
  await s.release();
});
