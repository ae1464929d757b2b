/** The load-time weights check recomputes exactly the hash the exporter stores, and catches one flipped bit. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testOnnx } from '../test/test-checkpoint.ts';
import { fixtureModel } from '../test/fixture-model.ts';
import { readModel } from './model-info.ts';
import { verifyWeights } from './weights-hash.ts';

for (const fp16 of [false, true]) {
  const title = `${fp16 ? 'float16' : 'float32'} weights: the stored hash verifies; a flipped bit in a weight does not`;
  test(title, async () => {
    const bytes = await testOnnx(undefined, { fp16 });
    await verifyWeights(readModel(bytes, 'g.onnx'), 'g.onnx');
    const damaged = bytes.slice();
    damaged[Math.floor(damaged.length / 2)] ^= 0x01; // the dense weights fill most of the file
    await assert.rejects(
      verifyWeights(readModel(damaged, 'g.onnx'), 'g.onnx'),
      /g\.onnx: its weights do not match the weights_(fp16_)?sha256 stored at export/,
    );
  });
}

test('an RGB 32x32 model with 3 blocks verifies, and a flipped bit in its last deconvolution does not', async () => {
  const bytes = fixtureModel({ imageSize: 32, channels: 3, numClasses: 4, genChannels: 8 });
  const model = readModel(bytes, 'rgb.onnx');
  assert.deepEqual([model.info.imageSize, model.info.channels, model.info.numClasses], [32, 3, 4]);
  await verifyWeights(model, 'rgb.onnx');
  const raw = model.summary.initializers.get('deconv3.weight')!.raw;
  const damaged = bytes.slice();
  damaged[raw.byteOffset - bytes.byteOffset + 5] ^= 0x10;
  await assert.rejects(verifyWeights(readModel(damaged, 'rgb.onnx'), 'rgb.onnx'), /do not match the weights_sha256/);
});

test('a weight whose dims claim more than the architecture is damaged, named, before any hashing', async () => {
  const bytes = fixtureModel({ genChannels: 8 });
  const model = readModel(bytes, 'big.onnx');
  model.summary.initializers.get('dense.weight')!.dims = [256, 1 << 22];
  await assert.rejects(verifyWeights(model, 'big.onnx'), /big\.onnx: weight dense\.weight claims dims \[256,4194304\]/);
});

test('a model without a stored hash is refused, naming how to skip the check', async () => {
  const model = readModel(await testOnnx(), 'old.onnx');
  model.info.metadata.weights_sha256 = '';
  await assert.rejects(verifyWeights(model, 'old.onnx'), /stores no weights_sha256 .*--no-verify/);
});
