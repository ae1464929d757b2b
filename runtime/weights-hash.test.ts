/** The load-time weights check recomputes exactly the hash the exporter stores, and catches one flipped bit. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testOnnx } from '../test/test-checkpoint.ts';
import { readModelInfo } from './model-info.ts';
import { verifyWeights } from './weights-hash.ts';

for (const fp16 of [false, true]) {
  const title = `${fp16 ? 'float16' : 'float32'} weights: the stored hash verifies; a flipped bit in a weight does not`;
  test(title, async () => {
    const bytes = await testOnnx(undefined, { fp16 });
    const info = readModelInfo(bytes, 'g.onnx');
    await verifyWeights(bytes, info, 'g.onnx');
    const damaged = bytes.slice();
    damaged[Math.floor(damaged.length / 2)] ^= 0x01; // the dense weights fill most of the file
    await assert.rejects(
      verifyWeights(damaged, readModelInfo(damaged, 'g.onnx'), 'g.onnx'),
      /g\.onnx: its weights do not match the weights_(fp16_)?sha256 stored at export/,
    );
  });
}

test('a model without a stored hash is refused, naming how to skip the check', async () => {
  const bytes = await testOnnx();
  const info = readModelInfo(bytes, 'old.onnx');
  await assert.rejects(
    verifyWeights(bytes, { ...info, metadata: { ...info.metadata, weights_sha256: '' } }, 'old.onnx'),
    /stores no weights_sha256 .*--no-verify/,
  );
});
